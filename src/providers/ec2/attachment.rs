//! An internet gateway's attachment to a VPC. AWS gives it no id or tags: its id here is
//! `<igw-id>|<vpc-id>`, and it is found by that pair.

use aws_sdk_ec2::Client;

use super::{filter, internet_gateway, parent_ids, str_attr};
use crate::providers::{AwsError, ReadRequest};
use crate::resource::{Address, Attrs, LiveResource, Observed, Value};

pub(super) async fn read(ec2: &Client, requests: &[ReadRequest]) -> Result<Vec<(Address, Observed)>, AwsError> {
    let igw_ids = parent_ids(requests, "internet_gateway_id");
    let gateways = if igw_ids.is_empty() {
        vec![]
    } else {
        internet_gateway::list(ec2, vec![filter("internet-gateway-id", igw_ids)]).await?
    };
    Ok(requests
        .iter()
        .map(|req| {
            let igw = str_attr(&req.attrs, "internet_gateway_id");
            let vpc = str_attr(&req.attrs, "vpc_id");
            let attached =
                gateways.iter().filter(|g| g.internet_gateway_id() == igw).flat_map(|g| g.attachments()).any(|a| {
                    a.vpc_id() == vpc
                        && a.state().is_some_and(|s| matches!(s.as_str(), "available" | "attached" | "attaching"))
                });
            let observed = match (attached, igw, vpc) {
                (true, Some(igw), Some(vpc)) => Observed::Present(LiveResource {
                    id: format!("{igw}|{vpc}"),
                    attrs: Attrs::from([
                        ("internet_gateway_id".into(), Value::str(igw)),
                        ("vpc_id".into(), Value::str(vpc)),
                    ]),
                    ready: true,
                    outputs: Attrs::new(),
                }),
                _ => Observed::Absent,
            };
            (req.address.clone(), observed)
        })
        .collect())
}

pub(super) async fn create(ec2: &Client, attrs: &Attrs) -> Result<String, AwsError> {
    let igw = str_attr(attrs, "internet_gateway_id").unwrap_or_default();
    let vpc = str_attr(attrs, "vpc_id").unwrap_or_default();
    ec2.attach_internet_gateway()
        .internet_gateway_id(igw)
        .vpc_id(vpc)
        .send()
        .await
        .map_err(|e| AwsError::from_sdk("AttachInternetGateway", e))?;
    Ok(format!("{igw}|{vpc}"))
}

pub(super) async fn delete(ec2: &Client, attrs: &Attrs) -> Result<(), AwsError> {
    ec2.detach_internet_gateway()
        .internet_gateway_id(str_attr(attrs, "internet_gateway_id").unwrap_or_default())
        .vpc_id(str_attr(attrs, "vpc_id").unwrap_or_default())
        .send()
        .await
        .map_err(|e| AwsError::from_sdk("DetachInternetGateway", e))?;
    Ok(())
}
