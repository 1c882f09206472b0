//! `kms_keys`: each key with its aliases, and what a `kms_key:` field becomes — the ARN of the
//! stack's key (an output: the key is created first) or the existing key as written.

use super::tags;
use crate::kinds::{kms_alias, kms_key};
use crate::model::{KmsKey, KmsKeyRef, Stack};
use crate::resource::{Address, Attrs, DesiredResource, Kind, Value};

/// The address of a key of the stack.
pub fn key_address(name: &str) -> Address {
    Address::new(format!("kms_keys.{name}"))
}

/// What a `kms_key:` attribute holds: the stack key's ARN, or the existing key as written.
pub(super) fn key_value(key: &KmsKeyRef) -> Value {
    match key {
        KmsKeyRef::Stack(name) => kms_key::out::ARN.of(&key_address(name)),
        KmsKeyRef::Existing(key) => Value::str(key),
    }
}

pub(super) fn expand(stack: &Stack, out: &mut Vec<DesiredResource>) {
    for key in &stack.kms_keys {
        out.extend(key_and_aliases(stack, key));
    }
}

/// Whether a log group of the stack (its own, or the flow logs') is encrypted with the key.
fn encrypts_log_groups(stack: &Stack, key: &str) -> bool {
    let flow_logs = stack.network.as_ref().and_then(|n| n.flow_logs.as_ref()).and_then(|f| f.kms_key.as_ref());
    let groups = stack.compute.log_groups.iter().filter_map(|g| g.kms_key.as_ref());
    flow_logs.into_iter().chain(groups).any(|k| k.stack_key() == Some(key))
}

/// Whether a topic of the stack that an alarm notifies is encrypted with the key.
fn encrypts_alarm_topics(stack: &Stack, key: &str) -> bool {
    let notified = |topic: &str| stack.alarms.iter().any(|a| a.notify.as_deref() == Some(topic));
    stack.notifications.iter().any(|n| n.kms_key.as_ref().and_then(|k| k.stack_key()) == Some(key) && notified(&n.name))
}

/// Whether a node group of the stack encrypts its nodes' root volumes with the key.
fn encrypts_node_volumes(stack: &Stack, key: &str) -> bool {
    let groups = stack.compute.eks.iter().flat_map(|e| &e.node_groups);
    groups.filter_map(|g| g.kms_key.as_ref()).any(|k| k.stack_key() == Some(key))
}

fn key_and_aliases(stack: &Stack, key: &KmsKey) -> Vec<DesiredResource> {
    let address = key_address(&key.name);
    let mut resources = vec![DesiredResource::new(
        address.clone(),
        Kind::KmsKey,
        Attrs::from([
            kms_key::DESCRIPTION.to(key.description.as_deref()),
            kms_key::ROTATION.to(key.rotation),
            kms_key::POLICY.to(key.policy.clone().map(Value::from_json)),
            kms_key::ALLOW_CLOUDWATCH_LOGS.to(key.policy.is_none().then(|| encrypts_log_groups(stack, &key.name))),
            kms_key::ALLOW_CLOUDWATCH_ALARMS.to(key.policy.is_none().then(|| encrypts_alarm_topics(stack, &key.name))),
            kms_key::ALLOW_EBS.to(key.policy.is_none().then(|| encrypts_node_volumes(stack, &key.name))),
            kms_key::DELETION_WINDOW_DAYS.to(key.deletion_window_days),
            kms_key::TAGS.to(tags(stack, &address, &format!("{}-{}", stack.name, key.name))),
        ]),
    )];
    for alias in &key.aliases {
        resources.push(DesiredResource::new(
            Address::new(format!("kms_keys.{}.alias[{alias}]", key.name)),
            Kind::KmsAlias,
            Attrs::from([kms_alias::NAME.to(alias), kms_alias::TARGET_KEY.to(Value::Ref(address.clone()))]),
        ));
    }
    resources
}
