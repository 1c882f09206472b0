//! Concrete AWS resources as the engine sees them: a stable `Address`, a `Kind`, and a flat map
//! of attribute `Value`s. A desired attribute may be a `Value::Ref` to another resource's AWS id,
//! or a `Value::Output` naming one of its outputs (what AWS computes: an endpoint, an ARN); the
//! planner resolves them from the live read, the apply engine once the referenced resource exists.
//!
//! What each kind's attributes mean — which change in place, which force a replacement, how
//! they compare — is the kind's declaration (`schema`, `crate::kinds`): the only kind-specific
//! knowledge the planner has.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;

use serde::{Deserialize, Serialize};

pub mod discovered;
pub mod schema;
pub mod tags;

pub use crate::kinds::Kind;

/// A resource's stable name inside a stack, e.g. `network.subnet.private[eu-west-1a]`.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Address(String);

impl Address {
    pub fn new(s: impl Into<String>) -> Self {
        Address(s.into())
    }
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Address {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// An attribute value. `Ref` and `Output` exist only in desired resources: "the AWS id of that
/// resource", "that output of that resource" (its endpoint, say).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Value {
    Null,
    Bool(bool),
    Int(i64),
    Str(String),
    List(Vec<Value>),
    Map(BTreeMap<String, Value>),
    Ref(Address),
    Output(Address, String),
}

pub type Attrs = BTreeMap<String, Value>;

/// Where `Value::resolve` finds ids and outputs: the state during apply, the live read in plans.
pub struct Lookup<'a> {
    pub id: &'a dyn Fn(&Address) -> Option<String>,
    pub output: &'a dyn Fn(&Address, &str) -> Option<Value>,
}

impl Value {
    pub fn str(s: impl Into<String>) -> Value {
        Value::Str(s.into())
    }

    pub fn as_str(&self) -> Option<&str> {
        match self {
            Value::Str(s) => Some(s),
            _ => None,
        }
    }

    pub fn as_bool(&self) -> Option<bool> {
        match self {
            Value::Bool(b) => Some(*b),
            _ => None,
        }
    }

    pub fn as_int(&self) -> Option<i64> {
        match self {
            Value::Int(i) => Some(*i),
            _ => None,
        }
    }

    /// A decimal number (an alarm threshold, an Aurora capacity) as the state keeps it: the state
    /// has no floating-point values, so it is the number's shortest decimal text (`80`, `0.5`).
    /// Expansion and the live reads both write it through here, so the two always compare.
    pub fn decimal(number: f64) -> Value {
        Value::Str(format!("{number}"))
    }

    /// The number a `decimal` holds.
    pub fn as_decimal(&self) -> Option<f64> {
        self.as_str()?.parse().ok()
    }

    pub fn as_map(&self) -> Option<&BTreeMap<String, Value>> {
        match self {
            Value::Map(m) => Some(m),
            _ => None,
        }
    }

    /// Every address this value refers to.
    pub fn refs(&self, out: &mut BTreeSet<Address>) {
        match self {
            Value::Ref(a) | Value::Output(a, _) => {
                out.insert(a.clone());
            }
            Value::List(items) => items.iter().for_each(|v| v.refs(out)),
            Value::Map(m) => m.values().for_each(|v| v.refs(out)),
            _ => {}
        }
    }

    /// Every output this value refers to: the resource's address and the output's name.
    pub fn output_refs(&self, out: &mut BTreeSet<(Address, String)>) {
        match self {
            Value::Output(a, name) => {
                out.insert((a.clone(), name.clone()));
            }
            Value::List(items) => items.iter().for_each(|v| v.output_refs(out)),
            Value::Map(m) => m.values().for_each(|v| v.output_refs(out)),
            _ => {}
        }
    }

    /// Replaces references by the ids and outputs `lookup` knows; `None` if some is not known yet.
    pub fn resolve(&self, lookup: &Lookup) -> Option<Value> {
        Some(match self {
            Value::Ref(a) => Value::Str((lookup.id)(a)?),
            Value::Output(a, name) => (lookup.output)(a, name)?,
            Value::List(items) => {
                let mut resolved: Vec<Value> = items.iter().map(|v| v.resolve(lookup)).collect::<Option<_>>()?;
                // A list of references is a set of ids (subnets, security groups): AWS reports
                // it in its own order, so both sides are compared sorted.
                if items.iter().any(|v| matches!(v, Value::Ref(_))) {
                    resolved.sort_by_key(|v| v.as_str().map(str::to_owned));
                }
                Value::List(resolved)
            }
            Value::Map(m) => {
                Value::Map(m.iter().map(|(k, v)| Some((k.clone(), v.resolve(lookup)?))).collect::<Option<_>>()?)
            }
            other => other.clone(),
        })
    }
}

