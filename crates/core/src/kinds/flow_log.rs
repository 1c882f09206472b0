//! A VPC flow log delivered to a CloudWatch Logs group through an IAM role. AWS cannot change
//! a flow log (there is no ModifyFlowLogs): every attribute but the tags forces a replacement.

pub use crate::resource::schema::TAGS;
use crate::resource::schema::*;

/// The VPC whose traffic is logged.
pub const RESOURCE_ID: Attr = Attr::replace("resource_id");
/// `ALL`, `ACCEPT` or `REJECT`, as EC2 spells it.
pub const TRAFFIC_TYPE: Attr = Attr::replace("traffic_type");
/// The log group's name.
pub const LOG_GROUP: Attr = Attr::replace("log_group");
/// The role the flow logs service assumes to write to the group.
pub const ROLE_ARN: Attr = Attr::replace("role_arn");

pub const DEF: KindDef =
    KindDef::new("flow_log", Service::Ec2, &[RESOURCE_ID, TRAFFIC_TYPE, LOG_GROUP, ROLE_ARN, TAGS], Adoption::Tag);
