//! Elastic IPs for NAT gateways (VPC domain). AllocateAddress has no idempotency token: a
//! pending allocation is found again by its tags, which AWS sets in the same call.

use aws_sdk_ec2::Client;
use aws_sdk_ec2::types::{DomainType, Filter, ResourceType};

use super::{tag_spec, tags_value};
use crate::providers::AwsError;
use crate::resource::{Attrs, LiveResource};

pub(super) async fn describe(ec2: &Client, filters: Vec<Filter>) -> Result<Vec<LiveResource>, AwsError> {
    let out = ec2
        .describe_addresses()
        .set_filters(Some(filters))
        .send()
        .await
        .map_err(|e| AwsError::from_sdk("DescribeAddresses", e))?;
    Ok(out
        .addresses()
        .iter()
        .map(|a| LiveResource {
            id: a.allocation_id().unwrap_or_default().to_owned(),
            attrs: Attrs::from([("tags".into(), tags_value(a.tags()))]),
            ready: true,
            outputs: Attrs::new(),
        })
        .collect())
}

pub(super) async fn create(ec2: &Client, attrs: &Attrs) -> Result<String, AwsError> {
    let out = ec2
        .allocate_address()
        .domain(DomainType::Vpc)
        .tag_specifications(tag_spec(ResourceType::ElasticIp, attrs))
        .send()
        .await
        .map_err(|e| AwsError::from_sdk("AllocateAddress", e))?;
    Ok(out.allocation_id().unwrap_or_default().to_owned())
}

pub(super) async fn delete(ec2: &Client, id: &str) -> Result<(), AwsError> {
    ec2.release_address().allocation_id(id).send().await.map_err(|e| AwsError::from_sdk("ReleaseAddress", e))?;
    Ok(())
}
