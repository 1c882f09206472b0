//! The data tier's resources: secrets (and the connection fields merged into them), subnet
//! groups over the private subnets, PostgreSQL instances with replicas and SSM parameters,
//! Aurora clusters with their instances and reader scaling, Redis replication groups.
//!
//! A generated value appears here only as "how to generate it" (length, alphabet); the value
//! itself is made by the provider when the secret is created, and read back from Secrets
//! Manager by the provider call that needs it.

use crate::expand::network::subnet;
use crate::expand::security_groups::group;
use crate::expand::tags;
use crate::model::{
    Aurora, CrossRegionReplica, DatabaseCore, ELASTICACHE_PUNCTUATION, Network, Postgres, RDS_PUNCTUATION, Redis,
    Secret, SecretValue, Stack,
};
use crate::resource::{Address, Attrs, DesiredResource, Kind, Value};

pub const DB_SUBNET_GROUP: &str = "data.db_subnet_group";
pub const CACHE_SUBNET_GROUP: &str = "data.cache_subnet_group";

pub fn secret_address(name: &str) -> Address {
    Address::new(format!("secret.{name}"))
}

/// What a secret's JSON holds, decided by the one resource that uses it.
enum Shape<'a> {
    /// `ready_after`: what must exist before the connection details are right (an Aurora
    /// cluster serves its endpoint once it has instances).
    Database {
        engine: &'static str,
        endpoint: Value,
        core: &'a DatabaseCore,
        ready_after: Vec<Address>,
    },
    Redis {
        endpoint: Value,
        port: i64,
    },
    Plain,
}

pub(super) fn expand(stack: &Stack, net: &Network, out: &mut Vec<DesiredResource>) {
    let data = &stack.data;
    for s in &data.secrets {
        let shape = shape_of(stack, &s.name);
        secret(stack, s, &shape, out);
    }
    let private_subnets = || Value::List(net.azs.iter().map(|az| Value::Ref(subnet("private", &az.name))).collect());
    // A replica of another region's instance needs a subnet group of its own region.
    if !data.postgres.is_empty() || !data.replicas_of_others.is_empty() || !data.aurora.is_empty() {
        let address = Address::new(DB_SUBNET_GROUP);
        out.push(DesiredResource::new(
            address.clone(),
            Kind::DbSubnetGroup,
            Attrs::from([
                ("name".into(), Value::str(&stack.name)),
                ("description".into(), Value::str(format!("Private subnets of stack {}", stack.name))),
                ("subnet_ids".into(), private_subnets()),
                ("tags".into(), tags(stack, &address, &stack.name)),
            ]),
        ));
    }
    if !data.redis.is_empty() {
        out.push(DesiredResource::new(
            Address::new(CACHE_SUBNET_GROUP),
            Kind::CacheSubnetGroup,
            Attrs::from([
                ("name".into(), Value::str(&stack.name)),
                ("description".into(), Value::str(format!("Private subnets of stack {}", stack.name))),
                ("subnet_ids".into(), private_subnets()),
            ]),
        ));
    }
    for p in &data.postgres {
        postgres(stack, p, out);
    }
    for r in &data.replicas_of_others {
        replica_of_other(stack, r, out);
    }
    for a in &data.aurora {
        aurora(stack, net, a, out);
    }
    for r in &data.redis {
        redis(stack, r, out);
    }
}

fn shape_of<'a>(stack: &'a Stack, secret: &str) -> Shape<'a> {
    let data = &stack.data;
    if let Some(p) = data.postgres.iter().find(|p| p.core.password_secret == secret) {
        let endpoint = Value::Output(Address::new(format!("postgres.{}", p.name)), "address".into());
        return Shape::Database { engine: "postgres", endpoint, core: &p.core, ready_after: vec![] };
    }
    if let Some(a) = data.aurora.iter().find(|a| a.core.password_secret == secret) {
        let endpoint = Value::Output(Address::new(format!("aurora.{}", a.name)), "endpoint".into());
        let ready_after = (1..=a.instances).map(|n| Address::new(format!("aurora.{}.instance[{n}]", a.name))).collect();
        return Shape::Database { engine: "postgres", endpoint, core: &a.core, ready_after };
    }
    if let Some(r) = data.redis.iter().find(|r| r.auth_token_secret.as_deref() == Some(secret)) {
        let endpoint = Value::Output(Address::new(format!("redis.{}", r.name)), "endpoint".into());
        return Shape::Redis { endpoint, port: r.port };
    }
    Shape::Plain
}

