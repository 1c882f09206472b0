//! Redis replication groups: one shard (cluster mode disabled) or several (enabled), each a
//! primary and `replicas_per_shard` replicas, with automatic failover and multi-AZ whenever a
//! replica exists. The auth token is read from its secret inside the call that sends it.
//!
//! DescribeReplicationGroups does not report the engine version, security groups or subnet
//! group (they live on the member clusters): the kind declares them unreported, so they are
//! compared with what was applied.

use async_trait::async_trait;
use aws_sdk_elasticache::types::{AuthTokenUpdateStrategyType, ClusterMode, ReplicationGroup as Group};
use platformctl_core::kinds::replication_group::*;
use platformctl_core::resource::{Address, Attrs, Kind, LiveResource, Observed, Value};
use secrecy::ExposeSecret;

use super::{cache_tags, tags_of};
use crate::common::{TagChanges, final_snapshot_name, opt_int, opt_str, tags_from_pairs};
use crate::error::SdkResultExt;
use crate::registry::{NewResource, Provider, Status, confirmed};
use crate::tagging::StackTags;
use crate::{Aws, AwsError, ReadRequest, secrets};

pub(crate) struct ReplicationGroup;

/// Its type in the tagging API, whose listing carries its tags.
const LISTED_AS: &str = "elasticache:replicationgroup";

