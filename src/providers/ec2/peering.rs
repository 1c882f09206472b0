//! VPC peering connections across regions: requested from this stack's region with
//! `PeerRegion`, then accepted with an EC2 client of the peer's region (the same account), and
//! DNS resolution across the peering turned on for both sides where the endpoint supports
//! ModifyVpcPeeringConnectionOptions. Usable once `active`; deleted and failed ones count as
//! absent.

use aws_sdk_ec2::Client;
use aws_sdk_ec2::types::{
    Filter, PeeringConnectionOptionsRequest, ResourceType, VpcPeeringConnection, VpcPeeringConnectionStateReasonCode,
};

use super::{opt_str, str_attr, tag_spec, tags_value};
use crate::providers::common::eventually;
use crate::providers::{Aws, AwsError, Status};
use crate::resource::{Attrs, LiveResource};

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

pub(super) async fn describe(ec2: &Client, filters: Vec<Filter>) -> Result<Vec<LiveResource>, AwsError> {
    Ok(list(ec2, filters)
        .await?
        .iter()
        .filter(|p| !gone(p))
        .map(|p| LiveResource {
            id: p.vpc_peering_connection_id().unwrap_or_default().to_owned(),
            attrs: Attrs::from([
                ("vpc_id".into(), opt_str(p.requester_vpc_info().and_then(|v| v.vpc_id()))),
                ("peer_vpc_id".into(), opt_str(p.accepter_vpc_info().and_then(|v| v.vpc_id()))),
                ("peer_region".into(), opt_str(p.accepter_vpc_info().and_then(|v| v.region()))),
                ("tags".into(), tags_value(p.tags())),
            ]),
            ready: state(p) == Some(&VpcPeeringConnectionStateReasonCode::Active),
            outputs: Attrs::new(),
        })
        .collect())
}

pub(super) async fn create(aws: &Aws, attrs: &Attrs) -> Result<String, AwsError> {
    let peer_region = str_attr(attrs, "peer_region");
    let out = aws
        .ec2
        .create_vpc_peering_connection()
        .vpc_id(str_attr(attrs, "vpc_id").unwrap_or_default())
        .peer_vpc_id(str_attr(attrs, "peer_vpc_id").unwrap_or_default())
        .set_peer_region(peer_region.map(str::to_owned))
        .tag_specifications(tag_spec(ResourceType::VpcPeeringConnection, attrs))
        .send()
        .await
        .map_err(|e| AwsError::from_sdk("CreateVpcPeeringConnection", e))?;
    let id = out.vpc_peering_connection().and_then(|p| p.vpc_peering_connection_id()).unwrap_or_default().to_owned();
    // The request reaches the peer's region after a moment: NotFound there is AWS catching up.
    let accepter = aws.ec2_in(peer_region);
    eventually(AwsError::is_not_found, || async {
        accepter
            .accept_vpc_peering_connection()
            .vpc_peering_connection_id(&id)
            .send()
            .await
            .map_err(|e| AwsError::from_sdk("AcceptVpcPeeringConnection", e))
    })
    .await?;
    allow_dns_resolution(aws, &accepter, &id).await;
    Ok(id)
}

/// Private DNS names of each side resolve to private addresses from the other. Best effort:
/// some endpoints lack the call (ministack); the peering works without it.
async fn allow_dns_resolution(aws: &Aws, accepter: &Client, id: &str) {
    let on = || PeeringConnectionOptionsRequest::builder().allow_dns_resolution_from_remote_vpc(true).build();
    let requester = aws
        .ec2
        .modify_vpc_peering_connection_options()
        .vpc_peering_connection_id(id)
        .requester_peering_connection_options(on());
    if let Err(e) = requester.send().await {
        tracing::warn!(peering = id, error = %AwsError::from_sdk("ModifyVpcPeeringConnectionOptions", e), "DNS resolution across the peering not turned on (requester)");
        return;
    }
    let accepter = accepter
        .modify_vpc_peering_connection_options()
        .vpc_peering_connection_id(id)
        .accepter_peering_connection_options(on());
    if let Err(e) = accepter.send().await {
        tracing::warn!(peering = id, error = %AwsError::from_sdk("ModifyVpcPeeringConnectionOptions", e), "DNS resolution across the peering not turned on (accepter)");
    }
}

pub(super) async fn delete(ec2: &Client, id: &str) -> Result<(), AwsError> {
    ec2.delete_vpc_peering_connection()
        .vpc_peering_connection_id(id)
        .send()
        .await
        .map_err(|e| AwsError::from_sdk("DeleteVpcPeeringConnection", e))?;
    Ok(())
}

pub(super) async fn status(ec2: &Client, id: &str) -> Result<Status, AwsError> {
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
