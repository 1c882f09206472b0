//! Route tables (VPC and tags). Their routes and subnet associations are kinds of their own.

use aws_sdk_ec2::Client;
use aws_sdk_ec2::types::{Filter, ResourceType, RouteTable};

use super::{str_attr, tag_spec, tags_value};
use crate::providers::AwsError;
use crate::resource::{Attrs, LiveResource, Value};

/// Route tables matching `filters`, checked against `ids` on our side: some emulators ignore
/// the `route-table-id` filter and return every table.
pub(super) async fn list(ec2: &Client, filters: Vec<Filter>) -> Result<Vec<RouteTable>, AwsError> {
    super::all_pages!(ec2.describe_route_tables().set_filters(Some(filters)), "DescribeRouteTables")
}

pub(super) async fn describe(ec2: &Client, filters: Vec<Filter>) -> Result<Vec<LiveResource>, AwsError> {
    Ok(list(ec2, filters)
        .await?
        .iter()
        .map(|t| LiveResource {
            id: t.route_table_id().unwrap_or_default().to_owned(),
            attrs: Attrs::from([
                ("vpc_id".into(), Value::str(t.vpc_id().unwrap_or_default())),
                ("tags".into(), tags_value(t.tags())),
            ]),
            ready: true,
            outputs: Attrs::new(),
        })
        .collect())
}

pub(super) async fn create(ec2: &Client, attrs: &Attrs, token: &str) -> Result<String, AwsError> {
    let out = ec2
        .create_route_table()
        .vpc_id(str_attr(attrs, "vpc_id").unwrap_or_default())
        .client_token(token)
        .tag_specifications(tag_spec(ResourceType::RouteTable, attrs))
        .send()
        .await
        .map_err(|e| AwsError::from_sdk("CreateRouteTable", e))?;
    Ok(out.route_table().and_then(|t| t.route_table_id()).unwrap_or_default().to_owned())
}

pub(super) async fn delete(ec2: &Client, id: &str) -> Result<(), AwsError> {
    ec2.delete_route_table().route_table_id(id).send().await.map_err(|e| AwsError::from_sdk("DeleteRouteTable", e))?;
    Ok(())
}
