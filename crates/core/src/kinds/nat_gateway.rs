//! A NAT gateway in a public subnet with an Elastic IP. AWS takes a few minutes to make one
//! `available` (and to delete one): apply waits, dependents after it.

pub use crate::resource::schema::TAGS;
use crate::resource::schema::*;

pub const SUBNET_ID: Attr = Attr::replace("subnet_id");
pub const ALLOCATION_ID: Attr = Attr::replace("allocation_id");

pub const DEF: KindDef =
    KindDef::new("nat_gateway", Service::Ec2, &[SUBNET_ID, ALLOCATION_ID, TAGS], Adoption::Tag).waits(20);
