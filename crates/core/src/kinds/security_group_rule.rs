//! One ingress or egress permission of a security group (one CIDR or one peer group), with
//! AWS's rule id. AWS stores a permission once: a pending create is found again by its content.

pub use crate::resource::schema::TAGS;
use crate::resource::schema::*;

pub const GROUP_ID: Attr = Attr::replace("group_id");
pub const PROTOCOL: Attr = Attr::replace("protocol");
pub const FROM_PORT: Attr = Attr::replace("from_port");
pub const TO_PORT: Attr = Attr::replace("to_port");
pub const CIDR_IPV4: Attr = Attr::replace("cidr_ipv4");
/// The peer group: the source of an ingress rule, the destination of an egress rule.
pub const SOURCE_GROUP_ID: Attr = Attr::replace("source_group_id");
/// `true` for an egress rule; absent for ingress (as states written before egress rules say).
pub const EGRESS: Attr = Attr::replace("egress");
pub const DESCRIPTION: Attr = Attr::in_place("description");

/// What identifies a permission in AWS.
pub const PERMISSION: &[Attr] = &[GROUP_ID, EGRESS, PROTOCOL, FROM_PORT, TO_PORT, CIDR_IPV4, SOURCE_GROUP_ID];

pub const DEF: KindDef = KindDef::new(
    "security_group_rule",
    Service::Ec2,
    &[GROUP_ID, EGRESS, PROTOCOL, FROM_PORT, TO_PORT, CIDR_IPV4, SOURCE_GROUP_ID, DESCRIPTION, TAGS],
    Adoption::NaturalKey(PERMISSION),
);
