//! PostgreSQL instances and Aurora clusters in the generated stack: those in the subnet group of
//! exactly the network's private subnets (one per stack, `data.db_subnet_group`), with an
//! RDS-managed master password (one platformctl can name without holding it), in this VPC's
//! security groups. Their values as RDS reports them, the parameters of their own parameter
//! groups included; where the format would change something (TLS, an instance's AZ), a comment.

use std::collections::{BTreeMap, BTreeSet};

use super::{Generated, Subnets, entry_name, group_names, in_private_subnets, quoted, quoted_always, section, unique};
use crate::expand::data::DB_SUBNET_GROUP;
use crate::kinds::{
    database as db, db_cluster, db_cluster_instance as member, db_instance, db_subnet_group, parameter_group,
};
use crate::model::parameters::{Engine, FORCE_SSL};
use crate::resource::{Address, Attrs, Value};

pub(super) fn postgres(
    stack: &str,
    found: &super::Discovered,
    groups: &BTreeMap<&str, String>,
    out: &mut String,
    g: &mut Generated,
) {
    let (mut entries, mut taken) = (Vec::new(), BTreeSet::new());
    for p in &found.postgres {
        let a = &p.attrs;
        let sg_names = group_names(&db::VPC_SECURITY_GROUP_IDS.strings(a), groups);
        let problem = match db::ENGINE.str(a) {
            Some("postgres") => database_problem(a, p.subnet_group.as_ref(), sg_names.is_some(), g),
            Some("aurora-postgresql") => {
                Some("an instance of an Aurora cluster: generate the cluster with `--aurora`".into())
            }
            _ => Some("not a PostgreSQL instance".into()),
        };
        if let Some(why) = problem {
            g.not_expressed.push((p.identifier.clone(), why));
            continue;
        }
        let key = unique(entry_name(stack, &p.identifier), &mut taken);
        let address = Address::new(format!("postgres.{key}"));
        g.ids.insert(address.clone(), p.identifier.clone());
        let mut lines = vec![
            format!("engine_version: {}", quoted_always(db::ENGINE_VERSION.str(a).unwrap_or_default())),
            format!("instance_class: {}", db_instance::INSTANCE_CLASS.str(a).unwrap_or_default()),
            format!("storage_gb: {}", db_instance::ALLOCATED_STORAGE.int(a).unwrap_or_default()),
        ];
        if let Some(max) = db_instance::MAX_ALLOCATED_STORAGE.int(a) {
            lines.push(format!("max_storage_gb: {max}"));
        }
        lines.push(format!("multi_az: {}", db_instance::MULTI_AZ.is_true(a)));
        lines.extend(shared(a, sg_names.unwrap_or_default()));
        lines.extend(serving(a));
        let version = db::ENGINE_VERSION.str(a).unwrap_or_default();
        let group = Own { address: format!("{address}.parameters"), attrs: p.parameter_group.as_ref() };
        lines.extend(parameters("parameters", group, Some((Engine::Postgres, version)), g));
        if db::BACKUP_RETENTION_DAYS.int(a).unwrap_or_default() > 0 {
            lines.extend(replicas(&address, &p.read_replicas, g));
        } else if !p.read_replicas.is_empty() {
            lines.push(
                "# RDS lists replicas of it, yet it keeps no backups, which replicas need: they are left out.".into(),
            );
        }
        entries.push((key, lines));
    }
    section(out, "postgres", entries);
}

/// `read_replicas:` for the replicas in this region, in the order RDS lists them (recorded as
/// `replica[1]`...); a comment for those in other regions, which are another stack's
/// `replica_of` entries.
fn replicas(primary: &Address, found: &[super::DiscoveredReplica], g: &mut Generated) -> Vec<String> {
    let (here, elsewhere): (Vec<_>, Vec<_>) = found.iter().partition(|r| r.instance_class.is_some());
    let mut lines = Vec::new();
    if !here.is_empty() {
        let said: Vec<String> = here
            .iter()
            .enumerate()
            .map(|(i, r)| {
                g.ids.insert(Address::new(format!("{primary}.replica[{}]", i + 1)), r.identifier.clone());
                let class = r.instance_class.as_deref().unwrap_or_default();
                format!("{{ instance_class: {class}, backup_retention_days: {} }}", r.backup_retention_days)
            })
            .collect();
        lines.push(format!("read_replicas: [{}]", said.join(", ")));
    }
    for r in elsewhere {
        lines.push(format!(
            "# Its replica {} is in another region: a `replica_of` entry of the stack there (generate it there).",
            r.identifier
        ));
    }
    lines
}

