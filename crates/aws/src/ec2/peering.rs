//! VPC peering connections across regions: requested from this stack's region with
//! `PeerRegion`, then accepted with an EC2 client of the peer's region (the same account), and
//! DNS resolution across the peering turned on for both sides where the endpoint supports
//! ModifyVpcPeeringConnectionOptions. Usable once `active`; deleted and failed ones count as
//! absent.

use async_trait::async_trait;
use aws_sdk_ec2::Client;
use aws_sdk_ec2::types::{
    Filter, PeeringConnectionOptionsRequest, ResourceType, VpcPeeringConnection, VpcPeeringConnectionStateReasonCode,
};
use platformctl_core::kinds::vpc_peering::{DNS_RESOLUTION, PEER_REGION, PEER_VPC_ID, TAGS, VPC_ID};
use platformctl_core::resource::{Address, Attrs, LiveResource, Observed};

use super::{Tagged, opt_str, tag_spec, tags_value};
use crate::ReadRequest;
use crate::common::eventually;
use crate::error::SdkResultExt;
use crate::registry::{NewResource, Status};
use crate::{Aws, AwsError};

pub(crate) struct Peering;

#[async_trait]
impl Tagged for Peering {
    const ID_FILTER: &'static str = "vpc-peering-connection-id";

    async fn describe(ec2: &Client, filters: Vec<Filter>) -> Result<Vec<LiveResource>, AwsError> {
        Ok(list(ec2, filters)
            .await?
            .iter()
            .filter(|p| !gone(p))
            .map(|p| LiveResource {
                id: p.vpc_peering_connection_id().unwrap_or_default().to_owned(),
                attrs: {
                    let mut attrs = Attrs::from([
                        VPC_ID.to(opt_str(p.requester_vpc_info().and_then(|v| v.vpc_id()))),
                        PEER_VPC_ID.to(opt_str(p.accepter_vpc_info().and_then(|v| v.vpc_id()))),
                        PEER_REGION.to(opt_str(p.accepter_vpc_info().and_then(|v| v.region()))),
                        TAGS.to(tags_value(p.tags())),
                    ]);
                    if let Some(on) = dns_resolution(p) {
                        attrs.insert(DNS_RESOLUTION.name.to_owned(), on.into());
                    }
                    attrs
                },
                ready: state(p) == Some(&VpcPeeringConnectionStateReasonCode::Active),
                outputs: Attrs::new(),
            })
            .collect())
    }

    async fn create(aws: &Aws, new: &NewResource<'_>) -> Result<String, AwsError> {
        create(aws, new.attrs).await
    }

    /// DNS resolution turned (back) on, both sides; an endpoint without the call is said
    /// and skipped.
    async fn modify(aws: &Aws, id: &str, before: &Attrs, after: &Attrs) -> Result<(), AwsError> {
        if !DNS_RESOLUTION.changed(before, after) || !DNS_RESOLUTION.is_true(after) {
            return Ok(());
        }
        match allow_dns_resolution(aws, &aws.ec2_in(PEER_REGION.str(after)), id).await {
            Err(e) if e.is_unsupported() => {
                tracing::warn!(peering = id, error = %e, "DNS resolution across the peering cannot be turned on here");
                Ok(())
            }
            other => other,
        }
    }

    /// An endpoint that does not report peering options (ministack) leaves `dns_resolution`
    /// as it was applied.
    fn completed(mut found: Vec<(Address, Observed)>, requests: &[ReadRequest]) -> Vec<(Address, Observed)> {
        for (address, observed) in &mut found {
            let Observed::Present(live) = observed else { continue };
            if live.attrs.contains_key(DNS_RESOLUTION.name) {
                continue;
            }
            if let Some(request) = requests.iter().find(|r| &r.address == address) {
                live.attrs.insert(DNS_RESOLUTION.name.to_owned(), DNS_RESOLUTION.get(&request.attrs).clone());
            }
        }
        found
    }

    async fn delete(ec2: &Client, id: &str) -> Result<(), AwsError> {
        ec2.delete_vpc_peering_connection()
            .vpc_peering_connection_id(id)
            .send()
            .await
            .aws("DeleteVpcPeeringConnection")?;
        Ok(())
    }

    async fn status(ec2: &Client, id: &str) -> Result<Status, AwsError> {
        status(ec2, id).await
    }
}

