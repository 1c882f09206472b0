//! Aurora PostgreSQL clusters: the storage, the writer and reader endpoints, the master user.
//! The instances that serve it are `instance.rs`'s cluster members.

use aws_sdk_rds::Client;
use aws_sdk_rds::types::DbCluster;
use secrecy::ExposeSecret;

use super::instance::master_password;
use super::{engine_version, rds_tags};
use crate::providers::common::{
    bool_attr, carry_over, changed, final_snapshot_name, int_attr, opt_int, opt_str, sorted_list, str_attr, str_list,
    tags_from_pairs,
};
use crate::providers::{Aws, AwsError, ReadRequest};
use crate::resource::{Attrs, LiveResource, Value, attr};

const LOCAL: &[&str] = &["password_secret", "final_snapshot", "kms_key", "apply_immediately"];

pub(super) async fn describe(rds: &Client, requests: &[ReadRequest]) -> Result<Vec<LiveResource>, AwsError> {
    let clusters: Vec<DbCluster> = rds
        .describe_db_clusters()
        .into_paginator()
        .items()
        .send()
        .collect::<Result<Vec<_>, _>>()
        .await
        .map_err(|e| AwsError::from_sdk("DescribeDBClusters", e))?;
    Ok(clusters
        .iter()
        .filter_map(|c| {
            let id = c.db_cluster_identifier()?;
            let request = requests.iter().find(|r| {
                r.id.as_deref() == Some(id) || (r.id.is_none() && str_attr(&r.attrs, "identifier") == Some(id))
            })?;
            Some(live(c, request))
        })
        .collect())
}

fn live(c: &DbCluster, request: &ReadRequest) -> LiveResource {
    let id = c.db_cluster_identifier().unwrap_or_default();
    let mut attrs = Attrs::from([
        ("identifier".into(), Value::str(id)),
        ("engine".into(), opt_str(c.engine())),
        ("engine_version".into(), engine_version(c.engine_version(), str_attr(&request.attrs, "engine_version"))),
        ("db_name".into(), opt_str(c.database_name())),
        ("username".into(), opt_str(c.master_username())),
        ("storage_encrypted".into(), Value::Bool(c.storage_encrypted().unwrap_or(false))),
        ("backup_retention_days".into(), opt_int(c.backup_retention_period())),
        ("deletion_protection".into(), Value::Bool(c.deletion_protection().unwrap_or(false))),
        ("port".into(), opt_int(c.port())),
        (
            "vpc_security_group_ids".into(),
            sorted_list(c.vpc_security_groups().iter().filter_map(|g| g.vpc_security_group_id())),
        ),
        ("db_subnet_group".into(), opt_str(c.db_subnet_group())),
        ("tags".into(), tags_from_pairs(c.tag_list().iter().map(|t| (t.key(), t.value())))),
        ("arn".into(), opt_str(c.db_cluster_arn())),
    ]);
    carry_over(request, &mut attrs, LOCAL);
    let outputs = Attrs::from([
        ("endpoint".into(), opt_str(c.endpoint())),
        ("reader_endpoint".into(), opt_str(c.reader_endpoint())),
        ("port".into(), opt_int(c.port())),
        ("arn".into(), opt_str(c.db_cluster_arn())),
    ]);
    let ready = matches!(super::lifecycle(c.status().unwrap_or_default()), crate::providers::Status::Ready);
    LiveResource { id: id.to_owned(), attrs, ready, outputs }
}

pub(super) async fn create(aws: &Aws, attrs: &Attrs) -> Result<String, AwsError> {
    let password = master_password(aws, attrs).await?;
    let id = str_attr(attrs, "identifier").unwrap_or_default();
    aws.rds
        .create_db_cluster()
        .db_cluster_identifier(id)
        .engine(str_attr(attrs, "engine").unwrap_or("aurora-postgresql"))
        .set_engine_version(str_attr(attrs, "engine_version").map(str::to_owned))
        .set_database_name(str_attr(attrs, "db_name").map(str::to_owned))
        .set_master_username(str_attr(attrs, "username").map(str::to_owned))
        .set_master_user_password(password.as_ref().map(|p| p.expose_secret().to_owned()))
        .storage_encrypted(bool_attr(attrs, "storage_encrypted"))
        .set_kms_key_id(str_attr(attrs, "kms_key").map(str::to_owned))
        .set_backup_retention_period(int_attr(attrs, "backup_retention_days"))
        .deletion_protection(bool_attr(attrs, "deletion_protection"))
        .set_port(int_attr(attrs, "port"))
        .set_vpc_security_group_ids(Some(str_list(attrs, "vpc_security_group_ids")))
        .set_db_subnet_group_name(str_attr(attrs, "db_subnet_group").map(str::to_owned))
        .copy_tags_to_snapshot(true)
        .set_tags(Some(rds_tags(attrs)))
        .send()
        .await
        .map_err(|e| AwsError::from_sdk("CreateDBCluster", e))?;
    Ok(id.to_owned())
}

pub(super) async fn update(aws: &Aws, id: &str, before: &Attrs, after: &Attrs) -> Result<(), AwsError> {
    const MODIFIABLE: &[&str] = &[
        "engine_version",
        "backup_retention_days",
        "deletion_protection",
        "password_secret",
        "port",
        "vpc_security_group_ids",
    ];
    if !MODIFIABLE.iter().any(|a| changed(before, after, a)) {
        return Ok(());
    }
    let set = |name: &str| changed(before, after, name);
    let mut request = aws
        .rds
        .modify_db_cluster()
        .db_cluster_identifier(id)
        .apply_immediately(attr(after, "apply_immediately").as_bool().unwrap_or(true));
    super::modify_shared!(request, aws, before, after);
    if set("port") {
        request = request.set_port(int_attr(after, "port"));
    }
    request.send().await.map_err(|e| AwsError::from_sdk("ModifyDBCluster", e))?;
    Ok(())
}

pub(super) async fn delete(rds: &Client, id: &str, attrs: &Attrs) -> Result<(), AwsError> {
    let mut request = rds.delete_db_cluster().db_cluster_identifier(id);
    request = if attr(attrs, "final_snapshot").as_bool() == Some(false) {
        request.skip_final_snapshot(true)
    } else {
        request.final_db_snapshot_identifier(final_snapshot_name(id))
    };
    request.send().await.map_err(|e| AwsError::from_sdk("DeleteDBCluster", e))?;
    Ok(())
}

pub(super) async fn status(rds: &Client, id: &str) -> Result<Option<String>, AwsError> {
    match rds.describe_db_clusters().db_cluster_identifier(id).send().await {
        Ok(out) => Ok(out.db_clusters().first().and_then(|c| c.status()).map(str::to_owned)),
        Err(e) => {
            let e = AwsError::from_sdk("DescribeDBClusters", e);
            if e.is_not_found() { Ok(None) } else { Err(e) }
        }
    }
}
