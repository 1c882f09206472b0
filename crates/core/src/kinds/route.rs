//! A route: a destination in a route table, to an internet gateway, a NAT gateway or a VPC
//! peering connection. ReplaceRoute changes its target in place. AWS gives routes no id (here:
//! `<rtb-id>|<destination>`). `region` is set only for routes this stack owns in a peer's route
//! table, in the peer's region.

use crate::resource::schema::*;

pub const ROUTE_TABLE_ID: Attr = Attr::replace("route_table_id");
pub const DESTINATION_CIDR_BLOCK: Attr = Attr::replace("destination_cidr_block");
pub const REGION: Attr = Attr::replace("region");
pub const GATEWAY_ID: Attr = Attr::in_place("gateway_id");
pub const NAT_GATEWAY_ID: Attr = Attr::in_place("nat_gateway_id");
pub const VPC_PEERING_CONNECTION_ID: Attr = Attr::in_place("vpc_peering_connection_id");

pub const DEF: KindDef = KindDef::new(
    "route",
    Service::Ec2,
    &[ROUTE_TABLE_ID, DESTINATION_CIDR_BLOCK, REGION, GATEWAY_ID, NAT_GATEWAY_ID, VPC_PEERING_CONNECTION_ID],
    Adoption::NaturalKey(&[ROUTE_TABLE_ID, DESTINATION_CIDR_BLOCK]),
);
