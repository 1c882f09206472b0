//! Elastic IPs for NAT gateways (VPC domain). AllocateAddress has no idempotency token: a
//! pending allocation is found again by its tags, which AWS sets in the same call.

use async_trait::async_trait;
use aws_sdk_ec2::Client;
use aws_sdk_ec2::types::{DomainType, Filter, ResourceType};
use platformctl_core::kinds::elastic_ip::TAGS;
use platformctl_core::resource::{Address, Attrs, LiveResource, Observed};

use super::{read_tagged, retag, tag_spec, tags_value};
use crate::error::SdkResultExt;
use crate::registry::{NewResource, Provider};
use crate::{Aws, AwsError, ReadRequest};

pub(crate) struct ElasticIp;

#[async_trait]
impl Provider for ElasticIp {
    async fn read(&self, aws: &Aws, requests: &[ReadRequest]) -> Result<Vec<(Address, Observed)>, AwsError> {
        read_tagged(aws, requests, "allocation-id", |f| describe(&aws.ec2, f)).await
    }

    async fn create(&self, aws: &Aws, new: &NewResource<'_>) -> Result<String, AwsError> {
        let request = aws.ec2.allocate_address().domain(DomainType::Vpc);
        let out = request.tag_specifications(tag_spec(ResourceType::ElasticIp, new.attrs)).send().await;
        Ok(out.aws("AllocateAddress")?.allocation_id().unwrap_or_default().to_owned())
    }

    async fn update(&self, aws: &Aws, id: &str, before: &Attrs, after: &Attrs) -> Result<(), AwsError> {
        retag(&aws.ec2, id, before, after).await
    }

    async fn delete(&self, aws: &Aws, id: &str, _: &Attrs) -> Result<(), AwsError> {
        aws.ec2.release_address().allocation_id(id).send().await.aws("ReleaseAddress")?;
        Ok(())
    }
}

async fn describe(ec2: &Client, filters: Vec<Filter>) -> Result<Vec<LiveResource>, AwsError> {
    let out = ec2.describe_addresses().set_filters(Some(filters)).send().await.aws("DescribeAddresses")?;
    Ok(out
        .addresses()
        .iter()
        .map(|a| LiveResource {
            id: a.allocation_id().unwrap_or_default().to_owned(),
            attrs: Attrs::from([TAGS.to(tags_value(a.tags()))]),
            ready: true,
            outputs: Attrs::new(),
        })
        .collect())
}
