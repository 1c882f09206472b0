//! Concrete AWS resources as the engine sees them: a stable `Address`, a `Kind`, and a flat map
//! of attribute `Value`s. A desired attribute may be a `Value::Ref` to another resource's AWS id;
//! the planner resolves it from state, the apply engine once the referenced resource exists.
//!
//! Each kind declares which of its attributes can change in place and which force a
//! replacement (AWS cannot modify a subnet's CIDR or a security group's description, for
//! example). That table is the only kind-specific knowledge the planner has.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;

use serde::{Deserialize, Serialize};

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

/// Every kind of AWS resource platformctl manages.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Kind {
    Vpc,
    Subnet,
    InternetGateway,
    InternetGatewayAttachment,
    ElasticIp,
    NatGateway,
    RouteTable,
    Route,
    RouteTableAssociation,
    SecurityGroup,
    SecurityGroupRule,
}

/// What changing an attribute does.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum OnChange {
    /// The provider can update it on the existing resource.
    InPlace,
    /// AWS cannot change it: the resource must be replaced.
    Replace,
}

use OnChange::{InPlace, Replace};

impl Kind {
    pub const ALL: [Kind; 11] = [
        Kind::Vpc,
        Kind::Subnet,
        Kind::InternetGateway,
        Kind::InternetGatewayAttachment,
        Kind::ElasticIp,
        Kind::NatGateway,
        Kind::RouteTable,
        Kind::Route,
        Kind::RouteTableAssociation,
        Kind::SecurityGroup,
        Kind::SecurityGroupRule,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Kind::Vpc => "vpc",
            Kind::Subnet => "subnet",
            Kind::InternetGateway => "internet_gateway",
            Kind::InternetGatewayAttachment => "internet_gateway_attachment",
            Kind::ElasticIp => "elastic_ip",
            Kind::NatGateway => "nat_gateway",
            Kind::RouteTable => "route_table",
            Kind::Route => "route",
            Kind::RouteTableAssociation => "route_table_association",
            Kind::SecurityGroup => "security_group",
            Kind::SecurityGroupRule => "security_group_rule",
        }
    }

    /// The managed attributes and how each may change. Attributes not listed are not managed.
    pub fn attributes(self) -> &'static [(&'static str, OnChange)] {
        match self {
            Kind::Vpc => &[
                ("cidr_block", Replace),
                ("enable_dns_support", InPlace),
                ("enable_dns_hostnames", InPlace),
                ("tags", InPlace),
            ],
            Kind::Subnet => &[
                ("vpc_id", Replace),
                ("cidr_block", Replace),
                ("availability_zone", Replace),
                ("map_public_ip_on_launch", InPlace),
                ("tags", InPlace),
            ],
            Kind::InternetGateway | Kind::ElasticIp => &[("tags", InPlace)],
            Kind::InternetGatewayAttachment => &[("internet_gateway_id", Replace), ("vpc_id", Replace)],
            Kind::NatGateway => &[("subnet_id", Replace), ("allocation_id", Replace), ("tags", InPlace)],
            Kind::RouteTable => &[("vpc_id", Replace), ("tags", InPlace)],
            // ReplaceRoute changes the target of an existing route.
            Kind::Route => &[
                ("route_table_id", Replace),
                ("destination_cidr_block", Replace),
                ("gateway_id", InPlace),
                ("nat_gateway_id", InPlace),
            ],
            Kind::RouteTableAssociation => &[("subnet_id", Replace), ("route_table_id", Replace)],
            // EC2 cannot rename a group or edit its description.
            Kind::SecurityGroup => {
                &[("vpc_id", Replace), ("group_name", Replace), ("description", Replace), ("tags", InPlace)]
            }
            Kind::SecurityGroupRule => &[
                ("group_id", Replace),
                ("protocol", Replace),
                ("from_port", Replace),
                ("to_port", Replace),
                ("cidr_ipv4", Replace),
                ("source_group_id", Replace),
                ("description", InPlace),
                ("tags", InPlace),
            ],
        }
    }

    pub fn on_change(self, attribute: &str) -> OnChange {
        self.attributes().iter().find(|(n, _)| *n == attribute).map_or(InPlace, |(_, c)| *c)
    }
}

