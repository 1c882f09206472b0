//! Customer-managed KMS keys. KMS has no batch describe and no search by tag: a key with an id
//! is read with DescribeKey, GetKeyRotationStatus, ListResourceTags (and GetKeyPolicy when the
//! stack owns the policy), all requests at once. A key without one — a pending create, or a
//! create after a destroy — is looked for among the account's keys by its `platformctl:address`
//! tag, one ListResourceTags per key: a cost paid only when a key is created.
//!
//! A key scheduled for deletion is gone as far as the stack is concerned (the plan creates it);
//! the create finds it by its tag within its window and cancels the deletion, so what it
//! encrypted stays readable — never a second key beside it.

use aws_sdk_kms::types::{KeyMetadata, KeyState, Tag};

use async_trait::async_trait;
use platformctl_core::kinds::kms_key::{
    ALLOW_CLOUDWATCH_ALARMS, ALLOW_CLOUDWATCH_LOGS, ALLOW_EBS, ARN, DELETION_WINDOW_DAYS, DESCRIPTION, POLICY,
    ROTATION, TAGS, out,
};
use platformctl_core::resource::tags::{ADDRESS_TAG, STACK_TAG, address_tag};
use platformctl_core::resource::{Address, Attrs, LiveResource, Observed, Value};

use crate::common::{TagChanges, opt_str, read_each, tag_pairs, tags_from_pairs};
use crate::error::SdkResultExt;
use crate::registry::{NewResource, Provider};
use crate::{Aws, AwsError, ReadRequest};

pub(crate) struct Key;

/// KMS has one key policy per key, named `default`.
const POLICY_NAME: &str = "default";

#[async_trait]
impl Provider for Key {
    async fn read(&self, aws: &Aws, requests: &[ReadRequest]) -> Result<Vec<(Address, Observed)>, AwsError> {
        read_each(requests, |r| async move {
            let metadata = match &r.id {
                Some(id) => metadata(aws, id).await?,
                None => match find_by_address(aws, &r.address).await? {
                    Some(metadata) => metadata,
                    None => return Ok(None),
                },
            };
            if scheduled_for_deletion(&metadata) {
                return Ok(None);
            }
            describe(aws, &metadata, POLICY.get(&r.attrs) != &Value::Null).await.map(Some)
        })
        .await
    }

    async fn create(&self, aws: &Aws, new: &NewResource<'_>) -> Result<String, AwsError> {
        let attrs = new.attrs;
        if let Some(found) = find_by_address(aws, new.address).await? {
            let id = found.key_id();
            if found.key_state() == Some(&KeyState::PendingDeletion) {
                aws.kms.cancel_key_deletion().key_id(id).send().await.aws("CancelKeyDeletion")?;
                // A cancelled deletion leaves the key disabled.
                aws.kms.enable_key().key_id(id).send().await.aws("EnableKey")?;
                tracing::info!(key = %id, "cancelled the scheduled deletion of the stack's key");
            }
            // Brought back or adopted: made what the stack says now. (What `describe` reads of
            // the metadata — id, ARN, description — a cancelled deletion leaves as it was.)
            let stack_owns_policy = POLICY.get(attrs) != &Value::Null;
            let before = describe(aws, &found, stack_owns_policy).await?.attrs;
            self.update(aws, id, &before, attrs).await?;
            return Ok(id.to_owned());
        }
        let tags = kms_tags(tag_pairs(attrs), "CreateKey")?;
        let created = aws
            .kms
            .create_key()
            .set_description(DESCRIPTION.str(attrs).map(str::to_owned))
            .set_policy(policy_text(attrs))
            .set_tags(Some(tags))
            .send()
            .await
            .aws("CreateKey")?;
        let id = created.key_metadata().map(|m| m.key_id().to_owned()).unwrap_or_default();
        if ROTATION.is_true(attrs) {
            aws.kms.enable_key_rotation().key_id(&id).send().await.aws("EnableKeyRotation")?;
        }
        if POLICY.get(attrs) == &Value::Null
            && [ALLOW_CLOUDWATCH_LOGS, ALLOW_CLOUDWATCH_ALARMS, ALLOW_EBS].iter().any(|a| a.is_true(attrs))
        {
            let arn = created.key_metadata().and_then(|m| m.arn()).unwrap_or_default();
            put_policy(aws, &id, default_policy(arn, attrs)).await?;
        }
        Ok(id)
    }

