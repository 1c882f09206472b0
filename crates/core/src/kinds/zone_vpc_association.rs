//! A private hosted zone answering in another stack's VPC too (the zone's own stack associates
//! it: AssociateVPCWithHostedZone, across regions as well). Everything forces a replacement; its
//! id is `<zone id>:<vpc id>`, and it is found again by that pair.

use crate::resource::schema::*;

pub const ZONE_ID: Attr = Attr::replace("zone_id");
pub const VPC_ID: Attr = Attr::replace("vpc_id");
/// The VPC's region (Route 53 needs it to find the VPC).
pub const VPC_REGION: Attr = Attr::replace("vpc_region");

pub const DEF: KindDef = KindDef::new(
    "zone_vpc_association",
    Service::Route53,
    &[ZONE_ID, VPC_ID, VPC_REGION],
    Adoption::NaturalKey(&[ZONE_ID, VPC_ID]),
);
