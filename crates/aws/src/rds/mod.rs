//! RDS: the DB subnet group, PostgreSQL instances and their read replicas, Aurora clusters and
//! their instances, parameter groups. Ids are the identifiers the stack fixes (`<stack>-<name>`), so a pending
//! create is found by its identifier: RDS refuses a second instance with the same one, which
//! is what makes a retried create safe.
//!
//! Master passwords are read from Secrets Manager in the create or modify call that sends them.

/// The modifications a DB instance and an Aurora cluster share. Their request builders are
/// different types with the same methods, hence a macro rather than a function.
macro_rules! modify_shared {
    ($request:ident, $aws:expr, $before:expr, $after:expr) => {{
        use platformctl_core::kinds::database::{
            BACKUP_RETENTION_DAYS, BACKUP_WINDOW, DELETION_PROTECTION, ENGINE_VERSION, IAM_AUTH, LOG_EXPORTS,
            MAINTENANCE_WINDOW, MANAGED_PASSWORD, PASSWORD_SECRET, VPC_SECURITY_GROUP_IDS,
        };
        use secrecy::ExposeSecret;
        let (before, after): (&Attrs, &Attrs) = ($before, $after);
        $request = $request
            .apply_immediately(platformctl_core::kinds::database::APPLY_IMMEDIATELY.bool(after).unwrap_or(true));
        if ENGINE_VERSION.changed(before, after) {
            let major = |a| ENGINE_VERSION.str(a).map(platformctl_core::kinds::database::major_version);
            $request = $request
                .set_engine_version(ENGINE_VERSION.str(after).map(str::to_owned))
                .allow_major_version_upgrade(major(before) != major(after));
        }
        if BACKUP_RETENTION_DAYS.changed(before, after) {
            $request = $request.set_backup_retention_period(BACKUP_RETENTION_DAYS.i32(after));
        }
        if DELETION_PROTECTION.changed(before, after) {
            $request = $request.deletion_protection(DELETION_PROTECTION.is_true(after));
        }
        // To a managed password: RDS makes one. Back to a secret of the stack: its password,
        // sent with the switch (RDS requires one then).
        if MANAGED_PASSWORD.changed(before, after) {
            $request = $request.manage_master_user_password(MANAGED_PASSWORD.is_true(after));
        }
        if PASSWORD_SECRET.changed(before, after) && !MANAGED_PASSWORD.is_true(after) {
            let password = super::master_password($aws, after).await?;
            $request = $request.set_master_user_password(password.as_ref().map(|p| p.expose_secret().to_owned()));
        }
        if VPC_SECURITY_GROUP_IDS.changed(before, after) {
            $request = $request.set_vpc_security_group_ids(Some(VPC_SECURITY_GROUP_IDS.strings(after)));
        }
        if IAM_AUTH.changed(before, after) {
            $request = $request.enable_iam_database_authentication(IAM_AUTH.is_true(after));
        }
        if LOG_EXPORTS.changed(before, after) {
            $request = $request.cloudwatch_logs_export_configuration(super::log_exports_change(before, after));
        }
        if MAINTENANCE_WINDOW.changed(before, after) {
            $request = $request.set_preferred_maintenance_window(MAINTENANCE_WINDOW.str(after).map(str::to_owned));
        }
        if BACKUP_WINDOW.changed(before, after) {
            $request = $request.set_preferred_backup_window(BACKUP_WINDOW.str(after).map(str::to_owned));
        }
    }};
}
use modify_shared;

/// A maintenance or backup window as the read reports it: RDS's value once the stack has set
/// one (so a window changed by hand is drift), nothing while RDS picks it (not the stack's).
fn window(live: Option<&str>, attr: platformctl_core::resource::schema::Attr, request: &ReadRequest) -> Value {
    if attr.get(&request.attrs) == &Value::Null { Value::Null } else { crate::common::opt_str(live) }
}

