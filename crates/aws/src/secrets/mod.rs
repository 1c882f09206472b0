//! Secrets Manager: the secrets a stack declares, the non-secret fields merged into them once
//! endpoints exist, and the one way a secret value leaves AWS — `value_of`, called by the
//! provider call that hands it straight back to AWS (a database's master password, a Redis
//! auth token, a SecureString parameter).
//!
//! A generated value is made here, once, when the secret is created; nothing regenerates it.
//! The state keeps the secret's ARN (its id) and version id (an output), never the value.

pub(crate) mod discover;
pub(crate) mod fields;
mod generate;
pub(crate) mod secret;
mod value;

use std::collections::HashMap;

use aws_sdk_secretsmanager::types::{Filter, FilterNameStringType, SecretListEntry};
use secrecy::SecretString;
use value::{SecretObject, take_string};

use crate::error::SdkResultExt;
use crate::{Aws, AwsError};

/// ListSecrets' name filter takes at most ten values.
const NAMES_PER_LISTING: usize = 10;

/// What one plan's read lists of Secrets Manager: the `secret` and `secret_fields` kinds read
/// concurrently and mostly the same secrets (the fields are written into the stack's secrets),
/// so whichever lists first lists every secret of the read, for both (`Aws::for_one_read`).
/// Never kept beyond one read: apply reads what it just changed.
#[derive(Debug, Default)]
pub(crate) struct Listings(tokio::sync::Mutex<Listed>);

#[derive(Debug, Default)]
struct Listed {
    /// The secrets of the whole read, by name: the first listing lists them all.
    expected: Vec<String>,
    names: std::collections::HashSet<String>,
    by_arn: HashMap<String, SecretListEntry>,
}

impl Listings {
    /// For a read of these secrets (ARNs).
    pub(crate) fn expecting<'a>(arns: impl Iterator<Item = &'a str>) -> Listings {
        let expected = arns.filter_map(name_in_arn).map(str::to_owned).collect();
        Listings(tokio::sync::Mutex::new(Listed { expected, ..Default::default() }))
    }
}

/// The secrets of these ARNs as ListSecrets shows them (ten names a call, all calls at once),
/// by ARN; within one read, a name already listed is not listed again. ListSecrets is eventually
/// consistent and leaves out secrets scheduled for deletion: callers trust an entry only where it
/// agrees with the state (`registry::confirmed`).
pub(crate) async fn listed_by_arn<'a>(
    aws: &Aws,
    arns: impl Iterator<Item = &'a str>,
) -> Result<HashMap<String, SecretListEntry>, AwsError> {
    let arns: Vec<&str> = arns.collect();
    let mut names: Vec<String> = arns.iter().filter_map(|a| name_in_arn(a)).map(str::to_owned).collect();
    names.sort();
    names.dedup();
    let Some(memo) = &aws.secret_listings else { return list(&aws.secrets, &names).await };
    // Held while listing: the other kind's read waits, then finds its names listed.
    let mut listed = memo.0.lock().await;
    let mut new: Vec<String> =
        names.into_iter().chain(std::mem::take(&mut listed.expected)).filter(|n| !listed.names.contains(n)).collect();
    new.sort();
    new.dedup();
    let found = list(&aws.secrets, &new).await?;
    listed.names.extend(new);
    listed.by_arn.extend(found);
    Ok(arns.iter().filter_map(|a| Some((a.to_string(), listed.by_arn.get(*a)?.clone()))).collect())
}

/// ListSecrets for these names, ten a call, all calls at once.
async fn list(
    client: &aws_sdk_secretsmanager::Client,
    names: &[String],
) -> Result<HashMap<String, SecretListEntry>, AwsError> {
    let listings = names.chunks(NAMES_PER_LISTING).map(|chunk| async move {
        let filter = Filter::builder().key(FilterNameStringType::Name).set_values(Some(chunk.to_vec())).build();
        let mut pages = client.list_secrets().filters(filter).max_results(100).into_paginator().send();
        let mut entries = Vec::new();
        while let Some(page) = pages.next().await {
            entries.extend(page.aws("ListSecrets")?.secret_list().iter().cloned());
        }
        Ok::<_, AwsError>(entries)
    });
    let entries = futures::future::try_join_all(listings).await?.into_iter().flatten();
    // The name filter matches prefixes: entries are keyed by their ARN, which names one secret.
    Ok(entries.filter_map(|e| Some((e.arn()?.to_owned(), e))).collect())
}

/// A secret's name from its ARN (`arn:aws:secretsmanager:..:secret:NAME-AbCdEf`: AWS appends
/// six random characters).
fn name_in_arn(arn: &str) -> Option<&str> {
    let (_, rest) = arn.split_once(":secret:")?;
    let cut = rest.len().checked_sub(7)?;
    (rest.as_bytes()[cut] == b'-').then(|| &rest[..cut])
}

/// The version AWS marks current among a secret's versions.
fn current_version(versions: Option<&HashMap<String, Vec<String>>>) -> Option<&str> {
    versions
        .and_then(|m| m.iter().find(|(_, stages)| stages.iter().any(|s| s == "AWSCURRENT")))
        .map(|(version, _)| version.as_str())
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

#[cfg(test)]
mod tests {
    use super::name_in_arn;

    #[test]
    fn a_secrets_name_is_its_arn_without_the_random_suffix() {
        let arn = "arn:aws:secretsmanager:eu-west-1:123456789012:secret:grown/app-1-AbCdEf";
        assert_eq!(name_in_arn(arn), Some("grown/app-1"));
        assert_eq!(name_in_arn("arn:aws:secretsmanager:eu-west-1:1:secret:x-AbCdEf"), Some("x"));
        // Not a secret ARN, or too short to carry the suffix.
        assert_eq!(name_in_arn("grown/app-1"), None);
        assert_eq!(name_in_arn("arn:aws:secretsmanager:eu-west-1:1:secret:AbCdEf"), None);
    }
}
