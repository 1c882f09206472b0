//! VPCs: CIDR block, DNS support and DNS hostnames (which AWS sets one per call), tags.

use aws_sdk_ec2::Client;
use aws_sdk_ec2::types::{AttributeBooleanValue, Filter, ResourceType, VpcAttributeName};

use super::{str_attr, tag_spec, tags_value};
use crate::providers::AwsError;
use crate::resource::{Attrs, LiveResource, Value, attr};

/// DescribeVpcs does not return the DNS attributes; they cost one DescribeVpcAttribute each,
/// made concurrently. A stack has one VPC, so this stays two calls.
pub(super) async fn describe(ec2: &Client, filters: Vec<Filter>) -> Result<Vec<LiveResource>, AwsError> {
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
                ("cidr_block".into(), Value::str(v.cidr_block().unwrap_or_default())),
                ("enable_dns_support".into(), Value::Bool(support)),
                ("enable_dns_hostnames".into(), Value::Bool(hostnames)),
                ("tags".into(), tags_value(v.tags())),
            ]),
            ready: true,
            outputs: Attrs::new(),
        })
        .collect())
}

async fn dns_attribute(ec2: &Client, id: &str, name: VpcAttributeName) -> Result<bool, AwsError> {
    let out = ec2
        .describe_vpc_attribute()
        .vpc_id(id)
        .attribute(name.clone())
        .send()
        .await
        .map_err(|e| AwsError::from_sdk("DescribeVpcAttribute", e))?;
    let value = match name {
        VpcAttributeName::EnableDnsSupport => out.enable_dns_support(),
        _ => out.enable_dns_hostnames(),
    };
    Ok(value.and_then(|v| v.value()).unwrap_or(false))
}

pub(super) async fn create(ec2: &Client, attrs: &Attrs) -> Result<String, AwsError> {
    let out = ec2
        .create_vpc()
        .cidr_block(str_attr(attrs, "cidr_block").unwrap_or_default())
        .tag_specifications(tag_spec(ResourceType::Vpc, attrs))
        .send()
        .await
        .map_err(|e| AwsError::from_sdk("CreateVpc", e))?;
    let id = out.vpc().and_then(|v| v.vpc_id()).unwrap_or_default().to_owned();
    // The id is returned before the attributes are set; a crash here leaves a VPC whose DNS
    // settings the next plan shows as an update.
    set_dns(ec2, &id, &Attrs::new(), attrs).await?;
    Ok(id)
}

pub(super) async fn update(ec2: &Client, id: &str, before: &Attrs, after: &Attrs) -> Result<(), AwsError> {
    set_dns(ec2, id, before, after).await
}

async fn set_dns(ec2: &Client, id: &str, before: &Attrs, after: &Attrs) -> Result<(), AwsError> {
    for name in ["enable_dns_support", "enable_dns_hostnames"] {
        let want = attr(after, name).as_bool().unwrap_or(false);
        if attr(before, name).as_bool() == Some(want) {
            continue;
        }
        let value = AttributeBooleanValue::builder().value(want).build();
        let call = ec2.modify_vpc_attribute().vpc_id(id);
        let call = if name == "enable_dns_support" {
            call.enable_dns_support(value)
        } else {
            call.enable_dns_hostnames(value)
        };
        call.send().await.map_err(|e| AwsError::from_sdk("ModifyVpcAttribute", e))?;
    }
    Ok(())
}

pub(super) async fn delete(ec2: &Client, id: &str) -> Result<(), AwsError> {
    ec2.delete_vpc().vpc_id(id).send().await.map_err(|e| AwsError::from_sdk("DeleteVpc", e))?;
    Ok(())
}
