//! RDS DB instances, in their three roles: a PostgreSQL primary, a read replica of one, and a
//! member of an Aurora cluster. All three read through one DescribeDBInstances.

use aws_sdk_rds::Client;
use aws_sdk_rds::types::DbInstance;
use secrecy::ExposeSecret;

use super::{engine_version, identifier_of, rds_tags};
use crate::providers::common::{
    bool_attr, carry_over, changed, final_snapshot_name, int_attr, opt_int, opt_str, sorted_list, str_attr, str_list,
    tags_from_pairs,
};
use crate::providers::{Aws, AwsError, ReadRequest, secrets};
use crate::resource::{Attrs, Kind, LiveResource, Value, attr};

/// Attributes RDS does not report back or cannot change after creation.
const LOCAL: &[&str] = &["password_secret", "final_snapshot", "kms_key", "apply_immediately"];

pub(super) async fn describe(
    rds: &Client,
    kind: Kind,
    requests: &[ReadRequest],
) -> Result<Vec<LiveResource>, AwsError> {
    let instances: Vec<DbInstance> = rds
        .describe_db_instances()
        .into_paginator()
        .items()
        .send()
        .collect::<Result<Vec<_>, _>>()
        .await
        .map_err(|e| AwsError::from_sdk("DescribeDBInstances", e))?;
    Ok(instances
        .iter()
        .filter_map(|db| {
            let id = db.db_instance_identifier()?;
            let request = requests.iter().find(|r| {
                r.id.as_deref() == Some(id) || (r.id.is_none() && str_attr(&r.attrs, "identifier") == Some(id))
            })?;
            Some(live(kind, db, request))
        })
        .collect())
}

fn live(kind: Kind, db: &DbInstance, request: &ReadRequest) -> LiveResource {
    let id = db.db_instance_identifier().unwrap_or_default();
    let tags = tags_from_pairs(db.tag_list().iter().map(|t| (t.key(), t.value())));
    let security_groups = sorted_list(db.vpc_security_groups().iter().filter_map(|g| g.vpc_security_group_id()));
    let port = db.endpoint().and_then(|e| e.port()).or(db.db_instance_port().filter(|p| *p > 0));
    let mut attrs = Attrs::from([
        ("identifier".into(), Value::str(id)),
        ("instance_class".into(), opt_str(db.db_instance_class())),
        ("tags".into(), tags),
        // Not compared (not in the kind's table): what updates need to address the instance.
        ("arn".into(), opt_str(db.db_instance_arn())),
    ]);
    match kind {
        Kind::DbInstance => {
            attrs.extend([
                ("engine".into(), opt_str(db.engine())),
                (
                    "engine_version".into(),
                    engine_version(db.engine_version(), str_attr(&request.attrs, "engine_version")),
                ),
                ("allocated_storage".into(), opt_int(db.allocated_storage())),
                ("max_allocated_storage".into(), opt_int(db.max_allocated_storage())),
                ("multi_az".into(), Value::Bool(db.multi_az().unwrap_or(false))),
                ("storage_encrypted".into(), Value::Bool(db.storage_encrypted().unwrap_or(false))),
                ("backup_retention_days".into(), opt_int(db.backup_retention_period())),
                ("deletion_protection".into(), Value::Bool(db.deletion_protection().unwrap_or(false))),
                ("db_name".into(), opt_str(db.db_name())),
                ("username".into(), opt_str(db.master_username())),
                ("port".into(), opt_int(port)),
                ("vpc_security_group_ids".into(), security_groups),
                ("db_subnet_group".into(), opt_str(db.db_subnet_group().and_then(|g| g.db_subnet_group_name()))),
            ]);
            carry_over(request, &mut attrs, LOCAL);
        }
        Kind::DbReadReplica => {
            let source = db.read_replica_source_db_instance_identifier().map(identifier_of);
            attrs.extend([
                ("source".into(), opt_str(source)),
                ("vpc_security_group_ids".into(), security_groups),
                ("deletion_protection".into(), Value::Bool(db.deletion_protection().unwrap_or(false))),
            ]);
        }
        _ => {
            attrs.extend([
                ("cluster".into(), opt_str(db.db_cluster_identifier())),
                ("engine".into(), opt_str(db.engine())),
                ("availability_zone".into(), opt_str(db.availability_zone())),
            ]);
        }
    }
    let outputs = Attrs::from([
        ("address".into(), opt_str(db.endpoint().and_then(|e| e.address()))),
        ("port".into(), opt_int(port)),
        ("arn".into(), opt_str(db.db_instance_arn())),
        ("resource_id".into(), opt_str(db.dbi_resource_id())),
    ]);
    let ready =
        matches!(super::lifecycle(db.db_instance_status().unwrap_or_default()), crate::providers::Status::Ready);
    LiveResource { id: id.to_owned(), attrs, ready, outputs }
}

