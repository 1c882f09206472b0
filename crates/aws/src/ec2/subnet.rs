//! Subnets: VPC, CIDR and AZ (fixed at creation), whether instances get a public IP, tags.

use async_trait::async_trait;
use aws_sdk_ec2::Client;
use aws_sdk_ec2::types::{AttributeBooleanValue, Filter, ResourceType};
use platformctl_core::kinds::subnet::{AVAILABILITY_ZONE, CIDR_BLOCK, MAP_PUBLIC_IP_ON_LAUNCH, TAGS, VPC_ID};
use platformctl_core::resource::{Attrs, LiveResource};

use super::{Tagged, tag_spec, tags_value};
use crate::error::SdkResultExt;
use crate::registry::NewResource;
use crate::{Aws, AwsError};

pub(crate) struct Subnet;

#[async_trait]
impl Tagged for Subnet {
    const ID_FILTER: &'static str = "subnet-id";

    async fn describe(ec2: &Client, filters: Vec<Filter>) -> Result<Vec<LiveResource>, AwsError> {
        let subnets: Vec<_> = super::all_pages!(ec2.describe_subnets().set_filters(Some(filters)), "DescribeSubnets")?;
        Ok(subnets
            .iter()
            .map(|s| LiveResource {
                id: s.subnet_id().unwrap_or_default().to_owned(),
                attrs: Attrs::from([
                    VPC_ID.to(s.vpc_id().unwrap_or_default()),
                    CIDR_BLOCK.to(s.cidr_block().unwrap_or_default()),
                    AVAILABILITY_ZONE.to(s.availability_zone().unwrap_or_default()),
                    MAP_PUBLIC_IP_ON_LAUNCH.to(s.map_public_ip_on_launch().unwrap_or(false)),
                    TAGS.to(tags_value(s.tags())),
                ]),
                ready: true,
                outputs: Attrs::new(),
            })
            .collect())
    }

    async fn create(aws: &Aws, new: &NewResource<'_>) -> Result<String, AwsError> {
        let attrs = new.attrs;
        let created = aws
            .ec2
            .create_subnet()
            .vpc_id(VPC_ID.str(attrs).unwrap_or_default())
            .cidr_block(CIDR_BLOCK.str(attrs).unwrap_or_default())
            .availability_zone(AVAILABILITY_ZONE.str(attrs).unwrap_or_default())
            .tag_specifications(tag_spec(ResourceType::Subnet, attrs))
            .send()
            .await
            .aws("CreateSubnet");
        // CreateSubnet takes no client token: a retried attempt whose first one succeeded
        // reports the CIDR as taken — by the subnet that attempt made.
        let id = match created {
            Ok(out) => out.subnet().and_then(|s| s.subnet_id()).unwrap_or_default().to_owned(),
            Err(e) if e.code.as_deref() == Some("InvalidSubnet.Conflict") => {
                match super::made_by_an_earlier_attempt::<Subnet>(aws, new.address).await? {
                    Some(id) => id,
                    None => return Err(e),
                }
            }
            Err(e) => return Err(e),
        };
        set_public_ip(&aws.ec2, &id, &Attrs::from([MAP_PUBLIC_IP_ON_LAUNCH.to(false)]), attrs).await?;
        Ok(id)
    }

    async fn modify(aws: &Aws, id: &str, before: &Attrs, after: &Attrs) -> Result<(), AwsError> {
        let ec2 = &aws.ec2;
        set_public_ip(ec2, id, before, after).await
    }

    async fn delete(ec2: &Client, id: &str) -> Result<(), AwsError> {
        ec2.delete_subnet().subnet_id(id).send().await.aws("DeleteSubnet")?;
        Ok(())
    }
}

async fn set_public_ip(ec2: &Client, id: &str, before: &Attrs, after: &Attrs) -> Result<(), AwsError> {
    let want = MAP_PUBLIC_IP_ON_LAUNCH.is_true(after);
    if MAP_PUBLIC_IP_ON_LAUNCH.bool(before) != Some(want) {
        ec2.modify_subnet_attribute()
            .subnet_id(id)
            .map_public_ip_on_launch(AttributeBooleanValue::builder().value(want).build())
            .send()
            .await
            .aws("ModifySubnetAttribute")?;
    }
    Ok(())
}
