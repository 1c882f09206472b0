//! A private zone's association with another stack's VPC: AssociateVPCWithHostedZone (waited
//! for until every Route 53 name server has it), read from the zone's VPCs, and
//! DisassociateVPCFromHostedZone. The id is `<zone id>:<vpc id>`.

use async_trait::async_trait;
use aws_sdk_route53::types::{Vpc, VpcRegion};
use platformctl_core::kinds::zone_vpc_association::{VPC_ID, VPC_REGION, ZONE_ID};
use platformctl_core::resource::{Address, Attrs, LiveResource, Observed};

use super::insync;
use crate::common::read_each;
use crate::error::SdkResultExt;
use crate::registry::{NewResource, Provider};
use crate::{Aws, AwsError, ReadRequest};

pub(crate) struct ZoneVpc;

#[async_trait]
impl Provider for ZoneVpc {
    async fn read(&self, aws: &Aws, requests: &[ReadRequest]) -> Result<Vec<(Address, Observed)>, AwsError> {
        read_each(requests, |r| async move {
            let (zone, vpc) = match r.id.as_deref().and_then(|id| id.split_once(':')) {
                Some((zone, vpc)) => (zone.to_owned(), vpc.to_owned()),
                None => match (ZONE_ID.str(&r.attrs), VPC_ID.str(&r.attrs)) {
                    (Some(zone), Some(vpc)) => (zone.to_owned(), vpc.to_owned()),
                    _ => return Ok(None),
                },
            };
            let out = aws.route53.get_hosted_zone().id(&zone).send().await.aws("GetHostedZone")?;
            let Some(found) = out.vpcs().iter().find(|v| v.vpc_id() == Some(vpc.as_str())) else { return Ok(None) };
            Ok(Some(LiveResource {
                id: format!("{zone}:{vpc}"),
                attrs: Attrs::from([
                    ZONE_ID.to(zone.as_str()),
                    VPC_ID.to(vpc.as_str()),
                    VPC_REGION.to(found.vpc_region().map(|r| r.as_str())),
                ]),
                ready: true,
                outputs: Attrs::new(),
            }))
        })
        .await
    }

    async fn create(&self, aws: &Aws, new: &NewResource<'_>) -> Result<String, AwsError> {
        let (zone, vpc) = (ZONE_ID.str(new.attrs).unwrap_or_default(), VPC_ID.str(new.attrs).unwrap_or_default());
        let out = aws
            .route53
            .associate_vpc_with_hosted_zone()
            .hosted_zone_id(zone)
            .vpc(the_vpc(new.attrs))
            .send()
            .await
            .aws("AssociateVPCWithHostedZone")?;
        insync(aws, out.change_info().map(|c| c.id())).await?;
        Ok(format!("{zone}:{vpc}"))
    }

    async fn delete(&self, aws: &Aws, id: &str, attrs: &Attrs) -> Result<(), AwsError> {
        let zone = id.split_once(':').map_or(id, |(zone, _)| zone);
        let request = aws.route53.disassociate_vpc_from_hosted_zone().hosted_zone_id(zone).vpc(the_vpc(attrs));
        match request.send().await.aws("DisassociateVPCFromHostedZone") {
            Ok(out) => insync(aws, out.change_info().map(|c| c.id())).await,
            Err(e) if e.is_not_found() || e.code.as_deref() == Some("VPCAssociationNotFound") => Ok(()),
            Err(e) => Err(e),
        }
    }
}

fn the_vpc(attrs: &Attrs) -> Vpc {
    Vpc::builder()
        .set_vpc_id(VPC_ID.str(attrs).map(str::to_owned))
        .set_vpc_region(VPC_REGION.str(attrs).map(VpcRegion::from))
        .build()
}
