//! NAT gateways: created `pending`, usable once `available`; deleted through `deleting` to
//! `deleted`, after which AWS still lists them for a while. Deleted and failed gateways count
//! as absent.

use async_trait::async_trait;
use aws_sdk_ec2::Client;
use aws_sdk_ec2::types::{Filter, NatGateway as Gateway, NatGatewayState, ResourceType};
use platformctl_core::kinds::nat_gateway::{ALLOCATION_ID, SUBNET_ID, TAGS};
use platformctl_core::resource::{Address, Attrs, LiveResource, Observed, Value};

use super::{Tagged, filter, opt_str, tag_spec, tags_value};
use crate::error::SdkResultExt;
use crate::registry::{NewResource, Status};
use crate::{Aws, AwsError, ReadRequest};

pub(crate) struct NatGateway;

#[async_trait]
impl Tagged for NatGateway {
    const ID_FILTER: &'static str = "nat-gateway-id";

    fn completed(found: Vec<(Address, Observed)>, requests: &[ReadRequest]) -> Vec<(Address, Observed)> {
        with_unreported_allocation(found, requests)
    }

    async fn describe(ec2: &Client, filters: Vec<Filter>) -> Result<Vec<LiveResource>, AwsError> {
        Ok(list(ec2, filters)
            .await?
            .iter()
            .filter(|n| {
                !matches!(
                    n.state(),
                    Some(NatGatewayState::Deleted | NatGatewayState::Deleting | NatGatewayState::Failed)
                )
            })
            .map(|n| LiveResource {
                id: n.nat_gateway_id().unwrap_or_default().to_owned(),
                attrs: Attrs::from([
                    SUBNET_ID.to(n.subnet_id().unwrap_or_default()),
                    ALLOCATION_ID.to(opt_str(n.nat_gateway_addresses().iter().find_map(|a| a.allocation_id()))),
                    TAGS.to(tags_value(n.tags())),
                ]),
                ready: n.state() == Some(&NatGatewayState::Available),
                outputs: Attrs::new(),
            })
            .collect())
    }

    async fn create(aws: &Aws, new: &NewResource<'_>) -> Result<String, AwsError> {
        let out = aws
            .ec2
            .create_nat_gateway()
            .subnet_id(SUBNET_ID.str(new.attrs).unwrap_or_default())
            .allocation_id(ALLOCATION_ID.str(new.attrs).unwrap_or_default())
            .client_token(new.token)
            .tag_specifications(tag_spec(ResourceType::Natgateway, new.attrs))
            .send()
            .await
            .aws("CreateNatGateway")?;
        Ok(out.nat_gateway().and_then(|n| n.nat_gateway_id()).unwrap_or_default().to_owned())
    }

    async fn delete(ec2: &Client, id: &str) -> Result<(), AwsError> {
        ec2.delete_nat_gateway().nat_gateway_id(id).send().await.aws("DeleteNatGateway")?;
        Ok(())
    }

    async fn status(ec2: &Client, id: &str) -> Result<Status, AwsError> {
        let found = list(ec2, vec![filter("nat-gateway-id", [id])]).await?;
        let Some(n) = found.iter().find(|n| n.nat_gateway_id() == Some(id)) else { return Ok(Status::Gone) };
        Ok(match n.state() {
            Some(NatGatewayState::Available) => Status::Ready,
            Some(NatGatewayState::Deleted) => Status::Gone,
            Some(NatGatewayState::Deleting) => Status::Deleting,
            Some(NatGatewayState::Failed) => {
                Status::Failed(n.failure_message().unwrap_or("NAT gateway failed").to_owned())
            }
            _ => Status::Pending,
        })
    }
}

async fn list(ec2: &Client, filters: Vec<Filter>) -> Result<Vec<Gateway>, AwsError> {
    super::all_pages!(ec2.describe_nat_gateways().set_filter(Some(filters)), "DescribeNatGateways")
}

/// A public NAT gateway always has its Elastic IP, but some emulators leave
/// `NatGatewayAddresses` out; then the recorded allocation stands, rather than the planner
/// seeing a change that is not there.
fn with_unreported_allocation(found: Vec<(Address, Observed)>, requests: &[ReadRequest]) -> Vec<(Address, Observed)> {
    found
        .into_iter()
        .zip(requests)
        .map(|((address, mut observed), req)| {
            if let Observed::Present(r) = &mut observed
                && ALLOCATION_ID.get(&r.attrs) == &Value::Null
            {
                r.attrs.insert(ALLOCATION_ID.name.into(), ALLOCATION_ID.get(&req.attrs).clone());
            }
            (address, observed)
        })
        .collect()
}
