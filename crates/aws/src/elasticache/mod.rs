//! ElastiCache: the cache subnet group over the private subnets and Redis replication groups.
//! Ids are the names the stack fixes, so a pending create is read by its name.

pub(crate) mod replication_group;
pub(crate) mod subnet_group;

use aws_sdk_elasticache::types::Tag;
use platformctl_core::resource::{Address, Attrs, LiveResource, Observed};

use crate::ReadRequest;
use crate::common::tag_pairs;

/// Each request with the resource of its id among `found`.
fn match_by_id(requests: &[ReadRequest], found: Vec<LiveResource>) -> Vec<(Address, Observed)> {
    requests
        .iter()
        .map(|r| {
            let hit = r.id.as_deref().and_then(|k| found.iter().find(|f| f.id == k)).cloned();
            (r.address.clone(), hit.map_or(Observed::Absent, Observed::Present))
        })
        .collect()
}

fn cache_tags(attrs: &Attrs) -> Vec<Tag> {
    tags_of(tag_pairs(attrs))
}

fn tags_of(pairs: impl IntoIterator<Item = (String, String)>) -> Vec<Tag> {
    pairs.into_iter().map(|(k, v)| Tag::builder().key(k).value(v).build()).collect()
}
