//! A subnet associated with a route table; found again by the subnet it associates.

use crate::resource::schema::*;

pub const SUBNET_ID: Attr = Attr::replace("subnet_id");
pub const ROUTE_TABLE_ID: Attr = Attr::replace("route_table_id");

pub const DEF: KindDef = KindDef::new(
    "route_table_association",
    Service::Ec2,
    &[SUBNET_ID, ROUTE_TABLE_ID],
    Adoption::NaturalKey(&[SUBNET_ID, ROUTE_TABLE_ID]),
);