fn secret(stack: &Stack, s: &Secret, shape: &Shape, out: &mut Vec<DesiredResource>) {
    let address = secret_address(&s.name);
    let aws_name = format!("{}/{}", stack.name, s.name);
    let (value_key, punctuation) = match shape {
        Shape::Database { .. } => (Value::str("password"), RDS_PUNCTUATION),
        Shape::Redis { .. } => (Value::str("auth_token"), ELASTICACHE_PUNCTUATION),
        Shape::Plain => (Value::Null, RDS_PUNCTUATION),
    };
    let generate = match s.value {
        SecretValue::Generated { length, punctuation: with_punctuation } => Value::Map(
            [
                ("length".to_owned(), Value::Int(length)),
                ("punctuation".to_owned(), Value::str(if with_punctuation { punctuation } else { "" })),
            ]
            .into(),
        ),
        SecretValue::External => Value::Null,
    };
    out.push(DesiredResource::new(
        address.clone(),
        Kind::Secret,
        Attrs::from([
            ("name".into(), Value::str(&aws_name)),
            ("description".into(), s.description.as_ref().map_or(Value::Null, Value::str)),
            ("generate".into(), generate),
            ("value_key".into(), value_key),
            ("recovery_window_days".into(), Value::Int(s.recovery_window_days)),
            ("force_delete".into(), Value::Bool(s.force_delete)),
            ("tags".into(), tags(stack, &address, &aws_name)),
        ]),
    ));
    let fields: Vec<(&str, Value)> = match shape {
        Shape::Database { engine, endpoint, core, .. } => vec![
            ("engine", Value::str(*engine)),
            ("host", endpoint.clone()),
            ("port", Value::Int(core.port)),
            ("username", Value::str(&core.username)),
            ("dbname", Value::str(&core.database)),
        ],
        Shape::Redis { endpoint, port } => vec![("host", endpoint.clone()), ("port", Value::Int(*port))],
        Shape::Plain => return,
    };
    let mut resource = DesiredResource::new(
        Address::new(format!("{address}.fields")),
        Kind::SecretFields,
        Attrs::from([
            ("secret_id".into(), Value::Ref(address)),
            ("fields".into(), Value::Map(fields.into_iter().map(|(k, v)| (k.to_owned(), v)).collect())),
        ]),
    );
    if let Shape::Database { ready_after, .. } = shape {
        for a in ready_after {
            resource = resource.after(a);
        }
    }
    out.push(resource);
}

fn security_groups(names: &[String]) -> Value {
    Value::List(names.iter().map(|g| Value::Ref(group(g))).collect())
}

/// Attributes a PostgreSQL instance and an Aurora cluster share.
fn core_attrs(core: &DatabaseCore) -> Attrs {
    Attrs::from([
        ("engine_version".into(), Value::str(&core.engine_version)),
        ("storage_encrypted".into(), Value::Bool(core.storage_encrypted)),
        ("kms_key".into(), core.kms_key.as_ref().map_or(Value::Null, Value::str)),
        ("backup_retention_days".into(), Value::Int(core.backup_retention_days)),
        ("deletion_protection".into(), Value::Bool(core.deletion_protection)),
        ("final_snapshot".into(), Value::Bool(core.final_snapshot)),
        ("apply_immediately".into(), Value::Bool(core.apply_immediately)),
        ("db_name".into(), Value::str(&core.database)),
        ("username".into(), Value::str(&core.username)),
        ("password_secret".into(), Value::Ref(secret_address(&core.password_secret))),
        ("port".into(), Value::Int(core.port)),
        ("vpc_security_group_ids".into(), security_groups(&core.security_groups)),
        ("db_subnet_group".into(), Value::Ref(Address::new(DB_SUBNET_GROUP))),
    ])
}