    async fn update(&self, aws: &Aws, id: &str, before: &Attrs, after: &Attrs) -> Result<(), AwsError> {
        let kms = &aws.kms;
        if DESCRIPTION.changed(before, after) {
            let description = DESCRIPTION.str(after).unwrap_or_default();
            kms.update_key_description()
                .key_id(id)
                .description(description)
                .send()
                .await
                .aws("UpdateKeyDescription")?;
        }
        if ROTATION.changed(before, after) {
            if ROTATION.is_true(after) {
                kms.enable_key_rotation().key_id(id).send().await.aws("EnableKeyRotation")?;
            } else {
                kms.disable_key_rotation().key_id(id).send().await.aws("DisableKeyRotation")?;
            }
        }
        if [POLICY, ALLOW_CLOUDWATCH_LOGS, ALLOW_CLOUDWATCH_ALARMS, ALLOW_EBS].iter().any(|a| a.changed(before, after))
        {
            // Without a policy of the stack's own: the one KMS gives a new key, with CloudWatch
            // Logs' statement when the stack's log groups use the key, CloudWatch's when alarms
            // notify a topic encrypted with it, and EC2's when node volumes are encrypted with it.
            let arn = ARN.str(before).unwrap_or_default();
            let policy = policy_text(after).unwrap_or_else(|| default_policy(arn, after));
            put_policy(aws, id, policy).await?;
        }
        TagChanges::between(before, after)
            .send(
                async |set| {
                    let tags = kms_tags(set, "TagResource")?;
                    kms.tag_resource().key_id(id).set_tags(Some(tags)).send().await.map(drop).aws("TagResource")
                },
                async |keys| {
                    let request = kms.untag_resource().key_id(id).set_tag_keys(Some(keys));
                    request.send().await.map(drop).aws("UntagResource")
                },
            )
            .await
    }

    /// Schedules the deletion after the key's window; a key already scheduled stays so.
    async fn delete(&self, aws: &Aws, id: &str, attrs: &Attrs) -> Result<(), AwsError> {
        let days = DELETION_WINDOW_DAYS.i32(attrs).unwrap_or(30);
        let scheduled = aws.kms.schedule_key_deletion().key_id(id).pending_window_in_days(days).send().await;
        match scheduled.aws("ScheduleKeyDeletion") {
            Ok(_) => Ok(()),
            Err(e)
                if e.code() == Some("KMSInvalidStateException")
                    && scheduled_for_deletion(&metadata(aws, id).await?) =>
            {
                Ok(())
            }
            Err(e) => Err(e),
        }
    }
}

/// Tags as KMS takes them (`TagKey`, `TagValue`).
fn kms_tags(pairs: impl IntoIterator<Item = (String, String)>, operation: &'static str) -> Result<Vec<Tag>, AwsError> {
    pairs
        .into_iter()
        .map(|(k, v)| Tag::builder().tag_key(k).tag_value(v).build())
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| AwsError::local(operation, e.to_string()))
}

async fn metadata(aws: &Aws, id: &str) -> Result<KeyMetadata, AwsError> {
    let out = aws.kms.describe_key().key_id(id).send().await.aws("DescribeKey")?;
    out.key_metadata().cloned().ok_or_else(|| AwsError::local("DescribeKey", format!("KMS described no key {id}")))
}

fn scheduled_for_deletion(metadata: &KeyMetadata) -> bool {
    matches!(metadata.key_state(), Some(KeyState::PendingDeletion | KeyState::PendingReplicaDeletion))
}

