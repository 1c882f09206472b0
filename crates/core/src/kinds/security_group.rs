//! A security group. EC2 cannot rename a group or edit its description: both replace it.
//! AWS gives a new group a rule allowing all traffic out; `default_egress` says whether the
//! group keeps it (a group with `egress:` rules of its own does not).

pub use crate::resource::schema::TAGS;
use crate::resource::schema::*;

pub const VPC_ID: Attr = Attr::replace("vpc_id");
pub const GROUP_NAME: Attr = Attr::replace("group_name");
pub const DESCRIPTION: Attr = Attr::replace("description");
/// Whether AWS's allow-all egress rule (all protocols to 0.0.0.0/0) is there.
pub const DEFAULT_EGRESS: Attr = Attr::in_place("default_egress");

pub const DEF: KindDef = KindDef::new(
    "security_group",
    Service::Ec2,
    &[VPC_ID, GROUP_NAME, DESCRIPTION, DEFAULT_EGRESS, TAGS],
    Adoption::Tag,
);
