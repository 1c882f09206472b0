//! Elastic IPs for NAT gateways (VPC domain). AllocateAddress has no idempotency token: a
//! pending allocation is found again by its tags, which AWS sets in the same call.

use async_trait::async_trait;
use aws_sdk_ec2::Client;
use aws_sdk_ec2::types::{DomainType, Filter, ResourceType};
use platformctl_core::kinds::elastic_ip::TAGS;
use platformctl_core::resource::{Attrs, LiveResource};

use super::{Tagged, tag_spec, tags_value};
use crate::error::SdkResultExt;
use crate::registry::NewResource;
use crate::{Aws, AwsError};

pub(crate) struct ElasticIp;

#[async_trait]
impl Tagged for ElasticIp {
    const ID_FILTER: &'static str = "allocation-id";

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

    async fn create(aws: &Aws, new: &NewResource<'_>) -> Result<String, AwsError> {
        let request = aws.ec2.allocate_address().domain(DomainType::Vpc);
        let out = request.tag_specifications(tag_spec(ResourceType::ElasticIp, new.attrs)).send().await;
        Ok(out.aws("AllocateAddress")?.allocation_id().unwrap_or_default().to_owned())
    }

    async fn delete(ec2: &Client, id: &str) -> Result<(), AwsError> {
        ec2.release_address().allocation_id(id).send().await.aws("ReleaseAddress")?;
        Ok(())
    }
}
