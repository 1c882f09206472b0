//! RDS DB instances, in their three roles: a PostgreSQL primary, a read replica of one, and a
//! member of an Aurora cluster. All three read through one DescribeDBInstances.

use async_trait::async_trait;
use aws_sdk_rds::Client;
use aws_sdk_rds::types::DbInstance;
use platformctl_core::kinds::{db_cluster_instance as member, db_instance as primary, db_read_replica as replica};
use platformctl_core::resource::{Address, Attrs, Kind, LiveResource, Observed, Value};
use secrecy::ExposeSecret;

use super::{engine_version, identifier_of, lifecycle, master_password, rds_tags, retag};
use crate::common::{final_snapshot_name, opt_int, opt_str, sorted_list, tags_from_pairs};
use crate::error::SdkResultExt;
use crate::registry::{NewResource, Provider, Status};
use crate::{Aws, AwsError, ReadRequest};

/// A PostgreSQL instance.
pub(crate) struct Primary;
/// A read replica of a PostgreSQL instance.
pub(crate) struct Replica;
/// An instance of an Aurora cluster.
pub(crate) struct ClusterMember;

#[async_trait]
impl Provider for Primary {
    async fn read(&self, aws: &Aws, requests: &[ReadRequest]) -> Result<Vec<(Address, Observed)>, AwsError> {
        read(aws, Kind::DbInstance, requests).await
    }

    async fn create(&self, aws: &Aws, new: &NewResource<'_>) -> Result<String, AwsError> {
        use primary::*;
        let attrs = new.attrs;
        let password = master_password(aws, attrs).await?;
        let id = IDENTIFIER.str(attrs).unwrap_or_default();
        let request = aws
            .rds
            .create_db_instance()
            .db_instance_identifier(id)
            .engine(ENGINE.str(attrs).unwrap_or("postgres"))
            .set_engine_version(ENGINE_VERSION.str(attrs).map(str::to_owned))
            .set_db_instance_class(INSTANCE_CLASS.str(attrs).map(str::to_owned))
            .set_allocated_storage(ALLOCATED_STORAGE.i32(attrs))
            .set_max_allocated_storage(MAX_ALLOCATED_STORAGE.i32(attrs))
            .storage_type("gp3")
            .multi_az(MULTI_AZ.is_true(attrs))
            .storage_encrypted(STORAGE_ENCRYPTED.is_true(attrs))
            .set_kms_key_id(KMS_KEY.str(attrs).map(str::to_owned))
            .set_backup_retention_period(BACKUP_RETENTION_DAYS.i32(attrs))
            .deletion_protection(DELETION_PROTECTION.is_true(attrs))
            .set_db_name(DB_NAME.str(attrs).map(str::to_owned))
            .set_master_username(USERNAME.str(attrs).map(str::to_owned))
            .set_master_user_password(password.as_ref().map(|p| p.expose_secret().to_owned()))
            .set_manage_master_user_password(MANAGED_PASSWORD.is_true(attrs).then_some(true))
            .set_port(PORT.i32(attrs))
            .set_vpc_security_group_ids(Some(VPC_SECURITY_GROUP_IDS.strings(attrs)))
            .set_db_subnet_group_name(DB_SUBNET_GROUP.str(attrs).map(str::to_owned))
            .enable_iam_database_authentication(IAM_AUTH.is_true(attrs))
            .set_db_parameter_group_name(PARAMETER_GROUP.str(attrs).map(str::to_owned))
            .set_enable_cloudwatch_logs_exports(Some(LOG_EXPORTS.strings(attrs)))
            .enable_performance_insights(PERFORMANCE_INSIGHTS.is_true(attrs))
            .set_performance_insights_retention_period(PERFORMANCE_INSIGHTS_RETENTION_DAYS.i32(attrs))
            .set_performance_insights_kms_key_id(PERFORMANCE_INSIGHTS_KMS_KEY.str(attrs).map(str::to_owned))
            .auto_minor_version_upgrade(AUTO_MINOR_VERSION_UPGRADE.bool(attrs).unwrap_or(true))
            .set_monitoring_interval(MONITORING_INTERVAL.i32(attrs))
            .set_monitoring_role_arn(MONITORING_ROLE_ARN.str(attrs).map(str::to_owned))
            .set_preferred_maintenance_window(MAINTENANCE_WINDOW.str(attrs).map(str::to_owned))
            .set_preferred_backup_window(BACKUP_WINDOW.str(attrs).map(str::to_owned))
            .publicly_accessible(false)
            .copy_tags_to_snapshot(true)
            .set_tags(Some(rds_tags(attrs)));
        super::send_once_monitoring_role_is_visible!(request, "CreateDBInstance")?;
        Ok(id.to_owned())
    }