/// Sends an RDS request that may name an Enhanced Monitoring role, again while RDS refuses the
/// role because IAM has not propagated it yet (`monitoring_role_not_ready`). The request is
/// cloned per attempt: the SDK's builders are consumed by `send`.
macro_rules! send_once_monitoring_role_is_visible {
    ($request:expr, $operation:literal) => {
        crate::common::eventually(super::monitoring_role_not_ready, || {
            let request = $request.clone();
            async move { request.send().await.aws($operation) }
        })
        .await
    };
}
use send_once_monitoring_role_is_visible;

/// RDS refuses an Enhanced Monitoring role IAM created a moment ago (the role or its policy
/// not visible to RDS yet: "IAM role ARN value is invalid or does not include the required
/// permissions for: ENHANCED_MONITORING") — retried while IAM catches up, like EKS's roles.
fn monitoring_role_not_ready(e: &AwsError) -> bool {
    e.code() == Some("InvalidParameterValue") && e.message.contains("ENHANCED_MONITORING")
}

/// The logs to start and stop publishing, from the exports applied to those wanted.
fn log_exports_change(before: &Attrs, after: &Attrs) -> aws_sdk_rds::types::CloudwatchLogsExportConfiguration {
    use platformctl_core::kinds::database::LOG_EXPORTS;
    let (was, will) = (LOG_EXPORTS.strings(before), LOG_EXPORTS.strings(after));
    aws_sdk_rds::types::CloudwatchLogsExportConfiguration::builder()
        .set_enable_log_types(Some(will.iter().filter(|l| !was.contains(l)).cloned().collect()))
        .set_disable_log_types(Some(was.iter().filter(|l| !will.contains(l)).cloned().collect()))
        .build()
}

pub(crate) mod cluster;
pub(crate) mod discover;
pub(crate) mod instance;
#[cfg(test)]
mod monitoring_tests;
pub(crate) mod parameter_group;
#[cfg(test)]
mod promote_tests;
pub(crate) mod subnet_group;

use aws_sdk_rds::types::Tag;
use platformctl_core::kinds::database::PASSWORD_SECRET;
use platformctl_core::kinds::db_read_replica::SOURCE;
use platformctl_core::resource::schema::ARN;
use platformctl_core::resource::{Address, Attrs, LiveResource, Value};

use crate::common::{PollDelay, TagChanges, tag_pairs};
use crate::error::SdkResultExt;
use crate::registry::Status;
use crate::{Aws, AwsError, ReadRequest, secrets};

/// The master password, read from its secret for this one call.
async fn master_password(aws: &Aws, attrs: &Attrs) -> Result<Option<secrecy::SecretString>, AwsError> {
    match PASSWORD_SECRET.str(attrs) {
        Some(arn) => Ok(Some(secrets::value_of(aws, arn, Some("password")).await?)),
        None => Ok(None),
    }
}

/// The status of one instance or cluster as a wait sees it; `Gone` once it is.
fn wait_status(answer: Result<Option<String>, AwsError>) -> Result<Status, AwsError> {
    match answer {
        Ok(status) => Ok(status.map_or(Status::Gone, |s| lifecycle(&s))),
        Err(e) if e.is_not_found() => Ok(Status::Gone),
        Err(e) => Err(e),
    }
}

/// What an RDS status means for a wait. `backing-up` and friends are usable states.
fn lifecycle(status: &str) -> Status {
    match status {
        "available" | "backing-up" | "storage-optimization" | "configuring-enhanced-monitoring" => Status::Ready,
        "failed"
        | "incompatible-parameters"
        | "incompatible-network"
        | "incompatible-restore"
        | "inaccessible-encryption-credentials"
        | "restore-error"
        | "storage-full" => Status::Failed(status.to_owned()),
        "deleting" => Status::Deleting,
        _ => Status::Pending,
    }
}

fn rds_tags(attrs: &Attrs) -> Vec<Tag> {
    tag_pairs(attrs).into_iter().map(|(k, v)| Tag::builder().key(k).value(v).build()).collect()
}

/// Sends a tag update of any RDS resource, by the ARN its read reported.
async fn retag(aws: &Aws, before: &Attrs, after: &Attrs) -> Result<(), AwsError> {
    let Some(arn) = ARN.str(before) else { return Ok(()) };
    TagChanges::between(before, after)
        .send(
            async |set| {
                let request = aws.rds.add_tags_to_resource().resource_name(arn).set_tags(Some(rds_tags_of(set)));
                request.send().await.aws("AddTagsToResource").map(drop)
            },
            async |keys| {
                let request = aws.rds.remove_tags_from_resource().resource_name(arn).set_tag_keys(Some(keys));
                request.send().await.aws("RemoveTagsFromResource").map(drop)
            },
        )
        .await
}