/// Aurora clusters whose instances share a class: the writer is `instance[1]`, the readers
/// follow in the order platformctl places them (round-robin over the stack's AZs).
pub(super) fn aurora(
    stack: &str,
    found: &super::Discovered,
    groups: &BTreeMap<&str, String>,
    out: &mut String,
    g: &mut Generated,
) {
    let (mut entries, mut taken) = (Vec::new(), BTreeSet::new());
    // The stack's AZs in their order: platformctl's network lists them sorted.
    let azs: Vec<String> = Subnets::recorded(g).private.into_values().collect::<BTreeSet<_>>().into_iter().collect();
    for c in &found.aurora {
        let a = &c.attrs;
        let sg_names = group_names(&db::VPC_SECURITY_GROUP_IDS.strings(a), groups);
        let classes: BTreeSet<&str> = c.members.iter().filter_map(|m| member::INSTANCE_CLASS.str(&m.attrs)).collect();
        let problem = if db::ENGINE.str(a) != Some("aurora-postgresql") {
            Some("not an Aurora PostgreSQL cluster".to_owned())
        } else if c.members.is_empty() || classes.len() != 1 || !c.members.iter().any(|m| m.writer) {
            Some("its instances are not one writer and readers of one class, as platformctl's are".to_owned())
        } else {
            database_problem(a, c.subnet_group.as_ref(), sg_names.is_some(), g)
        };
        if let Some(why) = problem {
            g.not_expressed.push((c.identifier.clone(), why));
            continue;
        }
        let key = unique(entry_name(stack, &c.identifier), &mut taken);
        let address = Address::new(format!("aurora.{key}"));
        g.ids.insert(address.clone(), c.identifier.clone());
        let version = db::ENGINE_VERSION.str(a).unwrap_or_default();
        let mut lines = vec![format!("engine_version: {}", quoted_always(version))];
        match db_cluster::SERVERLESS_CAPACITY.get(a) {
            Value::Map(range) => {
                let acu = |k: &str| range.get(k).and_then(Value::as_str).unwrap_or("0").to_owned();
                lines.push(format!("serverless: {{ min_acu: {}, max_acu: {} }}", acu("min"), acu("max")));
            }
            _ => lines.push(format!("instance_class: {}", classes.iter().next().unwrap_or(&""))),
        }
        lines.push(format!("instances: {}", c.members.len()));
        lines.extend(shared(a, sg_names.unwrap_or_default()));
        let writer = c.members.iter().find(|m| m.writer).expect("checked above");
        lines.extend(serving(&writer.attrs));
        for (n, (m, comment)) in placed(&c.members, &azs).into_iter().enumerate() {
            g.ids.insert(Address::new(format!("{address}.instance[{}]", n + 1)), m.identifier.clone());
            lines.extend(comment);
        }
        let cluster_group = Own { address: format!("{address}.cluster_parameters"), attrs: c.parameter_group.as_ref() };
        lines.extend(parameters("parameters", cluster_group, Some((Engine::AuroraPostgres, version)), g));
        let members_group =
            Own { address: format!("{address}.instance_parameters"), attrs: c.member_parameter_group.as_ref() };
        lines.extend(parameters("instance_parameters", members_group, None, g));
        // Reader auto scaling is platformctl's only under its own policy name: another's stays.
        match &c.reader_scaling_policies {
            Some(policies) if !policies.is_empty() => g.not_expressed.push((
                c.identifier.clone(),
                format!("its reader auto scaling ({}) is not said: it stays as it is", policies.join(", ")),
            )),
            Some(_) => {}
            None => g.not_expressed.push((c.identifier.clone(), "its reader auto scaling could not be read".into())),
        }
        entries.push((key, lines));
    }
    section(out, "aurora", entries);
}

/// Why a database cannot be said, if it cannot; records the stack's subnet group otherwise.
fn database_problem(a: &Attrs, subnet_group: Option<&Attrs>, groups_known: bool, g: &mut Generated) -> Option<String> {
    let problem = if !db::MANAGED_PASSWORD.is_true(a) {
        "its master password is not RDS-managed: turn that on (`aws rds modify-db-instance --manage-master-user-password`, `modify-db-cluster` for Aurora), or `platformctl import` it with a secret that holds the password"
    } else if db::DB_NAME.str(a).is_none() {
        "it has no initial database (the format needs `database`)"
    } else if !in_private_subnets(subnet_group, g) {
        "its subnet group is not the VPC's private subnets, where platformctl puts databases"
    } else if !groups_known {
        "one of its security groups is not one of this VPC's"
    } else {
        let name = subnet_group.and_then(|s| db_subnet_group::NAME.str(s)).unwrap_or_default();
        let recorded = g.ids.entry(Address::new(DB_SUBNET_GROUP)).or_insert_with(|| name.to_owned());
        if recorded == name {
            return None;
        }
        return Some(format!(
            "its subnet group {name} is another than the stack's other databases' ({recorded}): a stack has one"
        ));
    };
    Some(problem.to_owned())
}