#[async_trait]
impl Provider for ReplicationGroup {
    fn tag_listing_type(&self) -> Option<&'static str> {
        Some(LISTED_AS)
    }

    /// All groups in one listing and the stack's group tags in another, at once; a group the
    /// tag listing leaves out has its tags read on its own (all such reads at once).
    async fn read(&self, aws: &Aws, requests: &[ReadRequest]) -> Result<Vec<(Address, Observed)>, AwsError> {
        let groups = async {
            let pages = aws.elasticache.describe_replication_groups().into_paginator().items().send();
            pages.collect::<Result<Vec<Group>, _>>().await.aws("DescribeReplicationGroups")
        };
        let (groups, listing) = futures::try_join!(groups, StackTags::of(aws, LISTED_AS, requests.len()))?;
        let listed = groups.iter().filter_map(|g| {
            let id = g.replication_group_id()?;
            let request = requests.iter().find(|r| r.id.as_deref() == Some(id))?;
            let listing = &listing;
            Some(async move {
                let tags = match g.arn() {
                    Some(arn) => listing.or_read(arn, || read_tags(aws, Some(arn), request)).await?,
                    None => read_tags(aws, None, request).await?,
                };
                Ok::<_, AwsError>((request.address.clone(), live(g, request, tags)))
            })
        });
        let listed = futures::future::try_join_all(listed).await?.into_iter().collect();
        confirmed(Kind::ReplicationGroup, requests, listed, |r| read_one(aws, r)).await
    }

    async fn create(&self, aws: &Aws, new: &NewResource<'_>) -> Result<String, AwsError> {
        let attrs = new.attrs;
        let token = auth_token(aws, attrs).await?;
        let id = ID.str(attrs).unwrap_or_default();
        let shards = SHARDS.i32(attrs).unwrap_or(1);
        let replicas = REPLICAS_PER_SHARD.i32(attrs).unwrap_or(0);
        let mut request = aws
            .elasticache
            .create_replication_group()
            .replication_group_id(id)
            .replication_group_description(DESCRIPTION.str(attrs).unwrap_or(id))
            .engine(ENGINE.str(attrs).unwrap_or("redis"))
            .set_engine_version(ENGINE_VERSION.str(attrs).map(str::to_owned))
            .set_cache_node_type(NODE_TYPE.str(attrs).map(str::to_owned))
            .num_node_groups(shards)
            .replicas_per_node_group(replicas)
            .automatic_failover_enabled(replicas > 0 || shards > 1)
            .multi_az_enabled(replicas > 0)
            .transit_encryption_enabled(TRANSIT_ENCRYPTION.is_true(attrs))
            .at_rest_encryption_enabled(AT_REST_ENCRYPTION.is_true(attrs))
            .set_kms_key_id(KMS_KEY.str(attrs).map(str::to_owned))
            .set_auth_token(token.as_ref().map(|t| t.expose_secret().to_owned()))
            .set_security_group_ids(Some(SECURITY_GROUP_IDS.strings(attrs)))
            .set_cache_subnet_group_name(CACHE_SUBNET_GROUP.str(attrs).map(str::to_owned))
            .set_port(PORT.i32(attrs))
            .set_snapshot_retention_limit(SNAPSHOT_RETENTION_DAYS.i32(attrs))
            .set_tags(Some(cache_tags(attrs)));
        if CLUSTER_MODE.is_true(attrs) || shards > 1 {
            // Cluster mode (one shard too) with a cluster-enabled parameter group: AWS's default.
            request =
                request.cluster_mode(ClusterMode::Enabled).cache_parameter_group_name(default_parameter_group(attrs));
        }
        request.send().await.aws("CreateReplicationGroup")?;
        Ok(id.to_owned())
    }

    async fn update(&self, aws: &Aws, id: &str, before: &Attrs, after: &Attrs) -> Result<(), AwsError> {
        let client = &aws.elasticache;
        // Replicas and shards change with calls of their own (below).
        if DEF.needs_modification(before, after, &[SHARDS, REPLICAS_PER_SHARD]) {
            let apply_immediately = APPLY_IMMEDIATELY.bool(after).unwrap_or(true);
            let mut request =
                client.modify_replication_group().replication_group_id(id).apply_immediately(apply_immediately);
            if DESCRIPTION.changed(before, after) {
                request = request.set_replication_group_description(DESCRIPTION.str(after).map(str::to_owned));
            }
            if ENGINE_VERSION.changed(before, after) || ENGINE.changed(before, after) {
                request = request.set_engine_version(ENGINE_VERSION.str(after).map(str::to_owned));
            }
            if ENGINE.changed(before, after) {
                // Redis OSS → Valkey (the plan refuses the way back), onto Valkey's default
                // parameter group of the same cluster mode.
                request = request
                    .engine(ENGINE.str(after).unwrap_or("redis"))
                    .cache_parameter_group_name(default_parameter_group(after));
            }
            if NODE_TYPE.changed(before, after) {
                request = request.set_cache_node_type(NODE_TYPE.str(after).map(str::to_owned));
            }
            if AUTH_TOKEN_SECRET.changed(before, after) {
                let token = auth_token(aws, after).await?;
                request = request
                    .set_auth_token(token.as_ref().map(|t| t.expose_secret().to_owned()))
                    .auth_token_update_strategy(AuthTokenUpdateStrategyType::Rotate);
            }
            if SECURITY_GROUP_IDS.changed(before, after) {
                request = request.set_security_group_ids(Some(SECURITY_GROUP_IDS.strings(after)));
            }
            if SNAPSHOT_RETENTION_DAYS.changed(before, after) {
                request = request.set_snapshot_retention_limit(SNAPSHOT_RETENTION_DAYS.i32(after));
            }
            request.send().await.aws("ModifyReplicationGroup")?;
        }
        if REPLICAS_PER_SHARD.changed(before, after) {
            let (old, new) = (REPLICAS_PER_SHARD.i32(before), REPLICAS_PER_SHARD.i32(after).unwrap_or(0));
            if old.is_some_and(|old| new > old) {
                let request = client.increase_replica_count().replication_group_id(id);
                request.new_replica_count(new).apply_immediately(true).send().await.aws("IncreaseReplicaCount")?;
            } else {
                let request = client.decrease_replica_count().replication_group_id(id);
                request.new_replica_count(new).apply_immediately(true).send().await.aws("DecreaseReplicaCount")?;
            }
        }
        if SHARDS.changed(before, after) {
            reshard(client, id, SHARDS.i32(after).unwrap_or(1)).await?;
        }
        retag(aws, before, after).await
    }

    async fn delete(&self, aws: &Aws, id: &str, attrs: &Attrs) -> Result<(), AwsError> {
        let snapshot = FINAL_SNAPSHOT.bool(attrs) != Some(false);
        aws.elasticache
            .delete_replication_group()
            .replication_group_id(id)
            .set_final_snapshot_identifier(snapshot.then(|| final_snapshot_name(id)))
            .send()
            .await
            .aws("DeleteReplicationGroup")?;
        Ok(())
    }

    async fn status(&self, aws: &Aws, id: &str) -> Result<Status, AwsError> {
        let out = aws
            .elasticache
            .describe_replication_groups()
            .replication_group_id(id)
            .send()
            .await
            .aws("DescribeReplicationGroups")?;
        Ok(match out.replication_groups().first().and_then(|g| g.status()) {
            None => Status::Gone,
            Some("available") => Status::Ready,
            Some("create-failed") => Status::Failed("create-failed".into()),
            Some("deleting") => Status::Deleting,
            Some(_) => Status::Pending,
        })
    }
}

