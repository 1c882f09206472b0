//! The tags of a stack's resources of one type in one listing (the Resource Groups Tagging
//! API's GetResources, 100 a page, filtered by the `platformctl:stack` tag), for the services
//! whose describes leave tags out (SSM parameters, ECR repositories, log groups, alarms, Redis
//! groups): one request per kind and page instead of one ListTagsForResource per resource.
//!
//! The listing lags behind tag changes and does not show a resource whose stack tag was
//! removed, and some endpoints leave whole services out of it (an emulator): a resource it does
//! not show has its tags read directly, and a listing that disagrees with the state is
//! confirmed by a direct read (`registry::confirmed`).
//!
//! Within one read of everything (a plan's), the kinds' listings are shared (`Listings`): the
//! types whose resources fit in one page together are listed in one request, a type with more
//! on its own — so a stack of a few dozen such resources costs one request and one round trip,
//! and a large one no more round trips than its largest type's pages.

use std::collections::HashMap;
use std::future::Future;
use std::sync::Arc;

use aws_sdk_resourcegroupstagging::types::TagFilter;
use platformctl_core::resource::Value;
use platformctl_core::resource::tags::STACK_TAG;

use crate::common::tags_from_pairs;
use crate::error::SdkResultExt;
use crate::{Aws, AwsError};

/// The tagging API's largest page.
const PAGE: i32 = 100;

/// The tags of the stack's resources of one type (`ssm:parameter`) — and, from a shared
/// listing, of the other types listed with it — by ARN.
pub(crate) struct StackTags(Arc<HashMap<String, Value>>);

/// The listing one read of everything shares (`Aws::for_one_read`): the types listed together,
/// and what that listing found once made. Never kept beyond one read: apply reads what it just
/// changed.
#[derive(Debug, Default)]
pub(crate) struct Listings {
    together: Vec<&'static str>,
    listed: tokio::sync::OnceCell<Arc<HashMap<String, Value>>>,
}

impl Listings {
    /// For a read of this many resources of each type: the smallest types share one listing
    /// while they fit in one page together; each larger type is listed on its own (its pages
    /// then run beside the shared listing's instead of after them).
    pub(crate) fn expecting(wanted: impl IntoIterator<Item = (&'static str, usize)>) -> Listings {
        let mut wanted: Vec<_> = wanted.into_iter().filter(|(_, n)| *n > 0).collect();
        wanted.sort_by_key(|(resource_type, n)| (*n, *resource_type));
        let mut room = PAGE as usize;
        let mut together = Vec::new();
        for (resource_type, n) in wanted {
            if n <= room {
                room -= n;
                together.push(resource_type);
            }
        }
        Listings { together, listed: Default::default() }
    }
}

impl StackTags {
    /// Lists them within one read of everything: a type listed with others takes the shared
    /// listing, a larger one is listed on its own. Outside one (apply reading what it just
    /// created or retagged, an adoption) nothing is listed and each resource's own tag call
    /// answers: the listing lags behind those very changes, so it would cost a request and then
    /// the direct read anyway (the grown benchmark's apply made 182 listings, one per read).
    pub(crate) async fn of(aws: &Aws, resource_type: &'static str, wanted: usize) -> Result<StackTags, AwsError> {
        let Some(listings) = aws.tag_listings.as_deref().filter(|_| wanted > 0) else {
            return Ok(StackTags(Default::default()));
        };
        if listings.together.contains(&resource_type) {
            let listed =
                listings.listed.get_or_try_init(|| async { list(aws, &listings.together).await.map(Arc::new) });
            return Ok(StackTags(listed.await?.clone()));
        }
        Ok(StackTags(Arc::new(list(aws, &[resource_type]).await?)))
    }

    /// The resource's tags from the listing, or from `read` (its own tag call) when the listing
    /// does not show it.
    pub(crate) async fn or_read<Read, Answer>(&self, arn: &str, read: Read) -> Result<Value, AwsError>
    where
        Read: FnOnce() -> Answer,
        Answer: Future<Output = Result<Value, AwsError>>,
    {
        match self.0.get(arn) {
            Some(tags) => Ok(tags.clone()),
            None => read().await,
        }
    }
}

/// The tags of the stack's resources of these types, by ARN: one GetResources listing, paged.
async fn list(aws: &Aws, resource_types: &[&str]) -> Result<HashMap<String, Value>, AwsError> {
    let mut tags = HashMap::new();
    let filter = TagFilter::builder().key(STACK_TAG).values(&aws.stack).build();
    let types = resource_types.iter().map(|t| t.to_string()).collect();
    let request = aws.tagging.get_resources().tag_filters(filter).set_resource_type_filters(Some(types));
    let mut pages = request.resources_per_page(PAGE).into_paginator().send();
    while let Some(page) = pages.next().await {
        for mapping in page.aws("GetResources")?.resource_tag_mapping_list() {
            let Some(arn) = mapping.resource_arn() else { continue };
            let pairs = mapping.tags().iter().map(|t| (Some(t.key()), Some(t.value())));
            tags.insert(arn.to_owned(), tags_from_pairs(pairs));
        }
    }
    Ok(tags)
}

/// The tags from `listing` where there is one and it shows the resource, else from `read` (a
/// direct read, which never trusts a listing).
pub(crate) async fn listed_or_read<Read, Answer>(
    listing: Option<&StackTags>,
    arn: &str,
    read: Read,
) -> Result<Value, AwsError>
where
    Read: FnOnce() -> Answer,
    Answer: Future<Output = Result<Value, AwsError>>,
{
    match listing {
        Some(listing) => listing.or_read(arn, read).await,
        None => read().await,
    }
}

#[cfg(test)]
mod tests {
    use super::Listings;

    #[test]
    fn the_smallest_types_share_one_page_and_larger_ones_list_alone() {
        let seed = Listings::expecting([("ssm:parameter", 5), ("ecr:repository", 1), ("cloudwatch:alarm", 19)]);
        assert_eq!(seed.together, ["ecr:repository", "ssm:parameter", "cloudwatch:alarm"]);
        let grown = Listings::expecting([
            ("ecr:repository", 60),
            ("logs:log-group", 63),
            ("ssm:parameter", 50),
            ("elasticache:replicationgroup", 4),
            ("cloudwatch:alarm", 0),
        ]);
        assert_eq!(grown.together, ["elasticache:replicationgroup", "ssm:parameter"], "54 fit, 60 more do not");
        let huge = Listings::expecting([("ssm:parameter", 101)]);
        assert!(huge.together.is_empty(), "more than a page lists on its own");
    }
}
