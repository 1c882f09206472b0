//! ElastiCache: the cache subnet group over the private subnets and Redis replication groups.
//! Ids are the names the stack fixes, so a pending create is read by its name.

pub(crate) mod discover;
pub(crate) mod replication_group;
pub(crate) mod subnet_group;
#[cfg(test)]
mod tests;

use aws_sdk_elasticache::types::Tag;
use platformctl_core::resource::Attrs;

use crate::common::tag_pairs;

fn cache_tags(attrs: &Attrs) -> Vec<Tag> {
    tags_of(tag_pairs(attrs))
}

fn tags_of(pairs: impl IntoIterator<Item = (String, String)>) -> Vec<Tag> {
    pairs.into_iter().map(|(k, v)| Tag::builder().key(k).value(v).build()).collect()
}
