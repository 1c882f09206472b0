//! Security groups: name, description and VPC are fixed at creation; tags can change. AWS's
//! default egress rule (all traffic out) is kept, or revoked for a group with egress rules of
//! its own (`default_egress`), and put back when they go.

use async_trait::async_trait;
use aws_sdk_ec2::Client;
use aws_sdk_ec2::types::{Filter, IpPermission, IpRange, ResourceType, SecurityGroup as Group};
use platformctl_core::kinds::security_group::{DEFAULT_EGRESS, DESCRIPTION, GROUP_NAME, TAGS, VPC_ID};
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
                    DEFAULT_EGRESS.to(allows_all_egress(g)),
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
        let id = out.group_id().unwrap_or_default().to_owned();
        if DEFAULT_EGRESS.bool(new.attrs) == Some(false) {
            set_default_egress(&aws.ec2, &id, false).await?;
        }
        Ok(id)
    }

    async fn modify(aws: &Aws, id: &str, before: &Attrs, after: &Attrs) -> Result<(), AwsError> {
        if DEFAULT_EGRESS.changed(before, after) {
            set_default_egress(&aws.ec2, id, DEFAULT_EGRESS.bool(after) != Some(false)).await?;
        }
        Ok(())
    }

    async fn delete(ec2: &Client, id: &str) -> Result<(), AwsError> {
        ec2.delete_security_group().group_id(id).send().await.aws("DeleteSecurityGroup")?;
        Ok(())
    }
}

/// All protocols to 0.0.0.0/0: the rule AWS gives every new group.
fn all_traffic_out() -> IpPermission {
    IpPermission::builder().ip_protocol("-1").ip_ranges(IpRange::builder().cidr_ip("0.0.0.0/0").build()).build()
}

fn allows_all_egress(group: &Group) -> bool {
    group
        .ip_permissions_egress()
        .iter()
        .any(|p| p.ip_protocol() == Some("-1") && p.ip_ranges().iter().any(|r| r.cidr_ip() == Some("0.0.0.0/0")))
}

/// Puts AWS's allow-all egress rule back, or revokes it; already so is fine.
pub(super) async fn set_default_egress(ec2: &Client, id: &str, allowed: bool) -> Result<(), AwsError> {
    let result = if allowed {
        let request = ec2.authorize_security_group_egress().group_id(id).ip_permissions(all_traffic_out());
        request.send().await.map(drop).aws("AuthorizeSecurityGroupEgress")
    } else {
        let request = ec2.revoke_security_group_egress().group_id(id).ip_permissions(all_traffic_out());
        request.send().await.map(drop).aws("RevokeSecurityGroupEgress")
    };
    match result {
        Err(e) if matches!(e.code(), Some("InvalidPermission.Duplicate" | "InvalidPermission.NotFound")) => Ok(()),
        other => other,
    }
}
