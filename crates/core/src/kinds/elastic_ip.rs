//! An Elastic IP for a NAT gateway.

pub use crate::resource::schema::TAGS;
use crate::resource::schema::*;

pub const DEF: KindDef = KindDef::new("elastic_ip", Service::Ec2, &[TAGS], Adoption::Tag);
