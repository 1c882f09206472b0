//! Concrete AWS resources as the engine sees them: a stable `Address`, a `Kind`, and a flat map
//! of attribute `Value`s. A desired attribute may be a `Value::Ref` to another resource's AWS id,
//! or a `Value::Output` naming one of its outputs (what AWS computes: an endpoint, an ARN); the
//! planner resolves them from the live read, the apply engine once the referenced resource exists.
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
    Secret,
    SecretFields,
    DbSubnetGroup,
    DbInstance,
    DbReadReplica,
    DbCluster,
    DbClusterInstance,
    ReaderScaling,
    CacheSubnetGroup,
    ReplicationGroup,
    SsmParameter,
    IamRole,
    OidcProvider,
    EksCluster,
    NodeGroup,
    EksAddon,
    EcrRepository,
    LogGroup,
    VpcPeering,
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
    pub const ALL: [Kind; 30] = [
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
        Kind::Secret,
        Kind::SecretFields,
        Kind::DbSubnetGroup,
        Kind::DbInstance,
        Kind::DbReadReplica,
        Kind::DbCluster,
        Kind::DbClusterInstance,
        Kind::ReaderScaling,
        Kind::CacheSubnetGroup,
        Kind::ReplicationGroup,
        Kind::SsmParameter,
        Kind::IamRole,
        Kind::OidcProvider,
        Kind::EksCluster,
        Kind::NodeGroup,
        Kind::EksAddon,
        Kind::EcrRepository,
        Kind::LogGroup,
        Kind::VpcPeering,
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
            Kind::Secret => "secret",
            Kind::SecretFields => "secret_fields",
            Kind::DbSubnetGroup => "db_subnet_group",
            Kind::DbInstance => "db_instance",
            Kind::DbReadReplica => "db_read_replica",
            Kind::DbCluster => "db_cluster",
            Kind::DbClusterInstance => "db_cluster_instance",
            Kind::ReaderScaling => "reader_scaling",
            Kind::CacheSubnetGroup => "cache_subnet_group",
            Kind::ReplicationGroup => "replication_group",
            Kind::SsmParameter => "ssm_parameter",
            Kind::IamRole => "iam_role",
            Kind::OidcProvider => "oidc_provider",
            Kind::EksCluster => "eks_cluster",
            Kind::NodeGroup => "node_group",
            Kind::EksAddon => "eks_addon",
            Kind::EcrRepository => "ecr_repository",
            Kind::LogGroup => "log_group",
            Kind::VpcPeering => "vpc_peering_connection",
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
            // ReplaceRoute changes the target of an existing route. `region` is set only for
            // routes this stack owns in a peer's route table, in the peer's region.
            Kind::Route => &[
                ("route_table_id", Replace),
                ("destination_cidr_block", Replace),
                ("region", Replace),
                ("gateway_id", InPlace),
                ("nat_gateway_id", InPlace),
                ("vpc_peering_connection_id", InPlace),
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
            // The generated value itself is not an attribute: it is made once, at creation,
            // and lives only in Secrets Manager. Deletion settings act only on delete.
            Kind::Secret => &[
                ("name", Replace),
                ("description", InPlace),
                ("recovery_window_days", InPlace),
                ("force_delete", InPlace),
                ("tags", InPlace),
            ],
            // The non-secret fields of a secret's JSON (host, port, username...), merged in
            // once the endpoint they describe exists.
            Kind::SecretFields => &[("secret_id", Replace), ("fields", InPlace)],
            Kind::DbSubnetGroup => {
                &[("name", Replace), ("description", InPlace), ("subnet_ids", InPlace), ("tags", InPlace)]
            }
            Kind::CacheSubnetGroup => &[("name", Replace), ("description", InPlace), ("subnet_ids", InPlace)],
            // After terraform-provider-aws's aws_db_instance: storage encryption, its key, the
            // database name and master username are fixed at creation (ForceNew); the rest is
            // ModifyDBInstance. `final_snapshot` and `password_secret` live only in platformctl.
            Kind::DbInstance => &[
                ("identifier", Replace),
                ("engine", Replace),
                ("engine_version", InPlace),
                ("instance_class", InPlace),
                ("allocated_storage", InPlace),
                ("max_allocated_storage", InPlace),
                ("multi_az", InPlace),
                ("storage_encrypted", Replace),
                ("kms_key", Replace),
                ("backup_retention_days", InPlace),
                ("deletion_protection", InPlace),
                ("db_name", Replace),
                ("username", Replace),
                ("password_secret", InPlace),
                ("port", InPlace),
                ("vpc_security_group_ids", InPlace),
                ("db_subnet_group", Replace),
                ("final_snapshot", InPlace),
                ("tags", InPlace),
            ],
            // A replica's deletion protection follows its primary's (see expand::data).
            Kind::DbReadReplica => &[
                ("identifier", Replace),
                ("source", Replace),
                ("instance_class", InPlace),
                ("vpc_security_group_ids", InPlace),
                ("deletion_protection", InPlace),
                ("tags", InPlace),
            ],
            // After aws_rds_cluster: engine, database name, username, encryption and subnet
            // group are ForceNew.
            Kind::DbCluster => &[
                ("identifier", Replace),
                ("engine", Replace),
                ("engine_version", InPlace),
                ("db_name", Replace),
                ("username", Replace),
                ("password_secret", InPlace),
                ("storage_encrypted", Replace),
                ("kms_key", Replace),
                ("backup_retention_days", InPlace),
                ("deletion_protection", InPlace),
                ("port", InPlace),
                ("vpc_security_group_ids", InPlace),
                ("db_subnet_group", Replace),
                ("final_snapshot", InPlace),
                ("tags", InPlace),
            ],
            Kind::DbClusterInstance => &[
                ("identifier", Replace),
                ("cluster", Replace),
                ("engine", Replace),
                ("instance_class", InPlace),
                ("availability_zone", Replace),
                ("tags", InPlace),
            ],
            Kind::ReaderScaling => {
                &[("resource_id", Replace), ("min", InPlace), ("max", InPlace), ("target_cpu_percent", InPlace)]
            }
            // After aws_elasticache_replication_group: at-rest encryption, port and subnet group
            // are ForceNew. Turning transit encryption on in place needs a two-step migration
            // (TransitEncryptionMode preferred, then required) that platformctl does not do yet,
            // so it replaces.
            Kind::ReplicationGroup => &[
                ("id", Replace),
                ("description", InPlace),
                ("engine_version", InPlace),
                ("node_type", InPlace),
                ("shards", InPlace),
                ("replicas_per_shard", InPlace),
                ("transit_encryption", Replace),
                ("at_rest_encryption", Replace),
                ("auth_token_secret", InPlace),
                ("security_group_ids", InPlace),
                ("cache_subnet_group", Replace),
                ("port", Replace),
                ("snapshot_retention_days", InPlace),
                ("final_snapshot", InPlace),
                ("tags", InPlace),
            ],
            Kind::SsmParameter => &[
                ("name", Replace),
                ("type", Replace),
                ("value", InPlace),
                ("value_from_secret", InPlace),
                ("tags", InPlace),
            ],
            // Policies are JSON documents compared as values (key order and whitespace never
            // show); managed policies are a set.
            Kind::IamRole => &[
                ("name", Replace),
                ("assume_role_policy", InPlace),
                ("managed_policies", InPlace),
                ("inline_policies", InPlace),
                ("tags", InPlace),
            ],
            Kind::OidcProvider => &[("url", Replace), ("client_ids", InPlace), ("tags", InPlace)],
            // After aws_eks_cluster: the name, role and encryption config are ForceNew; version
            // is UpdateClusterVersion; endpoint access and logging are UpdateClusterConfig.
            // Subnets can change in place on AWS since 2023 only within the same VPC and AZs;
            // platformctl replaces, as terraform-provider-aws did for years.
            Kind::EksCluster => &[
                ("name", Replace),
                ("role_arn", Replace),
                ("subnet_ids", Replace),
                ("secrets_kms_key", Replace),
                ("version", InPlace),
                ("endpoint_public_access", InPlace),
                ("endpoint_private_access", InPlace),
                ("public_access_cidrs", InPlace),
                ("logging", InPlace),
                ("tags", InPlace),
            ],
            // After aws_eks_node_group: instance types, capacity type, disk size, subnets and
            // node role are ForceNew (the AWS name carries a hash of them, so the new group can
            // exist beside the old one: see `create_before_destroy`). Scaling, labels and taints
            // are UpdateNodegroupConfig; the version UpdateNodegroupVersion.
            Kind::NodeGroup => &[
                ("cluster", Replace),
                ("name", Replace),
                ("node_role_arn", Replace),
                ("subnet_ids", Replace),
                ("instance_types", Replace),
                ("capacity_type", Replace),
                ("disk_size", Replace),
                ("version", InPlace),
                ("min_size", InPlace),
                ("max_size", InPlace),
                ("desired_size", InPlace),
                ("manage_desired_size", InPlace),
                ("labels", InPlace),
                ("taints", InPlace),
                ("tags", InPlace),
            ],
            // An add-on's configuration is compared as JSON values, never as text.
            Kind::EksAddon => {
                &[("cluster", Replace), ("name", Replace), ("version", InPlace), ("configuration", InPlace)]
            }
            Kind::EcrRepository => &[
                ("name", Replace),
                ("scan_on_push", InPlace),
                ("tag_mutability", InPlace),
                ("lifecycle_policy", InPlace),
                ("force_delete", InPlace),
                ("tags", InPlace),
            ],
            Kind::LogGroup => &[("name", Replace), ("retention_days", InPlace), ("tags", InPlace)],
            // Requester side in this region, accepted in the peer's.
            Kind::VpcPeering => {
                &[("vpc_id", Replace), ("peer_vpc_id", Replace), ("peer_region", Replace), ("tags", InPlace)]
            }
        }
    }

    /// Kinds whose replacement is created before the old one is deleted, so capacity never
    /// drops (node groups). Their AWS names differ between generations.
    pub fn create_before_destroy(self) -> bool {
        matches!(self, Kind::NodeGroup)
    }

    /// Kinds that hold data a replacement or deletion would lose: plans flag them, apply
    /// refuses without `--allow-data-loss`.
    pub fn holds_data(self) -> bool {
        // An EKS cluster's etcd holds every Kubernetes object: replacing it loses them.
        matches!(self, Kind::DbInstance | Kind::DbCluster | Kind::ReplicationGroup | Kind::EksCluster)
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

    /// Every address whose outputs this value refers to.
    pub fn output_refs(&self, out: &mut BTreeSet<Address>) {
        match self {
            Value::Output(a, _) => {
                out.insert(a.clone());
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
    fn every_kind_lists_attributes() {
        for k in Kind::ALL {
            assert!(!k.attributes().is_empty(), "{k}");
        }
        assert_eq!(Kind::Subnet.on_change("cidr_block"), OnChange::Replace);
        assert_eq!(Kind::Route.on_change("nat_gateway_id"), OnChange::InPlace);
    }
}
