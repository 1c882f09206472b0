//! The tags platformctl puts on every resource it can tag: which stack owns it, and which
//! address of that stack it is — how an interrupted create is found again, and how a lost
//! state is rebuilt (`state recover`).

use super::{Address, Value};

/// The stack that owns the resource.
pub const STACK_TAG: &str = "platformctl:stack";
/// The resource's address in that stack, as `address_tag` writes it.
pub const ADDRESS_TAG: &str = "platformctl:address";

/// The tags platformctl sets on everything it makes, beside the stack's own.
pub const OWNERSHIP: [&str; 3] = ["Name", STACK_TAG, ADDRESS_TAG];

/// Two tag maps that differ only in platformctl's ownership tags (a resource made without
/// platformctl, which lacks them or names itself otherwise).
pub fn differ_only_in_ownership(a: &Value, b: &Value) -> bool {
    fn others(v: &Value) -> Vec<(&String, &Value)> {
        match v {
            Value::Map(m) => m.iter().filter(|(k, _)| !OWNERSHIP.contains(&k.as_str())).collect(),
            _ => Vec::new(),
        }
    }
    others(a) == others(b)
}

/// An address as a tag value. RDS, ElastiCache, IAM, EKS, CloudWatch Logs and others accept
/// only letters, digits, spaces and `_ . : / = + - @` in tag values (EC2 accepts anything), so
/// `eks.main.node_group[apps]` is tagged `eks.main.node_group:apps`. Addresses have no `:`
/// outside their brackets, so the value still names one address.
pub fn address_tag(address: &Address) -> String {
    address
        .as_str()
        .chars()
        .filter(|c| *c != ']')
        .map(|c| match c {
            '[' => ':',
            c if c.is_alphanumeric() || c.is_whitespace() || "_.:/=+-@".contains(c) => c,
            _ => '_',
        })
        .collect()
}