impl From<&str> for Value {
    fn from(s: &str) -> Value {
        Value::Str(s.to_owned())
    }
}

impl From<String> for Value {
    fn from(s: String) -> Value {
        Value::Str(s)
    }
}

impl From<&String> for Value {
    fn from(s: &String) -> Value {
        Value::Str(s.clone())
    }
}

impl From<bool> for Value {
    fn from(b: bool) -> Value {
        Value::Bool(b)
    }
}

impl From<i64> for Value {
    fn from(i: i64) -> Value {
        Value::Int(i)
    }
}

impl From<i32> for Value {
    fn from(i: i32) -> Value {
        Value::Int(i64::from(i))
    }
}

impl<T: Into<Value>> From<Option<T>> for Value {
    /// `None` is `Null`: "not set".
    fn from(v: Option<T>) -> Value {
        v.map_or(Value::Null, Into::into)
    }
}

impl From<Vec<Value>> for Value {
    fn from(items: Vec<Value>) -> Value {
        Value::List(items)
    }
}

impl From<BTreeMap<String, Value>> for Value {
    fn from(m: BTreeMap<String, Value>) -> Value {
        Value::Map(m)
    }
}

impl fmt::Display for Value {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Value::Null => f.write_str("null"),
            Value::Bool(b) => write!(f, "{b}"),
            Value::Int(i) => write!(f, "{i}"),
            Value::Str(s) => write!(f, "{s:?}"),
            Value::List(items) => {
                f.write_str("[")?;
                for (i, v) in items.iter().enumerate() {
                    if i > 0 {
                        f.write_str(", ")?;
                    }
                    write!(f, "{v}")?;
                }
                f.write_str("]")
            }
            Value::Map(m) => {
                f.write_str("{")?;
                for (i, (k, v)) in m.iter().enumerate() {
                    if i > 0 {
                        f.write_str(",")?;
                    }
                    write!(f, " {k:?} = {v}")?;
                }
                f.write_str(if m.is_empty() { "}" } else { " }" })
            }
            Value::Ref(a) => write!(f, "(id of {a})"),
            Value::Output(a, name) => write!(f, "({name} of {a})"),
        }
    }
}

/// Serialised as plain JSON; a `Ref` as `{"$ref": "<address>"}` (it appears only in plans,
/// never in state).
impl Serialize for Value {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::{SerializeMap, SerializeSeq};
        match self {
            Value::Null => s.serialize_none(),
            Value::Bool(b) => s.serialize_bool(*b),
            Value::Int(i) => s.serialize_i64(*i),
            Value::Str(v) => s.serialize_str(v),
            Value::List(items) => {
                let mut seq = s.serialize_seq(Some(items.len()))?;
                for v in items {
                    seq.serialize_element(v)?;
                }
                seq.end()
            }
            Value::Map(m) => {
                let mut map = s.serialize_map(Some(m.len()))?;
                for (k, v) in m {
                    map.serialize_entry(k, v)?;
                }
                map.end()
            }
            Value::Ref(a) => {
                let mut map = s.serialize_map(Some(1))?;
                map.serialize_entry("$ref", a.as_str())?;
                map.end()
            }
            Value::Output(a, name) => {
                let mut map = s.serialize_map(Some(2))?;
                map.serialize_entry("$ref", a.as_str())?;
                map.serialize_entry("output", name)?;
                map.end()
            }
        }
    }
}

impl<'de> Deserialize<'de> for Value {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let json = serde_json::Value::deserialize(d)?;
        Ok(Value::from_json(json))
    }
}

impl Value {
    pub fn from_json(json: serde_json::Value) -> Value {
        match json {
            serde_json::Value::Null => Value::Null,
            serde_json::Value::Bool(b) => Value::Bool(b),
            serde_json::Value::Number(n) => Value::Int(n.as_i64().unwrap_or_default()),
            serde_json::Value::String(s) => Value::Str(s),
            serde_json::Value::Array(items) => Value::List(items.into_iter().map(Value::from_json).collect()),
            serde_json::Value::Object(m) => {
                if let Some(serde_json::Value::String(a)) = m.get("$ref") {
                    match (m.len(), m.get("output")) {
                        (1, _) => return Value::Ref(Address::new(a.clone())),
                        (2, Some(serde_json::Value::String(name))) => {
                            return Value::Output(Address::new(a.clone()), name.clone());
                        }
                        _ => {}
                    }
                }
                Value::Map(m.into_iter().map(|(k, v)| (k, Value::from_json(v))).collect())
            }
        }
    }
}