/// The master password, read from its secret for this one call.
pub(super) async fn master_password(aws: &Aws, attrs: &Attrs) -> Result<Option<secrecy::SecretString>, AwsError> {
    match str_attr(attrs, "password_secret") {
        Some(arn) => Ok(Some(secrets::value_of(aws, arn, Some("password")).await?)),
        None => Ok(None),
    }
}

pub(super) async fn create_primary(aws: &Aws, attrs: &Attrs) -> Result<String, AwsError> {
    let password = master_password(aws, attrs).await?;
    let id = str_attr(attrs, "identifier").unwrap_or_default();
    aws.rds
        .create_db_instance()
        .db_instance_identifier(id)
        .engine(str_attr(attrs, "engine").unwrap_or("postgres"))
        .set_engine_version(str_attr(attrs, "engine_version").map(str::to_owned))
        .set_db_instance_class(str_attr(attrs, "instance_class").map(str::to_owned))
        .set_allocated_storage(int_attr(attrs, "allocated_storage"))
        .set_max_allocated_storage(int_attr(attrs, "max_allocated_storage"))
        .storage_type("gp3")
        .multi_az(bool_attr(attrs, "multi_az"))
        .storage_encrypted(bool_attr(attrs, "storage_encrypted"))
        .set_kms_key_id(str_attr(attrs, "kms_key").map(str::to_owned))
        .set_backup_retention_period(int_attr(attrs, "backup_retention_days"))
        .deletion_protection(bool_attr(attrs, "deletion_protection"))
        .set_db_name(str_attr(attrs, "db_name").map(str::to_owned))
        .set_master_username(str_attr(attrs, "username").map(str::to_owned))
        .set_master_user_password(password.as_ref().map(|p| p.expose_secret().to_owned()))
        .set_port(int_attr(attrs, "port"))
        .set_vpc_security_group_ids(Some(str_list(attrs, "vpc_security_group_ids")))
        .set_db_subnet_group_name(str_attr(attrs, "db_subnet_group").map(str::to_owned))
        .publicly_accessible(false)
        .copy_tags_to_snapshot(true)
        .set_tags(Some(rds_tags(attrs)))
        .send()
        .await
        .map_err(|e| AwsError::from_sdk("CreateDBInstance", e))?;
    Ok(id.to_owned())
}

/// A replica of an instance of this stack (`source` is its identifier), or of another stack's,
/// possibly in another region (`source_arn`, with a subnet group and KMS key of this region).
///
/// No `PreSignedUrl`: RDS ignores it outside GovCloud and China (where the model refuses
/// cross-region replicas), and the Rust SDK has no `SourceRegion` presigning (smithy-rs#124).
pub(super) async fn create_replica(rds: &Client, attrs: &Attrs) -> Result<String, AwsError> {
    let id = str_attr(attrs, "identifier").unwrap_or_default();
    let source = str_attr(attrs, "source_arn").or(str_attr(attrs, "source")).unwrap_or_default();
    rds.create_db_instance_read_replica()
        .db_instance_identifier(id)
        .source_db_instance_identifier(source)
        .set_db_subnet_group_name(str_attr(attrs, "db_subnet_group").map(str::to_owned))
        .set_kms_key_id(str_attr(attrs, "kms_key").map(str::to_owned))
        .set_db_instance_class(str_attr(attrs, "instance_class").map(str::to_owned))
        .set_vpc_security_group_ids(Some(str_list(attrs, "vpc_security_group_ids")))
        .publicly_accessible(false)
        .deletion_protection(bool_attr(attrs, "deletion_protection"))
        .set_tags(Some(rds_tags(attrs)))
        .send()
        .await
        .map_err(|e| AwsError::from_sdk("CreateDBInstanceReadReplica", e))?;
    Ok(id.to_owned())
}

