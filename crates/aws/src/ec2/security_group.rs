//! Security groups: name, description and VPC are fixed at creation; tags can change. AWS's
//! default egress rule (all traffic out) is left as it is.

use async_trait::async_trait;
use aws_sdk_ec2::Client;
use aws_sdk_ec2::types::{Filter, ResourceType};
use platformctl_core::kinds::security_group::{DESCRIPTION, GROUP_NAME, TAGS, VPC_ID};
use platformctl_core::resource::{Attrs, LiveResource};

use super::{Tagged, tag_spec, tags_value};
use crate::error::SdkResultExt;
use crate::registry::NewResource;
use crate::{Aws, AwsError};

pub(crate) struct SecurityGroup;

#[async_trait]
impl Tagged for SecurityGroup {
    const ID_FILTER: &'static str = "group-id";

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

    async fn create(aws: &Aws, new: &NewResource<'_>) -> Result<String, AwsError> {
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

    async fn delete(ec2: &Client, id: &str) -> Result<(), AwsError> {
        ec2.delete_security_group().group_id(id).send().await.aws("DeleteSecurityGroup")?;
        Ok(())
    }
}