    /// ModifyDBInstance with only what changed; `apply_immediately: false` leaves the change to
    /// the next maintenance window, as RDS does.
    async fn update(&self, aws: &Aws, id: &str, before: &Attrs, after: &Attrs) -> Result<(), AwsError> {
        use primary::*;
        if primary::DEF.needs_modification(before, after, &[PENDING_REBOOT]) {
            let mut request = aws.rds.modify_db_instance().db_instance_identifier(id);
            if INSTANCE_CLASS.changed(before, after) {
                request = request.set_db_instance_class(INSTANCE_CLASS.str(after).map(str::to_owned));
            }
            if ALLOCATED_STORAGE.changed(before, after) {
                request = request.set_allocated_storage(ALLOCATED_STORAGE.i32(after));
            }
            if MAX_ALLOCATED_STORAGE.changed(before, after) {
                // RDS turns storage autoscaling off when the maximum equals the allocated storage.
                let off = ALLOCATED_STORAGE.i32(after);
                request = request.set_max_allocated_storage(MAX_ALLOCATED_STORAGE.i32(after).or(off));
            }
            if MULTI_AZ.changed(before, after) {
                request = request.multi_az(MULTI_AZ.is_true(after));
            }
            request = instance_settings(request, before, after);
            super::modify_shared!(request, aws, before, after);
            if PORT.changed(before, after) {
                request = request.set_db_port_number(PORT.i32(after));
            }
            super::send_once_monitoring_role_is_visible!(request, "ModifyDBInstance")?;
        }
        reboot_if_pending(aws, id, before, after).await?;
        retag(aws, before, after).await
    }

    /// Takes a final snapshot unless the stack says not to.
    async fn delete(&self, aws: &Aws, id: &str, attrs: &Attrs) -> Result<(), AwsError> {
        delete(&aws.rds, id, primary::FINAL_SNAPSHOT.bool(attrs) != Some(false)).await
    }

    async fn status(&self, aws: &Aws, id: &str) -> Result<Status, AwsError> {
        super::wait_status(status(&aws.rds, id).await)
    }
}

#[async_trait]
impl Provider for Replica {
    async fn read(&self, aws: &Aws, requests: &[ReadRequest]) -> Result<Vec<(Address, Observed)>, AwsError> {
        read(aws, Kind::DbReadReplica, requests).await
    }

