//! Internet gateways (tags only; attaching is the `internet_gateway_attachment` kind).

use aws_sdk_ec2::Client;
use aws_sdk_ec2::types::{Filter, InternetGateway, ResourceType};

use super::{tag_spec, tags_value};
use crate::providers::AwsError;
use crate::resource::{Attrs, LiveResource};

pub(super) async fn list(ec2: &Client, filters: Vec<Filter>) -> Result<Vec<InternetGateway>, AwsError> {
    super::all_pages!(ec2.describe_internet_gateways().set_filters(Some(filters)), "DescribeInternetGateways")
}

pub(super) async fn describe(ec2: &Client, filters: Vec<Filter>) -> Result<Vec<LiveResource>, AwsError> {
    Ok(list(ec2, filters)
        .await?
        .iter()
        .map(|g| LiveResource {
            id: g.internet_gateway_id().unwrap_or_default().to_owned(),
            attrs: Attrs::from([("tags".into(), tags_value(g.tags()))]),
            ready: true,
            outputs: Attrs::new(),
        })
        .collect())
}

pub(super) async fn create(ec2: &Client, attrs: &Attrs) -> Result<String, AwsError> {
    let out = ec2
        .create_internet_gateway()
        .tag_specifications(tag_spec(ResourceType::InternetGateway, attrs))
        .send()
        .await
        .map_err(|e| AwsError::from_sdk("CreateInternetGateway", e))?;
    Ok(out.internet_gateway().and_then(|g| g.internet_gateway_id()).unwrap_or_default().to_owned())
}

pub(super) async fn delete(ec2: &Client, id: &str) -> Result<(), AwsError> {
    ec2.delete_internet_gateway()
        .internet_gateway_id(id)
        .send()
        .await
        .map_err(|e| AwsError::from_sdk("DeleteInternetGateway", e))?;
    Ok(())
}
