//! A Secrets Manager secret: name (fixed), description, tags, and what to do on delete. Its
//! generated value is written once, by `create`; a secret found scheduled for deletion (a
//! destroyed stack applied again) is restored with its old value rather than duplicated.

use std::collections::HashMap;

use async_trait::async_trait;
use aws_sdk_secretsmanager::Client;
use aws_sdk_secretsmanager::types::Tag;
use platformctl_core::kinds::secret::{
    COPY_FROM, DESCRIPTION, FORCE_DELETE, GENERATE, KMS_KEY, NAME, RECOVERY_WINDOW_DAYS, TAGS, VALUE_KEY, out,
};
use platformctl_core::resource::{Address, Attrs, Kind, LiveResource, Observed, Value};
use secrecy::{ExposeSecret, SecretString};

use super::generate::generate;
use super::value::SecretObject;
use super::{current_version, listed_by_arn, value_in};
use crate::common::{TagChanges, opt_str, tag_pairs, tags_from_pairs};
use crate::error::SdkResultExt;
use crate::registry::{NewResource, Provider, confirmed};
use crate::{Aws, AwsError, ReadRequest};

pub(crate) struct Secret;

#[async_trait]
impl Provider for Secret {
    /// ListSecrets by name, ten names a call, all calls at once; each secret the listing
    /// shows other than the state recorded, or not at all, is described.
    async fn read(&self, aws: &Aws, requests: &[ReadRequest]) -> Result<Vec<(Address, Observed)>, AwsError> {
        let listed = listed(aws, requests).await?;
        confirmed(Kind::Secret, requests, listed, |r| read(&aws.secrets, r)).await
    }

    async fn create(&self, aws: &Aws, new: &NewResource<'_>) -> Result<String, AwsError> {
        create(&aws.secrets, new.attrs, copied_value(aws, new.attrs).await?).await
    }

    async fn update(&self, aws: &Aws, id: &str, before: &Attrs, after: &Attrs) -> Result<(), AwsError> {
        update(&aws.secrets, id, before, after).await
    }

    /// Deletes with a recovery window (7 to 30 days; AWS's default is 30), or at once with
    /// `force_delete`.
    async fn delete(&self, aws: &Aws, id: &str, attrs: &Attrs) -> Result<(), AwsError> {
        let mut request = aws.secrets.delete_secret().secret_id(id);
        if FORCE_DELETE.is_true(attrs) {
            request = request.force_delete_without_recovery(true);
        } else if let Some(days) = RECOVERY_WINDOW_DAYS.int(attrs) {
            request = request.recovery_window_in_days(days);
        }
        match request.send().await.aws("DeleteSecret") {
            Ok(_) => Ok(()),
            // AWS refuses to delete a secret twice (InvalidRequestException): one already
            // scheduled for deletion is as deleted as this call would make it.
            Err(e) if e.code() == Some(INVALID_REQUEST) && scheduled_for_deletion(&aws.secrets, id).await? => Ok(()),
            Err(e) => Err(e),
        }
    }
}

/// Secrets Manager's code for a request the secret's state forbids (among others).
const INVALID_REQUEST: &str = "InvalidRequestException";

/// Whether the secret exists and is scheduled for deletion (in its recovery window).
async fn scheduled_for_deletion(client: &Client, id: &str) -> Result<bool, AwsError> {
    match client.describe_secret().secret_id(id).send().await.aws("DescribeSecret") {
        Ok(out) => Ok(out.deleted_date().is_some()),
        Err(e) if e.is_not_found() => Ok(false),
        Err(e) => Err(e),
    }
}

async fn read(client: &Client, request: &ReadRequest) -> Result<Option<LiveResource>, AwsError> {
    // A pending create is found by its name, which the stack fixes.
    let Some(id) = request.id.as_deref().or(NAME.str(&request.attrs)) else { return Ok(None) };
    let out = match client.describe_secret().secret_id(id).send().await.aws("DescribeSecret") {
        Ok(out) => out,
        Err(e) if e.is_not_found() => return Ok(None),
        Err(e) => return Err(e),
    };
    if out.deleted_date().is_some() {
        return Ok(None);
    }
    let tags = out.tags().iter().map(|t| (t.key(), t.value()));
    Ok(Some(live_secret(out.name(), out.description(), tags, out.arn(), out.version_ids_to_stages())))
}

/// The requested secrets that ListSecrets shows under the ARN the state recorded (a secret
/// deleted and made again under the same name is another secret), by address.
async fn listed(aws: &Aws, requests: &[ReadRequest]) -> Result<HashMap<Address, LiveResource>, AwsError> {
    let mut entries = listed_by_arn(aws, requests.iter().filter_map(|r| r.id.as_deref())).await?;
    let found = requests.iter().filter_map(|r| {
        let entry = entries.remove(r.id.as_deref()?)?;
        let tags = entry.tags().iter().map(|t| (t.key(), t.value()));
        let live = live_secret(entry.name(), entry.description(), tags, entry.arn(), entry.secret_versions_to_stages());
        Some((r.address.clone(), live))
    });
    Ok(found.collect())
}