/// The key's attributes: its policy when the stack owns it, otherwise (the policy being
/// whatever KMS or the account's administrators made it) only whether it lets CloudWatch Logs
/// use the key.
async fn describe(aws: &Aws, metadata: &KeyMetadata, stack_owns_policy: bool) -> Result<LiveResource, AwsError> {
    let id = metadata.key_id();
    let kms = &aws.kms;
    // Three reads of one key, at once.
    let rotation = async { kms.get_key_rotation_status().key_id(id).send().await.aws("GetKeyRotationStatus") };
    let policy = async { kms.get_key_policy().key_id(id).policy_name(POLICY_NAME).send().await.aws("GetKeyPolicy") };
    let (rotation, tags, policy) = futures::try_join!(rotation, tags_of(aws, id), policy)?;
    let policy = policy.policy().unwrap_or_default();
    let arn = metadata.arn().unwrap_or_default();
    let (policy, allow_logs, allow_alarms, allow_ebs) = if stack_owns_policy {
        (opt_str(Some(policy)), Value::Null, Value::Null, Value::Null)
    } else {
        let allows = |principal: &str| Value::Bool(allows_service(policy, principal));
        let ebs = Value::Bool(allows_via_service(policy, &ec2_service(arn)));
        (Value::Null, allows(&logs_principal(arn)), allows(ALARMS_PRINCIPAL), ebs)
    };
    Ok(LiveResource {
        id: id.to_owned(),
        attrs: Attrs::from([
            DESCRIPTION.to(opt_str(metadata.description())),
            ROTATION.to(rotation.key_rotation_enabled()),
            POLICY.to(policy),
            ALLOW_CLOUDWATCH_LOGS.to(allow_logs),
            ALLOW_CLOUDWATCH_ALARMS.to(allow_alarms),
            ALLOW_EBS.to(allow_ebs),
            TAGS.to(tags_from_pairs(tags.iter().map(|(k, v)| (Some(k.as_str()), Some(v.as_str()))))),
            ARN.to(arn),
        ]),
        ready: true,
        outputs: Attrs::from([out::ARN.to(arn)]),
    })
}

async fn tags_of(aws: &Aws, id: &str) -> Result<Vec<(String, String)>, AwsError> {
    let mut tags = Vec::new();
    let mut marker = None;
    loop {
        let page = aws.kms.list_resource_tags().key_id(id).set_marker(marker).send().await.aws("ListResourceTags")?;
        tags.extend(page.tags().iter().map(|t| (t.tag_key().to_owned(), t.tag_value().to_owned())));
        marker = page.next_marker().map(str::to_owned);
        if !page.truncated() || marker.is_none() {
            return Ok(tags);
        }
    }
}

/// The stack's key at `address` among the account's keys, by its `platformctl:stack` and
/// `platformctl:address` tags: its metadata (state included).
async fn find_by_address(aws: &Aws, address: &Address) -> Result<Option<KeyMetadata>, AwsError> {
    let mut ids = Vec::new();
    let mut pages = aws.kms.list_keys().into_paginator().items().send();
    while let Some(key) = pages.next().await {
        if let Some(id) = key.aws("ListKeys")?.key_id() {
            ids.push(id.to_owned());
        }
    }
    let wanted = &address_tag(address);
    let tagged = ids.iter().map(|id| async move {
        match tags_of(aws, id).await {
            Ok(tags) => {
                let has = |k: &str, v: &str| tags.iter().any(|(key, value)| key == k && value == v);
                Ok((has(STACK_TAG, &aws.stack) && has(ADDRESS_TAG, wanted)).then(|| id.clone()))
            }
            // AWS-managed keys (and other accounts' keys shared here) may refuse their tags:
            // they are not the stack's.
            Err(e) if e.code() == Some("AccessDeniedException") || e.is_not_found() => Ok(None),
            Err(e) => Err(e),
        }
    });
    let ours: Vec<String> = futures::future::try_join_all(tagged).await?.into_iter().flatten().collect();
    let mut found: Option<KeyMetadata> = None;
    for id in ours {
        let metadata = metadata(aws, &id).await?;
        // Two keys of one address (someone copied the tags): the one in use wins over one
        // waiting for its deletion.
        if found.as_ref().is_none_or(|f| scheduled_for_deletion(f) && !scheduled_for_deletion(&metadata)) {
            found = Some(metadata);
        }
    }
    Ok(found)
}

fn policy_text(attrs: &Attrs) -> Option<String> {
    match POLICY.get(attrs) {
        Value::Null => None,
        Value::Str(text) => Some(text.clone()),
        other => serde_json::to_string(other).ok(),
    }
}

async fn put_policy(aws: &Aws, id: &str, policy: String) -> Result<(), AwsError> {
    let put = aws.kms.put_key_policy().key_id(id).policy_name(POLICY_NAME).policy(policy);
    put.send().await.aws("PutKeyPolicy")?;
    Ok(())
}

/// `(region, account)` of a key, from its ARN.
fn region_and_account(key_arn: &str) -> (&str, &str) {
    let mut parts = key_arn.split(':').skip(3);
    (parts.next().unwrap_or_default(), parts.next().unwrap_or_default())
}

