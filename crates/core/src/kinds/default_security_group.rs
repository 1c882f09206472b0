//! The VPC's default security group, emptied of its rules (CIS AWS 5.4): AWS creates it with
//! the VPC and deletes it with the VPC, so platformctl never creates or deletes the group
//! itself — "create" revokes its rules, "delete" gives AWS's two rules back. Found by its VPC.

use crate::resource::schema::*;

pub const VPC_ID: Attr = Attr::replace("vpc_id");
/// The group's rules, one string each (`ingress all from sg-…`, `egress all to 0.0.0.0/0`):
/// the stack wants none, so a rule added in the console shows as drift and the next apply
/// revokes it.
pub const RULES: Attr = Attr::in_place("rules").set();

pub const DEF: KindDef =
    KindDef::new("default_security_group", Service::Ec2, &[VPC_ID, RULES], Adoption::NaturalKey(&[VPC_ID]));