/// A resource the stack wants to exist.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct DesiredResource {
    pub address: Address,
    pub kind: Kind,
    pub attrs: Attrs,
    /// Everything this resource needs to exist first: its references plus ordering-only
    /// dependencies (a NAT gateway needs the internet gateway attached).
    pub depends_on: BTreeSet<Address>,
}

impl DesiredResource {
    pub fn new(address: Address, kind: Kind, attrs: Attrs) -> Self {
        let mut depends_on = BTreeSet::new();
        attrs.values().for_each(|v| v.refs(&mut depends_on));
        DesiredResource { address, kind, attrs, depends_on }
    }

    pub fn after(mut self, address: &Address) -> Self {
        self.depends_on.insert(address.clone());
        self
    }
}

/// A resource as read from AWS.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct LiveResource {
    pub id: String,
    /// The managed attributes, in the same shape as the desired ones (ids, not references).
    pub attrs: Attrs,
    /// False while AWS is still bringing it up (a NAT gateway `pending`): dependents wait.
    pub ready: bool,
    /// What AWS computed and others may refer to: endpoint, port, ARN. Not compared by plans.
    pub outputs: Attrs,
}

/// What the live read found for one address of the state.
#[derive(Clone, Debug, PartialEq)]
pub enum Observed {
    Present(LiveResource),
    /// Not in AWS: deleted outside platformctl, or a pending create that never happened.
    Absent,
}

/// The live read of a whole state, by address.
pub type Live = BTreeMap<Address, Observed>;

/// A missing attribute and `Null` mean the same: "not set".
pub fn attr<'a>(attrs: &'a Attrs, name: &str) -> &'a Value {
    attrs.get(name).unwrap_or(&Value::Null)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn value_json_round_trip_keeps_refs() {
        let v = Value::Map(BTreeMap::from([
            ("a".into(), Value::Ref(Address::new("network.vpc"))),
            ("e".into(), Value::Output(Address::new("postgres.users"), "address".into())),
            ("b".into(), Value::List(vec![Value::Int(3), Value::Bool(true), Value::Null])),
        ]));
        let json = serde_json::to_string(&v).unwrap();
        assert_eq!(
            json,
            r#"{"a":{"$ref":"network.vpc"},"b":[3,true,null],"e":{"$ref":"postgres.users","output":"address"}}"#
        );
        assert_eq!(serde_json::from_str::<Value>(&json).unwrap(), v);
    }

    #[test]
    fn resolve_needs_every_reference() {
        let v = Value::List(vec![Value::Ref(Address::new("x")), Value::Ref(Address::new("y"))]);
        let no_outputs = |_: &Address, _: &str| None;
        let only_x = |a: &Address| (a.as_str() == "x").then(|| "id-x".to_string());
        assert_eq!(v.resolve(&Lookup { id: &only_x, output: &no_outputs }), None);
        let both = |a: &Address| Some(format!("id-{a}"));
        let lookup = Lookup { id: &both, output: &no_outputs };
        assert_eq!(v.resolve(&lookup), Some(Value::List(vec![Value::str("id-x"), Value::str("id-y")])));
        let endpoint = Value::Output(Address::new("postgres.users"), "address".into());
        assert_eq!(endpoint.resolve(&lookup), None);
        let outputs =
            |a: &Address, name: &str| (a.as_str() == "postgres.users").then(|| Value::str(format!("{name}!")));
        assert_eq!(endpoint.resolve(&Lookup { id: &both, output: &outputs }), Some(Value::str("address!")));
    }

    #[test]
    fn kinds_declare_how_attributes_change() {
        use schema::Change;
        assert_eq!(Kind::Subnet.def().attribute("cidr_block").map(|a| a.change), Some(Change::Replace));
        assert_eq!(Kind::Route.def().attribute("nat_gateway_id").map(|a| a.change), Some(Change::InPlace));
        assert_eq!(crate::kinds::subnet::CIDR_BLOCK.change, Change::Replace);
    }
}