async fn list(ec2: &Client, filters: Vec<Filter>) -> Result<Vec<VpcPeeringConnection>, AwsError> {
    super::all_pages!(
        ec2.describe_vpc_peering_connections().set_filters(Some(filters)),
        "DescribeVpcPeeringConnections"
    )
}

fn state(p: &VpcPeeringConnection) -> Option<&VpcPeeringConnectionStateReasonCode> {
    p.status().and_then(|s| s.code())
}

fn gone(p: &VpcPeeringConnection) -> bool {
    use VpcPeeringConnectionStateReasonCode as S;
    matches!(state(p), Some(S::Deleted | S::Deleting | S::Failed | S::Rejected | S::Expired))
}

async fn create(aws: &Aws, attrs: &Attrs) -> Result<String, AwsError> {
    let peer_region = PEER_REGION.str(attrs);
    let out = aws
        .ec2
        .create_vpc_peering_connection()
        .vpc_id(VPC_ID.str(attrs).unwrap_or_default())
        .peer_vpc_id(PEER_VPC_ID.str(attrs).unwrap_or_default())
        .set_peer_region(peer_region.map(str::to_owned))
        .tag_specifications(tag_spec(ResourceType::VpcPeeringConnection, attrs))
        .send()
        .await
        .aws("CreateVpcPeeringConnection")?;
    let id = out.vpc_peering_connection().and_then(|p| p.vpc_peering_connection_id()).unwrap_or_default().to_owned();
    // The request reaches the peer's region after a moment: NotFound there is AWS catching up.
    let accepter = aws.ec2_in(peer_region);
    eventually(AwsError::is_not_found, || async {
        accepter
            .accept_vpc_peering_connection()
            .vpc_peering_connection_id(&id)
            .send()
            .await
            .aws("AcceptVpcPeeringConnection")
    })
    .await?;
    // The peering exists now: a failure here must not lose its id. DNS resolution is read back
    // by the next plan, which shows it off and turns it on again (`modify`).
    if DNS_RESOLUTION.is_true(attrs)
        && let Err(e) = allow_dns_resolution(aws, &accepter, &id).await
    {
        tracing::warn!(peering = %id, error = %e, "DNS resolution across the peering was not turned on");
    }
    Ok(id)
}

/// Both sides' `AllowDnsResolutionFromRemoteVpc`, when the endpoint reports them.
fn dns_resolution(p: &VpcPeeringConnection) -> Option<bool> {
    let side = |info: Option<&aws_sdk_ec2::types::VpcPeeringConnectionVpcInfo>| {
        info.and_then(|i| i.peering_options()).and_then(|o| o.allow_dns_resolution_from_remote_vpc())
    };
    Some(side(p.requester_vpc_info())? && side(p.accepter_vpc_info())?)
}

/// Private DNS names of each side resolve to private addresses from the other: requester side
/// here, accepter side in the peer's region.
async fn allow_dns_resolution(aws: &Aws, accepter: &Client, id: &str) -> Result<(), AwsError> {
    let on = || PeeringConnectionOptionsRequest::builder().allow_dns_resolution_from_remote_vpc(true).build();
    aws.ec2
        .modify_vpc_peering_connection_options()
        .vpc_peering_connection_id(id)
        .requester_peering_connection_options(on())
        .send()
        .await
        .aws("ModifyVpcPeeringConnectionOptions")?;
    accepter
        .modify_vpc_peering_connection_options()
        .vpc_peering_connection_id(id)
        .accepter_peering_connection_options(on())
        .send()
        .await
        .aws("ModifyVpcPeeringConnectionOptions")?;
    Ok(())
}

async fn status(ec2: &Client, id: &str) -> Result<Status, AwsError> {
    use VpcPeeringConnectionStateReasonCode as S;
    let found = list(ec2, vec![super::filter("vpc-peering-connection-id", [id])]).await?;
    let Some(p) = found.iter().find(|p| p.vpc_peering_connection_id() == Some(id)) else { return Ok(Status::Gone) };
    Ok(match state(p) {
        Some(S::Active) => Status::Ready,
        Some(S::Deleted | S::Deleting) => Status::Gone,
        Some(s @ (S::Failed | S::Rejected | S::Expired)) => Status::Failed(format!(
            "the peering is {}: {}",
            s.as_str(),
            p.status().and_then(|st| st.message()).unwrap_or("no message")
        )),
        _ => Status::Pending,
    })
}
