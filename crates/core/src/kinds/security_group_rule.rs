//! One ingress permission of a security group (one CIDR or one source group), with AWS's rule
//! id. AWS stores a permission once: a pending create is found again by its content.

pub use crate::resource::schema::TAGS;
use crate::resource::schema::*;

pub const GROUP_ID: Attr = Attr::replace("group_id");
pub const PROTOCOL: Attr = Attr::replace("protocol");
pub const FROM_PORT: Attr = Attr::replace("from_port");
pub const TO_PORT: Attr = Attr::replace("to_port");
pub const CIDR_IPV4: Attr = Attr::replace("cidr_ipv4");
pub const SOURCE_GROUP_ID: Attr = Attr::replace("source_group_id");
pub const DESCRIPTION: Attr = Attr::in_place("description");

/// What identifies a permission in AWS.
pub const PERMISSION: &[Attr] = &[GROUP_ID, PROTOCOL, FROM_PORT, TO_PORT, CIDR_IPV4, SOURCE_GROUP_ID];

pub const DEF: KindDef = KindDef::new(
    "security_group_rule",
    Service::Ec2,
    &[GROUP_ID, PROTOCOL, FROM_PORT, TO_PORT, CIDR_IPV4, SOURCE_GROUP_ID, DESCRIPTION, TAGS],
    Adoption::NaturalKey(PERMISSION),
);
