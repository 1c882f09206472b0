//! A VPC peering connection with another stack's VPC: requested in this region, accepted in the
//! peer's. Apply waits until it is `active`.

pub use crate::resource::schema::TAGS;
use crate::resource::schema::*;

pub const VPC_ID: Attr = Attr::replace("vpc_id");
pub const PEER_VPC_ID: Attr = Attr::replace("peer_vpc_id");
pub const PEER_REGION: Attr = Attr::replace("peer_region");
/// Private DNS names of each side resolve to private addresses from the other (both sides'
/// `AllowDnsResolutionFromRemoteVpc`), as read back from AWS.
pub const DNS_RESOLUTION: Attr = Attr::in_place("dns_resolution");

pub const DEF: KindDef = KindDef::new(
    "vpc_peering_connection",
    Service::Ec2,
    &[VPC_ID, PEER_VPC_ID, PEER_REGION, DNS_RESOLUTION, TAGS],
    Adoption::Tag,
)
.waits(20);