/// CloudWatch Logs of the key's region, as a key policy names it.
fn logs_principal(key_arn: &str) -> String {
    format!("logs.{}.amazonaws.com", region_and_account(key_arn).0)
}

/// CloudWatch (its alarms), as a key policy names it.
const ALARMS_PRINCIPAL: &str = "cloudwatch.amazonaws.com";

/// The Allow statements of a key policy.
fn allow_statements(policy: &str) -> Vec<serde_json::Value> {
    let Ok(doc) = serde_json::from_str::<serde_json::Value>(policy) else { return Vec::new() };
    let statements = doc["Statement"].as_array().cloned().unwrap_or_default();
    statements.into_iter().filter(|s| s["Effect"] == "Allow").collect()
}

/// Whether a key policy has a statement allowing a service principal.
fn allows_service(policy: &str, principal: &str) -> bool {
    allow_statements(policy).iter().any(|s| s["Principal"]["Service"] == principal)
}

/// EC2 of the key's region, as a key policy's `kms:ViaService` names it.
fn ec2_service(key_arn: &str) -> String {
    format!("ec2.{}.amazonaws.com", region_and_account(key_arn).0)
}

/// Whether a key policy has a statement allowing use of the key through a service.
fn allows_via_service(policy: &str, service: &str) -> bool {
    allow_statements(policy).iter().any(|s| s["Condition"]["StringEquals"]["kms:ViaService"] == service)
}

/// The policy KMS gives a key created without one (the account's IAM policies decide), with
/// CloudWatch Logs' use of the key for this account's log groups (what AWS documents for
/// encrypting log data) and CloudWatch alarms' use of it to publish to an encrypted topic (what
/// AWS documents for alarm actions on encrypted SNS topics) and EC2's for the account's EBS
/// volumes (as the account's `aws/ebs` key allows it), as `attrs` ask.
fn default_policy(key_arn: &str, attrs: &Attrs) -> String {
    let allow_logs = ALLOW_CLOUDWATCH_LOGS.is_true(attrs);
    let (region, account) = region_and_account(key_arn);
    let mut statements = vec![serde_json::json!({
        "Sid": "Enable IAM User Permissions",
        "Effect": "Allow",
        "Principal": {"AWS": format!("arn:aws:iam::{account}:root")},
        "Action": "kms:*",
        "Resource": "*",
    })];
    if allow_logs {
        statements.push(serde_json::json!({
            "Sid": "Allow CloudWatch Logs",
            "Effect": "Allow",
            "Principal": {"Service": logs_principal(key_arn)},
            "Action": ["kms:Encrypt*", "kms:Decrypt*", "kms:ReEncrypt*", "kms:GenerateDataKey*", "kms:Describe*"],
            "Resource": "*",
            "Condition": {"ArnLike": {"kms:EncryptionContext:aws:logs:arn": format!("arn:aws:logs:{region}:{account}:log-group:*")}},
        }));
    }
    if ALLOW_CLOUDWATCH_ALARMS.is_true(attrs) {
        statements.push(serde_json::json!({
            "Sid": "Allow CloudWatch alarms to publish to encrypted topics",
            "Effect": "Allow",
            "Principal": {"Service": ALARMS_PRINCIPAL},
            "Action": ["kms:Decrypt", "kms:GenerateDataKey*"],
            "Resource": "*",
        }));
    }
    if ALLOW_EBS.is_true(attrs) {
        // What the account's `aws/ebs` key allows: any principal of the account, but only
        // through EC2. Naming EC2 Auto Scaling's service-linked role instead would fail
        // PutKeyPolicy in an account where that role does not exist yet.
        statements.push(serde_json::json!({
            "Sid": "Allow EBS volumes of the account",
            "Effect": "Allow",
            "Principal": {"AWS": "*"},
            "Action": ["kms:Encrypt", "kms:Decrypt", "kms:ReEncrypt*", "kms:GenerateDataKey*", "kms:CreateGrant", "kms:DescribeKey"],
            "Resource": "*",
            "Condition": {"StringEquals": {"kms:CallerAccount": account, "kms:ViaService": ec2_service(key_arn)}},
        }));
    }
    serde_json::json!({"Version": "2012-10-17", "Id": "key-default-1", "Statement": statements}).to_string()
}