fn postgres(stack: &Stack, p: &Postgres, out: &mut Vec<DesiredResource>) {
    let address = Address::new(format!("postgres.{}", p.name));
    let identifier = format!("{}-{}", stack.name, p.name);
    let mut attrs = core_attrs(&p.core);
    attrs.extend([
        ("identifier".into(), Value::str(&identifier)),
        ("engine".into(), Value::str("postgres")),
        ("instance_class".into(), Value::str(&p.instance_class)),
        ("allocated_storage".into(), Value::Int(p.storage_gb)),
        ("max_allocated_storage".into(), p.max_storage_gb.map_or(Value::Null, Value::Int)),
        ("multi_az".into(), Value::Bool(p.multi_az)),
        ("tags".into(), tags(stack, &address, &identifier)),
    ]);
    out.push(DesiredResource::new(address.clone(), Kind::DbInstance, attrs));
    for (i, class) in p.read_replicas.iter().enumerate() {
        let n = i + 1;
        let replica = Address::new(format!("{address}.replica[{n}]"));
        let replica_id = format!("{identifier}-replica-{n}");
        out.push(DesiredResource::new(
            replica.clone(),
            Kind::DbReadReplica,
            Attrs::from([
                ("identifier".into(), Value::str(&replica_id)),
                ("source".into(), Value::Ref(address.clone())),
                ("instance_class".into(), Value::str(class)),
                ("vpc_security_group_ids".into(), security_groups(&p.core.security_groups)),
                // A replica is a copy of the data to keep too (and the primary's DR path):
                // protected exactly when the primary is.
                ("deletion_protection".into(), Value::Bool(p.core.deletion_protection)),
                ("tags".into(), tags(stack, &replica, &replica_id)),
            ]),
        ));
    }
    if let Some(path) = &p.publish_ssm {
        let endpoint = Value::Output(address.clone(), "address".into());
        let password = Value::Map(
            [
                ("secret".to_owned(), Value::Ref(secret_address(&p.core.password_secret))),
                ("key".to_owned(), Value::str("password")),
            ]
            .into(),
        );
        let parameters = [
            ("endpoint", "String", endpoint, Value::Null),
            ("port", "String", Value::str(p.core.port.to_string()), Value::Null),
            ("database", "String", Value::str(&p.core.database), Value::Null),
            ("username", "String", Value::str(&p.core.username), Value::Null),
            ("password", "SecureString", Value::Null, password),
        ];
        for (key, kind, value, from_secret) in parameters {
            let param = Address::new(format!("{address}.ssm[{key}]"));
            let name = format!("{path}/{key}");
            let resource = DesiredResource::new(
                param.clone(),
                Kind::SsmParameter,
                Attrs::from([
                    ("name".into(), Value::str(&name)),
                    ("type".into(), Value::str(kind)),
                    ("value".into(), value),
                    ("value_from_secret".into(), from_secret),
                    ("tags".into(), tags(stack, &param, &name)),
                ]),
            );
            // Published once the database exists, so applications never read a half-made one.
            out.push(resource.after(&address));
        }
    }
}

