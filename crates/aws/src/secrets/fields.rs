//! The non-secret fields of a secret's JSON — engine, host, port, username, dbname — shaped as
//! AWS shapes its own RDS secrets, so that applications and the External Secrets operator read
//! them like any other. Written once the endpoint they describe exists; the password or token
//! already in the secret is kept as it is.

use async_trait::async_trait;
use aws_sdk_secretsmanager::Client;
use platformctl_core::kinds::secret_fields::{FIELDS, SECRET_ID};
use platformctl_core::resource::{Address, Attrs, LiveResource, Observed, Value};
use secrecy::{ExposeSecret, SecretString};

use crate::error::SdkResultExt;
use crate::registry::{NewResource, Provider};
use crate::{Aws, AwsError, ReadRequest};

/// Keys that hold secret values: never read into attributes.
const SECRET_KEYS: &[&str] = &["password", "auth_token"];

pub(crate) struct Fields;

#[async_trait]
impl Provider for Fields {
    async fn read(&self, aws: &Aws, requests: &[ReadRequest]) -> Result<Vec<(Address, Observed)>, AwsError> {
        crate::common::read_each(requests, |r| read(&aws.secrets, r)).await
    }

    async fn create(&self, aws: &Aws, new: &NewResource<'_>) -> Result<String, AwsError> {
        put(&aws.secrets, new.attrs).await
    }

    async fn update(&self, aws: &Aws, _: &str, _: &Attrs, after: &Attrs) -> Result<(), AwsError> {
        put(&aws.secrets, after).await.map(drop)
    }

    /// The fields go with the secret; a secret that outlives them keeps harmless host/port.
    async fn delete(&self, _: &Aws, _: &str, _: &Attrs) -> Result<(), AwsError> {
        Ok(())
    }
}

/// The secret's JSON object, in memory only as long as this call needs it.
async fn current_object(
    client: &Client,
    secret_id: &str,
) -> Result<Option<serde_json::Map<String, serde_json::Value>>, AwsError> {
    let out = match client.get_secret_value().secret_id(secret_id).send().await.aws("GetSecretValue") {
        Ok(out) => out,
        Err(e) if e.is_not_found() => return Ok(None),
        Err(e) => return Err(e),
    };
    let text = SecretString::from(out.secret_string().unwrap_or("{}").to_owned());
    Ok(Some(match serde_json::from_str(text.expose_secret()) {
        Ok(serde_json::Value::Object(m)) => m,
        _ => serde_json::Map::new(),
    }))
}

async fn read(client: &Client, request: &ReadRequest) -> Result<Option<LiveResource>, AwsError> {
    let Some(secret_id) = request.id.as_deref().or(SECRET_ID.str(&request.attrs)) else { return Ok(None) };
    let Some(object) = current_object(client, secret_id).await? else { return Ok(None) };
    // Only the fields this stack writes are compared: others (a promoted replica's username,
    // whatever people added) are not platformctl's.
    let managed = FIELDS.map(&request.attrs);
    let fields: serde_json::Map<String, serde_json::Value> = object
        .into_iter()
        .filter(|(k, _)| !SECRET_KEYS.contains(&k.as_str()))
        .filter(|(k, _)| managed.is_none_or(|m| m.contains_key(k)))
        .collect();
    if request.id.is_none() && fields.is_empty() {
        return Ok(None);
    }
    let fields: Value = serde_json::from_value(serde_json::Value::Object(fields)).unwrap_or(Value::Null);
    let attrs = Attrs::from([SECRET_ID.to(secret_id), FIELDS.to(fields)]);
    Ok(Some(LiveResource { id: secret_id.to_owned(), attrs, ready: true, outputs: Attrs::new() }))
}

/// Merges the fields into the secret's JSON (a new version); returns the secret's ARN.
pub(crate) async fn put(client: &Client, attrs: &Attrs) -> Result<String, AwsError> {
    let secret_id = SECRET_ID.str(attrs).unwrap_or_default();
    let mut object = current_object(client, secret_id)
        .await?
        .ok_or_else(|| AwsError::local("GetSecretValue", format!("secret {secret_id} is gone")))?;
    if let serde_json::Value::Object(fields) = serde_json::to_value(FIELDS.get(attrs)).unwrap_or_default() {
        object.extend(fields);
    }
    let text = SecretString::from(serde_json::Value::Object(object).to_string());
    client
        .put_secret_value()
        .secret_id(secret_id)
        .secret_string(text.expose_secret())
        .send()
        .await
        .aws("PutSecretValue")?;
    Ok(secret_id.to_owned())
}
