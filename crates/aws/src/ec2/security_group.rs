//! Security groups: name, description and VPC are fixed at creation; tags can change. AWS's
//! default egress rule (all traffic out) is left as it is.

use async_trait::async_trait;
use aws_sdk_ec2::Client;
use aws_sdk_ec2::types::{Filter, ResourceType};
use platformctl_core::kinds::security_group::{DESCRIPTION, GROUP_NAME, TAGS, VPC_ID};
use platformctl_core::resource::{Address, Attrs, LiveResource, Observed};

use super::{read_tagged, retag, tag_spec, tags_value};
use crate::error::SdkResultExt;
use crate::registry::{NewResource, Provider};
use crate::{Aws, AwsError, ReadRequest};

pub(crate) struct SecurityGroup;

#[async_trait]
impl Provider for SecurityGroup {
    async fn read(&self, aws: &Aws, requests: &[ReadRequest]) -> Result<Vec<(Address, Observed)>, AwsError> {
        read_tagged(aws, requests, "group-id", |f| describe(&aws.ec2, f)).await
    }

    async fn create(&self, aws: &Aws, new: &NewResource<'_>) -> Result<String, AwsError> {
        let out = aws
            .ec2
            .create_security_group()
            .group_name(GROUP_NAME.str(new.attrs).unwrap_or_default())
            .description(DESCRIPTION.str(new.attrs).unwrap_or_default())
            .vpc_id(VPC_ID.str(new.attrs).unwrap_or_default())
            .tag_specifications(tag_spec(ResourceType::SecurityGroup, new.attrs))
            .send()
            .await
            .aws("CreateSecurityGroup")?;
        Ok(out.group_id().unwrap_or_default().to_owned())
    }

    async fn update(&self, aws: &Aws, id: &str, before: &Attrs, after: &Attrs) -> Result<(), AwsError> {
        retag(&aws.ec2, id, before, after).await
    }

    async fn delete(&self, aws: &Aws, id: &str, _: &Attrs) -> Result<(), AwsError> {
        aws.ec2.delete_security_group().group_id(id).send().await.aws("DeleteSecurityGroup")?;
        Ok(())
    }
}

async fn describe(ec2: &Client, filters: Vec<Filter>) -> Result<Vec<LiveResource>, AwsError> {
    let groups: Vec<_> =
        super::all_pages!(ec2.describe_security_groups().set_filters(Some(filters)), "DescribeSecurityGroups")?;
    Ok(groups
        .iter()
        .map(|g| LiveResource {
            id: g.group_id().unwrap_or_default().to_owned(),
            attrs: Attrs::from([
                VPC_ID.to(g.vpc_id().unwrap_or_default()),
                GROUP_NAME.to(g.group_name().unwrap_or_default()),
                DESCRIPTION.to(g.description().unwrap_or_default()),
                TAGS.to(tags_value(g.tags())),
            ]),
            ready: true,
            outputs: Attrs::new(),
        })
        .collect())
}
