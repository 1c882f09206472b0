//! The IAM OIDC provider for an EKS cluster's issuer: what lets service accounts assume roles
//! (IRSA). Created without a thumbprint: IAM then fetches the issuer's top intermediate CA
//! thumbprint itself (and for EKS issuers trusts its own CA library), which is what
//! `aws eks` tooling does today; the thumbprints IAM recorded are an output.

use aws_sdk_iam::operation::get_open_id_connect_provider::GetOpenIdConnectProviderOutput;

use async_trait::async_trait;
use platformctl_core::kinds::oidc_provider::{CLIENT_IDS, TAGS, URL, out};
use platformctl_core::resource::{Address, Attrs, LiveResource, Observed, Value};

use super::{tags, tags_of};
use crate::common::{TagChanges, observed_at, sorted_list, tags_from_pairs};
use crate::error::SdkResultExt;
use crate::registry::{NewResource, Provider};
use crate::{Aws, AwsError, ReadRequest};

pub(crate) struct OidcProvider;

#[async_trait]
impl Provider for OidcProvider {
    /// Every provider described at once (IAM has no batch read of them: one per cluster).
    async fn read(&self, aws: &Aws, requests: &[ReadRequest]) -> Result<Vec<(Address, Observed)>, AwsError> {
        // A pending create: IAM allows one provider per URL, so the URL finds it among the
        // account's providers, listed once.
        let listed = match requests.iter().any(|r| r.id.is_none()) {
            true => list(aws).await?,
            false => Vec::new(),
        };
        let reads = requests.iter().map(|r| {
            let listed = &listed;
            async move {
                let arn = match &r.id {
                    Some(arn) => Some(arn.clone()),
                    None => find_by_url(aws, listed, URL.str(&r.attrs)).await?,
                };
                let observed = observed_at(arn, |arn| async move { describe(aws, &arn, r).await }).await?;
                Ok((r.address.clone(), observed))
            }
        });
        futures::future::try_join_all(reads).await
    }

    async fn create(&self, aws: &Aws, new: &NewResource<'_>) -> Result<String, AwsError> {
        let attrs = new.attrs;
        let out = aws
            .iam
            .create_open_id_connect_provider()
            .url(URL.str(attrs).unwrap_or_default())
            .set_client_id_list(Some(CLIENT_IDS.strings(attrs)))
            .set_tags(Some(tags(attrs)))
            .send()
            .await
            .aws("CreateOpenIDConnectProvider")?;
        Ok(out.open_id_connect_provider_arn().unwrap_or_default().to_owned())
    }

    async fn update(&self, aws: &Aws, id: &str, before: &Attrs, after: &Attrs) -> Result<(), AwsError> {
        let (old, new) = (CLIENT_IDS.strings(before), CLIENT_IDS.strings(after));
        for client in new.iter().filter(|c| !old.contains(c)) {
            aws.iam
                .add_client_id_to_open_id_connect_provider()
                .open_id_connect_provider_arn(id)
                .client_id(client)
                .send()
                .await
                .aws("AddClientIDToOpenIDConnectProvider")?;
        }
        for client in old.iter().filter(|c| !new.contains(c)) {
            aws.iam
                .remove_client_id_from_open_id_connect_provider()
                .open_id_connect_provider_arn(id)
                .client_id(client)
                .send()
                .await
                .aws("RemoveClientIDFromOpenIDConnectProvider")?;
        }
        TagChanges::between(before, after)
            .send(
                async |set| {
                    let request = aws
                        .iam
                        .tag_open_id_connect_provider()
                        .open_id_connect_provider_arn(id)
                        .set_tags(Some(tags_of(set)));
                    request.send().await.map(drop).aws("TagOpenIDConnectProvider")
                },
                async |keys| {
                    let request = aws
                        .iam
                        .untag_open_id_connect_provider()
                        .open_id_connect_provider_arn(id)
                        .set_tag_keys(Some(keys));
                    request.send().await.map(drop).aws("UntagOpenIDConnectProvider")
                },
            )
            .await
    }

    async fn delete(&self, aws: &Aws, id: &str, _: &Attrs) -> Result<(), AwsError> {
        let request = aws.iam.delete_open_id_connect_provider().open_id_connect_provider_arn(id);
        request.send().await.aws("DeleteOpenIDConnectProvider")?;
        Ok(())
    }
}

/// IAM stores the URL without its scheme.
fn without_scheme(url: &str) -> &str {
    url.split_once("://").map_or(url, |(_, rest)| rest)
}

async fn list(aws: &Aws) -> Result<Vec<String>, AwsError> {
    let out = aws.iam.list_open_id_connect_providers().send().await.aws("ListOpenIDConnectProviders")?;
    Ok(out.open_id_connect_provider_list().iter().filter_map(|p| p.arn().map(str::to_owned)).collect())
}

async fn find_by_url(aws: &Aws, arns: &[String], url: Option<&str>) -> Result<Option<String>, AwsError> {
    let Some(url) = url else { return Ok(None) };
    for arn in arns {
        let found = get(aws, arn).await?;
        if found.url().map(without_scheme) == Some(without_scheme(url)) {
            return Ok(Some(arn.clone()));
        }
    }
    Ok(None)
}

async fn get(aws: &Aws, arn: &str) -> Result<GetOpenIdConnectProviderOutput, AwsError> {
    let request = aws.iam.get_open_id_connect_provider().open_id_connect_provider_arn(arn);
    request.send().await.aws("GetOpenIDConnectProvider")
}

async fn describe(aws: &Aws, arn: &str, request: &ReadRequest) -> Result<LiveResource, AwsError> {
    let found = get(aws, arn).await?;
    let live_url = found.url().unwrap_or_default();
    // The scheme is not stored: the URL as applied stands when the rest matches.
    let url = match URL.str(&request.attrs) {
        Some(applied) if without_scheme(applied) == without_scheme(live_url) => applied.to_owned(),
        _ => format!("https://{}", without_scheme(live_url)),
    };
    let attrs = Attrs::from([
        URL.to(Value::str(url)),
        CLIENT_IDS.to(sorted_list(found.client_id_list().iter().map(String::as_str))),
        TAGS.to(tags_from_pairs(found.tags().iter().map(|t| (Some(t.key()), Some(t.value()))))),
    ]);
    let outputs = Attrs::from([
        out::ARN.to(arn),
        out::THUMBPRINTS.to(Value::List(found.thumbprint_list().iter().map(Value::str).collect())),
    ]);
    Ok(LiveResource { id: arn.to_owned(), attrs, ready: true, outputs })
}
