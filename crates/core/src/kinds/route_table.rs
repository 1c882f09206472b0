//! A route table of the VPC (one public, one private per AZ).

pub use crate::resource::schema::TAGS;
use crate::resource::schema::*;

pub const VPC_ID: Attr = Attr::replace("vpc_id");

pub const DEF: KindDef = KindDef::new("route_table", Service::Ec2, &[VPC_ID, TAGS], Adoption::Tag);