/// The fields a PostgreSQL instance and an Aurora cluster share, as RDS reports them.
fn shared(a: &Attrs, security_groups: Vec<String>) -> Vec<String> {
    let mut lines = vec![
        format!("storage_encrypted: {}", db::STORAGE_ENCRYPTED.is_true(a)),
        format!("backup_retention_days: {}", db::BACKUP_RETENTION_DAYS.int(a).unwrap_or_default()),
        format!("deletion_protection: {}", db::DELETION_PROTECTION.is_true(a)),
        format!("database: {}", quoted(db::DB_NAME.str(a).unwrap_or_default())),
        format!("username: {}", quoted(db::USERNAME.str(a).unwrap_or_default())),
        "managed_password: true".to_owned(),
        format!("port: {}", db::PORT.int(a).unwrap_or(5432)),
        format!("security_groups: [{}]", security_groups.join(", ")),
        format!("iam_auth: {}", db::IAM_AUTH.is_true(a)),
    ];
    let exports = db::LOG_EXPORTS.strings(a);
    if !exports.is_empty() {
        lines.push(format!("log_exports: [{}]", exports.join(", ")));
    }
    for (attr, field) in [(db::MAINTENANCE_WINDOW, "maintenance_window"), (db::BACKUP_WINDOW, "backup_window")] {
        if let Some(window) = attr.str(a) {
            lines.push(format!("{field}: {window}"));
        }
    }
    lines
}

/// What an instance serving the database says: a PostgreSQL instance's own, an Aurora
/// cluster's writer's (the stack gives every instance of a cluster the same).
fn serving(a: &Attrs) -> Vec<String> {
    let mut lines = vec![format!("auto_minor_version_upgrade: {}", db::AUTO_MINOR_VERSION_UPGRADE.is_true(a))];
    if db::PERFORMANCE_INSIGHTS.is_true(a) {
        let days = db::PERFORMANCE_INSIGHTS_RETENTION_DAYS.int(a).unwrap_or(7);
        lines.push(format!("performance_insights: {{ retention_days: {days} }}"));
    }
    lines
}

/// An Aurora cluster's instances in the order platformctl places them: the writer first, in
/// the first AZ, then a reader in each next AZ round-robin where one is there; a comment for
/// each instance whose AZ is not the one platformctl would place it in (RDS cannot move an
/// instance: the first apply replaces it).
fn placed<'a>(
    members: &'a [super::DiscoveredMember],
    azs: &[String],
) -> Vec<(&'a super::DiscoveredMember, Option<String>)> {
    let az_of = |m: &super::DiscoveredMember| member::AVAILABILITY_ZONE.str(&m.attrs).unwrap_or_default().to_owned();
    let mut left: Vec<&super::DiscoveredMember> = members.iter().filter(|m| !m.writer).collect();
    let mut order: Vec<&super::DiscoveredMember> = members.iter().filter(|m| m.writer).take(1).collect();
    while !left.is_empty() {
        let wanted = azs.get(order.len() % azs.len().max(1)).cloned().unwrap_or_default();
        let i = left.iter().position(|m| az_of(m) == wanted).unwrap_or(0);
        order.push(left.remove(i));
    }
    order
        .into_iter()
        .enumerate()
        .map(|(i, m)| {
            let wanted = azs.get(i % azs.len().max(1)).cloned().unwrap_or_default();
            let comment = (az_of(m) != wanted).then(|| {
                format!(
                    "# Its instance {} is in {}: platformctl places instance {} in {wanted}, and the first apply replaces it there.",
                    m.identifier,
                    az_of(m),
                    i + 1
                )
            });
            (m, comment)
        })
        .collect()
}

/// A database's parameter group of its own, at its address in the stack.
struct Own<'a> {
    address: String,
    attrs: Option<&'a Attrs>,
}

/// `field: { ... }` for a group of the database's own; with `tls`, `rds.force_ssl` as found
/// where the engine's default does not require TLS (platformctl's default would, changing what
/// clients may do).
fn parameters(field: &str, group: Own, tls: Option<(Engine, &str)>, g: &mut Generated) -> Vec<String> {
    let mut set: BTreeMap<String, String> = match group.attrs.map(|a| parameter_group::PARAMETERS.get(a)) {
        Some(Value::Map(m)) => m.iter().filter_map(|(k, v)| Some((k.clone(), v.as_str()?.to_owned()))).collect(),
        _ => BTreeMap::new(),
    };
    let mut lines = Vec::new();
    if let Some((engine, version)) = tls
        && !engine.requires_tls_by_default(version)
        && !set.contains_key(FORCE_SSL)
    {
        set.insert(FORCE_SSL.to_owned(), "0".to_owned());
        lines.push(format!(
            "# `{FORCE_SSL}: \"0\"` as found: it accepts connections without TLS (`\"1\"` refuses them, platformctl's default).{}",
            if group.attrs.is_some() { "" } else { " Said here, it needs a parameter group of its own, which the first apply creates." }
        ));
    }
    // Without parameters the stack names RDS's default group: the found one stays unmanaged.
    if let Some(attrs) = group.attrs.filter(|_| !set.is_empty()) {
        g.ids.insert(Address::new(group.address), parameter_group::NAME.str(attrs).unwrap_or_default().to_owned());
    }
    if !set.is_empty() {
        let said: Vec<String> = set.iter().map(|(k, v)| format!("{}: {}", quoted(k), quoted_always(v))).collect();
        lines.push(format!("{field}: {{ {} }}", said.join(", ")));
    }
    lines
}
