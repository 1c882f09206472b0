//! IAM documents and roles as expansion writes them: statements, policy documents, and roles
//! that an AWS service or a workload assumes (EKS's cluster and nodes, flow logs, IRSA).

use std::collections::BTreeMap;

use super::tags;
use crate::kinds::iam_role;
use crate::model::Stack;
use crate::resource::{Address, Attrs, DesiredResource, Kind, Value};

const POLICY_VERSION: &str = "2012-10-17";

pub(super) fn strings(items: &[String]) -> Value {
    Value::List(items.iter().map(Value::str).collect())
}

pub(super) fn statement(entries: impl IntoIterator<Item = (&'static str, Value)>) -> Value {
    Value::Map(entries.into_iter().map(|(k, v)| (k.to_owned(), v)).collect())
}

pub(super) fn policy(statements: Vec<Value>) -> Value {
    Value::Map(BTreeMap::from([
        ("Version".into(), Value::str(POLICY_VERSION)),
        ("Statement".into(), Value::List(statements)),
    ]))
}

/// The trust policy of a role an AWS service (`eks`, `ec2`, `vpc-flow-logs`) assumes.
pub(super) fn service_trust(service: &str) -> Value {
    let principal = Value::Map(BTreeMap::from([("Service".into(), Value::str(format!("{service}.amazonaws.com")))]));
    policy(vec![statement([
        ("Effect", Value::str("Allow")),
        ("Principal", principal),
        ("Action", Value::str("sts:AssumeRole")),
    ])])
}

/// A role an AWS service assumes, with managed policies.
pub(super) fn service_role(
    stack: &Stack,
    address: &Address,
    name: &str,
    service: &str,
    policies: &[&str],
) -> DesiredResource {
    let managed = policies.iter().map(|p| (*p).to_owned()).collect();
    role(stack, address, name, service_trust(service), managed, BTreeMap::new())
}

pub(super) fn role(
    stack: &Stack,
    address: &Address,
    name: &str,
    trust: Value,
    mut managed: Vec<String>,
    inline: BTreeMap<String, Value>,
) -> DesiredResource {
    managed.sort();
    managed.dedup();
    DesiredResource::new(
        address.clone(),
        Kind::IamRole,
        Attrs::from([
            iam_role::NAME.to(name),
            iam_role::ASSUME_ROLE_POLICY.to(trust),
            iam_role::MANAGED_POLICIES.to(strings(&managed)),
            iam_role::INLINE_POLICIES.to(Value::Map(inline)),
            iam_role::TAGS.to(tags(stack, address, name)),
        ]),
    )
}
