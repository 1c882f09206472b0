//! A network ACL of the stack's VPC (one per subnet tier that has rules). Its rules and
//! subnet associations are kinds of their own.

pub use crate::resource::schema::TAGS;
use crate::resource::schema::*;

pub const VPC_ID: Attr = Attr::replace("vpc_id");

pub const DEF: KindDef = KindDef::new("network_acl", Service::Ec2, &[VPC_ID, TAGS], Adoption::Tag);
