//! The non-secret fields of a secret's JSON — engine, host, port, username, dbname — shaped as
//! AWS shapes its own RDS secrets, so that applications and the External Secrets operator read
//! them like any other. Written once the endpoint they describe exists; the password or token
//! already in the secret is kept as it is.

use aws_sdk_secretsmanager::Client;
use secrecy::{ExposeSecret, SecretString};

use crate::providers::common::str_attr;
use crate::providers::{AwsError, ReadRequest};
use crate::resource::{Attrs, LiveResource, Value, attr};

/// Keys that hold secret values: never read into attributes.
const SECRET_KEYS: &[&str] = &["password", "auth_token"];

/// The secret's JSON object, in memory only as long as this call needs it.
async fn current_object(
    client: &Client,
    secret_id: &str,
) -> Result<Option<serde_json::Map<String, serde_json::Value>>, AwsError> {
    let out = match client.get_secret_value().secret_id(secret_id).send().await {
        Ok(out) => out,
        Err(e) => {
            let e = AwsError::from_sdk("GetSecretValue", e);
            return if e.is_not_found() { Ok(None) } else { Err(e) };
        }
    };
    let text = SecretString::from(out.secret_string().unwrap_or("{}").to_owned());
    Ok(Some(match serde_json::from_str(text.expose_secret()) {
        Ok(serde_json::Value::Object(m)) => m,
        _ => serde_json::Map::new(),
    }))
}

pub(super) async fn read(client: &Client, request: &ReadRequest) -> Result<Option<LiveResource>, AwsError> {
    let Some(secret_id) = request.id.as_deref().or(str_attr(&request.attrs, "secret_id")) else { return Ok(None) };
    let Some(object) = current_object(client, secret_id).await? else { return Ok(None) };
    // Only the fields this stack writes are compared: others (a promoted replica's username,
    // whatever people added) are not platformctl's.
    let managed = attr(&request.attrs, "fields").as_map();
    let fields: serde_json::Map<String, serde_json::Value> = object
        .into_iter()
        .filter(|(k, _)| !SECRET_KEYS.contains(&k.as_str()))
        .filter(|(k, _)| managed.is_none_or(|m| m.contains_key(k)))
        .collect();
    if request.id.is_none() && fields.is_empty() {
        return Ok(None);
    }
    let fields: Value = serde_json::from_value(serde_json::Value::Object(fields)).unwrap_or(Value::Null);
    let attrs = Attrs::from([("secret_id".into(), Value::str(secret_id)), ("fields".into(), fields)]);
    Ok(Some(LiveResource { id: secret_id.to_owned(), attrs, ready: true, outputs: Attrs::new() }))
}

/// Merges the fields into the secret's JSON (a new version); returns the secret's ARN.
pub(super) async fn put(client: &Client, attrs: &Attrs) -> Result<String, AwsError> {
    let secret_id = str_attr(attrs, "secret_id").unwrap_or_default();
    let mut object = current_object(client, secret_id)
        .await?
        .ok_or_else(|| AwsError::local("GetSecretValue", format!("secret {secret_id} is gone")))?;
    let fields = serde_json::to_value(attr(attrs, "fields")).unwrap_or_default();
    if let serde_json::Value::Object(fields) = fields {
        object.extend(fields);
    }
    let text = SecretString::from(serde_json::Value::Object(object).to_string());
    client
        .put_secret_value()
        .secret_id(secret_id)
        .secret_string(text.expose_secret())
        .send()
        .await
        .map_err(|e| AwsError::from_sdk("PutSecretValue", e))?;
    Ok(secret_id.to_owned())
}
