//! The non-secret fields of a secret's JSON — engine, host, port, username, dbname — shaped as
//! AWS shapes its own RDS secrets, so that applications and the External Secrets operator read
//! them like any other. Written once the endpoint they describe exists; the password or token
//! already in the secret is kept as it is.

use async_trait::async_trait;
use aws_sdk_secretsmanager::Client;
use platformctl_core::kinds::secret_fields::{FIELDS, SECRET_ID, out};
use platformctl_core::resource::{Address, Attrs, Kind, LiveResource, Observed, Value};
use secrecy::ExposeSecret;

use super::value::{SecretObject, take_string};
use super::{current_version, listed_by_arn};
use crate::error::SdkResultExt;
use crate::registry::{NewResource, Provider, confirmed};
use crate::{Aws, AwsError, ReadRequest};

/// Keys that hold secret values: never read into attributes.
const SECRET_KEYS: &[&str] = &["password", "auth_token"];

pub(crate) struct Fields;

#[async_trait]
impl Provider for Fields {
    /// ListSecrets for the secrets' current versions: where it is still the version platformctl
    /// wrote, the fields are the ones it wrote; any other answer is read directly.
    async fn read(&self, aws: &Aws, requests: &[ReadRequest]) -> Result<Vec<(Address, Observed)>, AwsError> {
        let entries = listed_by_arn(aws, requests.iter().filter_map(|r| r.id.as_deref())).await?;
        let unchanged = requests.iter().filter_map(|r| {
            let secret_id = r.id.as_deref()?;
            let current = current_version(entries.get(secret_id)?.secret_versions_to_stages())?;
            let recorded = out::VERSION_ID.get(&r.outputs).and_then(Value::as_str)?;
            let fields = FIELDS.get(&r.attrs).clone();
            (current == recorded).then(|| (r.address.clone(), live_fields(secret_id, fields, Some(current))))
        });
        confirmed(Kind::SecretFields, requests, unchanged.collect(), |r| read(&aws.secrets, r)).await
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

/// The secret's JSON object (zeroed when dropped); `None` when the secret is gone.
async fn current_object(client: &Client, secret_id: &str) -> Result<Option<SecretObject>, AwsError> {
    let out = match client.get_secret_value().secret_id(secret_id).send().await.aws("GetSecretValue") {
        Ok(out) => out,
        Err(e) if e.is_not_found() => return Ok(None),
        Err(e) => return Err(e),
    };
    Ok(Some(take_string(out).and_then(|text| SecretObject::parse(&text)).unwrap_or_else(SecretObject::empty)))
}

/// The fields as they are in AWS. While the secret's current version is the one platformctl
/// last wrote (an output), they are the fields it wrote: a plan needs no `GetSecretValue`, so
/// it runs under a role that may not read secrets. A newer version was written by someone else
/// (or by a rotation): the fields are then reported as such, a change apply repairs (reading the
/// value there). Only a state without that version (a pending create) reads the value.
async fn read(client: &Client, request: &ReadRequest) -> Result<Option<LiveResource>, AwsError> {
    let Some(secret_id) = request.id.as_deref().or(SECRET_ID.str(&request.attrs)) else { return Ok(None) };
    let described = match client.describe_secret().secret_id(secret_id).send().await.aws("DescribeSecret") {
        Ok(out) if out.deleted_date().is_none() => out,
        Ok(_) => return Ok(None),
        Err(e) if e.is_not_found() => return Ok(None),
        Err(e) => return Err(e),
    };
    let current = current_version(described.version_ids_to_stages()).map(str::to_owned);
    let recorded = out::VERSION_ID.get(&request.outputs).and_then(Value::as_str);
    let fields = match (&request.id, recorded, &current) {
        (Some(_), Some(recorded), Some(current)) if recorded == current => FIELDS.get(&request.attrs).clone(),
        (Some(_), Some(_), current) => {
            Value::str(format!("written outside platformctl (version {})", current.as_deref().unwrap_or("unknown")))
        }
        _ => match fields_in_value(client, secret_id, request).await? {
            Some(fields) => fields,
            None => return Ok(None),
        },
    };
    Ok(Some(live_fields(secret_id, fields, current.as_deref())))
}

fn live_fields(secret_id: &str, fields: Value, current: Option<&str>) -> LiveResource {
    let attrs = Attrs::from([SECRET_ID.to(secret_id), FIELDS.to(fields)]);
    let outputs = Attrs::from([out::VERSION_ID.to(current)]);
    LiveResource { id: secret_id.to_owned(), attrs, ready: true, outputs }
}

/// The fields read from the secret's value; `None` for a pending create whose fields are not
/// there yet.
async fn fields_in_value(client: &Client, secret_id: &str, request: &ReadRequest) -> Result<Option<Value>, AwsError> {
    let Some(object) = current_object(client, secret_id).await? else { return Ok(None) };
    // Only the fields this stack writes are compared: others (a promoted replica's username,
    // whatever people added) are not platformctl's.
    let managed = FIELDS.map(&request.attrs);
    let fields: serde_json::Map<String, serde_json::Value> = object
        .public_fields(SECRET_KEYS)
        .into_iter()
        .filter(|(k, _)| managed.is_none_or(|m| m.contains_key(k)))
        .collect();
    if request.id.is_none() && fields.is_empty() {
        return Ok(None);
    }
    Ok(Some(serde_json::from_value(serde_json::Value::Object(fields)).unwrap_or(Value::Null)))
}

/// Merges the fields into the secret's JSON (a new version); returns the secret's ARN.
pub(crate) async fn put(client: &Client, attrs: &Attrs) -> Result<String, AwsError> {
    let secret_id = SECRET_ID.str(attrs).unwrap_or_default();
    let mut object = current_object(client, secret_id)
        .await?
        .ok_or_else(|| AwsError::local("GetSecretValue", format!("secret {secret_id} is gone")))?;
    if let serde_json::Value::Object(fields) = serde_json::to_value(FIELDS.get(attrs)).unwrap_or_default() {
        object.merge(fields);
    }
    let text = object.to_secret_string();
    client
        .put_secret_value()
        .secret_id(secret_id)
        .secret_string(text.expose_secret())
        .send()
        .await
        .aws("PutSecretValue")?;
    Ok(secret_id.to_owned())
}
