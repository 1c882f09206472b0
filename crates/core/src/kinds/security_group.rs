//! A security group. EC2 cannot rename a group or edit its description: both replace it.

pub use crate::resource::schema::TAGS;
use crate::resource::schema::*;

pub const VPC_ID: Attr = Attr::replace("vpc_id");
pub const GROUP_NAME: Attr = Attr::replace("group_name");
pub const DESCRIPTION: Attr = Attr::replace("description");

pub const DEF: KindDef =
    KindDef::new("security_group", Service::Ec2, &[VPC_ID, GROUP_NAME, DESCRIPTION, TAGS], Adoption::Tag);