/// A secret as platformctl compares it, from DescribeSecret or ListSecrets.
fn live_secret<'a>(
    name: Option<&str>,
    description: Option<&str>,
    tags: impl Iterator<Item = (Option<&'a str>, Option<&'a str>)>,
    arn: Option<&str>,
    versions: Option<&HashMap<String, Vec<String>>>,
) -> LiveResource {
    let attrs =
        Attrs::from([NAME.to(opt_str(name)), DESCRIPTION.to(opt_str(description)), TAGS.to(tags_from_pairs(tags))]);
    let current = current_version(versions);
    let outputs = Attrs::from([out::ARN.to(opt_str(arn)), out::VERSION_ID.to(opt_str(current))]);
    LiveResource { id: arn.unwrap_or_default().to_owned(), attrs, ready: true, outputs }
}

/// With `copy_from: { secret, region, key }` (a cross-region replica's password), the value to
/// copy, read from the other secret for this one call: it goes from AWS to AWS only.
async fn copied_value(aws: &Aws, attrs: &Attrs) -> Result<Option<SecretString>, AwsError> {
    let Some(from) = COPY_FROM.map(attrs) else { return Ok(None) };
    let Some(secret_id) = from.get("secret").and_then(Value::as_str) else { return Ok(None) };
    let client = aws.secrets_in(from.get("region").and_then(Value::as_str));
    value_in(&client, secret_id, from.get("key").and_then(Value::as_str)).await.map(Some)
}

/// The first value of the secret: `copied` from another secret, or generated; shaped as its
/// consumer expects (`{"password": ..}` for a database, `{"auth_token": ..}` for Redis, the bare
/// value otherwise); none for an external secret.
fn initial_value(attrs: &Attrs, copied: Option<SecretString>) -> Option<SecretString> {
    let value = match copied {
        Some(value) => value,
        None => {
            let generate_spec = GENERATE.map(attrs)?;
            let length = generate_spec.get("length").and_then(Value::as_int).unwrap_or(32);
            let punctuation = generate_spec.get("punctuation").and_then(Value::as_str).unwrap_or_default();
            generate(usize::try_from(length).unwrap_or(32), punctuation)
        }
    };
    Some(match VALUE_KEY.str(attrs) {
        Some(key) => SecretObject::with(key, &value).to_secret_string(),
        None => value,
    })
}

fn tags(attrs: &Attrs) -> Vec<Tag> {
    tag_pairs(attrs).into_iter().map(|(k, v)| Tag::builder().key(k).value(v).build()).collect()
}

async fn create(client: &Client, attrs: &Attrs, copied: Option<SecretString>) -> Result<String, AwsError> {
    let name = NAME.str(attrs).unwrap_or_default();
    let value = initial_value(attrs, copied);
    let result = client
        .create_secret()
        .name(name)
        .set_description(DESCRIPTION.str(attrs).map(str::to_owned))
        .set_kms_key_id(KMS_KEY.str(attrs).map(str::to_owned))
        .set_tags(Some(tags(attrs)))
        .set_secret_string(value.as_ref().map(|v| v.expose_secret().to_owned()))
        .send()
        .await
        .aws("CreateSecret");
    match result {
        Ok(out) => Ok(out.arn().unwrap_or_default().to_owned()),
        // AWS answers InvalidRequestException for a name scheduled for deletion (emulators
        // ResourceExistsException): either way the secret itself says whether it is.
        Err(e)
            if !matches!(e.code(), Some(INVALID_REQUEST | "ResourceExistsException"))
                || !scheduled_for_deletion(client, name).await? =>
        {
            Err(e)
        }
        Err(_) => {
            // The stack was destroyed and is applied again within the recovery window: bring
            // the secret back (its value was generated once and stays what it was).
            let out = client.restore_secret().secret_id(name).send().await.aws("RestoreSecret")?;
            let arn = out.arn().unwrap_or_default().to_owned();
            tracing::info!(secret = name, "restored a secret that was scheduled for deletion");
            update(client, &arn, &Attrs::new(), attrs).await?;
            Ok(arn)
        }
    }
}

async fn update(client: &Client, id: &str, before: &Attrs, after: &Attrs) -> Result<(), AwsError> {
    if DESCRIPTION.changed(before, after) {
        let request = client.update_secret().secret_id(id).description(DESCRIPTION.str(after).unwrap_or_default());
        request.send().await.aws("UpdateSecret")?;
    }
    if KMS_KEY.changed(before, after) {
        // No key of the stack's any more: back to the AWS managed key.
        let key = KMS_KEY.str(after).unwrap_or("alias/aws/secretsmanager");
        client.update_secret().secret_id(id).kms_key_id(key).send().await.aws("UpdateSecret")?;
    }
    TagChanges::between(before, after)
        .send(
            async |set| {
                let set = set.into_iter().map(|(k, v)| Tag::builder().key(k).value(v).build()).collect();
                client.tag_resource().secret_id(id).set_tags(Some(set)).send().await.aws("TagResource").map(drop)
            },
            async |keys| {
                let request = client.untag_resource().secret_id(id).set_tag_keys(Some(keys));
                request.send().await.aws("UntagResource").map(drop)
            },
        )
        .await
}
