//! Security groups: name, description and VPC are fixed at creation; tags can change. AWS's
//! default egress rule (all traffic out) is left as it is.

use aws_sdk_ec2::Client;
use aws_sdk_ec2::types::{Filter, ResourceType};

use super::{str_attr, tag_spec, tags_value};
use crate::providers::AwsError;
use crate::resource::{Attrs, LiveResource, Value};

pub(super) async fn describe(ec2: &Client, filters: Vec<Filter>) -> Result<Vec<LiveResource>, AwsError> {
    let groups: Vec<_> =
        super::all_pages!(ec2.describe_security_groups().set_filters(Some(filters)), "DescribeSecurityGroups")?;
    Ok(groups
        .iter()
        .map(|g| LiveResource {
            id: g.group_id().unwrap_or_default().to_owned(),
            attrs: Attrs::from([
                ("vpc_id".into(), Value::str(g.vpc_id().unwrap_or_default())),
                ("group_name".into(), Value::str(g.group_name().unwrap_or_default())),
                ("description".into(), Value::str(g.description().unwrap_or_default())),
                ("tags".into(), tags_value(g.tags())),
            ]),
            ready: true,
            outputs: Attrs::new(),
        })
        .collect())
}

pub(super) async fn create(ec2: &Client, attrs: &Attrs) -> Result<String, AwsError> {
    let out = ec2
        .create_security_group()
        .group_name(str_attr(attrs, "group_name").unwrap_or_default())
        .description(str_attr(attrs, "description").unwrap_or_default())
        .vpc_id(str_attr(attrs, "vpc_id").unwrap_or_default())
        .tag_specifications(tag_spec(ResourceType::SecurityGroup, attrs))
        .send()
        .await
        .map_err(|e| AwsError::from_sdk("CreateSecurityGroup", e))?;
    Ok(out.group_id().unwrap_or_default().to_owned())
}

pub(super) async fn delete(ec2: &Client, id: &str) -> Result<(), AwsError> {
    ec2.delete_security_group().group_id(id).send().await.map_err(|e| AwsError::from_sdk("DeleteSecurityGroup", e))?;
    Ok(())
}
