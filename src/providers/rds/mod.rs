//! RDS: the DB subnet group, PostgreSQL instances and their read replicas, Aurora clusters and
//! their instances. Ids are the identifiers the stack fixes (`<stack>-<name>`), so a pending
//! create is found by its identifier: RDS refuses a second instance with the same one, which
//! is what makes a retried create safe.
//!
//! Master passwords are read from Secrets Manager in the create or modify call that sends them.

/// The modifications a DB instance and an Aurora cluster share. Their request builders are
/// different types with the same methods, hence a macro rather than a function.
macro_rules! modify_shared {
    ($request:ident, $aws:expr, $before:expr, $after:expr) => {{
        let (before, after) = ($before, $after);
        let set = |name: &str| crate::providers::common::changed(before, after, name);
        if set("engine_version") {
            let major = |a: &Attrs| str_attr(a, "engine_version").and_then(|v| v.split('.').next()).map(str::to_owned);
            $request = $request
                .set_engine_version(str_attr(after, "engine_version").map(str::to_owned))
                .allow_major_version_upgrade(major(before) != major(after));
        }
        if set("backup_retention_days") {
            $request = $request.set_backup_retention_period(int_attr(after, "backup_retention_days"));
        }
        if set("deletion_protection") {
            $request = $request.deletion_protection(bool_attr(after, "deletion_protection"));
        }
        if set("password_secret") {
            let password = super::instance::master_password($aws, after).await?;
            $request = $request.set_master_user_password(password.as_ref().map(|p| p.expose_secret().to_owned()));
        }
        if set("vpc_security_group_ids") {
            $request = $request.set_vpc_security_group_ids(Some(str_list(after, "vpc_security_group_ids")));
        }
    }};
}
use modify_shared;

mod cluster;
mod instance;
#[cfg(test)]
mod promote_tests;
mod subnet_group;

use aws_sdk_rds::types::Tag;

use super::common::{TagChanges, tag_pairs};
use super::{Aws, AwsError, ReadRequest, Status};
use crate::resource::{Address, Attrs, Kind, LiveResource, Observed, attr};

pub(super) async fn read(
    aws: &Aws,
    kind: Kind,
    requests: &[ReadRequest],
) -> Result<Vec<(Address, Observed)>, AwsError> {
    let found: Vec<LiveResource> = match kind {
        Kind::DbSubnetGroup => subnet_group::describe(&aws.rds, requests).await?,
        Kind::DbCluster => cluster::describe(&aws.rds, requests).await?,
        _ => instance::describe(&aws.rds, kind, requests).await?,
    };
    Ok(match_by_identifier(requests, found))
}

/// Pairs each request with the resource of its id, or (for a pending create) of the
/// identifier its attributes fix.
fn match_by_identifier(requests: &[ReadRequest], found: Vec<LiveResource>) -> Vec<(Address, Observed)> {
    requests
        .iter()
        .map(|r| {
            let key = r.id.as_deref().or(attr(&r.attrs, identifier_attr(&r.attrs)).as_str());
            let hit = key.and_then(|k| found.iter().find(|f| f.id == k)).cloned();
            (r.address.clone(), hit.map_or(Observed::Absent, Observed::Present))
        })
        .collect()
}

fn identifier_attr(attrs: &Attrs) -> &'static str {
    if attrs.contains_key("identifier") { "identifier" } else { "name" }
}

pub(super) async fn create(aws: &Aws, kind: Kind, attrs: &Attrs) -> Result<String, AwsError> {
    match kind {
        Kind::DbSubnetGroup => subnet_group::create(&aws.rds, attrs).await,
        Kind::DbInstance => instance::create_primary(aws, attrs).await,
        Kind::DbReadReplica => instance::create_replica(&aws.rds, attrs).await,
        Kind::DbClusterInstance => instance::create_cluster_member(&aws.rds, attrs).await,
        _ => cluster::create(aws, attrs).await,
    }
}

