//! What AWS already holds of a stack, found by its `platformctl:stack` tag across services with
//! the Resource Groups Tagging API (one paginated call): an apply from an empty state refuses
//! while there is any, so a lost or misplaced state never becomes a second copy of the platform.
//! What a destroy leaves on purpose does not count: final snapshots, secrets in their
//! recovery window and KMS keys in their deletion window.
//!
//! Some endpoints do not return every service through this API (an emulator without EC2 in
//! it): the check then sees less, never more.

use aws_sdk_kms::types::KeyState;
use platformctl_core::resource::tags::STACK_TAG;

use crate::error::SdkResultExt;
use crate::{Aws, AwsError};

/// The ARNs of the live resources tagged as `stack`'s.
pub async fn tagged_resources(aws: &Aws, stack: &str) -> Result<Vec<String>, AwsError> {
    let tagging = &aws.tagging;
    let filter = aws_sdk_resourcegroupstagging::types::TagFilter::builder().key(STACK_TAG).values(stack).build();
    let mut pages = tagging.get_resources().tag_filters(filter).into_paginator().send();
    let mut arns = Vec::new();
    while let Some(page) = pages.next().await {
        let page = page.aws("GetResources")?;
        arns.extend(page.resource_tag_mapping_list().iter().filter_map(|m| m.resource_arn().map(str::to_owned)));
    }
    let mut live = Vec::new();
    for arn in arns {
        if left_by_a_destroy(aws, &arn).await? {
            continue;
        }
        live.push(arn);
    }
    live.sort();
    Ok(live)
}

/// The ARNs of every resource carrying all of `tags` (`generate --tag`), across the services
/// the endpoint's tagging API covers.
pub async fn tagged_with(aws: &Aws, tags: &[(String, String)]) -> Result<Vec<String>, AwsError> {
    let filters =
        tags.iter().map(|(k, v)| aws_sdk_resourcegroupstagging::types::TagFilter::builder().key(k).values(v).build());
    let mut pages = aws.tagging.get_resources().set_tag_filters(Some(filters.collect())).into_paginator().send();
    let mut arns = Vec::new();
    while let Some(page) = pages.next().await {
        let page = page.aws("GetResources")?;
        arns.extend(page.resource_tag_mapping_list().iter().filter_map(|m| m.resource_arn().map(str::to_owned)));
    }
    arns.sort();
    Ok(arns)
}

/// A final snapshot, or a secret or KMS key scheduled for deletion.
async fn left_by_a_destroy(aws: &Aws, arn: &str) -> Result<bool, AwsError> {
    if [":snapshot:", ":cluster-snapshot:"].iter().any(|s| arn.contains(s)) {
        return Ok(true);
    }
    if arn.starts_with("arn:aws:secretsmanager:") || arn.contains(":secretsmanager:") {
        return match aws.secrets.describe_secret().secret_id(arn).send().await.aws("DescribeSecret") {
            Ok(out) => Ok(out.deleted_date().is_some()),
            Err(e) if e.is_not_found() => Ok(true),
            Err(e) => Err(e),
        };
    }
    if arn.contains(":kms:") && arn.contains(":key/") {
        return match aws.kms.describe_key().key_id(arn).send().await.aws("DescribeKey") {
            Ok(out) => Ok(out.key_metadata().and_then(|m| m.key_state()) == Some(&KeyState::PendingDeletion)),
            Err(e) if e.is_not_found() => Ok(true),
            Err(e) => Err(e),
        };
    }
    Ok(false)
}
