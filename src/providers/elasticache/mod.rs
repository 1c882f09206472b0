//! ElastiCache: the cache subnet group over the private subnets and Redis replication groups.
//! Ids are the names the stack fixes, so a pending create is found by name.

mod replication_group;
mod subnet_group;

use aws_sdk_elasticache::types::Tag;

use super::common::{TagChanges, tag_pairs};
use super::{Aws, AwsError, ReadRequest, Status};
use crate::resource::{Address, Attrs, Kind, LiveResource, Observed, attr};

pub(super) async fn read(
    aws: &Aws,
    kind: Kind,
    requests: &[ReadRequest],
) -> Result<Vec<(Address, Observed)>, AwsError> {
    let found: Vec<LiveResource> = match kind {
        Kind::CacheSubnetGroup => subnet_group::describe(&aws.elasticache).await?,
        _ => replication_group::describe(&aws.elasticache, requests).await?,
    };
    let key_attr = if kind == Kind::CacheSubnetGroup { "name" } else { "id" };
    Ok(requests
        .iter()
        .map(|r| {
            let key = r.id.as_deref().or(attr(&r.attrs, key_attr).as_str());
            let hit = key.and_then(|k| found.iter().find(|f| f.id == k)).cloned();
            (r.address.clone(), hit.map_or(Observed::Absent, Observed::Present))
        })
        .collect())
}

pub(super) async fn create(aws: &Aws, kind: Kind, attrs: &Attrs) -> Result<String, AwsError> {
    match kind {
        Kind::CacheSubnetGroup => subnet_group::create(&aws.elasticache, attrs).await,
        _ => replication_group::create(aws, attrs).await,
    }
}

pub(super) async fn update(aws: &Aws, kind: Kind, id: &str, before: &Attrs, after: &Attrs) -> Result<(), AwsError> {
    match kind {
        Kind::CacheSubnetGroup => subnet_group::update(&aws.elasticache, id, before, after).await,
        _ => {
            replication_group::update(aws, id, before, after).await?;
            match attr(before, "arn").as_str() {
                Some(arn) => update_tags(&aws.elasticache, arn, before, after).await,
                None => Ok(()),
            }
        }
    }
}

pub(super) async fn delete(aws: &Aws, kind: Kind, id: &str, attrs: &Attrs) -> Result<(), AwsError> {
    match kind {
        Kind::CacheSubnetGroup => subnet_group::delete(&aws.elasticache, id).await,
        _ => replication_group::delete(&aws.elasticache, id, attrs).await,
    }
}

pub(super) async fn status(aws: &Aws, kind: Kind, id: &str) -> Result<Status, AwsError> {
    match kind {
        Kind::ReplicationGroup => replication_group::status(&aws.elasticache, id).await,
        _ => Ok(Status::Ready),
    }
}

fn cache_tags(attrs: &Attrs) -> Vec<Tag> {
    tag_pairs(attr(attrs, "tags")).into_iter().map(|(k, v)| Tag::builder().key(k).value(v).build()).collect()
}

async fn update_tags(
    client: &aws_sdk_elasticache::Client,
    arn: &str,
    before: &Attrs,
    after: &Attrs,
) -> Result<(), AwsError> {
    TagChanges::between(before, after)
        .send(
            async |set| {
                let set = set.into_iter().map(|(k, v)| Tag::builder().key(k).value(v).build()).collect();
                let request = client.add_tags_to_resource().resource_name(arn).set_tags(Some(set));
                request.send().await.map(drop).map_err(|e| AwsError::from_sdk("AddTagsToResource", e))
            },
            async |keys| {
                let request = client.remove_tags_from_resource().resource_name(arn).set_tag_keys(Some(keys));
                request.send().await.map(drop).map_err(|e| AwsError::from_sdk("RemoveTagsFromResource", e))
            },
        )
        .await
}