impl fmt::Display for Kind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// An attribute value. `Ref` exists only in desired resources: "the AWS id of that resource".
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Value {
    Null,
    Bool(bool),
    Int(i64),
    Str(String),
    List(Vec<Value>),
    Map(BTreeMap<String, Value>),
    Ref(Address),
}

pub type Attrs = BTreeMap<String, Value>;

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

    pub fn as_map(&self) -> Option<&BTreeMap<String, Value>> {
        match self {
            Value::Map(m) => Some(m),
            _ => None,
        }
    }

    /// Every address this value refers to.
    pub fn refs(&self, out: &mut BTreeSet<Address>) {
        match self {
            Value::Ref(a) => {
                out.insert(a.clone());
            }
            Value::List(items) => items.iter().for_each(|v| v.refs(out)),
            Value::Map(m) => m.values().for_each(|v| v.refs(out)),
            _ => {}
        }
    }

    /// Replaces references by the ids `lookup` knows; `None` if some id is not known yet.
    pub fn resolve(&self, lookup: &dyn Fn(&Address) -> Option<String>) -> Option<Value> {
        Some(match self {
            Value::Ref(a) => Value::Str(lookup(a)?),
            Value::List(items) => Value::List(items.iter().map(|v| v.resolve(lookup)).collect::<Option<_>>()?),
            Value::Map(m) => {
                Value::Map(m.iter().map(|(k, v)| Some((k.clone(), v.resolve(lookup)?))).collect::<Option<_>>()?)
            }
            other => other.clone(),
        })
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
    fn from_json(json: serde_json::Value) -> Value {
        match json {
            serde_json::Value::Null => Value::Null,
            serde_json::Value::Bool(b) => Value::Bool(b),
            serde_json::Value::Number(n) => Value::Int(n.as_i64().unwrap_or_default()),
            serde_json::Value::String(s) => Value::Str(s),
            serde_json::Value::Array(items) => Value::List(items.into_iter().map(Value::from_json).collect()),
            serde_json::Value::Object(m) => {
                if m.len() == 1
                    && let Some(serde_json::Value::String(a)) = m.get("$ref")
                {
                    return Value::Ref(Address::new(a.clone()));
                }
                Value::Map(m.into_iter().map(|(k, v)| (k, Value::from_json(v))).collect())
            }
        }
    }
}

/// A resource the stack wants to exist.
#[derive(Clone, Debug, PartialEq)]
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
#[derive(Clone, Debug, PartialEq)]
pub struct LiveResource {
    pub id: String,
    /// The managed attributes, in the same shape as the desired ones (ids, not references).
    pub attrs: Attrs,
    /// False while AWS is still bringing it up (a NAT gateway `pending`): dependents wait.
    pub ready: bool,
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
            ("b".into(), Value::List(vec![Value::Int(3), Value::Bool(true), Value::Null])),
        ]));
        let json = serde_json::to_string(&v).unwrap();
        assert_eq!(json, r#"{"a":{"$ref":"network.vpc"},"b":[3,true,null]}"#);
        assert_eq!(serde_json::from_str::<Value>(&json).unwrap(), v);
    }

    #[test]
    fn resolve_needs_every_reference() {
        let v = Value::List(vec![Value::Ref(Address::new("x")), Value::Ref(Address::new("y"))]);
        let only_x = |a: &Address| (a.as_str() == "x").then(|| "id-x".to_string());
        assert_eq!(v.resolve(&only_x), None);
        let both = |a: &Address| Some(format!("id-{a}"));
        assert_eq!(v.resolve(&both), Some(Value::List(vec![Value::str("id-x"), Value::str("id-y")])));
    }

    #[test]
    fn every_kind_lists_attributes() {
        for k in Kind::ALL {
            assert!(!k.attributes().is_empty(), "{k}");
        }
        assert_eq!(Kind::Subnet.on_change("cidr_block"), OnChange::Replace);
        assert_eq!(Kind::Route.on_change("nat_gateway_id"), OnChange::InPlace);
    }
}
