//! Subnets: VPC, CIDR and AZ (fixed at creation), whether instances get a public IP, tags.

use aws_sdk_ec2::Client;
use aws_sdk_ec2::types::{AttributeBooleanValue, Filter, ResourceType};

use super::{str_attr, tag_spec, tags_value};
use crate::providers::AwsError;
use crate::resource::{Attrs, LiveResource, Value, attr};

pub(super) async fn describe(ec2: &Client, filters: Vec<Filter>) -> Result<Vec<LiveResource>, AwsError> {
    let subnets: Vec<_> = super::all_pages!(ec2.describe_subnets().set_filters(Some(filters)), "DescribeSubnets")?;
    Ok(subnets
        .iter()
        .map(|s| LiveResource {
            id: s.subnet_id().unwrap_or_default().to_owned(),
            attrs: Attrs::from([
                ("vpc_id".into(), Value::str(s.vpc_id().unwrap_or_default())),
                ("cidr_block".into(), Value::str(s.cidr_block().unwrap_or_default())),
                ("availability_zone".into(), Value::str(s.availability_zone().unwrap_or_default())),
                ("map_public_ip_on_launch".into(), Value::Bool(s.map_public_ip_on_launch().unwrap_or(false))),
                ("tags".into(), tags_value(s.tags())),
            ]),
            ready: true,
            outputs: Attrs::new(),
        })
        .collect())
}

pub(super) async fn create(ec2: &Client, attrs: &Attrs) -> Result<String, AwsError> {
    let out = ec2
        .create_subnet()
        .vpc_id(str_attr(attrs, "vpc_id").unwrap_or_default())
        .cidr_block(str_attr(attrs, "cidr_block").unwrap_or_default())
        .availability_zone(str_attr(attrs, "availability_zone").unwrap_or_default())
        .tag_specifications(tag_spec(ResourceType::Subnet, attrs))
        .send()
        .await
        .map_err(|e| AwsError::from_sdk("CreateSubnet", e))?;
    let id = out.subnet().and_then(|s| s.subnet_id()).unwrap_or_default().to_owned();
    update(ec2, &id, &Attrs::from([("map_public_ip_on_launch".into(), Value::Bool(false))]), attrs).await?;
    Ok(id)
}

pub(super) async fn update(ec2: &Client, id: &str, before: &Attrs, after: &Attrs) -> Result<(), AwsError> {
    let want = attr(after, "map_public_ip_on_launch").as_bool().unwrap_or(false);
    if attr(before, "map_public_ip_on_launch").as_bool() != Some(want) {
        ec2.modify_subnet_attribute()
            .subnet_id(id)
            .map_public_ip_on_launch(AttributeBooleanValue::builder().value(want).build())
            .send()
            .await
            .map_err(|e| AwsError::from_sdk("ModifySubnetAttribute", e))?;
    }
    Ok(())
}

pub(super) async fn delete(ec2: &Client, id: &str) -> Result<(), AwsError> {
    ec2.delete_subnet().subnet_id(id).send().await.map_err(|e| AwsError::from_sdk("DeleteSubnet", e))?;
    Ok(())
}