    /// A replica of an instance of this stack (`source` is its identifier), or of another
    /// stack's, possibly in another region (`source_arn`, with a subnet group and KMS key of this
    /// region).
    ///
    /// No `PreSignedUrl`: RDS ignores it outside GovCloud and China (where the model refuses
    /// cross-region replicas), and the Rust SDK has no `SourceRegion` presigning (smithy-rs#124).
    async fn create(&self, aws: &Aws, new: &NewResource<'_>) -> Result<String, AwsError> {
        use replica::*;
        let attrs = new.attrs;
        let id = IDENTIFIER.str(attrs).unwrap_or_default();
        let source = SOURCE_ARN.str(attrs).or(SOURCE.str(attrs)).unwrap_or_default();
        let request = aws
            .rds
            .create_db_instance_read_replica()
            .db_instance_identifier(id)
            .source_db_instance_identifier(source)
            .set_db_subnet_group_name(DB_SUBNET_GROUP.str(attrs).map(str::to_owned))
            .set_kms_key_id(KMS_KEY.str(attrs).map(str::to_owned))
            .set_db_instance_class(INSTANCE_CLASS.str(attrs).map(str::to_owned))
            .set_vpc_security_group_ids(Some(VPC_SECURITY_GROUP_IDS.strings(attrs)))
            .publicly_accessible(false)
            .deletion_protection(DELETION_PROTECTION.is_true(attrs))
            .set_db_parameter_group_name(PARAMETER_GROUP.str(attrs).map(str::to_owned))
            .set_monitoring_interval(MONITORING_INTERVAL.i32(attrs))
            .set_monitoring_role_arn(MONITORING_ROLE_ARN.str(attrs).map(str::to_owned))
            .set_enable_performance_insights(PERFORMANCE_INSIGHTS.bool(attrs))
            .set_performance_insights_retention_period(PERFORMANCE_INSIGHTS_RETENTION_DAYS.i32(attrs))
            .set_performance_insights_kms_key_id(PERFORMANCE_INSIGHTS_KMS_KEY.str(attrs).map(str::to_owned))
            .set_auto_minor_version_upgrade(AUTO_MINOR_VERSION_UPGRADE.bool(attrs))
            .set_tags(Some(rds_tags(attrs)));
        super::send_once_monitoring_role_is_visible!(request, "CreateDBInstanceReadReplica")?;
        // Backups and windows RDS takes only by a modification of the available replica (as
        // terraform-provider-aws does); its backups are set even to none, as a replica may start
        // with its source's. Interrupted while waiting, the next run adopts the replica by its
        // identifier and plans the modification.
        let after_creation = [REPLICA_BACKUP_RETENTION_DAYS, MAINTENANCE_WINDOW, BACKUP_WINDOW];
        if after_creation.iter().any(|a| a.get(attrs) != &Value::Null) {
            let timeout = std::time::Duration::from_secs(platformctl_core::kinds::database::WAIT_MINUTES * 60);
            let started = std::time::Instant::now();
            if !wait_until_available(aws, id, started, timeout, "to set its backups and windows").await? {
                return Err(AwsError::local(
                    "CreateDBInstanceReadReplica",
                    format!("{id} vanished after its creation"),
                ));
            }
            let request = aws
                .rds
                .modify_db_instance()
                .db_instance_identifier(id)
                .apply_immediately(true)
                .set_backup_retention_period(REPLICA_BACKUP_RETENTION_DAYS.i32(attrs))
                .set_preferred_maintenance_window(MAINTENANCE_WINDOW.str(attrs).map(str::to_owned))
                .set_preferred_backup_window(BACKUP_WINDOW.str(attrs).map(str::to_owned));
            request.send().await.aws("ModifyDBInstance")?;
        }
        Ok(id.to_owned())
    }

    async fn update(&self, aws: &Aws, id: &str, before: &Attrs, after: &Attrs) -> Result<(), AwsError> {
        use replica::*;
        if replica::DEF.needs_modification(before, after, &[PENDING_REBOOT]) {
            let mut request = aws.rds.modify_db_instance().db_instance_identifier(id);
            if INSTANCE_CLASS.changed(before, after) {
                request = request.set_db_instance_class(INSTANCE_CLASS.str(after).map(str::to_owned));
            }
            if REPLICA_BACKUP_RETENTION_DAYS.changed(before, after) {
                let days = REPLICA_BACKUP_RETENTION_DAYS.i32(after).unwrap_or(0);
                request = request.backup_retention_period(days);
            }
            request = instance_settings(request, before, after);
            super::modify_shared!(request, aws, before, after);
            super::send_once_monitoring_role_is_visible!(request, "ModifyDBInstance")?;
        }
        reboot_if_pending(aws, id, before, after).await?;
        retag(aws, before, after).await
    }

    /// Replicas have no snapshot of their own (RDS refuses one).
    async fn delete(&self, aws: &Aws, id: &str, _: &Attrs) -> Result<(), AwsError> {
        delete(&aws.rds, id, false).await
    }

    async fn status(&self, aws: &Aws, id: &str) -> Result<Status, AwsError> {
        super::wait_status(status(&aws.rds, id).await)
    }
}

#[async_trait]
impl Provider for ClusterMember {
    async fn read(&self, aws: &Aws, requests: &[ReadRequest]) -> Result<Vec<(Address, Observed)>, AwsError> {
        read(aws, Kind::DbClusterInstance, requests).await
    }

