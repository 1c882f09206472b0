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

use secrecy::SecretString;

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
