//! VPCs: CIDR block, DNS support and DNS hostnames (which AWS sets one per call), tags.

use async_trait::async_trait;
use aws_sdk_ec2::Client;
use aws_sdk_ec2::types::{AttributeBooleanValue, Filter, ResourceType, VpcAttributeName};
use platformctl_core::kinds::vpc::{CIDR_BLOCK, ENABLE_DNS_HOSTNAMES, ENABLE_DNS_SUPPORT, TAGS};
use platformctl_core::resource::{Attrs, LiveResource};

use super::{Tagged, tag_spec, tags_value};
use crate::error::SdkResultExt;
use crate::registry::NewResource;
use crate::{Aws, AwsError};

pub(crate) struct Vpc;

#[async_trait]
impl Tagged for Vpc {
    const ID_FILTER: &'static str = "vpc-id";

    /// DescribeVpcs does not return the DNS attributes; they cost one DescribeVpcAttribute each,
    /// made concurrently. A stack has one VPC, so this stays two calls.
    async fn describe(ec2: &Client, filters: Vec<Filter>) -> Result<Vec<LiveResource>, AwsError> {
        let vpcs: Vec<_> = super::all_pages!(ec2.describe_vpcs().set_filters(Some(filters)), "DescribeVpcs")?;
        let reads = vpcs.iter().filter_map(|v| v.vpc_id()).map(|id| async move {
            futures::try_join!(
                dns_attribute(ec2, id, VpcAttributeName::EnableDnsSupport),
                dns_attribute(ec2, id, VpcAttributeName::EnableDnsHostnames),
            )
        });
        let dns = futures::future::try_join_all(reads).await?;
        Ok(vpcs
            .iter()
            .zip(dns)
            .map(|(v, (support, hostnames))| LiveResource {
                id: v.vpc_id().unwrap_or_default().to_owned(),
                attrs: Attrs::from([
                    CIDR_BLOCK.to(v.cidr_block().unwrap_or_default()),
                    ENABLE_DNS_SUPPORT.to(support),
                    ENABLE_DNS_HOSTNAMES.to(hostnames),
                    TAGS.to(tags_value(v.tags())),
                ]),
                ready: true,
                outputs: Attrs::new(),
            })
            .collect())
    }

    async fn create(aws: &Aws, new: &NewResource<'_>) -> Result<String, AwsError> {
        let out = aws
            .ec2
            .create_vpc()
            .cidr_block(CIDR_BLOCK.str(new.attrs).unwrap_or_default())
            .tag_specifications(tag_spec(ResourceType::Vpc, new.attrs))
            .send()
            .await
            .aws("CreateVpc")?;
        let id = out.vpc().and_then(|v| v.vpc_id()).unwrap_or_default().to_owned();
        // The id is returned before the attributes are set; a crash here leaves a VPC whose DNS
        // settings the next plan shows as an update.
        set_dns(&aws.ec2, &id, &Attrs::new(), new.attrs).await?;
        Ok(id)
    }

    async fn modify(aws: &Aws, id: &str, before: &Attrs, after: &Attrs) -> Result<(), AwsError> {
        let ec2 = &aws.ec2;
        set_dns(ec2, id, before, after).await
    }

    async fn delete(ec2: &Client, id: &str) -> Result<(), AwsError> {
        ec2.delete_vpc().vpc_id(id).send().await.aws("DeleteVpc")?;
        Ok(())
    }
}

async fn dns_attribute(ec2: &Client, id: &str, name: VpcAttributeName) -> Result<bool, AwsError> {
    let out =
        ec2.describe_vpc_attribute().vpc_id(id).attribute(name.clone()).send().await.aws("DescribeVpcAttribute")?;
    let value = match name {
        VpcAttributeName::EnableDnsSupport => out.enable_dns_support(),
        _ => out.enable_dns_hostnames(),
    };
    Ok(value.and_then(|v| v.value()).unwrap_or(false))
}

async fn set_dns(ec2: &Client, id: &str, before: &Attrs, after: &Attrs) -> Result<(), AwsError> {
    for attribute in [ENABLE_DNS_SUPPORT, ENABLE_DNS_HOSTNAMES] {
        let want = attribute.is_true(after);
        if attribute.bool(before) == Some(want) {
            continue;
        }
        let value = AttributeBooleanValue::builder().value(want).build();
        let call = ec2.modify_vpc_attribute().vpc_id(id);
        let call = if attribute == ENABLE_DNS_SUPPORT {
            call.enable_dns_support(value)
        } else {
            call.enable_dns_hostnames(value)
        };
        call.send().await.aws("ModifyVpcAttribute")?;
    }
    Ok(())
}
