//! What `generate` reads of ElastiCache (see crate::discover): the replication group made into the
//! kind's own attributes, and what only its member clusters say (engine version, security
//! groups, subnet group).

use platformctl_core::resource::discovered::DiscoveredCache;
use platformctl_core::resource::{Address, Attrs, Kind, Value};

use crate::error::SdkResultExt;
use crate::{Aws, AwsError, ReadRequest};

pub(crate) async fn redis(aws: &Aws, id: &str) -> Result<DiscoveredCache, AwsError> {
    let groups = aws
        .elasticache
        .describe_replication_groups()
        .replication_group_id(id)
        .send()
        .await
        .aws("DescribeReplicationGroups")?;
    let group =
        groups.replication_groups().first().ok_or_else(|| crate::discover::not_found("replication group", id))?;
    let request = ReadRequest::new(&Address::new("generate"), Some(id), Attrs::new());
    let attrs = super::replication_group::live(group, &request, Value::Null).attrs;
    let member = group.member_clusters().first().cloned().unwrap_or_default();
    // A member cluster may not be describable (moto lists members it does not hold): the group
    // is then reported, not guessed at.
    let clusters = aws.elasticache.describe_cache_clusters().cache_cluster_id(&member).send().await;
    let (clusters, unreadable) = match clusters.aws("DescribeCacheClusters") {
        Ok(c) => (Some(c), None),
        Err(e) => (None, Some(format!("its member cluster {member} could not be read ({e})"))),
    };
    let cluster = clusters.as_ref().and_then(|c| c.cache_clusters().first());
    let subnet_group = match cluster.and_then(|c| c.cache_subnet_group_name()) {
        Some(name) => crate::discover::read_one(aws, Kind::CacheSubnetGroup, name).await?,
        None => None,
    };
    Ok(DiscoveredCache {
        id: id.to_owned(),
        attrs,
        engine_version: cluster.and_then(|c| c.engine_version()).unwrap_or_default().to_owned(),
        security_group_ids: cluster
            .map(|c| c.security_groups().iter().filter_map(|g| g.security_group_id()).map(str::to_owned).collect())
            .unwrap_or_default(),
        subnet_group,
        kms_key: group.kms_key_id().map(str::to_owned),
        auth_token: group.auth_token_enabled() == Some(true),
        unreadable,
    })
}
