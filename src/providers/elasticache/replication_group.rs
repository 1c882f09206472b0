//! Redis replication groups: one shard (cluster mode disabled) or several (enabled), each a
//! primary and `replicas_per_shard` replicas, with automatic failover and multi-AZ whenever a
//! replica exists. The auth token is read from its secret inside the call that sends it.
//!
//! DescribeReplicationGroups does not report the engine version, security groups or subnet
//! group (they live on the member clusters): those are compared with what was applied.

use aws_sdk_elasticache::Client;
use aws_sdk_elasticache::types::{AuthTokenUpdateStrategyType, ReplicationGroup};
use secrecy::ExposeSecret;

use super::cache_tags;
use crate::providers::common::{
    bool_attr, carry_over, changed, final_snapshot_name, int_attr, opt_int, opt_str, str_attr, str_list,
    tags_from_pairs,
};
use crate::providers::{Aws, AwsError, ReadRequest, Status, secrets};
use crate::resource::{Attrs, LiveResource, Value, attr};

const LOCAL: &[&str] = &[
    "engine_version",
    "auth_token_secret",
    "security_group_ids",
    "cache_subnet_group",
    "final_snapshot",
    "apply_immediately",
];

pub(super) async fn describe(client: &Client, requests: &[ReadRequest]) -> Result<Vec<LiveResource>, AwsError> {
    let groups: Vec<ReplicationGroup> = client
        .describe_replication_groups()
        .into_paginator()
        .items()
        .send()
        .collect::<Result<Vec<_>, _>>()
        .await
        .map_err(|e| AwsError::from_sdk("DescribeReplicationGroups", e))?;
    let mut out = Vec::new();
    for g in &groups {
        let Some(id) = g.replication_group_id() else { continue };
        let Some(request) = requests
            .iter()
            .find(|r| r.id.as_deref() == Some(id) || (r.id.is_none() && str_attr(&r.attrs, "id") == Some(id)))
        else {
            continue;
        };
        let tags = read_tags(client, g.arn(), request).await?;
        out.push(live(g, request, tags));
    }
    Ok(out)
}

/// The group's tags; an emulator without ListTagsForResource leaves them as applied.
async fn read_tags(client: &Client, arn: Option<&str>, request: &ReadRequest) -> Result<Value, AwsError> {
    let Some(arn) = arn else { return Ok(attr(&request.attrs, "tags").clone()) };
    match client.list_tags_for_resource().resource_name(arn).send().await {
        Ok(out) => Ok(tags_from_pairs(out.tag_list().iter().map(|t| (t.key(), t.value())))),
        Err(e) => {
            let e = AwsError::from_sdk("ListTagsForResource", e);
            if e.code().is_none() {
                tracing::debug!(error = %e, "ListTagsForResource not supported here; tags compared as applied");
                Ok(attr(&request.attrs, "tags").clone())
            } else {
                Err(e)
            }
        }
    }
}

fn live(g: &ReplicationGroup, request: &ReadRequest, tags: Value) -> LiveResource {
    let id = g.replication_group_id().unwrap_or_default();
    let shards = g.node_groups().len().max(1);
    let members = match g.node_groups().first() {
        Some(ng) if !ng.node_group_members().is_empty() => ng.node_group_members().len(),
        _ => g.member_clusters().len() / shards,
    };
    let primary = g.node_groups().first().and_then(|ng| ng.primary_endpoint());
    let endpoint = g.configuration_endpoint().or(primary);
    let port = endpoint.and_then(|e| e.port());
    let mut attrs = Attrs::from([
        ("id".into(), Value::str(id)),
        ("description".into(), opt_str(g.description())),
        ("node_type".into(), opt_str(g.cache_node_type())),
        ("shards".into(), Value::Int(shards as i64)),
        ("replicas_per_shard".into(), Value::Int(members.saturating_sub(1) as i64)),
        ("transit_encryption".into(), Value::Bool(g.transit_encryption_enabled().unwrap_or(false))),
        ("at_rest_encryption".into(), Value::Bool(g.at_rest_encryption_enabled().unwrap_or(false))),
        ("port".into(), opt_int(port.or(attr(&request.attrs, "port").as_int().map(|p| p as i32)))),
        ("snapshot_retention_days".into(), opt_int(g.snapshot_retention_limit())),
        ("tags".into(), tags),
        ("arn".into(), opt_str(g.arn())),
    ]);
    carry_over(request, &mut attrs, LOCAL);
    let outputs = Attrs::from([
        // What clients connect to: the configuration endpoint in cluster mode (discovery), the
        // primary endpoint otherwise.
        ("endpoint".into(), opt_str(endpoint.and_then(|e| e.address()))),
        (
            "reader_endpoint".into(),
            opt_str(g.node_groups().first().and_then(|ng| ng.reader_endpoint()).and_then(|e| e.address())),
        ),
        ("port".into(), opt_int(port)),
        ("arn".into(), opt_str(g.arn())),
    ]);
    let ready = g.status() == Some("available");
    LiveResource { id: id.to_owned(), attrs, ready, outputs }
}

async fn auth_token(aws: &Aws, attrs: &Attrs) -> Result<Option<secrecy::SecretString>, AwsError> {
    match str_attr(attrs, "auth_token_secret") {
        Some(arn) => Ok(Some(secrets::value_of(aws, arn, Some("auth_token")).await?)),
        None => Ok(None),
    }
}