    async fn create(&self, aws: &Aws, new: &NewResource<'_>) -> Result<String, AwsError> {
        use member::*;
        let attrs = new.attrs;
        let id = IDENTIFIER.str(attrs).unwrap_or_default();
        let request = aws
            .rds
            .create_db_instance()
            .db_instance_identifier(id)
            .db_cluster_identifier(CLUSTER.str(attrs).unwrap_or_default())
            .engine(ENGINE.str(attrs).unwrap_or("aurora-postgresql"))
            .set_db_instance_class(INSTANCE_CLASS.str(attrs).map(str::to_owned))
            .set_availability_zone(AVAILABILITY_ZONE.str(attrs).map(str::to_owned))
            .set_db_parameter_group_name(PARAMETER_GROUP.str(attrs).map(str::to_owned))
            .enable_performance_insights(PERFORMANCE_INSIGHTS.is_true(attrs))
            .set_performance_insights_retention_period(PERFORMANCE_INSIGHTS_RETENTION_DAYS.i32(attrs))
            .set_performance_insights_kms_key_id(PERFORMANCE_INSIGHTS_KMS_KEY.str(attrs).map(str::to_owned))
            .auto_minor_version_upgrade(AUTO_MINOR_VERSION_UPGRADE.bool(attrs).unwrap_or(true))
            .set_monitoring_interval(MONITORING_INTERVAL.i32(attrs))
            .set_monitoring_role_arn(MONITORING_ROLE_ARN.str(attrs).map(str::to_owned))
            .publicly_accessible(false)
            .set_tags(Some(rds_tags(attrs)));
        super::send_once_monitoring_role_is_visible!(request, "CreateDBInstance")?;
        Ok(id.to_owned())
    }

    async fn update(&self, aws: &Aws, id: &str, before: &Attrs, after: &Attrs) -> Result<(), AwsError> {
        use member::{INSTANCE_CLASS, PENDING_REBOOT};
        if member::DEF.needs_modification(before, after, &[PENDING_REBOOT]) {
            let mut request = aws.rds.modify_db_instance().db_instance_identifier(id).apply_immediately(true);
            if INSTANCE_CLASS.changed(before, after) {
                request = request.set_db_instance_class(INSTANCE_CLASS.str(after).map(str::to_owned));
            }
            request = instance_settings(request, before, after);
            super::send_once_monitoring_role_is_visible!(request, "ModifyDBInstance")?;
        }
        reboot_if_pending(aws, id, before, after).await?;
        retag(aws, before, after).await
    }

    /// Cluster members have no snapshot of their own: the cluster has.
    async fn delete(&self, aws: &Aws, id: &str, _: &Attrs) -> Result<(), AwsError> {
        delete(&aws.rds, id, false).await
    }

    async fn status(&self, aws: &Aws, id: &str) -> Result<Status, AwsError> {
        super::wait_status(status(&aws.rds, id).await)
    }
}

/// The settings of an instance itself that changed (a PostgreSQL instance, an Aurora member).
fn instance_settings(
    mut request: aws_sdk_rds::operation::modify_db_instance::builders::ModifyDBInstanceFluentBuilder,
    before: &Attrs,
    after: &Attrs,
) -> aws_sdk_rds::operation::modify_db_instance::builders::ModifyDBInstanceFluentBuilder {
    use platformctl_core::kinds::database::{
        AUTO_MINOR_VERSION_UPGRADE, MONITORING_INTERVAL, MONITORING_ROLE_ARN, PARAMETER_GROUP, PERFORMANCE_INSIGHTS,
        PERFORMANCE_INSIGHTS_KMS_KEY, PERFORMANCE_INSIGHTS_RETENTION_DAYS,
    };
    if MONITORING_INTERVAL.changed(before, after) || MONITORING_ROLE_ARN.changed(before, after) {
        // RDS takes the two together: an interval needs the role, off needs none.
        request = request
            .set_monitoring_interval(MONITORING_INTERVAL.i32(after))
            .set_monitoring_role_arn(MONITORING_ROLE_ARN.str(after).map(str::to_owned));
    }
    if [PERFORMANCE_INSIGHTS, PERFORMANCE_INSIGHTS_RETENTION_DAYS, PERFORMANCE_INSIGHTS_KMS_KEY]
        .iter()
        .any(|a| a.changed(before, after))
    {
        // Sent together: a retention or a key goes with Performance Insights turned on.
        request = request
            .enable_performance_insights(PERFORMANCE_INSIGHTS.is_true(after))
            .set_performance_insights_retention_period(PERFORMANCE_INSIGHTS_RETENTION_DAYS.i32(after))
            .set_performance_insights_kms_key_id(PERFORMANCE_INSIGHTS_KMS_KEY.str(after).map(str::to_owned));
    }
    if AUTO_MINOR_VERSION_UPGRADE.changed(before, after) {
        request = request.auto_minor_version_upgrade(AUTO_MINOR_VERSION_UPGRADE.is_true(after));
    }
    if PARAMETER_GROUP.changed(before, after) {
        request = request.set_db_parameter_group_name(PARAMETER_GROUP.str(after).map(str::to_owned));
    }
    request
}

