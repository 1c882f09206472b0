//! The VPC's internet gateway (attached by `internet_gateway_attachment`).

pub use crate::resource::schema::TAGS;
use crate::resource::schema::*;

pub const DEF: KindDef = KindDef::new("internet_gateway", Service::Ec2, &[TAGS], Adoption::Tag);
