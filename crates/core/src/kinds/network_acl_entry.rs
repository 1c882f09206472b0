//! One numbered rule of a network ACL. ReplaceNetworkAclEntry changes everything but the
//! ACL, the direction and the number (which identify the rule: AWS cannot tag it), in place.
//! Its id is `<acl id>:<ingress|egress>:<number>`.

use crate::resource::schema::*;

pub const ACL_ID: Attr = Attr::replace("acl_id");
pub const EGRESS: Attr = Attr::replace("egress");
pub const RULE_NUMBER: Attr = Attr::replace("rule_number");
/// `allow` or `deny`.
pub const ACTION: Attr = Attr::in_place("action");
/// EC2's protocol number as text (`6` tcp, `17` udp, `1` icmp, `-1` all).
pub const PROTOCOL: Attr = Attr::in_place("protocol");
pub const CIDR_BLOCK: Attr = Attr::in_place("cidr_block");
/// Ports of tcp and udp rules; absent for the others.
pub const FROM_PORT: Attr = Attr::in_place("from_port");
pub const TO_PORT: Attr = Attr::in_place("to_port");

/// What identifies a rule in AWS.
pub const RULE: &[Attr] = &[ACL_ID, EGRESS, RULE_NUMBER];

pub const DEF: KindDef = KindDef::new(
    "network_acl_entry",
    Service::Ec2,
    &[ACL_ID, EGRESS, RULE_NUMBER, ACTION, PROTOCOL, CIDR_BLOCK, FROM_PORT, TO_PORT],
    Adoption::NaturalKey(RULE),
);