/// `reboot: allowed` and RDS holds the instance pending reboot: RebootDBInstance (the update's
/// wait follows it back to `available`).
async fn reboot_if_pending(aws: &Aws, id: &str, before: &Attrs, after: &Attrs) -> Result<(), AwsError> {
    use platformctl_core::kinds::database::PENDING_REBOOT;
    if PENDING_REBOOT.is_true(before) && PENDING_REBOOT.bool(after) == Some(false) {
        aws.rds.reboot_db_instance().db_instance_identifier(id).send().await.aws("RebootDBInstance")?;
    }
    Ok(())
}

/// Waits until the instance is available; `false` if it does not exist.
async fn wait_until_available(
    aws: &Aws,
    id: &str,
    started: std::time::Instant,
    timeout: std::time::Duration,
    what: &str,
) -> Result<bool, AwsError> {
    let mut delay = crate::common::PollDelay::default();
    loop {
        match super::wait_status(status(&aws.rds, id).await)? {
            Status::Ready => return Ok(true),
            Status::Gone => return Ok(false),
            Status::Failed(s) => return Err(AwsError::local("DescribeDBInstances", format!("{id} is {s}"))),
            _ if started.elapsed() > timeout => {
                let limit = humantime::format_duration(timeout);
                return Err(AwsError::local(
                    "wait",
                    format!(
                        "{id} was not available {what} within {limit}; apply again to resume, or raise `--wait-timeout`"
                    ),
                ));
            }
            _ => delay.sleep().await,
        }
    }
}

/// Reboots an instance once it is available and waits until it is again: a parameter group's
/// static parameters changed and the stack allows the restart. An instance that does not exist
/// (yet: one this apply adds) has nothing to restart; it starts with the new parameters.
pub(super) async fn reboot_and_wait(aws: &Aws, id: &str, timeout: std::time::Duration) -> Result<(), AwsError> {
    let started = std::time::Instant::now();
    if !wait_until_available(aws, id, started, timeout, "to reboot").await? {
        return Ok(());
    }
    tracing::info!(%id, "rebooting for parameters that apply at a restart");
    aws.rds.reboot_db_instance().db_instance_identifier(id).send().await.aws("RebootDBInstance")?;
    // RDS reports `rebooting` from the call's answer on; the first poll comes after a pause.
    crate::common::PollDelay::default().sleep().await;
    wait_until_available(aws, id, started, timeout, "after its reboot").await.map(drop)
}

/// Every instance in one DescribeDBInstances, each reported in the role of `kind`.
async fn read(aws: &Aws, kind: Kind, requests: &[ReadRequest]) -> Result<Vec<(Address, Observed)>, AwsError> {
    let instances: Vec<DbInstance> = aws
        .rds
        .describe_db_instances()
        .into_paginator()
        .items()
        .send()
        .collect::<Result<Vec<_>, _>>()
        .await
        .aws("DescribeDBInstances")?;
    let found = instances
        .iter()
        .filter_map(|db| {
            let id = db.db_instance_identifier()?;
            let request = requests.iter().find(|r| r.id.as_deref() == Some(id))?;
            Some(live(kind, db, request))
        })
        .collect();
    Ok(crate::common::pair_by_id(requests, found))
}

