//! An internet gateway's attachment to a VPC. AWS gives it no id or tags: its id here is
//! `<igw-id>|<vpc-id>`, and it is found by that pair.

use async_trait::async_trait;
use platformctl_core::kinds::internet_gateway_attachment::{INTERNET_GATEWAY_ID, VPC_ID};
use platformctl_core::resource::{Address, Attrs, LiveResource, Observed};

use super::{filter, internet_gateway, parent_ids};
use crate::error::SdkResultExt;
use crate::registry::{NewResource, Provider};
use crate::{Aws, AwsError, ReadRequest};

pub(crate) struct Attachment;

#[async_trait]
impl Provider for Attachment {
    async fn read(&self, aws: &Aws, requests: &[ReadRequest]) -> Result<Vec<(Address, Observed)>, AwsError> {
        let igw_ids = parent_ids(requests, INTERNET_GATEWAY_ID);
        let gateways = if igw_ids.is_empty() {
            vec![]
        } else {
            internet_gateway::list(&aws.ec2, vec![filter("internet-gateway-id", igw_ids)]).await?
        };
        Ok(requests
            .iter()
            .map(|req| {
                let igw = INTERNET_GATEWAY_ID.str(&req.attrs);
                let vpc = VPC_ID.str(&req.attrs);
                let attached =
                    gateways.iter().filter(|g| g.internet_gateway_id() == igw).flat_map(|g| g.attachments()).any(|a| {
                        a.vpc_id() == vpc
                            && a.state().is_some_and(|s| matches!(s.as_str(), "available" | "attached" | "attaching"))
                    });
                let observed = match (attached, igw, vpc) {
                    (true, Some(igw), Some(vpc)) => Observed::Present(LiveResource {
                        id: format!("{igw}|{vpc}"),
                        attrs: Attrs::from([INTERNET_GATEWAY_ID.to(igw), VPC_ID.to(vpc)]),
                        ready: true,
                        outputs: Attrs::new(),
                    }),
                    _ => Observed::Absent,
                };
                (req.address.clone(), observed)
            })
            .collect())
    }

    async fn create(&self, aws: &Aws, new: &NewResource<'_>) -> Result<String, AwsError> {
        let igw = INTERNET_GATEWAY_ID.str(new.attrs).unwrap_or_default();
        let vpc = VPC_ID.str(new.attrs).unwrap_or_default();
        aws.ec2
            .attach_internet_gateway()
            .internet_gateway_id(igw)
            .vpc_id(vpc)
            .send()
            .await
            .aws("AttachInternetGateway")?;
        Ok(format!("{igw}|{vpc}"))
    }

    async fn delete(&self, aws: &Aws, _: &str, attrs: &Attrs) -> Result<(), AwsError> {
        aws.ec2
            .detach_internet_gateway()
            .internet_gateway_id(INTERNET_GATEWAY_ID.str(attrs).unwrap_or_default())
            .vpc_id(VPC_ID.str(attrs).unwrap_or_default())
            .send()
            .await
            .aws("DetachInternetGateway")?;
        Ok(())
    }
}
