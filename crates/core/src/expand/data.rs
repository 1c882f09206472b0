//! The data tier's resources: secrets (and the connection fields merged into them), subnet
//! groups over the private subnets, PostgreSQL instances with replicas and SSM parameters,
//! Aurora clusters with their instances and reader scaling, Redis replication groups.
//!
//! A generated value appears here only as "how to generate it" (length, alphabet); the value
//! itself is made by the provider when the secret is created, and read back from Secrets
//! Manager by the provider call that needs it.

use crate::cross_stack::ReplicaSource;
use crate::expand::iam::service_role;
use crate::expand::kms::key_value;
use crate::expand::network::subnet;
use crate::expand::parameters;
use crate::expand::security_groups::group;
use crate::expand::tags;
use crate::kinds::{
    cache_subnet_group, database, db_cluster, db_cluster_instance, db_instance, db_read_replica, db_subnet_group,
    iam_role, reader_scaling, replication_group, secret, secret_fields, ssm_parameter,
};
use crate::model::parameters::Engine;
use crate::model::{
    Aurora, CrossRegionReplica, DatabaseCore, ELASTICACHE_PUNCTUATION, MasterPassword, Network, Postgres,
    RDS_PUNCTUATION, Redis, Secret, SecretValue, Stack,
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

/// The stack's secrets: they need no network, so a stack of secrets alone has them too.
pub(super) fn expand_secrets(stack: &Stack, out: &mut Vec<DesiredResource>) {
    for s in &stack.data.secrets {
        let shape = shape_of(stack, &s.name);
        secret(stack, s, &shape, out);
    }
}

pub(super) fn expand(stack: &Stack, net: &Network, sources: &[ReplicaSource], out: &mut Vec<DesiredResource>) {
    let data = &stack.data;
    let private_subnets = || Value::List(net.azs.iter().map(|az| Value::Ref(subnet("private", &az.name))).collect());
    // A replica of another region's instance needs a subnet group of its own region.
    if !data.postgres.is_empty() || !data.replicas_of_others.is_empty() || !data.aurora.is_empty() {
        let address = Address::new(DB_SUBNET_GROUP);
        out.push(DesiredResource::new(
            address.clone(),
            Kind::DbSubnetGroup,
            Attrs::from([
                db_subnet_group::NAME.to(&stack.name),
                db_subnet_group::DESCRIPTION.to(format!("Private subnets of stack {}", stack.name)),
                db_subnet_group::SUBNET_IDS.to(private_subnets()),
                db_subnet_group::TAGS.to(tags(stack, &address, &stack.name)),
            ]),
        ));
    }
    monitoring_role(stack, out);
    if !data.redis.is_empty() {
        out.push(DesiredResource::new(
            Address::new(CACHE_SUBNET_GROUP),
            Kind::CacheSubnetGroup,
            Attrs::from([
                cache_subnet_group::NAME.to(&stack.name),
                cache_subnet_group::DESCRIPTION.to(format!("Private subnets of stack {}", stack.name)),
                cache_subnet_group::SUBNET_IDS.to(private_subnets()),
            ]),
        ));
    }
    for p in &data.postgres {
        postgres(stack, p, out);
    }
    for r in &data.replicas_of_others {
        // Known when a session opened with the source's state; absent for a promoted replica
        // and for commands that read no state (`validate`, `graph`).
        let source = sources.iter().find(|s| s.replica == r.name).filter(|_| !r.promoted);
        replica_of_other(stack, r, source, out);
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
    if let Some(p) = data.postgres.iter().find(|p| p.core.password.secret() == Some(secret)) {
        let endpoint = db_instance::out::ADDRESS.of(&Address::new(format!("postgres.{}", p.name)));
        return Shape::Database { engine: "postgres", endpoint, core: &p.core, ready_after: vec![] };
    }
    if let Some(a) = data.aurora.iter().find(|a| a.core.password.secret() == Some(secret)) {
        let endpoint = db_cluster::out::ENDPOINT.of(&Address::new(format!("aurora.{}", a.name)));
        let ready_after = (1..=a.instances).map(|n| Address::new(format!("aurora.{}.instance[{n}]", a.name))).collect();
        return Shape::Database { engine: "postgres", endpoint, core: &a.core, ready_after };
    }
    if let Some(r) = data.redis.iter().find(|r| r.auth_token_secret.as_deref() == Some(secret)) {
        let endpoint = replication_group::out::ENDPOINT.of(&Address::new(format!("redis.{}", r.name)));
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
            secret::NAME.to(&aws_name),
            secret::DESCRIPTION.to(s.description.as_ref().map_or(Value::Null, Value::str)),
            secret::GENERATE.to(generate),
            secret::VALUE_KEY.to(value_key),
            secret::RECOVERY_WINDOW_DAYS.to(s.recovery_window_days),
            secret::FORCE_DELETE.to(s.force_delete),
            secret::KMS_KEY.to(s.kms_key.as_ref().map(key_value)),
            secret::TAGS.to(tags(stack, &address, &aws_name)),
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
            secret_fields::SECRET_ID.to(Value::Ref(address)),
            secret_fields::FIELDS.to(Value::Map(fields.into_iter().map(|(k, v)| (k.to_owned(), v)).collect())),
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
        database::ENGINE_VERSION.to(&core.engine_version),
        database::STORAGE_ENCRYPTED.to(core.storage_encrypted),
        database::KMS_KEY.to(core.kms_key.as_ref().map(key_value)),
        database::BACKUP_RETENTION_DAYS.to(core.backup_retention_days),
        database::DELETION_PROTECTION.to(core.deletion_protection),
        database::FINAL_SNAPSHOT.to(core.final_snapshot),
        database::APPLY_IMMEDIATELY.to(core.apply_immediately),
        database::DB_NAME.to(&core.database),
        database::USERNAME.to(&core.username),
        database::PASSWORD_SECRET.to(core.password.secret().map_or(Value::Null, |s| Value::Ref(secret_address(s)))),
        database::MANAGED_PASSWORD.to(core.password == MasterPassword::Managed),
        database::PORT.to(core.port),
        database::VPC_SECURITY_GROUP_IDS.to(security_groups(&core.security_groups)),
        database::DB_SUBNET_GROUP.to(Value::Ref(Address::new(DB_SUBNET_GROUP))),
        database::IAM_AUTH.to(core.iam_auth),
        database::MAINTENANCE_WINDOW.to(core.maintenance_window.as_deref()),
        database::BACKUP_WINDOW.to(core.backup_window.as_deref()),
        database::LOG_EXPORTS.to(Value::List(core.log_exports.iter().map(Value::str).collect())),
    ])
}

/// What each instance serving the database has: a PostgreSQL instance, an Aurora member.
fn instance_attrs(core: &DatabaseCore) -> [(String, Value); 7] {
    let monitored = core.enhanced_monitoring_seconds > 0;
    let insights = core.performance_insights.as_ref();
    [
        database::PERFORMANCE_INSIGHTS.to(insights.is_some()),
        database::PERFORMANCE_INSIGHTS_RETENTION_DAYS.to(insights.map(|i| i.retention_days)),
        database::PERFORMANCE_INSIGHTS_KMS_KEY.to(insights.and_then(|i| i.kms_key.as_ref()).map(super::kms::key_value)),
        database::AUTO_MINOR_VERSION_UPGRADE.to(core.auto_minor_version_upgrade),
        database::MONITORING_INTERVAL.to(core.enhanced_monitoring_seconds),
        database::MONITORING_ROLE_ARN.to(monitored.then(|| iam_role::out::ARN.of(&Address::new(MONITORING_ROLE)))),
        // Compared only when platformctl may act on it: `false` reboots an instance RDS says is
        // pending reboot.
        database::PENDING_REBOOT.to(core.reboot_allowed.then_some(false)),
    ]
}

/// The role Enhanced Monitoring sends OS metrics with, one per stack.
pub const MONITORING_ROLE: &str = "data.rds_monitoring_role";

/// The monitoring role, when a database of the stack has Enhanced Monitoring.
fn monitoring_role(stack: &Stack, out: &mut Vec<DesiredResource>) {
    let data = &stack.data;
    let cores = data.postgres.iter().map(|p| &p.core).chain(data.aurora.iter().map(|a| &a.core));
    if cores.into_iter().any(|c| c.enhanced_monitoring_seconds > 0) {
        let name = format!("{}-rds-monitoring", stack.name);
        let policy = "arn:aws:iam::aws:policy/service-role/AmazonRDSEnhancedMonitoringRole";
        out.push(service_role(stack, &Address::new(MONITORING_ROLE), &name, "monitoring.rds", &[policy]));
    }
}

fn postgres(stack: &Stack, p: &Postgres, out: &mut Vec<DesiredResource>) {
    let address = Address::new(format!("postgres.{}", p.name));
    let identifier = format!("{}-{}", stack.name, p.name);
    let replica_ids: Vec<String> = (1..=p.read_replicas.len()).map(|n| format!("{identifier}-replica-{n}")).collect();
    let engine = Engine::Postgres;
    let group = parameters::Group {
        address: Address::new(format!("{address}.parameters")),
        kind: Kind::DbParameterGroup,
        name: format!("{identifier}-{}", engine.family(&p.core.engine_version)),
        family: engine.family(&p.core.engine_version),
        parameters: &p.core.parameters,
        // The replicas first, the primary last.
        reboot: if p.core.reboot_allowed { replica_ids.iter().chain([&identifier]).cloned().collect() } else { vec![] },
    };
    let group = parameters::group(stack, group, engine.default_group(&p.core.engine_version), out);
    let mut attrs = core_attrs(&p.core);
    attrs.extend(instance_attrs(&p.core));
    attrs.extend([
        db_instance::PARAMETER_GROUP.to(group.clone()),
        db_instance::IDENTIFIER.to(&identifier),
        db_instance::ENGINE.to("postgres"),
        db_instance::INSTANCE_CLASS.to(&p.instance_class),
        db_instance::ALLOCATED_STORAGE.to(p.storage_gb),
        db_instance::MAX_ALLOCATED_STORAGE.to(p.max_storage_gb),
        db_instance::MULTI_AZ.to(p.multi_az),
        db_instance::TAGS.to(tags(stack, &address, &identifier)),
    ]);
    out.push(DesiredResource::new(address.clone(), Kind::DbInstance, attrs));
    for (i, (r, replica_id)) in p.read_replicas.iter().zip(&replica_ids).enumerate() {
        let replica = Address::new(format!("{address}.replica[{}]", i + 1));
        let backups = r.backup_retention_days > 0;
        let mut attrs = Attrs::from([
            db_read_replica::IDENTIFIER.to(replica_id),
            db_read_replica::SOURCE.to(Value::Ref(address.clone())),
            db_read_replica::INSTANCE_CLASS.to(&r.instance_class),
            db_read_replica::VPC_SECURITY_GROUP_IDS.to(security_groups(&p.core.security_groups)),
            // A replica is a copy of the data to keep too (and the primary's DR path):
            // protected exactly when the primary is.
            db_read_replica::DELETION_PROTECTION.to(p.core.deletion_protection),
            db_read_replica::TAGS.to(tags(stack, &replica, replica_id)),
            // What it takes from the primary's entry: windows, monitoring, parameters.
            db_read_replica::PARAMETER_GROUP.to(group.clone()),
            db_read_replica::MAINTENANCE_WINDOW.to(p.core.maintenance_window.as_deref()),
            db_read_replica::REPLICA_BACKUP_RETENTION_DAYS.to(r.backup_retention_days),
            db_read_replica::BACKUP_WINDOW.to(p.core.backup_window.as_deref().filter(|_| backups)),
        ]);
        attrs.extend(instance_attrs(&p.core));
        out.push(DesiredResource::new(replica, Kind::DbReadReplica, attrs));
    }
    if let Some(path) = &p.publish_ssm {
        let endpoint = db_instance::out::ADDRESS.of(&address);
        let mut parameters = vec![
            ("endpoint", "String", endpoint, Value::Null, Value::Null),
            ("port", "String", Value::str(p.core.port.to_string()), Value::Null, Value::Null),
            ("database", "String", Value::str(&p.core.database), Value::Null, Value::Null),
            ("username", "String", Value::str(&p.core.username), Value::Null, Value::Null),
        ];
        // An RDS-managed password rotates inside RDS's own secret: a copy in SSM would go
        // stale, so applications read that secret (its ARN is an output) instead.
        if let Some(secret) = p.core.password.secret() {
            let password = Value::Map(
                [("secret".to_owned(), Value::Ref(secret_address(secret))), ("key".to_owned(), Value::str("password"))]
                    .into(),
            );
            // Encrypted with the key that encrypts the secret it copies.
            let key = stack.data.secrets.iter().find(|s| s.name == secret).and_then(|s| s.kms_key.as_ref());
            parameters.push(("password", "SecureString", Value::Null, password, key.map_or(Value::Null, key_value)));
        }
        for (key, kind, value, from_secret, kms_key) in parameters {
            let param = Address::new(format!("{address}.ssm[{key}]"));
            let name = format!("{path}/{key}");
            let resource = DesiredResource::new(
                param.clone(),
                Kind::SsmParameter,
                Attrs::from([
                    ssm_parameter::NAME.to(&name),
                    ssm_parameter::TYPE.to(kind),
                    ssm_parameter::VALUE.to(value),
                    ssm_parameter::VALUE_FROM_SECRET.to(from_secret),
                    ssm_parameter::KMS_KEY.to(kms_key),
                    ssm_parameter::TAGS.to(tags(stack, &param, &name)),
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
fn replica_of_other(
    stack: &Stack,
    r: &CrossRegionReplica,
    source: Option<&ReplicaSource>,
    out: &mut Vec<DesiredResource>,
) {
    let address = Address::new(format!("postgres.{}", r.name));
    let identifier = format!("{}-{}", stack.name, r.name);
    let cross_region = source.is_some_and(|s| s.region != stack.region);
    // An encrypted source across regions needs a key of this region; `aws/rds` unless named.
    let kms_key = match source {
        Some(s) if s.storage_encrypted && (cross_region || r.kms_key.is_some()) => {
            r.kms_key.as_ref().map_or_else(|| Value::str("alias/aws/rds"), key_value)
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
            db_read_replica::IDENTIFIER.to(&identifier),
            db_read_replica::SOURCE.to(source_identifier),
            // Create-time settings, not compared: how to reach the source from this region.
            db_read_replica::SOURCE_ARN.to(source.map_or(Value::Null, |s| Value::str(&s.arn))),
            db_read_replica::SOURCE_REGION.to(if cross_region {
                source.map_or(Value::Null, |s| Value::str(&s.region))
            } else {
                Value::Null
            }),
            db_read_replica::KMS_KEY.to(kms_key),
            db_read_replica::DB_SUBNET_GROUP.to(Value::Ref(Address::new(DB_SUBNET_GROUP))),
            db_read_replica::BACKUP_RETENTION_DAYS.to(r.backup_retention_days),
            db_read_replica::INSTANCE_CLASS.to(&r.instance_class),
            db_read_replica::VPC_SECURITY_GROUP_IDS.to(security_groups(&r.security_groups)),
            db_read_replica::DELETION_PROTECTION.to(r.deletion_protection),
            db_read_replica::TAGS.to(tags(stack, &address, &identifier)),
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
            secret::NAME.to(&secret_name),
            secret::DESCRIPTION
                .to(format!("Connection to {identifier}, a replica of {}/{}", r.source_stack, r.source_postgres)),
            secret::GENERATE.to(Value::Null),
            secret::COPY_FROM.to(copy_from),
            secret::VALUE_KEY.to("password"),
            secret::RECOVERY_WINDOW_DAYS.to(7),
            secret::FORCE_DELETE.to(false),
            secret::TAGS.to(tags(stack, &secret, &secret_name)),
        ]),
    ));
    let own_endpoint = db_read_replica::out::ADDRESS.of(&address);
    let mut fields = vec![("reader_host", own_endpoint.clone()), ("port", db_read_replica::out::PORT.of(&address))];
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
            secret_fields::SECRET_ID.to(Value::Ref(secret)),
            secret_fields::FIELDS.to(Value::Map(fields.into_iter().map(|(k, v)| (k.to_owned(), v)).collect())),
        ]),
    ));
}

fn aurora(stack: &Stack, net: &Network, a: &Aurora, out: &mut Vec<DesiredResource>) {
    let address = Address::new(format!("aurora.{}", a.name));
    let identifier = format!("{}-{}", stack.name, a.name);
    let member_ids: Vec<String> = (1..=a.instances).map(|n| format!("{identifier}-{n}")).collect();
    // Readers first, the first instance (the writer, unless a failover moved it) last.
    let reboot = if a.core.reboot_allowed { member_ids.iter().rev().cloned().collect() } else { vec![] };
    let engine = Engine::AuroraPostgres;
    let (version, family) = (&a.core.engine_version, engine.family(&a.core.engine_version));
    let cluster_group = parameters::Group {
        address: Address::new(format!("{address}.cluster_parameters")),
        kind: Kind::DbClusterParameterGroup,
        name: format!("{identifier}-cluster-{family}"),
        family: family.clone(),
        parameters: &a.core.parameters,
        reboot: reboot.clone(),
    };
    let cluster_group = parameters::group(stack, cluster_group, engine.default_group(version), out);
    let member_group = parameters::Group {
        address: Address::new(format!("{address}.instance_parameters")),
        kind: Kind::DbParameterGroup,
        name: format!("{identifier}-{family}"),
        family,
        parameters: &a.instance_parameters,
        reboot,
    };
    let member_group = parameters::group(stack, member_group, engine.default_group(version), out);
    let mut attrs = core_attrs(&a.core);
    attrs.extend([
        db_cluster::PARAMETER_GROUP.to(cluster_group),
        db_cluster::MEMBER_PARAMETER_GROUP.to(member_group.clone()),
        db_cluster::IDENTIFIER.to(&identifier),
        db_cluster::ENGINE.to("aurora-postgresql"),
        db_cluster::SERVERLESS_CAPACITY.to(a.serverless.map(|sv| {
            Value::Map(
                [("min".to_owned(), Value::decimal(sv.min_acu)), ("max".to_owned(), Value::decimal(sv.max_acu))].into(),
            )
        })),
        db_cluster::TAGS.to(tags(stack, &address, &identifier)),
    ]);
    out.push(DesiredResource::new(address.clone(), Kind::DbCluster, attrs));
    let mut members = Vec::new();
    for (i, member_id) in member_ids.iter().enumerate() {
        let n = i + 1;
        let member = Address::new(format!("{address}.instance[{n}]"));
        // Round-robin over the stack's AZs: instance 1 (the first writer) in the first.
        let az = &net.azs[i % net.azs.len()].name;
        let mut member_attrs = Attrs::from([
            db_cluster_instance::IDENTIFIER.to(member_id),
            db_cluster_instance::CLUSTER.to(Value::Ref(address.clone())),
            db_cluster_instance::ENGINE.to("aurora-postgresql"),
            db_cluster_instance::INSTANCE_CLASS.to(&a.instance_class),
            db_cluster_instance::AVAILABILITY_ZONE.to(az),
            db_cluster_instance::PARAMETER_GROUP.to(member_group.clone()),
            db_cluster_instance::TAGS.to(tags(stack, &member, member_id)),
        ]);
        member_attrs.extend(instance_attrs(&a.core));
        out.push(DesiredResource::new(member.clone(), Kind::DbClusterInstance, member_attrs));
        members.push(member);
    }
    if let Some(scaling) = &a.reader_autoscaling {
        let mut resource = DesiredResource::new(
            Address::new(format!("{address}.reader_scaling")),
            Kind::ReaderScaling,
            Attrs::from([
                reader_scaling::RESOURCE_ID.to(format!("cluster:{identifier}")),
                reader_scaling::MIN.to(scaling.min),
                reader_scaling::MAX.to(scaling.max),
                reader_scaling::TARGET_CPU_PERCENT.to(scaling.target_cpu_percent),
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
            replication_group::ID.to(&id),
            replication_group::DESCRIPTION.to(format!("Redis {} of stack {}", r.name, stack.name)),
            replication_group::ENGINE.to(&r.engine),
            replication_group::ENGINE_VERSION.to(&r.engine_version),
            replication_group::NODE_TYPE.to(&r.node_type),
            replication_group::SHARDS.to(r.shards),
            replication_group::CLUSTER_MODE.to(r.cluster_mode),
            replication_group::REPLICAS_PER_SHARD.to(r.replicas_per_shard),
            replication_group::TRANSIT_ENCRYPTION.to(r.transit_encryption),
            replication_group::AT_REST_ENCRYPTION.to(r.at_rest_encryption),
            replication_group::KMS_KEY.to(r.kms_key.as_ref().map(key_value)),
            replication_group::AUTH_TOKEN_SECRET
                .to(r.auth_token_secret.as_ref().map_or(Value::Null, |s| Value::Ref(secret_address(s)))),
            replication_group::SECURITY_GROUP_IDS.to(security_groups(&r.security_groups)),
            replication_group::CACHE_SUBNET_GROUP.to(Value::Ref(Address::new(CACHE_SUBNET_GROUP))),
            replication_group::PORT.to(r.port),
            replication_group::SNAPSHOT_RETENTION_DAYS.to(r.snapshot_retention_days),
            replication_group::FINAL_SNAPSHOT.to(r.final_snapshot),
            replication_group::APPLY_IMMEDIATELY.to(r.apply_immediately),
            replication_group::TAGS.to(tags(stack, &address, &id)),
        ]),
    ));
}
