//! A VPC's flow logs (`network.flow_logs`): the log group they go to, the role the flow logs
//! service assumes to write there (allowed to write to that group only), and the flow log.

use std::collections::BTreeMap;

use super::eks::log_group;
use super::iam::{policy, role, service_trust, statement};
use super::network::vpc;
use super::tags;
use crate::kinds::{flow_log, iam_role, log_group as log_group_kind};
use crate::model::{FlowLogs, LogGroup, Stack};
use crate::resource::{Address, Attrs, DesiredResource, Kind, Value};

pub(super) fn expand(stack: &Stack, flow_logs: &FlowLogs, out: &mut Vec<DesiredResource>) {
    let address = Address::new("network.flow_logs");
    let group_address = Address::new("network.flow_logs.log_group");
    let role_address = Address::new("network.flow_logs.role");
    let group = LogGroup {
        name: format!("/platformctl/{}/vpc-flow-logs", stack.name),
        retention_days: flow_logs.retention_days,
        kms_key: flow_logs.kms_key.clone(),
    };
    out.push(log_group(stack, &group_address, &group));

    let write = statement([
        ("Effect", Value::str("Allow")),
        (
            "Action",
            Value::List(
                ["logs:CreateLogStream", "logs:PutLogEvents", "logs:DescribeLogGroups", "logs:DescribeLogStreams"]
                    .map(Value::str)
                    .to_vec(),
            ),
        ),
        (
            "Resource",
            Value::List(vec![
                log_group_kind::out::ARN.of(&group_address),
                log_group_kind::out::STREAMS_ARN.of(&group_address),
            ]),
        ),
    ]);
    let role_name = format!("{}-vpc-flow-logs", stack.name);
    let inline = BTreeMap::from([("write-flow-logs".to_owned(), policy(vec![write]))]);
    out.push(role(stack, &role_address, &role_name, service_trust("vpc-flow-logs"), Vec::new(), inline));

    out.push(
        DesiredResource::new(
            address.clone(),
            Kind::FlowLog,
            Attrs::from([
                flow_log::RESOURCE_ID.to(Value::Ref(vpc())),
                flow_log::TRAFFIC_TYPE.to(&flow_logs.traffic),
                flow_log::LOG_GROUP.to(&group.name),
                flow_log::ROLE_ARN.to(iam_role::out::ARN.of(&role_address)),
                flow_log::TAGS.to(tags(stack, &address, &format!("{}-vpc", stack.name))),
            ]),
        )
        .after(&group_address),
    );
}