/// AWS's default parameter group for the engine's major version and the group's cluster mode,
/// e.g. `default.redis7`, `default.valkey8.cluster.on`.
fn default_parameter_group(attrs: &Attrs) -> String {
    let engine = ENGINE.str(attrs).unwrap_or("redis");
    let major = ENGINE_VERSION.str(attrs).and_then(|v| v.split('.').next()).unwrap_or("7");
    let cluster = CLUSTER_MODE.is_true(attrs) || SHARDS.i32(attrs).unwrap_or(1) > 1;
    format!("default.{engine}{major}{}", if cluster { ".cluster.on" } else { "" })
}

/// Changes the number of shards of a cluster-mode group. Growing, ElastiCache places the new
/// shards; shrinking, it needs to be told which to keep (`NodeGroupsToRetain`): the first ones
/// by id, whose slots the removed shards' keys move to.
pub(super) async fn reshard(client: &aws_sdk_elasticache::Client, id: &str, count: i32) -> Result<(), AwsError> {
    let described =
        client.describe_replication_groups().replication_group_id(id).send().await.aws("DescribeReplicationGroups")?;
    let mut shard_ids: Vec<String> = described
        .replication_groups()
        .first()
        .map(|g| g.node_groups().iter().filter_map(|n| n.node_group_id().map(str::to_owned)).collect())
        .unwrap_or_default();
    shard_ids.sort();
    let mut request = client
        .modify_replication_group_shard_configuration()
        .replication_group_id(id)
        .node_group_count(count)
        .apply_immediately(true);
    if (count as usize) < shard_ids.len() {
        request = request.set_node_groups_to_retain(Some(shard_ids.into_iter().take(count as usize).collect()));
    }
    request.send().await.aws("ModifyReplicationGroupShardConfiguration").map(drop)
}

/// One group and its own tags, read directly (`registry::confirmed`).
async fn read_one(aws: &Aws, request: &ReadRequest) -> Result<Option<LiveResource>, AwsError> {
    let Some(id) = request.id.as_deref() else { return Ok(None) };
    let out = aws.elasticache.describe_replication_groups().replication_group_id(id).send().await;
    let out = out.aws("DescribeReplicationGroups")?;
    let Some(group) = out.replication_groups().iter().find(|g| g.replication_group_id() == Some(id)) else {
        return Ok(None);
    };
    let tags = read_tags(aws, group.arn(), request).await?;
    Ok(Some(live(group, request, tags)))
}

