//! IAM rules on the policies a stack gives its service account roles (policy files, controller
//! presets and managed policies): no administrator access, no privilege escalation, write
//! actions scoped to resources, no `*FullAccess` managed policy. A preset is judged like a
//! policy file: where it follows an upstream policy that leaves writes on `*`, the finding
//! says so. The roles platformctl writes itself (cluster, nodes, `read_secrets`) are scoped by
//! construction and not checked.

use serde_json::Value;

use super::Findings;
use super::catalogue::*;
use crate::model::{ServiceAccount, Stack};

/// Actions that let their holder grant itself more (checkov's CKV_AWS_286 list).
const ESCALATION: &[&str] = &[
    "iam:AddUserToGroup",
    "iam:AttachGroupPolicy",
    "iam:AttachRolePolicy",
    "iam:AttachUserPolicy",
    "iam:CreateAccessKey",
    "iam:CreateLoginProfile",
    "iam:CreatePolicyVersion",
    "iam:PassRole",
    "iam:PutGroupPolicy",
    "iam:PutRolePolicy",
    "iam:PutUserPolicy",
    "iam:SetDefaultPolicyVersion",
    "iam:UpdateAssumeRolePolicy",
    "iam:UpdateLoginProfile",
    "lambda:CreateEventSourceMapping",
    "lambda:CreateFunction",
    "lambda:InvokeFunction",
    "lambda:UpdateFunctionCode",
    "glue:CreateDevEndpoint",
    "glue:UpdateDevEndpoint",
    "cloudformation:CreateStack",
    "datapipeline:CreatePipeline",
    "ec2:RunInstances",
];

pub(super) fn evaluate(stack: &Stack, found: &mut Findings) {
    for e in &stack.compute.eks {
        for sa in &e.service_accounts {
            service_account(&e.name, sa, found);
        }
    }
}

fn service_account(cluster: &str, sa: &ServiceAccount, found: &mut Findings) {
    let address = format!("eks.{cluster}.service_account[{}]", sa.name);
    let at = |field: &'static str| ["eks", cluster, "service_accounts", sa.name.as_str(), field];
    for arn in &sa.managed_policies {
        let name = arn.rsplit('/').next().unwrap_or(arn);
        if name.ends_with("FullAccess") || name == "AdministratorAccess" || name == "PowerUserAccess" {
            found.add(
                IAM_FULL_ACCESS,
                &address,
                &at("managed_policies"),
                format!("the role has the managed policy {name}"),
                "preset: <controller>   # or a policy_file with the scoped policy the controller's project documents",
            );
        }
    }
    if let Some(policy) = &sa.policy {
        document(&address, &at("policy_file"), "the policy file", policy, found);
    }
    if let Some(preset) = &sa.preset
        && let Some(policy) = &preset.document
    {
        let what = format!("the `{}` preset (following {})", preset.name, preset.follows);
        document(&address, &at("preset"), &what, policy, found);
    }
}

/// The rules on one policy document the role carries (`what`, at `file`).
fn document(address: &str, file: &[&str], what: &str, policy: &Value, found: &mut Findings) {
    // One finding per rule for the whole document, naming every action concerned.
    let (mut admin, mut escalating, mut writes) = (false, Vec::new(), Vec::new());
    for statement in statements(policy) {
        let on_everything = strings(statement.get("Resource")).iter().any(|r| r == "*");
        if statement.get("Effect").and_then(Value::as_str) != Some("Allow") || !on_everything {
            continue;
        }
        let actions = strings(statement.get("Action"));
        if actions.iter().any(|a| a == "*" || a == "*:*") {
            admin = true;
            continue;
        }
        escalating.extend(ESCALATION.iter().copied().filter(|e| actions.iter().any(|a| matches(a, e))));
        // A condition (on a tag, a service) scopes the statement even on `*`.
        if statement.get("Condition").is_none() {
            writes.extend(actions.into_iter().filter(|a| !is_read_only(a)));
        }
    }
    if admin {
        found.add(
            IAM_ADMIN,
            address,
            file,
            format!("{what} allows every action on every resource"),
            "name the actions and resources the workload needs",
        );
    }
    if !escalating.is_empty() {
        keep_first(&mut escalating);
        found.add(
            IAM_ESCALATION,
            address,
            file,
            format!("{what} allows {} on every resource", escalating.join(", ")),
            "name the roles or resources in `Resource`, e.g. `arn:aws:iam::<account>:role/<the one role>`",
        );
    }
    if !writes.is_empty() {
        keep_first(&mut writes);
        found.add(
            IAM_WILDCARD_RESOURCE,
            address,
            file,
            format!("{what} allows {} on every resource", writes.join(", ")),
            "name the resources in `Resource`, or scope the statement with a `Condition` (e.g. on a tag)",
        );
    }
}

/// Each action once, where it first appears (statements may repeat one).
fn keep_first<T: PartialEq>(items: &mut Vec<T>) {
    let mut seen = 0;
    while seen < items.len() {
        if items[..seen].contains(&items[seen]) {
            items.remove(seen);
        } else {
            seen += 1;
        }
    }
}

/// The statements of a policy document (one object or a list).
fn statements(policy: &Value) -> Vec<&serde_json::Map<String, Value>> {
    match policy.get("Statement") {
        Some(Value::Array(list)) => list.iter().filter_map(Value::as_object).collect(),
        Some(Value::Object(one)) => vec![one],
        _ => Vec::new(),
    }
}

/// A policy element that is a string or a list of strings.
fn strings(v: Option<&Value>) -> Vec<String> {
    match v {
        Some(Value::String(s)) => vec![s.clone()],
        Some(Value::Array(list)) => list.iter().filter_map(Value::as_str).map(str::to_owned).collect(),
        _ => Vec::new(),
    }
}

/// An action pattern of a policy (`iam:*`, `iam:Attach*`) matches the action, case-insensitive
/// as IAM compares them.
fn matches(pattern: &str, action: &str) -> bool {
    let (pattern, action) = (pattern.to_ascii_lowercase(), action.to_ascii_lowercase());
    match pattern.split_once('*') {
        None => pattern == action,
        Some((prefix, rest)) => action.starts_with(prefix) && (rest.is_empty() || action.ends_with(rest)),
    }
}

/// Actions that only read and that IAM cannot scope to a resource: fine on `*`.
fn is_read_only(action: &str) -> bool {
    let verb = action.split_once(':').map_or(action, |(_, v)| v);
    ["Describe", "List", "Get"].iter().any(|p| verb.starts_with(p)) && !verb.contains('*')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn action_patterns_match_as_iam_does() {
        assert!(matches("iam:*", "iam:PassRole"));
        assert!(matches("IAM:passrole", "iam:PassRole"));
        assert!(matches("iam:Attach*", "iam:AttachRolePolicy"));
        assert!(!matches("iam:Get*", "iam:PassRole"));
        assert!(!matches("s3:GetObject", "iam:PassRole"));
    }

    #[test]
    fn actions_repeated_across_statements_are_named_once() {
        let mut actions = vec!["iam:PassRole", "s3:PutObject", "iam:PassRole", "s3:PutObject", "ec2:RunInstances"];
        keep_first(&mut actions);
        assert_eq!(actions, ["iam:PassRole", "s3:PutObject", "ec2:RunInstances"]);
    }
}