fn rds_tags_of(pairs: impl IntoIterator<Item = (String, String)>) -> Vec<Tag> {
    pairs.into_iter().map(|(k, v)| Tag::builder().key(k).value(v).build()).collect()
}

/// The engine version to report: the one the stack asked for while AWS runs it or a newer
/// minor of the same major (automatic minor upgrades, or `16` resolved to `16.4`), so that
/// AWS's own upgrades never show as a change or plan a downgrade.
fn engine_version(live: Option<&str>, recorded: Option<&str>) -> Value {
    let Some(live) = live else { return Value::Null };
    let Some(wanted) = recorded else { return Value::str(live) };
    use platformctl_core::kinds::database::{is_newer_version, major_version};
    let same_major = major_version(live) == major_version(wanted);
    if live == wanted || (same_major && !is_newer_version(wanted, live)) {
        Value::str(wanted)
    } else {
        Value::str(live)
    }
}

/// A replica's source as RDS reports it may be an identifier or an ARN: compare identifiers.
fn identifier_of(source: &str) -> &str {
    if source.starts_with("arn:") { source.rsplit(':').next().unwrap_or(source) } else { source }
}

/// PromoteReadReplica, unless the instance is already standalone (a promote run again after an
/// interruption), then a wait until it is available and reports no source — what AWS shows
/// once the promotion is complete. Automated backups are set as it is promoted. Returns whether
/// the request was sent, and the instance as it now is.
pub async fn promote_read_replica(
    aws: &Aws,
    address: &Address,
    id: &str,
    backup_retention_days: i64,
    timeout: std::time::Duration,
) -> Result<(bool, LiveResource), AwsError> {
    let request = ReadRequest::new(address, Some(id), Attrs::new());
    let describe = async || {
        let found = instance::describe_replica(&aws.rds, &request).await?;
        found.ok_or_else(|| AwsError::local("DescribeDBInstances", format!("{id} does not exist")))
    };
    let standalone = |live: &LiveResource| SOURCE.get(&live.attrs) == &Value::Null;
    let sent = !standalone(&describe().await?.1);
    if sent {
        aws.rds
            .promote_read_replica()
            .db_instance_identifier(id)
            .backup_retention_period(i32::try_from(backup_retention_days).unwrap_or(7))
            .send()
            .await
            .aws("PromoteReadReplica")?;
    }
    let started = std::time::Instant::now();
    let mut delay = PollDelay::default();
    loop {
        // Strictly `available`: a promotion passes through `modifying` and `backing-up`.
        let (status, live) = describe().await?;
        if status == "available" && standalone(&live) {
            return Ok((sent, live));
        }
        if started.elapsed() > timeout {
            return Err(AwsError::local(
                "wait",
                format!(
                    "{id} was not an available instance without a replication source within {}; run `platformctl promote` again to keep waiting (it does not promote twice), or raise `--wait-timeout`",
                    humantime::format_duration(timeout)
                ),
            ));
        }
        delay.sleep().await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn minor_upgrades_by_aws_are_not_changes() {
        assert_eq!(engine_version(Some("16.4"), Some("16.4")), Value::str("16.4"));
        assert_eq!(engine_version(Some("16.6"), Some("16.4")), Value::str("16.4"));
        assert_eq!(engine_version(Some("16.4"), Some("16")), Value::str("16"));
        assert_eq!(engine_version(Some("15.8"), Some("16.4")), Value::str("15.8"));
        assert_eq!(engine_version(Some("16.2"), Some("16.4")), Value::str("16.2"));
    }

    #[test]
    fn replica_sources_compare_as_identifiers() {
        assert_eq!(identifier_of("arn:aws:rds:eu-west-1:123456789012:db:users"), "users");
        assert_eq!(identifier_of("users"), "users");
    }
}
