//! Which network ACL a subnet uses. Every subnet has exactly one association, so this is a
//! setting of the subnet rather than a thing of its own: its id is the subnet's id, creating it
//! moves the subnet to the ACL (ReplaceNetworkAclAssociation), deleting it moves the subnet back
//! to the VPC's default ACL.

use crate::resource::schema::*;

pub const SUBNET_ID: Attr = Attr::replace("subnet_id");
pub const ACL_ID: Attr = Attr::in_place("acl_id");

pub const DEF: KindDef =
    KindDef::new("network_acl_association", Service::Ec2, &[SUBNET_ID, ACL_ID], Adoption::NaturalKey(&[SUBNET_ID]));
