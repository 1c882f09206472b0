//! Route tables (VPC and tags). Their routes and subnet associations are kinds of their own.

use async_trait::async_trait;
use aws_sdk_ec2::Client;
use aws_sdk_ec2::types::{Filter, ResourceType, RouteTable as Table};
use platformctl_core::kinds::route_table::{TAGS, VPC_ID};
use platformctl_core::resource::{Attrs, LiveResource};

use super::{Tagged, tag_spec, tags_value};
use crate::error::SdkResultExt;
use crate::registry::NewResource;
use crate::{Aws, AwsError};

pub(crate) struct RouteTable;

#[async_trait]
impl Tagged for RouteTable {
    const ID_FILTER: &'static str = "route-table-id";

    async fn describe(ec2: &Client, filters: Vec<Filter>) -> Result<Vec<LiveResource>, AwsError> {
        Ok(list(ec2, filters)
            .await?
            .iter()
            .map(|t| LiveResource {
                id: t.route_table_id().unwrap_or_default().to_owned(),
                attrs: Attrs::from([VPC_ID.to(t.vpc_id().unwrap_or_default()), TAGS.to(tags_value(t.tags()))]),
                ready: true,
                outputs: Attrs::new(),
            })
            .collect())
    }

    async fn create(aws: &Aws, new: &NewResource<'_>) -> Result<String, AwsError> {
        let out = aws
            .ec2
            .create_route_table()
            .vpc_id(VPC_ID.str(new.attrs).unwrap_or_default())
            .client_token(new.token)
            .tag_specifications(tag_spec(ResourceType::RouteTable, new.attrs))
            .send()
            .await
            .aws("CreateRouteTable")?;
        Ok(out.route_table().and_then(|t| t.route_table_id()).unwrap_or_default().to_owned())
    }

    async fn delete(ec2: &Client, id: &str) -> Result<(), AwsError> {
        ec2.delete_route_table().route_table_id(id).send().await.aws("DeleteRouteTable")?;
        Ok(())
    }
}

/// Route tables matching `filters`; callers check ids on their side: some emulators ignore the
/// `route-table-id` filter and return every table.
pub(super) async fn list(ec2: &Client, filters: Vec<Filter>) -> Result<Vec<Table>, AwsError> {
    super::all_pages!(ec2.describe_route_tables().set_filters(Some(filters)), "DescribeRouteTables")
}
