//! Aurora PostgreSQL clusters: the storage, the writer and reader endpoints, the master user.
//! The instances that serve it are `instance.rs`'s cluster members.

use async_trait::async_trait;
use aws_sdk_rds::types::{DbCluster, ServerlessV2ScalingConfiguration};
use platformctl_core::kinds::db_cluster::*;
use platformctl_core::resource::{Address, Attrs, LiveResource, Observed, Value};
use secrecy::ExposeSecret;

use super::{engine_version, lifecycle, master_password, rds_tags, retag};
use crate::common::{final_snapshot_name, opt_int, opt_str, sorted_list, tags_from_pairs};
use crate::error::SdkResultExt;
use crate::registry::{NewResource, Provider, Status};
use crate::{Aws, AwsError, ReadRequest};

pub(crate) struct Cluster;

#[async_trait]
impl Provider for Cluster {
    async fn read(&self, aws: &Aws, requests: &[ReadRequest]) -> Result<Vec<(Address, Observed)>, AwsError> {
        let clusters: Vec<DbCluster> = aws
            .rds
            .describe_db_clusters()
            .into_paginator()
            .items()
            .send()
            .collect::<Result<Vec<_>, _>>()
            .await
            .aws("DescribeDBClusters")?;
        let found = clusters
            .iter()
            .filter_map(|c| {
                let id = c.db_cluster_identifier()?;
                let request = requests.iter().find(|r| r.id.as_deref() == Some(id))?;
                Some(live(c, request))
            })
            .collect();
        Ok(crate::common::pair_by_id(requests, found))
    }

    async fn create(&self, aws: &Aws, new: &NewResource<'_>) -> Result<String, AwsError> {
        let attrs = new.attrs;
        let password = master_password(aws, attrs).await?;
        let id = IDENTIFIER.str(attrs).unwrap_or_default();
        aws.rds
            .create_db_cluster()
            .db_cluster_identifier(id)
            .engine(ENGINE.str(attrs).unwrap_or("aurora-postgresql"))
            .set_engine_version(ENGINE_VERSION.str(attrs).map(str::to_owned))
            .set_database_name(DB_NAME.str(attrs).map(str::to_owned))
            .set_master_username(USERNAME.str(attrs).map(str::to_owned))
            .set_master_user_password(password.as_ref().map(|p| p.expose_secret().to_owned()))
            .set_manage_master_user_password(MANAGED_PASSWORD.is_true(attrs).then_some(true))
            .storage_encrypted(STORAGE_ENCRYPTED.is_true(attrs))
            .set_kms_key_id(KMS_KEY.str(attrs).map(str::to_owned))
            .set_backup_retention_period(BACKUP_RETENTION_DAYS.i32(attrs))
            .deletion_protection(DELETION_PROTECTION.is_true(attrs))
            .set_port(PORT.i32(attrs))
            .set_vpc_security_group_ids(Some(VPC_SECURITY_GROUP_IDS.strings(attrs)))
            .set_db_subnet_group_name(DB_SUBNET_GROUP.str(attrs).map(str::to_owned))
            .enable_iam_database_authentication(IAM_AUTH.is_true(attrs))
            .set_enable_cloudwatch_logs_exports(Some(LOG_EXPORTS.strings(attrs)))
            .set_preferred_maintenance_window(MAINTENANCE_WINDOW.str(attrs).map(str::to_owned))
            .set_preferred_backup_window(BACKUP_WINDOW.str(attrs).map(str::to_owned))
            .set_serverless_v2_scaling_configuration(serverless_capacity(attrs)?)
            .set_db_cluster_parameter_group_name(PARAMETER_GROUP.str(attrs).map(str::to_owned))
            .copy_tags_to_snapshot(true)
            .set_tags(Some(rds_tags(attrs)))
            .send()
            .await
            .aws("CreateDBCluster")?;
        Ok(id.to_owned())
    }

    async fn update(&self, aws: &Aws, id: &str, before: &Attrs, after: &Attrs) -> Result<(), AwsError> {
        if DEF.needs_modification(before, after, &[]) {
            let mut request = aws.rds.modify_db_cluster().db_cluster_identifier(id);
            super::modify_shared!(request, aws, before, after);
            if PORT.changed(before, after) {
                request = request.set_port(PORT.i32(after));
            }
            if PARAMETER_GROUP.changed(before, after) {
                request = request.set_db_cluster_parameter_group_name(PARAMETER_GROUP.str(after).map(str::to_owned));
            }
            if ENGINE_VERSION.changed(before, after) && PARAMETER_GROUP.changed(before, after) {
                // A major upgrade (the family changed): the instances move to their group of the
                // new family in the same call; RDS takes it only with the upgrade.
                let members = MEMBER_PARAMETER_GROUP.str(after).map(str::to_owned);
                request = request.set_db_instance_parameter_group_name(members);
            }
            if SERVERLESS_CAPACITY.changed(before, after) {
                request = request.set_serverless_v2_scaling_configuration(serverless_capacity(after)?);
            }
            request.send().await.aws("ModifyDBCluster")?;
        }
        retag(aws, before, after).await
    }