pub(super) async fn create(aws: &Aws, attrs: &Attrs) -> Result<String, AwsError> {
    let token = auth_token(aws, attrs).await?;
    let id = str_attr(attrs, "id").unwrap_or_default();
    let shards = int_attr(attrs, "shards").unwrap_or(1);
    let replicas = int_attr(attrs, "replicas_per_shard").unwrap_or(0);
    let mut request = aws
        .elasticache
        .create_replication_group()
        .replication_group_id(id)
        .replication_group_description(str_attr(attrs, "description").unwrap_or(id))
        .engine("redis")
        .set_engine_version(str_attr(attrs, "engine_version").map(str::to_owned))
        .set_cache_node_type(str_attr(attrs, "node_type").map(str::to_owned))
        .num_node_groups(shards)
        .replicas_per_node_group(replicas)
        .automatic_failover_enabled(replicas > 0 || shards > 1)
        .multi_az_enabled(replicas > 0)
        .transit_encryption_enabled(bool_attr(attrs, "transit_encryption"))
        .at_rest_encryption_enabled(bool_attr(attrs, "at_rest_encryption"))
        .set_auth_token(token.as_ref().map(|t| t.expose_secret().to_owned()))
        .set_security_group_ids(Some(str_list(attrs, "security_group_ids")))
        .set_cache_subnet_group_name(str_attr(attrs, "cache_subnet_group").map(str::to_owned))
        .set_port(int_attr(attrs, "port"))
        .set_snapshot_retention_limit(int_attr(attrs, "snapshot_retention_days"))
        .set_tags(Some(cache_tags(attrs)));
    if shards > 1 {
        // Cluster mode needs a cluster-enabled parameter group: AWS's default for the major.
        let major = str_attr(attrs, "engine_version").and_then(|v| v.split('.').next()).unwrap_or("7");
        request = request.cache_parameter_group_name(format!("default.redis{major}.cluster.on"));
    }
    request.send().await.map_err(|e| AwsError::from_sdk("CreateReplicationGroup", e))?;
    Ok(id.to_owned())
}

pub(super) async fn update(aws: &Aws, id: &str, before: &Attrs, after: &Attrs) -> Result<(), AwsError> {
    let client = &aws.elasticache;
    let apply_immediately = attr(after, "apply_immediately").as_bool().unwrap_or(true);
    const MODIFIABLE: &[&str] = &[
        "description",
        "engine_version",
        "node_type",
        "auth_token_secret",
        "security_group_ids",
        "snapshot_retention_days",
    ];
    if MODIFIABLE.iter().any(|a| changed(before, after, a)) {
        let set = |name: &str| changed(before, after, name);
        let mut request =
            client.modify_replication_group().replication_group_id(id).apply_immediately(apply_immediately);
        if set("description") {
            request = request.set_replication_group_description(str_attr(after, "description").map(str::to_owned));
        }
        if set("engine_version") {
            request = request.set_engine_version(str_attr(after, "engine_version").map(str::to_owned));
        }
        if set("node_type") {
            request = request.set_cache_node_type(str_attr(after, "node_type").map(str::to_owned));
        }
        if set("auth_token_secret") {
            let token = auth_token(aws, after).await?;
            request = request
                .set_auth_token(token.as_ref().map(|t| t.expose_secret().to_owned()))
                .auth_token_update_strategy(AuthTokenUpdateStrategyType::Rotate);
        }
        if set("security_group_ids") {
            request = request.set_security_group_ids(Some(str_list(after, "security_group_ids")));
        }
        if set("snapshot_retention_days") {
            request = request.set_snapshot_retention_limit(int_attr(after, "snapshot_retention_days"));
        }
        request.send().await.map_err(|e| AwsError::from_sdk("ModifyReplicationGroup", e))?;
    }
    if changed(before, after, "replicas_per_shard") {
        let (old, new) = (int_attr(before, "replicas_per_shard"), int_attr(after, "replicas_per_shard").unwrap_or(0));
        if old.is_some_and(|old| new > old) {
            client
                .increase_replica_count()
                .replication_group_id(id)
                .new_replica_count(new)
                .apply_immediately(true)
                .send()
                .await
                .map_err(|e| AwsError::from_sdk("IncreaseReplicaCount", e))?;
        } else {
            client
                .decrease_replica_count()
                .replication_group_id(id)
                .new_replica_count(new)
                .apply_immediately(true)
                .send()
                .await
                .map_err(|e| AwsError::from_sdk("DecreaseReplicaCount", e))?;
        }
    }
    if changed(before, after, "shards") {
        client
            .modify_replication_group_shard_configuration()
            .replication_group_id(id)
            .node_group_count(int_attr(after, "shards").unwrap_or(1))
            .apply_immediately(true)
            .send()
            .await
            .map_err(|e| AwsError::from_sdk("ModifyReplicationGroupShardConfiguration", e))?;
    }
    Ok(())
}

pub(super) async fn delete(client: &Client, id: &str, attrs: &Attrs) -> Result<(), AwsError> {
    let snapshot = attr(attrs, "final_snapshot").as_bool() != Some(false);
    client
        .delete_replication_group()
        .replication_group_id(id)
        .set_final_snapshot_identifier(snapshot.then(|| final_snapshot_name(id)))
        .send()
        .await
        .map_err(|e| AwsError::from_sdk("DeleteReplicationGroup", e))?;
    Ok(())
}

pub(super) async fn status(client: &Client, id: &str) -> Result<Status, AwsError> {
    match client.describe_replication_groups().replication_group_id(id).send().await {
        Ok(out) => Ok(match out.replication_groups().first().and_then(|g| g.status()) {
            None => Status::Gone,
            Some("available") => Status::Ready,
            Some("create-failed") => Status::Failed("create-failed".into()),
            Some(_) => Status::Pending,
        }),
        Err(e) => {
            let e = AwsError::from_sdk("DescribeReplicationGroups", e);
            if e.is_not_found() { Ok(Status::Gone) } else { Err(e) }
        }
    }
}
