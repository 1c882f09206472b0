//! A Secrets Manager secret: name (fixed), description, tags, and what to do on delete. Its
//! generated value is written once, by `create`; a secret found scheduled for deletion (a
//! destroyed stack applied again) is restored with its old value rather than duplicated.

use aws_sdk_secretsmanager::Client;
use aws_sdk_secretsmanager::types::Tag;
use secrecy::{ExposeSecret, SecretString};

use super::generate::generate;
use crate::providers::common::{TagChanges, carry_over, changed, opt_str, str_attr, tag_pairs, tags_from_pairs};
use crate::providers::{AwsError, ReadRequest};
use crate::resource::{Attrs, LiveResource, Value, attr};

/// Attributes only platformctl knows: they act on delete (or, `copy_from`, on create).
const LOCAL: &[&str] = &["recovery_window_days", "force_delete", "copy_from"];

pub(super) async fn read(client: &Client, request: &ReadRequest) -> Result<Option<LiveResource>, AwsError> {
    // A pending create is found by its name, which the stack fixes.
    let Some(id) = request.id.as_deref().or(str_attr(&request.attrs, "name")) else { return Ok(None) };
    let out = match client.describe_secret().secret_id(id).send().await {
        Ok(out) => out,
        Err(e) => {
            let e = AwsError::from_sdk("DescribeSecret", e);
            return if e.is_not_found() { Ok(None) } else { Err(e) };
        }
    };
    if out.deleted_date().is_some() {
        return Ok(None);
    }
    let mut attrs = Attrs::from([
        ("name".into(), opt_str(out.name())),
        ("description".into(), opt_str(out.description())),
        ("tags".into(), tags_from_pairs(out.tags().iter().map(|t| (t.key(), t.value())))),
    ]);
    carry_over(request, &mut attrs, LOCAL);
    let current = out
        .version_ids_to_stages()
        .and_then(|m| m.iter().find(|(_, stages)| stages.iter().any(|s| s == "AWSCURRENT")))
        .map(|(version, _)| version.as_str());
    let outputs = Attrs::from([("arn".into(), opt_str(out.arn())), ("version_id".into(), opt_str(current))]);
    Ok(Some(LiveResource { id: out.arn().unwrap_or_default().to_owned(), attrs, ready: true, outputs }))
}

/// The first value of the secret: `copied` from another secret, or generated; shaped as its
/// consumer expects (`{"password": ..}` for a database, `{"auth_token": ..}` for Redis, the bare
/// value otherwise); none for an external secret.
fn initial_value(attrs: &Attrs, copied: Option<SecretString>) -> Option<SecretString> {
    let value = match copied {
        Some(value) => value,
        None => {
            let generate_spec = attr(attrs, "generate").as_map()?;
            let length = generate_spec.get("length").and_then(Value::as_int).unwrap_or(32);
            let punctuation = generate_spec.get("punctuation").and_then(Value::as_str).unwrap_or_default();
            generate(usize::try_from(length).unwrap_or(32), punctuation)
        }
    };
    Some(match str_attr(attrs, "value_key") {
        Some(key) => SecretString::from(serde_json::json!({ key: value.expose_secret() }).to_string()),
        None => value,
    })
}

fn tags(attrs: &Attrs) -> Vec<Tag> {
    tag_pairs(attr(attrs, "tags")).into_iter().map(|(k, v)| Tag::builder().key(k).value(v).build()).collect()
}

pub(super) async fn create(client: &Client, attrs: &Attrs, copied: Option<SecretString>) -> Result<String, AwsError> {
    let name = str_attr(attrs, "name").unwrap_or_default();
    let value = initial_value(attrs, copied);
    let result = client
        .create_secret()
        .name(name)
        .set_description(str_attr(attrs, "description").map(str::to_owned))
        .set_tags(Some(tags(attrs)))
        .set_secret_string(value.as_ref().map(|v| v.expose_secret().to_owned()))
        .send()
        .await;
    match result {
        Ok(out) => Ok(out.arn().unwrap_or_default().to_owned()),
        Err(e) => {
            let e = AwsError::from_sdk("CreateSecret", e);
            if !e.message.contains("scheduled for deletion") {
                return Err(e);
            }
            // The stack was destroyed and is applied again within the recovery window: bring
            // the secret back (its value was generated once and stays what it was).
            let out = client
                .restore_secret()
                .secret_id(name)
                .send()
                .await
                .map_err(|e| AwsError::from_sdk("RestoreSecret", e))?;
            let arn = out.arn().unwrap_or_default().to_owned();
            tracing::info!(secret = name, "restored a secret that was scheduled for deletion");
            let before = Attrs::new();
            update(client, &arn, &before, attrs).await?;
            Ok(arn)
        }
    }
}

pub(super) async fn update(client: &Client, id: &str, before: &Attrs, after: &Attrs) -> Result<(), AwsError> {
    if changed(before, after, "description") {
        client
            .update_secret()
            .secret_id(id)
            .description(str_attr(after, "description").unwrap_or_default())
            .send()
            .await
            .map_err(|e| AwsError::from_sdk("UpdateSecret", e))?;
    }
    TagChanges::between(before, after)
        .send(
            async |set| {
                let set = set.into_iter().map(|(k, v)| Tag::builder().key(k).value(v).build()).collect();
                let request = client.tag_resource().secret_id(id).set_tags(Some(set));
                request.send().await.map(drop).map_err(|e| AwsError::from_sdk("TagResource", e))
            },
            async |keys| {
                let request = client.untag_resource().secret_id(id).set_tag_keys(Some(keys));
                request.send().await.map(drop).map_err(|e| AwsError::from_sdk("UntagResource", e))
            },
        )
        .await
}

/// Deletes with a recovery window (7 to 30 days; AWS's default is 30), or at once with
/// `force_delete`.
pub(super) async fn delete(client: &Client, id: &str, attrs: &Attrs) -> Result<(), AwsError> {
    let mut request = client.delete_secret().secret_id(id);
    if attr(attrs, "force_delete").as_bool() == Some(true) {
        request = request.force_delete_without_recovery(true);
    } else if let Some(days) = attr(attrs, "recovery_window_days").as_int() {
        request = request.recovery_window_in_days(days);
    }
    match request.send().await {
        Ok(_) => Ok(()),
        Err(e) => {
            let e = AwsError::from_sdk("DeleteSecret", e);
            if e.message.contains("already scheduled for deletion") { Ok(()) } else { Err(e) }
        }
    }
}