/// The group's tags. Only an endpoint that definitely lacks ListTagsForResource leaves them as
/// applied (said as a warning); any other failure — denied, throttled past the retries, an
/// unreadable answer — is an error, never taken for "no drift".
pub(super) async fn read_tags(aws: &Aws, arn: Option<&str>, request: &ReadRequest) -> Result<Value, AwsError> {
    let Some(arn) = arn else { return Ok(TAGS.get(&request.attrs).clone()) };
    match aws.elasticache.list_tags_for_resource().resource_name(arn).send().await.aws("ListTagsForResource") {
        Ok(out) => Ok(tags_from_pairs(out.tag_list().iter().map(|t| (t.key(), t.value())))),
        Err(e) if e.is_unsupported() => {
            tracing::warn!(error = %e, "ListTagsForResource is not supported here; the group's tags are compared as applied");
            Ok(TAGS.get(&request.attrs).clone())
        }
        Err(e) => Err(e),
    }
}

pub(super) fn live(g: &Group, request: &ReadRequest, tags: Value) -> LiveResource {
    let id = g.replication_group_id().unwrap_or_default();
    let shards = g.node_groups().len().max(1);
    let members = match g.node_groups().first() {
        Some(ng) if !ng.node_group_members().is_empty() => ng.node_group_members().len(),
        _ => g.member_clusters().len() / shards,
    };
    let primary = g.node_groups().first().and_then(|ng| ng.primary_endpoint());
    let endpoint = g.configuration_endpoint().or(primary);
    let port = endpoint.and_then(|e| e.port());
    let attrs = Attrs::from([
        ID.to(id),
        DESCRIPTION.to(opt_str(g.description())),
        ENGINE.to(g.engine().or(ENGINE.str(&request.attrs)).unwrap_or("redis")),
        CLUSTER_MODE.to(g.cluster_enabled() == Some(true) || g.cluster_mode() == Some(&ClusterMode::Enabled)),
        NODE_TYPE.to(opt_str(g.cache_node_type())),
        SHARDS.to(shards as i64),
        REPLICAS_PER_SHARD.to(members.saturating_sub(1) as i64),
        TRANSIT_ENCRYPTION.to(g.transit_encryption_enabled().unwrap_or(false)),
        AT_REST_ENCRYPTION.to(g.at_rest_encryption_enabled().unwrap_or(false)),
        PORT.to(opt_int(port.or(PORT.i32(&request.attrs)))),
        SNAPSHOT_RETENTION_DAYS.to(opt_int(g.snapshot_retention_limit())),
        TAGS.to(tags),
        ARN.to(opt_str(g.arn())),
    ]);
    let outputs = Attrs::from([
        // What clients connect to: the configuration endpoint in cluster mode (discovery), the
        // primary endpoint otherwise.
        out::ENDPOINT.to(opt_str(endpoint.and_then(|e| e.address()))),
        out::READER_ENDPOINT
            .to(opt_str(g.node_groups().first().and_then(|ng| ng.reader_endpoint()).and_then(|e| e.address()))),
        out::PORT.to(opt_int(port)),
        out::ARN.to(opt_str(g.arn())),
    ]);
    let ready = g.status() == Some("available");
    LiveResource { id: id.to_owned(), attrs, ready, outputs }
}

async fn auth_token(aws: &Aws, attrs: &Attrs) -> Result<Option<secrecy::SecretString>, AwsError> {
    match AUTH_TOKEN_SECRET.str(attrs) {
        Some(arn) => Ok(Some(secrets::value_of(aws, arn, Some("auth_token")).await?)),
        None => Ok(None),
    }
}

/// Tags by the ARN the read reported.
async fn retag(aws: &Aws, before: &Attrs, after: &Attrs) -> Result<(), AwsError> {
    let Some(arn) = ARN.str(before) else { return Ok(()) };
    let client = &aws.elasticache;
    TagChanges::between(before, after)
        .send(
            async |set| {
                let request = client.add_tags_to_resource().resource_name(arn).set_tags(Some(tags_of(set)));
                request.send().await.aws("AddTagsToResource").map(drop)
            },
            async |keys| {
                let request = client.remove_tags_from_resource().resource_name(arn).set_tag_keys(Some(keys));
                request.send().await.aws("RemoveTagsFromResource").map(drop)
            },
        )
        .await
}
