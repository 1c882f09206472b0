//! The IAM OIDC provider for an EKS cluster's issuer: what lets service accounts assume roles
//! (IRSA). Created without a thumbprint: IAM then fetches the issuer's top intermediate CA
//! thumbprint itself (and for EKS issuers trusts its own CA library), which is what
//! `aws eks` tooling does today; the thumbprints IAM recorded are an output.

use aws_sdk_iam::operation::get_open_id_connect_provider::GetOpenIdConnectProviderOutput;

use super::{tags, tags_of};
use crate::providers::common::{TagChanges, sorted_list, str_attr, str_list, tags_from_pairs};
use crate::providers::{Aws, AwsError, ReadRequest};
use crate::resource::{Address, Attrs, LiveResource, Observed, Value, attr};

/// IAM stores the URL without its scheme.
fn without_scheme(url: &str) -> &str {
    url.split_once("://").map_or(url, |(_, rest)| rest)
}

pub(super) async fn read(aws: &Aws, requests: &[ReadRequest]) -> Result<Vec<(Address, Observed)>, AwsError> {
    let mut out = Vec::new();
    let mut listed: Option<Vec<String>> = None;
    for r in requests {
        let arn = match &r.id {
            Some(arn) => Some(arn.clone()),
            None => {
                // A pending create: IAM allows one provider per URL, so the URL finds it.
                if listed.is_none() {
                    listed = Some(list(aws).await?);
                }
                find_by_url(aws, listed.as_deref().unwrap_or_default(), str_attr(&r.attrs, "url")).await?
            }
        };
        let observed = match arn {
            Some(arn) => match describe(aws, &arn, r).await {
                Ok(found) => Observed::Present(found),
                Err(e) if e.is_not_found() => Observed::Absent,
                Err(e) => return Err(e),
            },
            None => Observed::Absent,
        };
        out.push((r.address.clone(), observed));
    }
    Ok(out)
}

async fn list(aws: &Aws) -> Result<Vec<String>, AwsError> {
    let out = aws
        .iam
        .list_open_id_connect_providers()
        .send()
        .await
        .map_err(|e| AwsError::from_sdk("ListOpenIDConnectProviders", e))?;
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
    request.send().await.map_err(|e| AwsError::from_sdk("GetOpenIDConnectProvider", e))
}

async fn describe(aws: &Aws, arn: &str, request: &ReadRequest) -> Result<LiveResource, AwsError> {
    let found = get(aws, arn).await?;
    let live_url = found.url().unwrap_or_default();
    // The scheme is not stored: the URL as applied stands when the rest matches.
    let url = match str_attr(&request.attrs, "url") {
        Some(applied) if without_scheme(applied) == without_scheme(live_url) => applied.to_owned(),
        _ => format!("https://{}", without_scheme(live_url)),
    };
    let attrs = Attrs::from([
        ("url".into(), Value::str(url)),
        ("client_ids".into(), sorted_list(found.client_id_list().iter().map(String::as_str))),
        ("tags".into(), tags_from_pairs(found.tags().iter().map(|t| (Some(t.key()), Some(t.value()))))),
    ]);
    let outputs = Attrs::from([
        ("arn".into(), Value::str(arn)),
        ("thumbprints".into(), Value::List(found.thumbprint_list().iter().map(Value::str).collect())),
    ]);
    Ok(LiveResource { id: arn.to_owned(), attrs, ready: true, outputs })
}

pub(super) async fn create(aws: &Aws, attrs: &Attrs) -> Result<String, AwsError> {
    let out = aws
        .iam
        .create_open_id_connect_provider()
        .url(str_attr(attrs, "url").unwrap_or_default())
        .set_client_id_list(Some(str_list(attrs, "client_ids")))
        .set_tags(Some(tags(attr(attrs, "tags"))))
        .send()
        .await
        .map_err(|e| AwsError::from_sdk("CreateOpenIDConnectProvider", e))?;
    Ok(out.open_id_connect_provider_arn().unwrap_or_default().to_owned())
}

pub(super) async fn update(aws: &Aws, id: &str, before: &Attrs, after: &Attrs) -> Result<(), AwsError> {
    let (old, new) = (str_list(before, "client_ids"), str_list(after, "client_ids"));
    for client in new.iter().filter(|c| !old.contains(c)) {
        aws.iam
            .add_client_id_to_open_id_connect_provider()
            .open_id_connect_provider_arn(id)
            .client_id(client)
            .send()
            .await
            .map_err(|e| AwsError::from_sdk("AddClientIDToOpenIDConnectProvider", e))?;
    }
    for client in old.iter().filter(|c| !new.contains(c)) {
        aws.iam
            .remove_client_id_from_open_id_connect_provider()
            .open_id_connect_provider_arn(id)
            .client_id(client)
            .send()
            .await
            .map_err(|e| AwsError::from_sdk("RemoveClientIDFromOpenIDConnectProvider", e))?;
    }
    TagChanges::between(before, after)
        .send(
            async |set| {
                let request = aws
                    .iam
                    .tag_open_id_connect_provider()
                    .open_id_connect_provider_arn(id)
                    .set_tags(Some(tags_of(set)));
                request.send().await.map(drop).map_err(|e| AwsError::from_sdk("TagOpenIDConnectProvider", e))
            },
            async |keys| {
                let request =
                    aws.iam.untag_open_id_connect_provider().open_id_connect_provider_arn(id).set_tag_keys(Some(keys));
                request.send().await.map(drop).map_err(|e| AwsError::from_sdk("UntagOpenIDConnectProvider", e))
            },
        )
        .await
}

pub(super) async fn delete(aws: &Aws, id: &str) -> Result<(), AwsError> {
    aws.iam
        .delete_open_id_connect_provider()
        .open_id_connect_provider_arn(id)
        .send()
        .await
        .map_err(|e| AwsError::from_sdk("DeleteOpenIDConnectProvider", e))?;
    Ok(())
}