pub(super) fn live(kind: Kind, db: &DbInstance, request: &ReadRequest) -> LiveResource {
    let id = db.db_instance_identifier().unwrap_or_default();
    let tags = tags_from_pairs(db.tag_list().iter().map(|t| (t.key(), t.value())));
    // An instance created without security groups gets the VPC's default group from RDS: where
    // the stack gave none, that is not drift (the groups are compared once the stack names some).
    let security_groups = if primary::VPC_SECURITY_GROUP_IDS.strings(&request.attrs).is_empty() {
        Value::List(Vec::new())
    } else {
        sorted_list(db.vpc_security_groups().iter().filter_map(|g| g.vpc_security_group_id()))
    };
    let port = db.endpoint().and_then(|e| e.port()).or(db.db_instance_port().filter(|p| *p > 0));
    let mut attrs = Attrs::from([
        primary::IDENTIFIER.to(id),
        primary::INSTANCE_CLASS.to(opt_str(db.db_instance_class())),
        primary::TAGS.to(tags),
        primary::ARN.to(opt_str(db.db_instance_arn())),
    ]);
    match kind {
        Kind::DbReadReplica => {
            let source = db.read_replica_source_db_instance_identifier().map(identifier_of);
            attrs.extend([
                replica::SOURCE.to(opt_str(source)),
                replica::VPC_SECURITY_GROUP_IDS.to(security_groups),
                replica::DELETION_PROTECTION.to(db.deletion_protection().unwrap_or(false)),
                replica::MAINTENANCE_WINDOW.to(super::window(
                    db.preferred_maintenance_window(),
                    replica::MAINTENANCE_WINDOW,
                    request,
                )),
                replica::BACKUP_WINDOW.to(super::window(db.preferred_backup_window(), replica::BACKUP_WINDOW, request)),
                replica::REPLICA_BACKUP_RETENTION_DAYS.to(opt_int(db.backup_retention_period())),
            ]);
            attrs.extend(instance_settings_of(db, request));
            if replica::of_another_stack(&request.attrs) {
                for a in replica::FROM_THE_PRIMARY {
                    attrs.insert(a.name.to_owned(), Value::Null);
                }
            }
        }
        Kind::DbClusterInstance => {
            attrs.extend([
                member::CLUSTER.to(opt_str(db.db_cluster_identifier())),
                member::ENGINE.to(opt_str(db.engine())),
                member::AVAILABILITY_ZONE.to(opt_str(db.availability_zone())),
            ]);
            attrs.extend(instance_settings_of(db, request));
        }
        _ => {
            use primary::*;
            attrs.extend([
                ENGINE.to(opt_str(db.engine())),
                ENGINE_VERSION.to(engine_version(db.engine_version(), ENGINE_VERSION.str(&request.attrs))),
                ALLOCATED_STORAGE.to(opt_int(db.allocated_storage())),
                MAX_ALLOCATED_STORAGE.to(opt_int(db.max_allocated_storage())),
                MULTI_AZ.to(db.multi_az().unwrap_or(false)),
                STORAGE_ENCRYPTED.to(db.storage_encrypted().unwrap_or(false)),
                BACKUP_RETENTION_DAYS.to(opt_int(db.backup_retention_period())),
                DELETION_PROTECTION.to(db.deletion_protection().unwrap_or(false)),
                DB_NAME.to(opt_str(db.db_name())),
                USERNAME.to(opt_str(db.master_username())),
                PORT.to(opt_int(port)),
                VPC_SECURITY_GROUP_IDS.to(security_groups),
                DB_SUBNET_GROUP.to(opt_str(db.db_subnet_group().and_then(|g| g.db_subnet_group_name()))),
                MANAGED_PASSWORD.to(db.master_user_secret().is_some()),
                IAM_AUTH.to(db.iam_database_authentication_enabled().unwrap_or(false)),
                LOG_EXPORTS.to(sorted_list(db.enabled_cloudwatch_logs_exports().iter().map(String::as_str))),
                MAINTENANCE_WINDOW.to(super::window(db.preferred_maintenance_window(), MAINTENANCE_WINDOW, request)),
                BACKUP_WINDOW.to(super::window(db.preferred_backup_window(), BACKUP_WINDOW, request)),
            ]);
            attrs.extend(instance_settings_of(db, request));
        }
    }
    use primary::out;
    let mut outputs = Attrs::from([
        out::ADDRESS.to(opt_str(db.endpoint().and_then(|e| e.address()))),
        out::PORT.to(opt_int(port)),
        out::ARN.to(opt_str(db.db_instance_arn())),
        out::RESOURCE_ID.to(opt_str(db.dbi_resource_id())),
        out::PARAMETER_STATUS.to(opt_str(db.db_parameter_groups().first().and_then(|g| g.parameter_apply_status()))),
    ]);
    // A primary's own: a replica (moto reports its source's secret on it) has none of its own.
    if kind == Kind::DbInstance
        && let Some(arn) = db.master_user_secret().and_then(|s| s.secret_arn())
    {
        outputs.extend([out::MASTER_SECRET_ARN.to(arn)]);
    }
    let ready = matches!(lifecycle(db.db_instance_status().unwrap_or_default()), Status::Ready);
    LiveResource { id: id.to_owned(), attrs, ready, outputs }
}

