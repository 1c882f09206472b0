//! The tags of a stack's resources of one type in one listing (the Resource Groups Tagging
//! API's GetResources, 100 a page, filtered by the `platformctl:stack` tag), for the services
//! whose describes leave tags out (SSM parameters, ECR repositories, log groups, alarms, Redis
//! groups): one request per kind and page instead of one ListTagsForResource per resource.
//!
//! The listing lags behind tag changes and does not show a resource whose stack tag was
//! removed, and some endpoints leave whole services out of it (an emulator): a resource it does
//! not show has its tags read directly, and a listing that disagrees with the state is
//! confirmed by a direct read (`registry::confirmed`).

use std::collections::HashMap;
use std::future::Future;

use aws_sdk_resourcegroupstagging::types::TagFilter;
use platformctl_core::resource::Value;
use platformctl_core::resource::tags::STACK_TAG;

use crate::common::tags_from_pairs;
use crate::error::SdkResultExt;
use crate::{Aws, AwsError};

/// The tagging API's largest page.
const PAGE: i32 = 100;

/// The tags of the stack's resources of one type (`ssm:parameter`), by ARN.
pub(crate) struct StackTags(HashMap<String, Value>);

impl StackTags {
    /// Lists them: nothing is listed when there is nothing to look up.
    pub(crate) async fn of(aws: &Aws, resource_type: &str, wanted: usize) -> Result<StackTags, AwsError> {
        let mut tags = HashMap::new();
        if wanted == 0 {
            return Ok(StackTags(tags));
        }
        let filter = TagFilter::builder().key(STACK_TAG).values(&aws.stack).build();
        let mut pages = aws
            .tagging
            .get_resources()
            .tag_filters(filter)
            .resource_type_filters(resource_type)
            .resources_per_page(PAGE)
            .into_paginator()
            .send();
        while let Some(page) = pages.next().await {
            for mapping in page.aws("GetResources")?.resource_tag_mapping_list() {
                let Some(arn) = mapping.resource_arn() else { continue };
                let pairs = mapping.tags().iter().map(|t| (Some(t.key()), Some(t.value())));
                tags.insert(arn.to_owned(), tags_from_pairs(pairs));
            }
        }
        Ok(StackTags(tags))
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