pub(super) async fn create_cluster_member(rds: &Client, attrs: &Attrs) -> Result<String, AwsError> {
    let id = str_attr(attrs, "identifier").unwrap_or_default();
    rds.create_db_instance()
        .db_instance_identifier(id)
        .db_cluster_identifier(str_attr(attrs, "cluster").unwrap_or_default())
        .engine(str_attr(attrs, "engine").unwrap_or("aurora-postgresql"))
        .set_db_instance_class(str_attr(attrs, "instance_class").map(str::to_owned))
        .set_availability_zone(str_attr(attrs, "availability_zone").map(str::to_owned))
        .publicly_accessible(false)
        .set_tags(Some(rds_tags(attrs)))
        .send()
        .await
        .map_err(|e| AwsError::from_sdk("CreateDBInstance", e))?;
    Ok(id.to_owned())
}

/// ModifyDBInstance with only what changed; `apply_immediately: false` leaves the change to
/// the next maintenance window, as RDS does.
pub(super) async fn update(aws: &Aws, id: &str, before: &Attrs, after: &Attrs) -> Result<(), AwsError> {
    const MODIFIABLE: &[&str] = &[
        "instance_class",
        "allocated_storage",
        "max_allocated_storage",
        "multi_az",
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
        .modify_db_instance()
        .db_instance_identifier(id)
        .apply_immediately(attr(after, "apply_immediately").as_bool().unwrap_or(true));
    if set("instance_class") {
        request = request.set_db_instance_class(str_attr(after, "instance_class").map(str::to_owned));
    }
    if set("allocated_storage") {
        request = request.set_allocated_storage(int_attr(after, "allocated_storage"));
    }
    if set("max_allocated_storage") {
        // RDS turns storage autoscaling off when the maximum equals the allocated storage.
        let off = int_attr(after, "allocated_storage");
        request = request.set_max_allocated_storage(int_attr(after, "max_allocated_storage").or(off));
    }
    if set("multi_az") {
        request = request.multi_az(bool_attr(after, "multi_az"));
    }
    super::modify_shared!(request, aws, before, after);
    if set("port") {
        request = request.set_db_port_number(int_attr(after, "port"));
    }
    request.send().await.map_err(|e| AwsError::from_sdk("ModifyDBInstance", e))?;
    Ok(())
}

/// Deletes an instance; a primary takes a final snapshot unless the stack says not to.
/// Replicas and cluster members have no snapshot of their own (RDS refuses one).
pub(super) async fn delete(rds: &Client, kind: Kind, id: &str, attrs: &Attrs) -> Result<(), AwsError> {
    let snapshot = kind == Kind::DbInstance && attr(attrs, "final_snapshot").as_bool() != Some(false);
    let mut request = rds.delete_db_instance().db_instance_identifier(id);
    request = if snapshot {
        request.final_db_snapshot_identifier(final_snapshot_name(id))
    } else {
        request.skip_final_snapshot(true)
    };
    match request.send().await {
        Ok(_) => Ok(()),
        // Already on its way out (an interrupted destroy run again): the wait follows it.
        Err(e) => {
            let e = AwsError::from_sdk("DeleteDBInstance", e);
            if e.message.contains("already being deleted") { Ok(()) } else { Err(e) }
        }
    }
}

/// One instance as a read replica (source, endpoint) with its raw status, or `None` if gone.
pub(super) async fn describe_replica(
    rds: &Client,
    request: &ReadRequest,
) -> Result<Option<(String, LiveResource)>, AwsError> {
    let id = request.id.as_deref().unwrap_or_default();
    match rds.describe_db_instances().db_instance_identifier(id).send().await {
        Ok(out) => Ok(out.db_instances().first().map(|db| {
            (db.db_instance_status().unwrap_or_default().to_owned(), live(Kind::DbReadReplica, db, request))
        })),
        Err(e) => {
            let e = AwsError::from_sdk("DescribeDBInstances", e);
            if e.is_not_found() { Ok(None) } else { Err(e) }
        }
    }
}

/// The instance's status, or `None` once it is gone.
pub(super) async fn status(rds: &Client, id: &str) -> Result<Option<String>, AwsError> {
    match rds.describe_db_instances().db_instance_identifier(id).send().await {
        Ok(out) => Ok(out.db_instances().first().and_then(|d| d.db_instance_status()).map(str::to_owned)),
        Err(e) => {
            let e = AwsError::from_sdk("DescribeDBInstances", e);
            if e.is_not_found() { Ok(None) } else { Err(e) }
        }
    }
}
