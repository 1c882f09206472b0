//! Internet gateways (tags only; attaching is the `internet_gateway_attachment` kind).

use async_trait::async_trait;
use aws_sdk_ec2::Client;
use aws_sdk_ec2::types::{Filter, InternetGateway as Gateway, ResourceType};
use platformctl_core::kinds::internet_gateway::TAGS;
use platformctl_core::resource::{Attrs, LiveResource};

use super::{Tagged, tag_spec, tags_value};
use crate::error::SdkResultExt;
use crate::registry::NewResource;
use crate::{Aws, AwsError};

pub(crate) struct InternetGateway;

#[async_trait]
impl Tagged for InternetGateway {
    const ID_FILTER: &'static str = "internet-gateway-id";

    async fn describe(ec2: &Client, filters: Vec<Filter>) -> Result<Vec<LiveResource>, AwsError> {
        Ok(list(ec2, filters)
            .await?
            .iter()
            .map(|g| LiveResource {
                id: g.internet_gateway_id().unwrap_or_default().to_owned(),
                attrs: Attrs::from([TAGS.to(tags_value(g.tags()))]),
                ready: true,
                outputs: Attrs::new(),
            })
            .collect())
    }

    async fn create(aws: &Aws, new: &NewResource<'_>) -> Result<String, AwsError> {
        let request = aws.ec2.create_internet_gateway();
        let out = request.tag_specifications(tag_spec(ResourceType::InternetGateway, new.attrs)).send().await;
        Ok(out
            .aws("CreateInternetGateway")?
            .internet_gateway()
            .and_then(|g| g.internet_gateway_id())
            .unwrap_or_default()
            .to_owned())
    }

    async fn delete(ec2: &Client, id: &str) -> Result<(), AwsError> {
        ec2.delete_internet_gateway().internet_gateway_id(id).send().await.aws("DeleteInternetGateway")?;
        Ok(())
    }
}

pub(super) async fn list(ec2: &Client, filters: Vec<Filter>) -> Result<Vec<Gateway>, AwsError> {
    super::all_pages!(ec2.describe_internet_gateways().set_filters(Some(filters)), "DescribeInternetGateways")
}