/// A replica of another stack's instance, and its secret in this region: the source's master
/// password (copied once, AWS to AWS, when the secret is created) with the connection fields —
/// `host` is the source's endpoint (where writes go) until the replica is promoted, then its own;
/// `reader_host` is always the replica's.
fn replica_of_other(stack: &Stack, r: &CrossRegionReplica, out: &mut Vec<DesiredResource>) {
    let address = Address::new(format!("postgres.{}", r.name));
    let identifier = format!("{}-{}", stack.name, r.name);
    // Known when a session opened with the source's state; absent for a promoted replica and
    // for commands that read no state (`validate`, `graph`).
    let source = stack.replica_sources.iter().find(|s| s.replica == r.name).filter(|_| !r.promoted);
    let cross_region = source.is_some_and(|s| s.region != stack.region);
    // An encrypted source across regions needs a key of this region; `aws/rds` unless named.
    let kms_key = match source {
        Some(s) if s.storage_encrypted && (cross_region || r.kms_key.is_some()) => {
            Value::str(r.kms_key.as_deref().unwrap_or("alias/aws/rds"))
        }
        _ => Value::Null,
    };
    // The source's identifier as its state records it; by naming convention where no state was
    // read (`validate`, `graph`).
    let source_identifier = match source {
        _ if r.promoted => Value::Null,
        Some(s) => Value::str(&s.identifier),
        None => Value::str(format!("{}-{}", r.source_stack, r.source_postgres)),
    };
    out.push(DesiredResource::new(
        address.clone(),
        Kind::DbReadReplica,
        Attrs::from([
            ("identifier".into(), Value::str(&identifier)),
            ("source".into(), source_identifier),
            // Create-time settings, not compared: how to reach the source from this region.
            ("source_arn".into(), source.map_or(Value::Null, |s| Value::str(&s.arn))),
            (
                "source_region".into(),
                if cross_region { source.map_or(Value::Null, |s| Value::str(&s.region)) } else { Value::Null },
            ),
            ("kms_key".into(), kms_key),
            ("db_subnet_group".into(), Value::Ref(Address::new(DB_SUBNET_GROUP))),
            ("backup_retention_days".into(), Value::Int(r.backup_retention_days)),
            ("instance_class".into(), Value::str(&r.instance_class)),
            ("vpc_security_group_ids".into(), security_groups(&r.security_groups)),
            ("deletion_protection".into(), Value::Bool(r.deletion_protection)),
            ("tags".into(), tags(stack, &address, &identifier)),
        ]),
    ));

    let secret = Address::new(format!("{address}.secret"));
    let secret_name = format!("{}/{}", stack.name, r.name);
    let copy_from = source.map_or(Value::Null, |s| {
        Value::Map(
            [
                ("secret".to_owned(), Value::str(&s.password_secret_arn)),
                ("region".to_owned(), Value::str(&s.region)),
                ("key".to_owned(), Value::str("password")),
            ]
            .into(),
        )
    });
    out.push(DesiredResource::new(
        secret.clone(),
        Kind::Secret,
        Attrs::from([
            ("name".into(), Value::str(&secret_name)),
            (
                "description".into(),
                Value::str(format!(
                    "Connection to {identifier}, a replica of {}/{}",
                    r.source_stack, r.source_postgres
                )),
            ),
            ("generate".into(), Value::Null),
            ("copy_from".into(), copy_from),
            ("value_key".into(), Value::str("password")),
            ("recovery_window_days".into(), Value::Int(7)),
            ("force_delete".into(), Value::Bool(false)),
            ("tags".into(), tags(stack, &secret, &secret_name)),
        ]),
    ));
    let own_endpoint = Value::Output(address.clone(), "address".into());
    let mut fields =
        vec![("reader_host", own_endpoint.clone()), ("port", Value::Output(address.clone(), "port".into()))];
    match source {
        Some(s) => fields.extend([
            ("engine", Value::str("postgres")),
            ("host", Value::str(&s.address)),
            ("username", Value::str(&s.username)),
            ("dbname", Value::str(&s.database)),
        ]),
        // Promoted: writes go here now. (Username and database stay as the secret has them.)
        None if r.promoted => fields.push(("host", own_endpoint)),
        None => {}
    }
    out.push(DesiredResource::new(
        Address::new(format!("{secret}.fields")),
        Kind::SecretFields,
        Attrs::from([
            ("secret_id".into(), Value::Ref(secret)),
            ("fields".into(), Value::Map(fields.into_iter().map(|(k, v)| (k.to_owned(), v)).collect())),
        ]),
    ));
}

