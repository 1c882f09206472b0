//! Secrets Manager: the secrets a stack declares, the non-secret fields merged into them once
//! endpoints exist, and the one way a secret value leaves AWS — `value_of`, called by the
//! provider call that hands it straight back to AWS (a database's master password, a Redis
//! auth token, a SecureString parameter).
//!
//! A generated value is made here, once, when the secret is created; nothing regenerates it.
//! The state keeps the secret's ARN (its id) and version id (an output), never the value.

mod fields;
mod generate;
mod secret;

use secrecy::SecretString;

use super::{Aws, AwsError, ReadRequest};
use crate::resource::{Address, Attrs, Kind, Observed, Value};

pub(super) async fn read(
    aws: &Aws,
    kind: Kind,
    requests: &[ReadRequest],
) -> Result<Vec<(Address, Observed)>, AwsError> {
    let reads = requests.iter().map(|r| async move {
        let found = match kind {
            Kind::SecretFields => fields::read(&aws.secrets, r).await?,
            _ => secret::read(&aws.secrets, r).await?,
        };
        Ok::<_, AwsError>((r.address.clone(), found.map_or(Observed::Absent, Observed::Present)))
    });
    futures::future::try_join_all(reads).await
}

pub(super) async fn create(aws: &Aws, kind: Kind, attrs: &Attrs) -> Result<String, AwsError> {
    match kind {
        Kind::SecretFields => fields::put(&aws.secrets, attrs).await,
        _ => secret::create(&aws.secrets, attrs, copied_value(aws, attrs).await?).await,
    }
}

/// With `copy_from: { secret, region, key }` (a cross-region replica's password), the value to
/// copy, read from the other secret for this one call: it goes from AWS to AWS only.
async fn copied_value(aws: &Aws, attrs: &Attrs) -> Result<Option<SecretString>, AwsError> {
    let Some(from) = crate::resource::attr(attrs, "copy_from").as_map() else { return Ok(None) };
    let Some(secret_id) = from.get("secret").and_then(Value::as_str) else { return Ok(None) };
    let client = aws.secrets_in(from.get("region").and_then(Value::as_str));
    value_in(&client, secret_id, from.get("key").and_then(Value::as_str)).await.map(Some)
}

pub(super) async fn update(aws: &Aws, kind: Kind, id: &str, before: &Attrs, after: &Attrs) -> Result<(), AwsError> {
    match kind {
        Kind::SecretFields => fields::put(&aws.secrets, after).await.map(drop),
        _ => secret::update(&aws.secrets, id, before, after).await,
    }
}

pub(super) async fn delete(aws: &Aws, kind: Kind, id: &str, attrs: &Attrs) -> Result<(), AwsError> {
    match kind {
        // The fields go with the secret; a secret that outlives them keeps harmless host/port.
        Kind::SecretFields => Ok(()),
        _ => secret::delete(&aws.secrets, id, attrs).await,
    }
}

/// The secret's value, or one field of its JSON: what a provider call sends to AWS. Errors
/// never include the value.
pub(crate) async fn value_of(aws: &Aws, secret_id: &str, key: Option<&str>) -> Result<SecretString, AwsError> {
    value_in(&aws.secrets, secret_id, key).await
}

async fn value_in(
    client: &aws_sdk_secretsmanager::Client,
    secret_id: &str,
    key: Option<&str>,
) -> Result<SecretString, AwsError> {
    let out = client
        .get_secret_value()
        .secret_id(secret_id)
        .send()
        .await
        .map_err(|e| AwsError::from_sdk("GetSecretValue", e))?;
    let Some(text) = out.secret_string() else {
        return Err(AwsError::local(
            "GetSecretValue",
            format!("secret {secret_id} has no value yet; put one with `aws secretsmanager put-secret-value`"),
        ));
    };
    let Some(key) = key else { return Ok(SecretString::from(text.to_owned())) };
    let json: serde_json::Value = serde_json::from_str(text).map_err(|_| {
        AwsError::local("GetSecretValue", format!("secret {secret_id} is not a JSON object with a `{key}` field"))
    })?;
    match json.get(key).and_then(serde_json::Value::as_str) {
        Some(v) => Ok(SecretString::from(v.to_owned())),
        None => Err(AwsError::local("GetSecretValue", format!("secret {secret_id} has no `{key}` field"))),
    }
}