/// An instance's own settings as AWS reports them (absent: AWS's defaults). Whether it is
/// pending reboot only where the stack may act on it (`reboot: allowed`): otherwise it is the
/// `parameter_status` output, named in the plan.
fn instance_settings_of(db: &DbInstance, request: &ReadRequest) -> [(String, platformctl_core::resource::Value); 7] {
    use platformctl_core::kinds::database::{
        AUTO_MINOR_VERSION_UPGRADE, MONITORING_INTERVAL, MONITORING_ROLE_ARN, PARAMETER_GROUP, PENDING_REBOOT,
        PERFORMANCE_INSIGHTS, PERFORMANCE_INSIGHTS_RETENTION_DAYS,
    };
    let group = db.db_parameter_groups().first();
    let pending = group.and_then(|g| g.parameter_apply_status()) == Some("pending-reboot");
    use platformctl_core::resource::Value;
    let interval = db.monitoring_interval().unwrap_or(0);
    let insights = db.performance_insights_enabled().unwrap_or(false);
    [
        PERFORMANCE_INSIGHTS.to(insights),
        // Its history's length only while it is on (RDS may keep reporting the last one).
        PERFORMANCE_INSIGHTS_RETENTION_DAYS.to(if insights {
            opt_int(db.performance_insights_retention_period())
        } else {
            Value::Null
        }),
        AUTO_MINOR_VERSION_UPGRADE.to(db.auto_minor_version_upgrade().unwrap_or(true)),
        MONITORING_INTERVAL.to(interval),
        // With monitoring off, a role RDS still lists (as it may, like Terraform's computed
        // `monitoring_role_arn`) does nothing: not the stack's concern.
        MONITORING_ROLE_ARN.to(if interval > 0 { opt_str(db.monitoring_role_arn()) } else { Value::Null }),
        PARAMETER_GROUP.to(opt_str(group.and_then(|g| g.db_parameter_group_name()))),
        PENDING_REBOOT.to(if PENDING_REBOOT.get(&request.attrs) == &Value::Null {
            Value::Null
        } else {
            pending.into()
        }),
    ]
}

/// Deletes an instance, with a final snapshot when `snapshot`.
async fn delete(rds: &Client, id: &str, snapshot: bool) -> Result<(), AwsError> {
    let mut request = rds.delete_db_instance().db_instance_identifier(id);
    request = if snapshot {
        request.final_db_snapshot_identifier(final_snapshot_name(id))
    } else {
        request.skip_final_snapshot(true)
    };
    // Already on its way out (an interrupted destroy run again): `registry::delete` sees the
    // instance `deleting` and lets the wait follow it.
    request.send().await.aws("DeleteDBInstance").map(drop)
}

/// One instance as a read replica (source, endpoint) with its raw status, or `None` if gone.
pub(super) async fn describe_replica(
    rds: &Client,
    request: &ReadRequest,
) -> Result<Option<(String, LiveResource)>, AwsError> {
    let id = request.id.as_deref().unwrap_or_default();
    match rds.describe_db_instances().db_instance_identifier(id).send().await.aws("DescribeDBInstances") {
        Ok(out) => Ok(out.db_instances().first().map(|db| {
            (db.db_instance_status().unwrap_or_default().to_owned(), live(Kind::DbReadReplica, db, request))
        })),
        Err(e) if e.is_not_found() => Ok(None),
        Err(e) => Err(e),
    }
}

/// The instance's status, or `None` once it is gone.
async fn status(rds: &Client, id: &str) -> Result<Option<String>, AwsError> {
    let out = rds.describe_db_instances().db_instance_identifier(id).send().await.aws("DescribeDBInstances")?;
    Ok(out.db_instances().first().and_then(|d| d.db_instance_status()).map(str::to_owned))
}