fn aurora(stack: &Stack, net: &Network, a: &Aurora, out: &mut Vec<DesiredResource>) {
    let address = Address::new(format!("aurora.{}", a.name));
    let identifier = format!("{}-{}", stack.name, a.name);
    let mut attrs = core_attrs(&a.core);
    attrs.extend([
        ("identifier".into(), Value::str(&identifier)),
        ("engine".into(), Value::str("aurora-postgresql")),
        ("tags".into(), tags(stack, &address, &identifier)),
    ]);
    out.push(DesiredResource::new(address.clone(), Kind::DbCluster, attrs));
    let mut members = Vec::new();
    for i in 0..a.instances {
        let n = i + 1;
        let member = Address::new(format!("{address}.instance[{n}]"));
        let member_id = format!("{identifier}-{n}");
        // Round-robin over the stack's AZs: instance 1 (the first writer) in the first.
        let az = &net.azs[i as usize % net.azs.len()].name;
        out.push(DesiredResource::new(
            member.clone(),
            Kind::DbClusterInstance,
            Attrs::from([
                ("identifier".into(), Value::str(&member_id)),
                ("cluster".into(), Value::Ref(address.clone())),
                ("engine".into(), Value::str("aurora-postgresql")),
                ("instance_class".into(), Value::str(&a.instance_class)),
                ("availability_zone".into(), Value::str(az)),
                ("tags".into(), tags(stack, &member, &member_id)),
            ]),
        ));
        members.push(member);
    }
    if let Some(scaling) = &a.reader_autoscaling {
        let mut resource = DesiredResource::new(
            Address::new(format!("{address}.reader_scaling")),
            Kind::ReaderScaling,
            Attrs::from([
                ("resource_id".into(), Value::str(format!("cluster:{identifier}"))),
                ("min".into(), Value::Int(scaling.min)),
                ("max".into(), Value::Int(scaling.max)),
                ("target_cpu_percent".into(), Value::Int(scaling.target_cpu_percent)),
            ]),
        )
        .after(&address);
        // Scaling starts from the readers the stack declares.
        for m in &members {
            resource = resource.after(m);
        }
        out.push(resource);
    }
}

fn redis(stack: &Stack, r: &Redis, out: &mut Vec<DesiredResource>) {
    let address = Address::new(format!("redis.{}", r.name));
    let id = format!("{}-{}", stack.name, r.name);
    out.push(DesiredResource::new(
        address.clone(),
        Kind::ReplicationGroup,
        Attrs::from([
            ("id".into(), Value::str(&id)),
            ("description".into(), Value::str(format!("Redis {} of stack {}", r.name, stack.name))),
            ("engine_version".into(), Value::str(&r.engine_version)),
            ("node_type".into(), Value::str(&r.node_type)),
            ("shards".into(), Value::Int(r.shards)),
            ("replicas_per_shard".into(), Value::Int(r.replicas_per_shard)),
            ("transit_encryption".into(), Value::Bool(r.transit_encryption)),
            ("at_rest_encryption".into(), Value::Bool(r.at_rest_encryption)),
            (
                "auth_token_secret".into(),
                r.auth_token_secret.as_ref().map_or(Value::Null, |s| Value::Ref(secret_address(s))),
            ),
            ("security_group_ids".into(), security_groups(&r.security_groups)),
            ("cache_subnet_group".into(), Value::Ref(Address::new(CACHE_SUBNET_GROUP))),
            ("port".into(), Value::Int(r.port)),
            ("snapshot_retention_days".into(), Value::Int(r.snapshot_retention_days)),
            ("final_snapshot".into(), Value::Bool(r.final_snapshot)),
            ("apply_immediately".into(), Value::Bool(r.apply_immediately)),
            ("tags".into(), tags(stack, &address, &id)),
        ]),
    ));
}
