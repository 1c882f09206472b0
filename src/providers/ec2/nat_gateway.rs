//! NAT gateways: created `pending`, usable once `available`; deleted through `deleting` to
//! `deleted`, after which AWS still lists them for a while. Deleted and failed gateways count
//! as absent.

use aws_sdk_ec2::Client;
use aws_sdk_ec2::types::{Filter, NatGateway, NatGatewayState, ResourceType};

use super::{filter, opt_str, str_attr, tag_spec, tags_value};
use crate::providers::{AwsError, ReadRequest, Status};
use crate::resource::{Address, Attrs, LiveResource, Observed, Value, attr};

async fn list(ec2: &Client, filters: Vec<Filter>) -> Result<Vec<NatGateway>, AwsError> {
    super::all_pages!(ec2.describe_nat_gateways().set_filter(Some(filters)), "DescribeNatGateways")
}

pub(super) async fn describe(ec2: &Client, filters: Vec<Filter>) -> Result<Vec<LiveResource>, AwsError> {
    Ok(list(ec2, filters)
        .await?
        .iter()
        .filter(|n| {
            !matches!(n.state(), Some(NatGatewayState::Deleted | NatGatewayState::Deleting | NatGatewayState::Failed))
        })
        .map(|n| LiveResource {
            id: n.nat_gateway_id().unwrap_or_default().to_owned(),
            attrs: Attrs::from([
                ("subnet_id".into(), Value::str(n.subnet_id().unwrap_or_default())),
                ("allocation_id".into(), opt_str(n.nat_gateway_addresses().iter().find_map(|a| a.allocation_id()))),
                ("tags".into(), tags_value(n.tags())),
            ]),
            ready: n.state() == Some(&NatGatewayState::Available),
            outputs: Attrs::new(),
        })
        .collect())
}

/// A public NAT gateway always has its Elastic IP, but some emulators leave
/// `NatGatewayAddresses` out; then the recorded allocation stands, rather than the planner
/// seeing a change that is not there.
pub(super) fn fill_unreported_allocation(
    found: Vec<(Address, Observed)>,
    requests: &[ReadRequest],
) -> Vec<(Address, Observed)> {
    found
        .into_iter()
        .zip(requests)
        .map(|((address, mut observed), req)| {
            if let Observed::Present(r) = &mut observed
                && attr(&r.attrs, "allocation_id") == &Value::Null
            {
                r.attrs.insert("allocation_id".into(), attr(&req.attrs, "allocation_id").clone());
            }
            (address, observed)
        })
        .collect()
}

pub(super) async fn create(ec2: &Client, attrs: &Attrs, token: &str) -> Result<String, AwsError> {
    let out = ec2
        .create_nat_gateway()
        .subnet_id(str_attr(attrs, "subnet_id").unwrap_or_default())
        .allocation_id(str_attr(attrs, "allocation_id").unwrap_or_default())
        .client_token(token)
        .tag_specifications(tag_spec(ResourceType::Natgateway, attrs))
        .send()
        .await
        .map_err(|e| AwsError::from_sdk("CreateNatGateway", e))?;
    Ok(out.nat_gateway().and_then(|n| n.nat_gateway_id()).unwrap_or_default().to_owned())
}

pub(super) async fn delete(ec2: &Client, id: &str) -> Result<(), AwsError> {
    ec2.delete_nat_gateway().nat_gateway_id(id).send().await.map_err(|e| AwsError::from_sdk("DeleteNatGateway", e))?;
    Ok(())
}

pub(super) async fn status(ec2: &Client, id: &str) -> Result<Status, AwsError> {
    let found = list(ec2, vec![filter("nat-gateway-id", [id])]).await?;
    let Some(n) = found.iter().find(|n| n.nat_gateway_id() == Some(id)) else { return Ok(Status::Gone) };
    Ok(match n.state() {
        Some(NatGatewayState::Available) => Status::Ready,
        Some(NatGatewayState::Deleted) => Status::Gone,
        Some(NatGatewayState::Failed) => Status::Failed(n.failure_message().unwrap_or("NAT gateway failed").to_owned()),
        _ => Status::Pending,
    })
}
