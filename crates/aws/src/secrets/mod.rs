//! Secrets Manager: the secrets a stack declares, the non-secret fields merged into them once
//! endpoints exist, and the one way a secret value leaves AWS — `value_of`, called by the
//! provider call that hands it straight back to AWS (a database's master password, a Redis
//! auth token, a SecureString parameter).
//!
//! A generated value is made here, once, when the secret is created; nothing regenerates it.
//! The state keeps the secret's ARN (its id) and version id (an output), never the value.

pub(crate) mod fields;
mod generate;
pub(crate) mod secret;
mod value;

use secrecy::SecretString;
use value::{SecretObject, take_string};

use crate::error::SdkResultExt;
use crate::{Aws, AwsError};

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
    let out = client.get_secret_value().secret_id(secret_id).send().await.aws("GetSecretValue")?;
    let Some(text) = take_string(out) else {
        return Err(AwsError::local(
            "GetSecretValue",
            format!("secret {secret_id} has no value yet; put one with `aws secretsmanager put-secret-value`"),
        ));
    };
    let Some(key) = key else { return Ok(text) };
    let object = SecretObject::parse(&text).ok_or_else(|| {
        AwsError::local("GetSecretValue", format!("secret {secret_id} is not a JSON object with a `{key}` field"))
    })?;
    object
        .field(key)
        .ok_or_else(|| AwsError::local("GetSecretValue", format!("secret {secret_id} has no `{key}` field")))
}
