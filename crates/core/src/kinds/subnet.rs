//! A subnet: VPC, CIDR and AZ are fixed at creation; whether instances get a public IP is not.

pub use crate::resource::schema::TAGS;
use crate::resource::schema::*;

pub const VPC_ID: Attr = Attr::replace("vpc_id");
pub const CIDR_BLOCK: Attr = Attr::replace("cidr_block");
pub const AVAILABILITY_ZONE: Attr = Attr::replace("availability_zone");
pub const MAP_PUBLIC_IP_ON_LAUNCH: Attr = Attr::in_place("map_public_ip_on_launch");

pub const DEF: KindDef = KindDef::new(
    "subnet",
    Service::Ec2,
    &[VPC_ID, CIDR_BLOCK, AVAILABILITY_ZONE, MAP_PUBLIC_IP_ON_LAUNCH, TAGS],
    Adoption::Tag,
);