    async fn delete(&self, aws: &Aws, id: &str, attrs: &Attrs) -> Result<(), AwsError> {
        let mut request = aws.rds.delete_db_cluster().db_cluster_identifier(id);
        request = if FINAL_SNAPSHOT.bool(attrs) == Some(false) {
            request.skip_final_snapshot(true)
        } else {
            request.final_db_snapshot_identifier(final_snapshot_name(id))
        };
        request.send().await.aws("DeleteDBCluster")?;
        Ok(())
    }

    async fn status(&self, aws: &Aws, id: &str) -> Result<Status, AwsError> {
        let out = aws.rds.describe_db_clusters().db_cluster_identifier(id).send().await.aws("DescribeDBClusters");
        super::wait_status(out.map(|out| out.db_clusters().first().and_then(|c| c.status()).map(str::to_owned)))
    }
}

/// Aurora Serverless v2's range as RDS takes it, from `{ min, max }` in ACU.
fn serverless_capacity(attrs: &Attrs) -> Result<Option<ServerlessV2ScalingConfiguration>, AwsError> {
    let Some(range) = SERVERLESS_CAPACITY.map(attrs) else { return Ok(None) };
    let acu = |bound: &str| -> Result<f64, AwsError> {
        let value = range.get(bound).unwrap_or(&Value::Null);
        value
            .as_decimal()
            .ok_or_else(|| AwsError::local("CreateDBCluster", format!("`{value}` is not a capacity in ACU")))
    };
    Ok(Some(ServerlessV2ScalingConfiguration::builder().min_capacity(acu("min")?).max_capacity(acu("max")?).build()))
}

/// The range RDS reports, as the state records it.
fn serverless_capacity_of(c: &DbCluster) -> Value {
    let Some(range) = c.serverless_v2_scaling_configuration() else { return Value::Null };
    let acu = |v: Option<f64>| v.map_or(Value::Null, Value::decimal);
    Value::Map([("min".to_owned(), acu(range.min_capacity())), ("max".to_owned(), acu(range.max_capacity()))].into())
}

pub(super) fn live(c: &DbCluster, request: &ReadRequest) -> LiveResource {
    let id = c.db_cluster_identifier().unwrap_or_default();
    let attrs = Attrs::from([
        IDENTIFIER.to(id),
        ENGINE.to(opt_str(c.engine())),
        ENGINE_VERSION.to(engine_version(c.engine_version(), ENGINE_VERSION.str(&request.attrs))),
        DB_NAME.to(opt_str(c.database_name())),
        USERNAME.to(opt_str(c.master_username())),
        STORAGE_ENCRYPTED.to(c.storage_encrypted().unwrap_or(false)),
        BACKUP_RETENTION_DAYS.to(opt_int(c.backup_retention_period())),
        DELETION_PROTECTION.to(c.deletion_protection().unwrap_or(false)),
        PORT.to(opt_int(c.port())),
        VPC_SECURITY_GROUP_IDS
            .to(sorted_list(c.vpc_security_groups().iter().filter_map(|g| g.vpc_security_group_id()))),
        DB_SUBNET_GROUP.to(opt_str(c.db_subnet_group())),
        TAGS.to(tags_from_pairs(c.tag_list().iter().map(|t| (t.key(), t.value())))),
        ARN.to(opt_str(c.db_cluster_arn())),
        MANAGED_PASSWORD.to(c.master_user_secret().is_some()),
        IAM_AUTH.to(c.iam_database_authentication_enabled().unwrap_or(false)),
        LOG_EXPORTS.to(sorted_list(c.enabled_cloudwatch_logs_exports().iter().map(String::as_str))),
        MAINTENANCE_WINDOW.to(super::window(c.preferred_maintenance_window(), MAINTENANCE_WINDOW, request)),
        BACKUP_WINDOW.to(super::window(c.preferred_backup_window(), BACKUP_WINDOW, request)),
        SERVERLESS_CAPACITY.to(serverless_capacity_of(c)),
        PARAMETER_GROUP.to(opt_str(c.db_cluster_parameter_group())),
    ]);
    let mut outputs = Attrs::from([
        out::ENDPOINT.to(opt_str(c.endpoint())),
        out::READER_ENDPOINT.to(opt_str(c.reader_endpoint())),
        out::PORT.to(opt_int(c.port())),
        out::ARN.to(opt_str(c.db_cluster_arn())),
    ]);
    if let Some(arn) = c.master_user_secret().and_then(|s| s.secret_arn()) {
        outputs.extend([out::MASTER_SECRET_ARN.to(arn)]);
    }
    let ready = matches!(lifecycle(c.status().unwrap_or_default()), Status::Ready);
    LiveResource { id: id.to_owned(), attrs, ready, outputs }
}