pub(super) async fn update(aws: &Aws, kind: Kind, id: &str, before: &Attrs, after: &Attrs) -> Result<(), AwsError> {
    match kind {
        Kind::DbSubnetGroup => subnet_group::update(&aws.rds, id, before, after).await?,
        Kind::DbCluster => cluster::update(aws, id, before, after).await?,
        _ => instance::update(aws, id, before, after).await?,
    }
    if let Some(arn) = attr(before, "arn").as_str() {
        update_tags(&aws.rds, arn, before, after).await?;
    }
    Ok(())
}

pub(super) async fn delete(aws: &Aws, kind: Kind, id: &str, attrs: &Attrs) -> Result<(), AwsError> {
    match kind {
        Kind::DbSubnetGroup => subnet_group::delete(&aws.rds, id).await,
        Kind::DbCluster => cluster::delete(&aws.rds, id, attrs).await,
        _ => instance::delete(&aws.rds, kind, id, attrs).await,
    }
}

pub(super) async fn status(aws: &Aws, kind: Kind, id: &str) -> Result<Status, AwsError> {
    let status = match kind {
        Kind::DbCluster => cluster::status(&aws.rds, id).await?,
        _ => instance::status(&aws.rds, id).await?,
    };
    Ok(status.map_or(Status::Gone, |s| lifecycle(&s)))
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
        _ => Status::Pending,
    }
}

fn rds_tags(attrs: &Attrs) -> Vec<Tag> {
    tag_pairs(attr(attrs, "tags")).into_iter().map(|(k, v)| Tag::builder().key(k).value(v).build()).collect()
}

async fn update_tags(rds: &aws_sdk_rds::Client, arn: &str, before: &Attrs, after: &Attrs) -> Result<(), AwsError> {
    TagChanges::between(before, after)
        .send(
            async |set| {
                let set = set.into_iter().map(|(k, v)| Tag::builder().key(k).value(v).build()).collect();
                let request = rds.add_tags_to_resource().resource_name(arn).set_tags(Some(set));
                request.send().await.map(drop).map_err(|e| AwsError::from_sdk("AddTagsToResource", e))
            },
            async |keys| {
                let request = rds.remove_tags_from_resource().resource_name(arn).set_tag_keys(Some(keys));
                request.send().await.map(drop).map_err(|e| AwsError::from_sdk("RemoveTagsFromResource", e))
            },
        )
        .await
}

/// The engine version to report: the one the stack asked for while AWS runs it or a newer
/// minor of the same major (automatic minor upgrades, or `16` resolved to `16.4`), so that
/// AWS's own upgrades never show as a change or plan a downgrade.
fn engine_version(live: Option<&str>, recorded: Option<&str>) -> crate::resource::Value {
    use crate::resource::Value;
    let Some(live) = live else { return Value::Null };
    let Some(wanted) = recorded else { return Value::str(live) };
    let parts = |v: &str| v.split('.').map(|p| p.parse::<u32>().unwrap_or(0)).collect::<Vec<_>>();
    let (l, w) = (parts(live), parts(wanted));
    let same_major = l.first() == w.first();
    if live == wanted || (same_major && l >= w) { Value::str(wanted) } else { Value::str(live) }
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
    let request = ReadRequest { address: address.clone(), id: Some(id.to_owned()), attrs: Attrs::new() };
    let describe = async || {
        let found = instance::describe_replica(&aws.rds, &request).await?;
        found.ok_or_else(|| AwsError::local("DescribeDBInstances", format!("{id} does not exist")))
    };
    let standalone = |live: &LiveResource| attr(&live.attrs, "source") == &crate::resource::Value::Null;
    let sent = !standalone(&describe().await?.1);
    if sent {
        aws.rds
            .promote_read_replica()
            .db_instance_identifier(id)
            .backup_retention_period(i32::try_from(backup_retention_days).unwrap_or(7))
            .send()
            .await
            .map_err(|e| AwsError::from_sdk("PromoteReadReplica", e))?;
    }
    let started = std::time::Instant::now();
    let mut delay = super::PollDelay::default();
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
    use crate::resource::Value;

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
