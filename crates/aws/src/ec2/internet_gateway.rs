//! Internet gateways (tags only; attaching is the `internet_gateway_attachment` kind).

use async_trait::async_trait;
use aws_sdk_ec2::Client;
use aws_sdk_ec2::types::{Filter, InternetGateway as Gateway, ResourceType};
use platformctl_core::kinds::internet_gateway::TAGS;
use platformctl_core::resource::{Address, Attrs, LiveResource, Observed};

use super::{read_tagged, retag, tag_spec, tags_value};
use crate::error::SdkResultExt;
use crate::registry::{NewResource, Provider};
use crate::{Aws, AwsError, ReadRequest};

pub(crate) struct InternetGateway;

#[async_trait]
impl Provider for InternetGateway {
    async fn read(&self, aws: &Aws, requests: &[ReadRequest]) -> Result<Vec<(Address, Observed)>, AwsError> {
        read_tagged(aws, requests, "internet-gateway-id", |f| describe(&aws.ec2, f)).await
    }

    async fn create(&self, aws: &Aws, new: &NewResource<'_>) -> Result<String, AwsError> {
        let request = aws.ec2.create_internet_gateway();
        let out = request.tag_specifications(tag_spec(ResourceType::InternetGateway, new.attrs)).send().await;
        Ok(out
            .aws("CreateInternetGateway")?
            .internet_gateway()
            .and_then(|g| g.internet_gateway_id())
            .unwrap_or_default()
            .to_owned())
    }

    async fn update(&self, aws: &Aws, id: &str, before: &Attrs, after: &Attrs) -> Result<(), AwsError> {
        retag(&aws.ec2, id, before, after).await
    }

    async fn delete(&self, aws: &Aws, id: &str, _: &Attrs) -> Result<(), AwsError> {
        aws.ec2.delete_internet_gateway().internet_gateway_id(id).send().await.aws("DeleteInternetGateway")?;
        Ok(())
    }
}

pub(super) async fn list(ec2: &Client, filters: Vec<Filter>) -> Result<Vec<Gateway>, AwsError> {
    super::all_pages!(ec2.describe_internet_gateways().set_filters(Some(filters)), "DescribeInternetGateways")
}

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
