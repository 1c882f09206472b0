//! The data tier: secrets, PostgreSQL instances, Aurora clusters and Redis groups. Checks each
//! entry's fields against AWS's limits, and the references between them: a database's password
//! and a cache's token come from a generated secret of this stack that no one else uses, with
//! a length and alphabet the consumer accepts; security groups exist; a network exists to hold
//! the subnet groups.

use std::collections::BTreeMap;

use indexmap::IndexMap;

use super::Checker;
use super::kms::{KmsKeyRef, key_ref};
use super::parameters::{self, Engine};
use crate::spec::{
    CrossRegionReplicaSpec, DatabaseFields, Located, PerformanceInsightsSpec, PostgresSpec, ReadReplicasSpec,
    RedisSpec, SecretSpec, ServerlessSpec, StackSpec,
};

/// Characters RDS accepts in master passwords besides letters and digits (not `/ ' " @`,
/// not spaces).
pub const RDS_PUNCTUATION: &str = "!#$%&()*+,-.:;<=>?[]^_{|}~";
/// The only punctuation ElastiCache accepts in AUTH tokens.
pub const ELASTICACHE_PUNCTUATION: &str = "!&#$^<>-";

#[derive(Clone, Debug, PartialEq)]
pub struct Secret {
    pub name: String,
    pub value: SecretValue,
    pub description: Option<String>,
    pub force_delete: bool,
    pub recovery_window_days: i64,
    pub kms_key: Option<KmsKeyRef>,
}

#[derive(Clone, Debug, PartialEq)]
pub enum SecretValue {
    Generated { length: i64, punctuation: bool },
    External,
}

/// A read replica of a PostgreSQL instance of the stack, in its region.
#[derive(Clone, Debug, PartialEq)]
pub struct ReadReplica {
    pub instance_class: String,
    /// Automated backups of the replica itself, in days; 0: none.
    pub backup_retention_days: i64,
}

/// What PostgreSQL instances and Aurora clusters share.
#[derive(Clone, Debug, PartialEq)]
pub struct DatabaseCore {
    pub engine_version: String,
    pub storage_encrypted: bool,
    pub kms_key: Option<KmsKeyRef>,
    pub backup_retention_days: i64,
    pub deletion_protection: bool,
    pub final_snapshot: bool,
    pub apply_immediately: bool,
    pub database: String,
    pub username: String,
    pub password: MasterPassword,
    pub port: i64,
    pub security_groups: Vec<String>,
    pub iam_auth: bool,
    /// Performance Insights on the instances: `None` off, else its settings.
    pub performance_insights: Option<PerformanceInsights>,
    /// The logs published to CloudWatch Logs, sorted.
    pub log_exports: Vec<String>,
    pub auto_minor_version_upgrade: bool,
    /// Enhanced Monitoring's interval in seconds; 0: off.
    pub enhanced_monitoring_seconds: i64,
    /// `ddd:hh:mm-ddd:hh:mm` UTC; `None`: RDS's choice.
    pub maintenance_window: Option<String>,
    /// `hh:mm-hh:mm` UTC; `None`: RDS's choice.
    pub backup_window: Option<String>,
    /// The parameter group's parameters (an Aurora cluster's: its cluster group's), TLS required
    /// where the engine's default does not; empty: RDS's default group.
    pub parameters: BTreeMap<String, String>,
    /// `reboot: allowed`: restart the instances for parameters that need it.
    pub reboot_allowed: bool,
}

/// The instance class of Aurora Serverless v2 instances.
pub const SERVERLESS_CLASS: &str = "db.serverless";

/// Aurora Serverless v2's capacity range, in ACU.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Serverless {
    pub min_acu: f64,
    pub max_acu: f64,
}

/// `serverless: { min_acu, max_acu }`: 0–256 and 1–256 ACU in steps of 0.5, min ≤ max.
fn serverless_capacity(sv: &ServerlessSpec, field: &str, check: &mut Checker) -> Option<Serverless> {
    let mut valid = true;
    for (v, name, lo) in [(&sv.min_acu, "min_acu", 0.0), (&sv.max_acu, "max_acu", 1.0)] {
        let acu = *v.value();
        if !(lo..=256.0).contains(&acu) || (acu * 2.0).fract() != 0.0 {
            check.error(
                v.location(),
                format!("{field}.{name}"),
                format!("{acu} is not an Aurora Serverless v2 capacity"),
                format!("use {lo} to 256 ACU in steps of 0.5"),
            );
            valid = false;
        }
    }
    if valid && sv.min_acu.value() > sv.max_acu.value() {
        check.error(
            sv.min_acu.location(),
            format!("{field}.min_acu"),
            "min_acu is larger than max_acu",
            "make min_acu <= max_acu",
        );
        valid = false;
    }
    valid.then(|| Serverless { min_acu: *sv.min_acu.value(), max_acu: *sv.max_acu.value() })
}

/// Performance Insights' settings.
#[derive(Clone, Debug, PartialEq)]
pub struct PerformanceInsights {
    /// 7, 31 × 1–23 months, or 731.
    pub retention_days: i64,
    /// `None`: AWS's own key (`aws/rds`).
    pub kms_key: Option<KmsKeyRef>,
}

/// What Performance Insights keeps for free, and AWS's default.
const FREE_INSIGHTS_DAYS: i64 = 7;

/// `performance_insights:` — `true`/`false`, or its settings (which turn it on).
fn performance_insights(
    v: &Option<Located<PerformanceInsightsSpec>>,
    field: &str,
    check: &mut Checker,
) -> Option<PerformanceInsights> {
    let settings = match v.as_ref().map(|v| v.value()) {
        None | Some(PerformanceInsightsSpec::Switch(false)) => return None,
        Some(PerformanceInsightsSpec::Switch(true)) => {
            return Some(PerformanceInsights { retention_days: FREE_INSIGHTS_DAYS, kms_key: None });
        }
        Some(PerformanceInsightsSpec::Settings(settings)) => settings,
    };
    let retention_days = settings.retention_days.as_ref().map_or(FREE_INSIGHTS_DAYS, |d| {
        let days = *d.value();
        let valid = days == FREE_INSIGHTS_DAYS || days == 731 || (days % 31 == 0 && (1..=23).contains(&(days / 31)));
        if !valid {
            check.error(
                d.location(),
                format!("{field}.retention_days"),
                format!("Performance Insights keeps no {days}-day history"),
                "use 7 (free), a number of months times 31 (31, 62, ... 713), or 731",
            );
        }
        days
    });
    let kms_key = settings.kms_key.as_ref().and_then(|k| key_ref(k, &format!("{field}.kms_key"), check));
    Some(PerformanceInsights { retention_days, kms_key })
}

/// Where a database's master password comes from.
#[derive(Clone, Debug, PartialEq)]
pub enum MasterPassword {
    /// A generated secret of this stack (`password_secret`), sent by platformctl.
    Secret(String),
    /// Generated and kept by RDS in a secret of its own (`managed_password: true`).
    Managed,
}

impl MasterPassword {
    /// The stack's secret holding it, if it is one.
    pub fn secret(&self) -> Option<&str> {
        match self {
            MasterPassword::Secret(s) => Some(s),
            MasterPassword::Managed => None,
        }
    }
}

#[derive(Clone, Debug, PartialEq)]
pub struct Postgres {
    pub name: String,
    pub core: DatabaseCore,
    pub instance_class: String,
    pub storage_gb: i64,
    pub max_storage_gb: Option<i64>,
    pub multi_az: bool,
    /// Each replica's instance class.
    pub read_replicas: Vec<ReadReplica>,
    pub publish_ssm: Option<String>,
}

/// A read replica of another stack's PostgreSQL instance (`postgres: { x: { replica_of } }`),
/// usually in another region. Its master password is the source's: platformctl copies it into a
/// secret of this stack and region, `<stack>/<name>`, with the connection fields beside it.
#[derive(Clone, Debug, PartialEq)]
pub struct CrossRegionReplica {
    pub name: String,
    pub source_stack: String,
    pub source_postgres: String,
    /// `platformctl promote` made it a standalone primary and the stack file says so.
    pub promoted: bool,
    pub instance_class: String,
    pub security_groups: Vec<String>,
    pub kms_key: Option<KmsKeyRef>,
    pub deletion_protection: bool,
    pub backup_retention_days: i64,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Aurora {
    pub name: String,
    pub core: DatabaseCore,
    /// `db.serverless` with `serverless`.
    pub instance_class: String,
    /// Aurora Serverless v2's capacity range; `None`: provisioned instances.
    pub serverless: Option<Serverless>,
    pub instances: i64,
    pub reader_autoscaling: Option<ReaderAutoscaling>,
    /// The instances' parameter group's parameters; empty: RDS's default group.
    pub instance_parameters: BTreeMap<String, String>,
}

#[derive(Clone, Debug, PartialEq)]
pub struct ReaderAutoscaling {
    pub min: i64,
    pub max: i64,
    pub target_cpu_percent: i64,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Redis {
    pub name: String,
    /// `redis` or `valkey`, as ElastiCache spells them.
    pub engine: String,
    pub engine_version: String,
    pub node_type: String,
    pub shards: i64,
    /// Cluster mode enabled (a configuration endpoint); always with more than one shard.
    pub cluster_mode: bool,
    pub replicas_per_shard: i64,
    pub transit_encryption: bool,
    pub at_rest_encryption: bool,
    /// The key encrypting at rest; ElastiCache's own when `None`.
    pub kms_key: Option<KmsKeyRef>,
    pub auth_token_secret: Option<String>,
    pub security_groups: Vec<String>,
    pub snapshot_retention_days: i64,
    pub final_snapshot: bool,
    pub apply_immediately: bool,
    pub port: i64,
}

/// The validated data tier of a stack.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct DataTier {
    pub secrets: Vec<Secret>,
    pub postgres: Vec<Postgres>,
    pub replicas_of_others: Vec<CrossRegionReplica>,
    pub aurora: Vec<Aurora>,
    pub redis: Vec<Redis>,
}

impl DataTier {
    pub fn is_empty(&self) -> bool {
        self.secrets.is_empty()
            && self.postgres.is_empty()
            && self.replicas_of_others.is_empty()
            && self.aurora.is_empty()
            && self.redis.is_empty()
    }
}

/// Who reads a secret, for the length and alphabet it must have.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Consumer {
    Rds,
    ElastiCache,
}

pub(super) fn validate(spec: &StackSpec, stack_name: Option<&str>, has_network: bool, check: &mut Checker) -> DataTier {
    let secrets = spec.secrets.iter().filter_map(|(name, s)| secret(name, s, check)).collect();
    let mut uses: IndexMap<String, Vec<(String, Consumer)>> = IndexMap::new();
    let groups: Vec<&str> = spec.security_groups.keys().map(|k| k.as_str()).collect();
    let refs = References { spec, groups: &groups };
    let stack = stack_name.unwrap_or("stack");

    let mut tier = DataTier { secrets, ..DataTier::default() };
    for (name, p) in &spec.postgres {
        let field = format!("postgres.{}", name.value());
        entry_name(name, &field, stack, 63, check);
        let core = core(&field, name, p.fields(), &refs, check);
        // Checked as an RDS password even when the rest of the entry has mistakes.
        if let Some(secret) = &p.password_secret {
            uses.entry(secret.value().clone()).or_default().push((field.clone(), Consumer::Rds));
        }
        let instance_class =
            class(&p.instance_class, &format!("{field}.instance_class"), "db.", "db.t4g.medium", check);
        let storage_gb = int_in(&p.storage_gb, &format!("{field}.storage_gb"), 20, 65536, check);
        let max_storage_gb = p.max_storage_gb.as_ref().and_then(|m| {
            let max = int_in(m, &format!("{field}.max_storage_gb"), 21, 65536, check)?;
            if storage_gb.is_some_and(|s| max <= s) {
                check.error(
                    m.location(),
                    format!("{field}.max_storage_gb"),
                    "max_storage_gb must be larger than storage_gb",
                    "raise it, or remove it to turn storage autoscaling off",
                );
            }
            Some(max)
        });
        let read_replicas = replicas(p, &field, instance_class.as_deref().unwrap_or_default(), check);
        if !read_replicas.is_empty() && core.as_ref().is_some_and(|c| c.backup_retention_days == 0) {
            check.error(
                p.read_replicas.as_ref().and_then(|r| r.location()),
                format!("{field}.read_replicas"),
                "read replicas need automated backups on the primary",
                "set `backup_retention_days` to at least 1",
            );
        }
        let publish_ssm =
            p.publish_ssm.as_ref().and_then(|path| ssm_path(path, &format!("{field}.publish_ssm"), check));
        if let (Some(core), Some(instance_class), Some(storage_gb)) = (core, instance_class, storage_gb) {
            tier.postgres.push(Postgres {
                name: name.value().clone(),
                core,
                instance_class,
                storage_gb,
                max_storage_gb,
                multi_az: flag(&p.multi_az, false),
                read_replicas,
                publish_ssm,
            });
        }
    }
    for (name, r) in &spec.postgres_replicas {
        let field = format!("postgres.{}", name.value());
        entry_name(name, &field, stack, 63, check);
        if let Some(replica) = replica_of_other(name, r, &field, stack, &refs, check) {
            tier.replicas_of_others.push(replica);
        }
    }
    for (name, a) in &spec.aurora {
        let field = format!("aurora.{}", name.value());
        entry_name(name, &field, stack, 60, check);
        let core = core(&field, name, a.fields(), &refs, check);
        if core.as_ref().is_some_and(|c| c.backup_retention_days == 0) {
            check.error(
                a.backup_retention_days.as_ref().and_then(|b| b.location()),
                format!("{field}.backup_retention_days"),
                "Aurora keeps backups for at least 1 day",
                "use 1 to 35",
            );
        }
        if let Some(secret) = &a.password_secret {
            uses.entry(secret.value().clone()).or_default().push((field.clone(), Consumer::Rds));
        }
        let serverless =
            a.serverless.as_ref().and_then(|sv| serverless_capacity(sv, &format!("{field}.serverless"), check));
        let instance_class = match (&a.instance_class, &a.serverless) {
            (Some(c), None) => class(c, &format!("{field}.instance_class"), "db.", "db.r6g.large", check),
            (None, Some(_)) => Some(SERVERLESS_CLASS.to_owned()),
            (given, _) => {
                check.error(
                    given.as_ref().and_then(|c| c.location()).or(name.location()),
                    format!("{field}.instance_class"),
                    if given.is_some() { "give `instance_class` or `serverless`, not both" } else { "the cluster's instances need a size" },
                    "`instance_class: db.r6g.large`, or `serverless: { min_acu: 0.5, max_acu: 16 }` for Aurora Serverless v2",
                );
                None
            }
        };
        let instances = int_in(&a.instances, &format!("{field}.instances"), 1, 16, check);
        let reader_autoscaling = a.reader_autoscaling.as_ref().and_then(|r| {
            let f = format!("{field}.reader_autoscaling");
            let min = int_in(&r.min, &format!("{f}.min"), 0, 15, check)?;
            let max = int_in(&r.max, &format!("{f}.max"), 1, 15, check)?;
            if min > max {
                check.error(r.min.location(), format!("{f}.min"), "min is larger than max", "make min <= max");
            }
            let target = r
                .target_cpu_percent
                .as_ref()
                .map_or(Some(60), |t| int_in(t, &format!("{f}.target_cpu_percent"), 10, 90, check))?;
            Some(ReaderAutoscaling { min, max, target_cpu_percent: target })
        });
        let instance_parameters =
            parameters::parameters(&a.instance_parameters, &format!("{field}.instance_parameters"), None, check);
        if let (Some(core), Some(instance_class), Some(instances)) = (core, instance_class, instances) {
            tier.aurora.push(Aurora {
                name: name.value().clone(),
                core,
                instance_class,
                serverless,
                instances,
                reader_autoscaling,
                instance_parameters,
            });
        }
    }
    for (name, r) in &spec.redis {
        let field = format!("redis.{}", name.value());
        entry_name(name, &field, stack, 40, check);
        if let Some(redis) = redis(name, r, &field, &refs, check) {
            if let Some(secret) = &r.auth_token_secret {
                uses.entry(secret.value().clone()).or_default().push((field.clone(), Consumer::ElastiCache));
            }
            tier.redis.push(redis);
        }
    }
    check_secret_uses(spec, &uses, check);
    let wants_network = !spec.postgres.is_empty()
        || !spec.postgres_replicas.is_empty()
        || !spec.aurora.is_empty()
        || !spec.redis.is_empty();
    if wants_network && !has_network {
        let at = spec
            .postgres
            .keys()
            .chain(spec.postgres_replicas.keys())
            .chain(spec.aurora.keys())
            .chain(spec.redis.keys())
            .next()
            .and_then(|k| k.location());
        check.error(
            at,
            "network",
            "databases and caches need the stack's VPC",
            "add a `network:` section; they go in its private subnets",
        );
    }
    tier
}

fn core(
    field: &str,
    name: &Located<String>,
    f: DatabaseFields,
    refs: &References,
    check: &mut Checker,
) -> Option<DatabaseCore> {
    let engine_version = version(f.engine_version, &format!("{field}.engine_version"), "\"16.4\"", check);
    let backup_retention_days = match f.backup_retention_days {
        Some(b) => int_in(b, &format!("{field}.backup_retention_days"), 0, 35, check),
        None => Some(7),
    };
    let database = pg_identifier(f.database, &format!("{field}.database"), &["template0", "template1"], check);
    let username =
        pg_identifier(f.username, &format!("{field}.username"), &["rdsadmin", "rdsrepladmin", "rds_superuser"], check);
    let port = match f.port {
        Some(p) => int_in(p, &format!("{field}.port"), 1150, 65535, check),
        None => Some(5432),
    };
    let kms_key = f.kms_key.as_ref().and_then(|k| key_ref(k, &format!("{field}.kms_key"), check));
    let storage_encrypted = flag(f.storage_encrypted, true);
    if let (Some(k), false) = (f.kms_key, storage_encrypted) {
        check.error(
            k.location(),
            format!("{field}.kms_key"),
            "a KMS key needs `storage_encrypted: true`",
            "remove kms_key or turn encryption on",
        );
    }
    let security_groups = refs.groups(f.security_groups, &format!("{field}.security_groups"), check);
    let password = master_password(field, name, &f, refs, check);
    // RDS for PostgreSQL publishes its log and the upgrade log; Aurora PostgreSQL its log.
    let exportable: &[&str] = if field.starts_with("aurora.") { &["postgresql"] } else { &["postgresql", "upgrade"] };
    let mut log_exports = Vec::new();
    for log in f.log_exports.as_ref().map(|l| l.value().as_slice()).unwrap_or_default() {
        if exportable.contains(&log.as_str()) {
            log_exports.push(log.value().clone());
        } else {
            check.error(
                log.location(),
                format!("{field}.log_exports"),
                format!("`{}` is not a log this engine publishes", log.value()),
                format!("it publishes: {}", exportable.join(", ")),
            );
        }
    }
    log_exports.sort();
    log_exports.dedup();
    let engine = if field.starts_with("aurora.") { Engine::AuroraPostgres } else { Engine::Postgres };
    let tls_default = engine_version.as_deref().map(|v| (engine, v));
    let parameters = parameters::parameters(f.parameters, &format!("{field}.parameters"), tls_default, check);
    let reboot_allowed = parameters::reboot_allowed(f.reboot.as_ref(), &format!("{field}.reboot"), check);
    Some(DatabaseCore {
        engine_version: engine_version?,
        storage_encrypted,
        kms_key,
        backup_retention_days: backup_retention_days?,
        deletion_protection: flag(f.deletion_protection, true),
        final_snapshot: flag(f.final_snapshot, true),
        apply_immediately: flag(f.apply_immediately, true),
        database: database?,
        username: username?,
        password: password?,
        port: port?,
        security_groups,
        iam_auth: flag(f.iam_auth, false),
        performance_insights: performance_insights(
            f.performance_insights,
            &format!("{field}.performance_insights"),
            check,
        ),
        log_exports,
        auto_minor_version_upgrade: flag(f.auto_minor_version_upgrade, true),
        enhanced_monitoring_seconds: f
            .enhanced_monitoring_seconds
            .as_ref()
            .map_or(0, |s| monitoring_interval(s, &format!("{field}.enhanced_monitoring_seconds"), check)),
        maintenance_window: f
            .maintenance_window
            .as_ref()
            .and_then(|w| window(w, true, &format!("{field}.maintenance_window"), check)),
        backup_window: f
            .backup_window
            .as_ref()
            .and_then(|w| window(w, false, &format!("{field}.backup_window"), check)),
        parameters,
        reboot_allowed,
    })
}

/// The intervals Enhanced Monitoring has (0: off).
fn monitoring_interval(s: &Located<i64>, field: &str, check: &mut Checker) -> i64 {
    const INTERVALS: [i64; 7] = [0, 1, 5, 10, 15, 30, 60];
    if INTERVALS.contains(s.value()) {
        return *s.value();
    }
    check.error(
        s.location(),
        field,
        format!("Enhanced Monitoring has no {}-second interval", s.value()),
        "use 1, 5, 10, 15, 30 or 60 seconds, or 0 for off",
    );
    0
}

/// A maintenance window (`ddd:hh:mm-ddd:hh:mm`, `weekly`) or a backup window (`hh:mm-hh:mm`),
/// in UTC, at least 30 minutes long, as RDS takes them.
fn window(w: &Located<String>, weekly: bool, field: &str, check: &mut Checker) -> Option<String> {
    const DAYS: [&str; 7] = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"];
    // Minutes since the start of the week (or day) of one end.
    let minutes = |end: &str| -> Option<i64> {
        let (day, time) = if weekly {
            let (day, time) = end.split_once(':')?;
            (DAYS.iter().position(|d| *d == day)? as i64, time)
        } else {
            (0, end)
        };
        let (h, m) = time.split_once(':')?;
        let (h, m): (i64, i64) = (h.parse().ok()?, m.parse().ok()?);
        ((0..24).contains(&h) && (0..60).contains(&m) && time.len() == 5).then_some(day * 24 * 60 + h * 60 + m)
    };
    let span = w.value().split_once('-').and_then(|(a, b)| Some((minutes(a)?, minutes(b)?)));
    let (example, period) = if weekly { ("sun:03:00-sun:04:00", 7 * 24 * 60) } else { ("01:00-01:30", 24 * 60) };
    match span {
        Some((from, to)) if (to - from).rem_euclid(period) >= 30 => Some(w.value().clone()),
        Some(_) => {
            check.error(
                w.location(),
                field,
                format!("`{}` is shorter than 30 minutes", w.value()),
                "RDS needs a window of 30 minutes or more",
            );
            None
        }
        None => {
            check.error(
                w.location(),
                field,
                format!("`{}` is not a window", w.value()),
                format!("write it in UTC as RDS does, e.g. `{example}`"),
            );
            None
        }
    }
}

/// `password_secret: <secret>` or `managed_password: true`, exactly one.
fn master_password(
    field: &str,
    name: &Located<String>,
    f: &DatabaseFields<'_>,
    refs: &References<'_>,
    check: &mut Checker,
) -> Option<MasterPassword> {
    let managed = f.managed_password.as_ref().filter(|m| *m.value());
    match (f.password_secret, managed) {
        (Some(secret), None) => {
            refs.secret(secret, &format!("{field}.password_secret"), check);
            Some(MasterPassword::Secret(secret.value().clone()))
        }
        (None, Some(_)) => Some(MasterPassword::Managed),
        (Some(_), Some(m)) => {
            check.error(
                m.location(),
                format!("{field}.managed_password"),
                "a database's password is either a secret of the stack or managed by RDS, not both",
                "remove `password_secret` (RDS keeps the password) or `managed_password` (platformctl sends the secret's)",
            );
            None
        }
        (None, None) => {
            check.error(
                name.location(),
                format!("{field}.password_secret"),
                "a database needs a master password",
                "add `password_secret: <a generated secret of this stack>`, or `managed_password: true` to have RDS keep it",
            );
            None
        }
    }
}

/// A replica of another stack's instance. What needs that stack's state (that it exists, its
/// region, its encryption) is checked when a session opens (`engine`).
fn replica_of_other(
    name: &Located<String>,
    r: &CrossRegionReplicaSpec,
    field: &str,
    stack: &str,
    refs: &References,
    check: &mut Checker,
) -> Option<CrossRegionReplica> {
    let of = &r.replica_of;
    let source_stack = &of.stack;
    if !super::naming::is_identifier_part(source_stack) || source_stack.as_str() == stack {
        check.error(
            source_stack.location(),
            format!("{field}.replica_of.stack"),
            format!("`{}` is not another stack's name", source_stack.value()),
            "name the stack that declares the source instance (its `stack:` field)",
        );
    }
    if !super::naming::is_identifier_part(&of.postgres) {
        check.error(
            of.postgres.location(),
            format!("{field}.replica_of.postgres"),
            format!("`{}` is not a `postgres:` entry name", of.postgres.value()),
            "name the source instance as the other stack's file does, e.g. `users`",
        );
    }
    if refs.spec.secrets.contains_key(name.as_str()) {
        check.error(
            name.location(),
            field,
            format!(
                "the replica's secret `{stack}/{}` would be the secret of `secrets.{}` too",
                name.value(),
                name.value()
            ),
            "rename the replica or the secret",
        );
    }
    let instance_class = class(&r.instance_class, &format!("{field}.instance_class"), "db.", "db.t4g.medium", check);
    let kms_key = r.kms_key.as_ref().and_then(|k| key_ref(k, &format!("{field}.kms_key"), check));
    let backup_retention_days = match &r.backup_retention_days {
        Some(b) => int_in(b, &format!("{field}.backup_retention_days"), 0, 35, check),
        None => Some(7),
    };
    let security_groups = refs.groups(&r.security_groups, &format!("{field}.security_groups"), check);
    Some(CrossRegionReplica {
        name: name.value().clone(),
        source_stack: source_stack.value().clone(),
        source_postgres: of.postgres.value().clone(),
        promoted: flag(&of.promoted, false),
        instance_class: instance_class?,
        security_groups,
        kms_key,
        deletion_protection: flag(&r.deletion_protection, false),
        backup_retention_days: backup_retention_days?,
    })
}

fn redis(name: &Located<String>, r: &RedisSpec, field: &str, refs: &References, check: &mut Checker) -> Option<Redis> {
    let engine_version = version(&r.engine_version, &format!("{field}.engine_version"), "\"7.1\"", check);
    let node_type = class(&r.node_type, &format!("{field}.node_type"), "cache.", "cache.t4g.small", check);
    let shards = r.shards.as_ref().map_or(Some(1), |s| int_in(s, &format!("{field}.shards"), 1, 500, check));
    let replicas = r
        .replicas_per_shard
        .as_ref()
        .map_or(Some(1), |s| int_in(s, &format!("{field}.replicas_per_shard"), 0, 5, check));
    let snapshots = r
        .snapshot_retention_days
        .as_ref()
        .map_or(Some(0), |s| int_in(s, &format!("{field}.snapshot_retention_days"), 0, 35, check));
    let port = r.port.as_ref().map_or(Some(6379), |p| int_in(p, &format!("{field}.port"), 1, 65535, check));
    let transit_encryption = flag(&r.transit_encryption, true);
    if let Some(secret) = &r.auth_token_secret {
        refs.secret(secret, &format!("{field}.auth_token_secret"), check);
        if !transit_encryption {
            check.error(
                secret.location(),
                format!("{field}.auth_token_secret"),
                "an AUTH token requires transit encryption",
                "set `transit_encryption: true` (ElastiCache sends the token only over TLS)",
            );
        }
    } else if transit_encryption {
        check.error(
            name.location(),
            format!("{field}.auth_token_secret"),
            "a Redis group with transit encryption needs an AUTH token",
            "add a generated secret (`secrets: { redis-auth: { generate: { length: 64, punctuation: false } } }`) and `auth_token_secret: redis-auth`; or, for a throwaway cache, `transit_encryption: false`",
        );
    }
    let security_groups = refs.groups(&r.security_groups, &format!("{field}.security_groups"), check);
    let at_rest_encryption = flag(&r.at_rest_encryption, true);
    let kms_key = r.kms_key.as_ref().and_then(|k| key_ref(k, &format!("{field}.kms_key"), check));
    let engine = redis_engine(r, field, check);
    let cluster_mode = match (&r.cluster_mode, shards) {
        (Some(on), Some(shards)) if !*on.value() && shards > 1 => {
            check.error(
                on.location(),
                format!("{field}.cluster_mode"),
                format!("{shards} shards need cluster mode"),
                "remove `cluster_mode: false`, or use one shard",
            );
            false
        }
        (Some(on), _) => *on.value(),
        (None, shards) => shards.is_some_and(|s| s > 1),
    };
    if let (Some(k), false) = (&r.kms_key, at_rest_encryption) {
        check.error(
            k.location(),
            format!("{field}.kms_key"),
            "a KMS key needs `at_rest_encryption: true`",
            "remove kms_key or turn encryption at rest on",
        );
    }
    Some(Redis {
        name: name.value().clone(),
        engine: engine?.to_owned(),
        engine_version: engine_version?,
        node_type: node_type?,
        shards: shards?,
        cluster_mode,
        replicas_per_shard: replicas?,
        transit_encryption,
        at_rest_encryption,
        kms_key,
        auth_token_secret: r.auth_token_secret.as_ref().map(|s| s.value().clone()),
        security_groups,
        snapshot_retention_days: snapshots?,
        final_snapshot: flag(&r.final_snapshot, true),
        apply_immediately: flag(&r.apply_immediately, true),
        port: port?,
    })
}

fn secret(name: &Located<String>, s: &SecretSpec, check: &mut Checker) -> Option<Secret> {
    let field = format!("secrets.{}", name.value());
    let name_ok = !name.is_empty()
        && name.len() <= 256
        && name.chars().all(|c| c.is_ascii_alphanumeric() || "/_+=.@-".contains(c));
    if !name_ok {
        check.error(
            name.location(),
            field.clone(),
            format!("invalid secret name `{}`", name.value()),
            "use letters, digits and /_+=.@- (at most 256)",
        );
    }
    let external = flag(&s.external, false);
    let value = match (&s.generate, external) {
        (Some(g), false) => {
            let length = int_in(&g.length, &format!("{field}.generate.length"), 1, 4096, check)?;
            SecretValue::Generated { length, punctuation: flag(&g.punctuation, true) }
        }
        (None, true) => SecretValue::External,
        (Some(_), true) => {
            check.error(
                name.location(),
                field,
                "a secret is either generated or external, not both",
                "remove `generate` or `external`",
            );
            return None;
        }
        (None, false) => {
            check.error(
                name.location(),
                field,
                "a secret needs `generate: { length: N }` or `external: true`",
                "generated values are made once by platformctl; external ones are put there by people",
            );
            return None;
        }
    };
    let recovery_window_days = match &s.recovery_window_days {
        Some(d) => int_in(d, &format!("{field}.recovery_window_days"), 7, 30, check)?,
        None => 30,
    };
    Some(Secret {
        name: name.value().clone(),
        value,
        description: s.description.as_ref().map(|d| d.value().clone()),
        force_delete: flag(&s.force_delete, false),
        recovery_window_days,
        kms_key: s.kms_key.as_ref().and_then(|k| key_ref(k, &format!("{field}.kms_key"), check)),
    })
}

/// Each secret holds one credential: used by one database or cache, with a length and
/// alphabet it accepts.
fn check_secret_uses(spec: &StackSpec, uses: &IndexMap<String, Vec<(String, Consumer)>>, check: &mut Checker) {
    for (name, users) in uses {
        let Some((key, s)) = spec.secrets.get_key_value(name.as_str()) else { continue };
        let field = format!("secrets.{name}");
        if users.len() > 1 {
            let who: Vec<&str> = users.iter().map(|(u, _)| u.as_str()).collect();
            check.error(
                key.location(),
                field.clone(),
                format!("secret `{name}` is used by {}", who.join(" and ")),
                "a secret holds one credential: declare one secret per database or cache",
            );
            continue;
        }
        let (user, consumer) = &users[0];
        let Some(generate) = &s.generate else {
            check.error(
                key.location(),
                field,
                format!("{user} needs a generated secret, but `{name}` is external"),
                "use `generate: { length: 32 }`; platformctl must know the value before it creates the resource",
            );
            continue;
        };
        let (lo, hi, what) = match consumer {
            Consumer::Rds => (8, 128, "an RDS master password"),
            Consumer::ElastiCache => (16, 128, "an ElastiCache AUTH token"),
        };
        if !(lo..=hi).contains(generate.length.value()) {
            check.error(
                generate.length.location(),
                format!("{field}.generate.length"),
                format!("{what} has {lo} to {hi} characters, not {}", generate.length.value()),
                format!("use a length from {lo} to {hi}"),
            );
        }
    }
}

/// What entries refer to: the stack's secrets and security groups.
struct References<'a> {
    spec: &'a StackSpec,
    groups: &'a [&'a str],
}

impl References<'_> {
    fn secret(&self, name: &Located<String>, field: &str, check: &mut Checker) {
        if !self.spec.secrets.contains_key(name.as_str()) {
            let known: Vec<&str> = self.spec.secrets.keys().map(|k| k.as_str()).collect();
            check.error(
                name.location(),
                field,
                format!("no secret `{}` in this stack", name.value()),
                if known.is_empty() {
                    format!("declare it: `secrets: {{ {}: {{ generate: {{ length: 32 }} }} }}`", name.value())
                } else {
                    format!("declared secrets: {}", known.join(", "))
                },
            );
        }
    }

    fn groups(&self, names: &[Located<String>], field: &str, check: &mut Checker) -> Vec<String> {
        for n in names {
            if !self.groups.contains(&n.as_str()) {
                check.error(
                    n.location(),
                    field,
                    format!("no security group `{}` in this stack", n.value()),
                    if self.groups.is_empty() {
                        "declare it under `security_groups:`".to_owned()
                    } else {
                        format!("declared groups: {}", self.groups.join(", "))
                    },
                );
            }
        }
        names.iter().map(|n| n.value().clone()).collect()
    }
}

fn replicas(p: &PostgresSpec, field: &str, primary_class: &str, check: &mut Checker) -> Vec<ReadReplica> {
    let Some(spec) = &p.read_replicas else { return vec![] };
    let primary = || ReadReplica { instance_class: primary_class.to_owned(), backup_retention_days: 0 };
    let replicas: Vec<ReadReplica> = match spec.value() {
        ReadReplicasSpec::Count(n) => (0..*n.max(&0)).map(|_| primary()).collect(),
        ReadReplicasSpec::List(list) => list
            .iter()
            .map(|r| ReadReplica {
                instance_class: r.instance_class.clone().unwrap_or_else(|| primary_class.to_owned()),
                backup_retention_days: r
                    .backup_retention_days
                    .as_ref()
                    .map_or(Some(0), |b| {
                        int_in(b, &format!("{field}.read_replicas.backup_retention_days"), 0, 35, check)
                    })
                    .unwrap_or(0),
            })
            .collect(),
    };
    let count = match spec.value() {
        ReadReplicasSpec::Count(n) => *n,
        ReadReplicasSpec::List(l) => l.len() as i64,
    };
    if !(0..=5).contains(&count) {
        check.error(
            spec.location(),
            format!("{field}.read_replicas"),
            format!("{count} read replicas; RDS allows 0 to 5 per instance"),
            "use at most 5",
        );
        return vec![];
    }
    for r in &replicas {
        if !is_class(&r.instance_class, "db.") {
            check.error(
                spec.location(),
                format!("{field}.read_replicas"),
                format!("`{}` is not an RDS instance class", r.instance_class),
                "use a class like `db.t4g.large`",
            );
        }
    }
    replicas
}

fn entry_name(name: &Located<String>, field: &str, stack: &str, max_identifier: usize, check: &mut Checker) {
    if !super::naming::is_identifier_part(name) {
        check.error(
            name.location(),
            field,
            format!("invalid name `{}`", name.value()),
            "use lowercase letters, digits and single dashes, starting with a letter",
        );
        return;
    }
    // Replicas and cluster members add `-replica-N` / `-N`.
    let identifier = format!("{stack}-{}", name.value());
    let room = if field.starts_with("postgres.") { identifier.len() + "-replica-5".len() } else { identifier.len() };
    if room > max_identifier {
        check.error(
            name.location(),
            field,
            format!("the AWS identifier `{identifier}` would be too long (at most {max_identifier} characters with its suffixes)"),
            "shorten the stack or the entry name",
        );
    }
}

pub(super) fn flag(v: &Option<Located<bool>>, default: bool) -> bool {
    v.as_ref().map_or(default, |b| *b.value())
}

pub(super) fn int_in(v: &Located<i64>, field: &str, lo: i64, hi: i64, check: &mut Checker) -> Option<i64> {
    if (lo..=hi).contains(v.value()) {
        return Some(*v.value());
    }
    check.error(
        v.location(),
        field,
        format!("{} is out of range", v.value()),
        format!("use a value from {lo} to {hi}"),
    );
    None
}

fn is_class(s: &str, prefix: &str) -> bool {
    let Some(rest) = s.strip_prefix(prefix) else { return false };
    let parts: Vec<&str> = rest.split('.').collect();
    parts.len() == 2
        && parts
            .iter()
            .all(|p| !p.is_empty() && p.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-'))
}

fn class(v: &Located<String>, field: &str, prefix: &str, example: &str, check: &mut Checker) -> Option<String> {
    if is_class(v, prefix) {
        return Some(v.value().clone());
    }
    check.error(
        v.location(),
        field,
        format!("`{}` is not an AWS {prefix}* class", v.value()),
        format!("use a class like `{example}`"),
    );
    None
}

fn version(v: &Located<String>, field: &str, example: &str, check: &mut Checker) -> Option<String> {
    let ok = !v.is_empty() && v.split('.').all(|p| !p.is_empty() && p.chars().all(|c| c.is_ascii_digit()));
    if ok {
        return Some(v.value().clone());
    }
    check.error(
        v.location(),
        field,
        format!("`{}` is not an engine version", v.value()),
        format!("write it as a quoted string, e.g. {example}"),
    );
    None
}

/// PostgreSQL names RDS accepts: a letter, then letters, digits and underscores, at most 63.
fn pg_identifier(v: &Located<String>, field: &str, reserved: &[&str], check: &mut Checker) -> Option<String> {
    let ok = !v.is_empty()
        && v.len() <= 63
        && v.starts_with(|c: char| c.is_ascii_alphabetic())
        && v.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
    if !ok {
        check.error(
            v.location(),
            field,
            format!("invalid name `{}`", v.value()),
            "start with a letter; use letters, digits and `_`, at most 63 characters",
        );
        return None;
    }
    if reserved.contains(&v.to_ascii_lowercase().as_str()) {
        check.error(v.location(), field, format!("`{}` is reserved by RDS", v.value()), "choose another name");
        return None;
    }
    Some(v.value().clone())
}

/// `redis` (default) or `valkey`, with a version the engine has: Valkey starts at 7.2.
fn redis_engine(r: &RedisSpec, field: &str, check: &mut Checker) -> Option<&'static str> {
    let engine = match r.engine.as_ref().map(|e| e.as_str()) {
        None | Some("redis") => "redis",
        Some("valkey") => "valkey",
        Some(other) => {
            check.error(
                r.engine.as_ref().and_then(|e| e.location()),
                format!("{field}.engine"),
                format!("`{other}` is not an ElastiCache engine platformctl manages"),
                "use `redis` (Redis OSS) or `valkey`",
            );
            return None;
        }
    };
    let version = r.engine_version.as_str();
    let numbers: Vec<u32> = version.split('.').filter_map(|n| n.parse().ok()).collect();
    if engine == "valkey" && !(numbers.first() >= Some(&8) || numbers.as_slice() >= [7, 2].as_slice()) {
        check.error(
            r.engine_version.location(),
            format!("{field}.engine_version"),
            format!("Valkey has no version {version}"),
            "ElastiCache's Valkey versions start at 7.2 (e.g. `\"8.0\"`)",
        );
        return None;
    }
    Some(engine)
}

fn ssm_path(v: &Located<String>, field: &str, check: &mut Checker) -> Option<String> {
    let ok = v.starts_with('/')
        && !v.ends_with('/')
        && v.len() <= 900
        && v.chars().all(|c| c.is_ascii_alphanumeric() || "_.-/".contains(c))
        && !v.to_ascii_lowercase().starts_with("/aws")
        && !v.to_ascii_lowercase().starts_with("/ssm");
    if ok {
        return Some(v.value().clone());
    }
    check.error(
        v.location(),
        field,
        format!("`{}` is not a parameter path", v.value()),
        "use a path like `/user-service/db`: letters, digits, _.-/, starting with `/`, not `/aws` or `/ssm`",
    );
    None
}

#[cfg(test)]
mod tests {
    use super::MasterPassword;
    use crate::model::test_support::{USER_SERVICE, stack_from};

    /// Parameters as text (booleans as RDS's 1/0), TLS required where the engine's default does
    /// not (RDS for PostgreSQL before 15, Aurora PostgreSQL) unless the stack says otherwise; bad
    /// names, empty values and reboot settings each refused at their line.
    #[test]
    fn database_parameters_and_tls_by_default() {
        let postgres = |version: &str, extra: &str| {
            stack_from(&format!(
                "{USER_SERVICE}secrets:\n  m: {{ generate: {{ length: 32 }} }}\npostgres:\n  db: {{ engine_version: \"{version}\", instance_class: db.t4g.micro, storage_gb: 20, database: app, username: app, password_secret: m{extra} }}\n"
            ))
        };
        let params = |s: crate::model::Stack| s.data.postgres[0].core.parameters.clone();
        let set = postgres("16.4", ", parameters: { log_connections: true, log_min_duration_statement: 500 }").unwrap();
        assert_eq!(
            params(set).into_iter().collect::<Vec<_>>(),
            [
                ("log_connections".to_owned(), "1".to_owned()),
                ("log_min_duration_statement".to_owned(), "500".to_owned())
            ]
        );
        assert!(params(postgres("16.4", "").unwrap()).is_empty(), "PostgreSQL 15+ requires TLS by default");
        assert_eq!(params(postgres("14.12", "").unwrap()).get("rds.force_ssl").map(String::as_str), Some("1"));
        let opted_out = postgres("14.12", ", parameters: { rds.force_ssl: 0 }").unwrap();
        assert_eq!(params(opted_out).get("rds.force_ssl").map(String::as_str), Some("0"));
        assert!(postgres("16.4", ", reboot: allowed").unwrap().data.postgres[0].core.reboot_allowed);

        let errors =
            postgres("16.4", ", parameters: { Max-Connections: 10, work_mem: \"\" }, reboot: always").unwrap_err();
        assert!(
            errors.contains("postgres.db.parameters.Max-Connections")
                && errors.contains("is not a PostgreSQL parameter name"),
            "{errors}"
        );
        assert!(
            errors.contains("postgres.db.parameters.work_mem") && errors.contains("a parameter needs a value"),
            "{errors}"
        );
        assert!(
            errors.contains("postgres.db.reboot") && errors.contains("`always` is not a reboot setting"),
            "{errors}"
        );

        let aurora = stack_from(&format!(
            "{USER_SERVICE}aurora:\n  api: {{ engine_version: \"16.8\", instance_class: db.r6g.large, instances: 2, database: api, username: app, managed_password: true, instance_parameters: {{ shared_preload_libraries: pg_stat_statements }} }}\n"
        ))
        .unwrap();
        let api = &aurora.data.aurora[0];
        assert_eq!(api.core.parameters.get("rds.force_ssl").map(String::as_str), Some("1"), "Aurora's default is 0");
        assert_eq!(
            api.instance_parameters.get("shared_preload_libraries").map(String::as_str),
            Some("pg_stat_statements")
        );
    }

    /// A replica keeps backups of its own when its entry says so (0–35 days); none by default.
    #[test]
    fn read_replica_backups() {
        let postgres = |replicas: &str| {
            stack_from(&format!(
                "{USER_SERVICE}secrets:\n  m: {{ generate: {{ length: 32 }} }}\npostgres:\n  db: {{ engine_version: \"16.4\", instance_class: db.t4g.micro, storage_gb: 20, database: app, username: app, password_secret: m, read_replicas: {replicas} }}\n"
            ))
        };
        let days = |s: crate::model::Stack| {
            s.data.postgres[0].read_replicas.iter().map(|r| r.backup_retention_days).collect::<Vec<_>>()
        };
        assert_eq!(days(postgres("2").unwrap()), [0, 0]);
        assert_eq!(days(postgres("[{ backup_retention_days: 7 }, {}]").unwrap()), [7, 0]);
        let errors = postgres("[{ backup_retention_days: 40 }]").unwrap_err();
        assert!(errors.contains("postgres.db.read_replicas.backup_retention_days"), "{errors}");
    }

    /// Aurora Serverless v2 instead of an instance class, its range checked.
    #[test]
    fn aurora_serverless_v2_capacity() {
        let cluster = |size: &str| {
            format!(
                "{USER_SERVICE}aurora:\n  api: {{ engine_version: \"16.8\", {size}, instances: 2, database: api, username: app, managed_password: true }}\n"
            )
        };
        let stack = stack_from(&cluster("serverless: { min_acu: 0.5, max_acu: 16 }")).unwrap();
        let api = &stack.data.aurora[0];
        assert_eq!(api.instance_class, "db.serverless");
        assert_eq!(api.serverless, Some(super::Serverless { min_acu: 0.5, max_acu: 16.0 }));
        let errors = stack_from(&cluster("serverless: { min_acu: 8, max_acu: 2.25 }")).unwrap_err();
        assert!(errors.contains("2.25 is not an Aurora Serverless v2 capacity"), "{errors}");
        let errors = stack_from(&cluster("serverless: { min_acu: 8, max_acu: 2 }")).unwrap_err();
        assert!(errors.contains("min_acu is larger than max_acu"), "{errors}");
        let errors =
            stack_from(&cluster("instance_class: db.r6g.large, serverless: { min_acu: 1, max_acu: 2 }")).unwrap_err();
        assert!(errors.contains("give `instance_class` or `serverless`, not both"), "{errors}");
        let errors = stack_from(&cluster("port: 5432")).unwrap_err();
        assert!(errors.contains("the cluster's instances need a size"), "{errors}");
    }

    /// `performance_insights:` as a switch or with its settings; a history length RDS does not
    /// offer points at its line.
    #[test]
    fn performance_insights_as_a_switch_or_with_settings() {
        let db = |insights: &str| {
            format!(
                "{USER_SERVICE}kms_keys: {{ insights: {{}} }}\nsecrets:\n  m: {{ generate: {{ length: 32 }} }}\npostgres:\n  db: {{ engine_version: \"16.4\", instance_class: db.t4g.micro, storage_gb: 20, database: app, username: app, password_secret: m, performance_insights: {insights} }}\n"
            )
        };
        let insights = |src: &str| stack_from(src).unwrap().data.postgres[0].core.performance_insights.clone();
        assert_eq!(insights(&db("false")), None);
        let on = insights(&db("true")).unwrap();
        assert_eq!((on.retention_days, on.kms_key), (7, None));
        let settings = insights(&db("{ retention_days: 93, kms_key: insights }")).unwrap();
        assert_eq!(settings.retention_days, 93);
        assert_eq!(settings.kms_key, Some(crate::model::KmsKeyRef::Stack("insights".into())));
        let errors = stack_from(&db("{ retention_days: 30 }")).unwrap_err();
        assert!(errors.contains("Performance Insights keeps no 30-day history"), "{errors}");
        assert!(errors.contains("(postgres.db.performance_insights.retention_days)"), "{errors}");
        let errors = stack_from(&db("{ retention: 31 }")).unwrap_err();
        assert!(errors.contains("unknown field `retention`"), "{errors}");
    }

    /// Secure defaults: a database left unspecified is protected from deletion, and Redis with
    /// TLS (its default) needs an AUTH token.
    #[test]
    fn databases_are_protected_and_redis_with_tls_needs_a_token_by_default() {
        let src = format!(
            "{USER_SERVICE}secrets:\n  m: {{ generate: {{ length: 32 }} }}\npostgres:\n  db: {{ engine_version: \"16.4\", instance_class: db.t4g.micro, storage_gb: 20, database: app, username: app, password_secret: m }}\n"
        );
        let stack = stack_from(&src).unwrap();
        let core = &stack.data.postgres[0].core;
        assert_eq!((core.deletion_protection, core.final_snapshot, core.storage_encrypted), (true, true, true));
        let redis =
            format!("{USER_SERVICE}redis:\n  cache: {{ engine_version: \"7.1\", node_type: cache.t4g.small }}\n");
        let err = stack_from(&redis).unwrap_err();
        assert!(err.contains("a Redis group with transit encryption needs an AUTH token"), "{err}");
        assert!(err.contains("redis.cache.auth_token_secret"), "{err}");
        let plain =
            redis.replace("node_type: cache.t4g.small", "node_type: cache.t4g.small, transit_encryption: false");
        assert!(stack_from(&plain).is_ok());
    }

    #[test]
    fn the_seed_data_tier_validates() {
        let stack = crate::model::test_support::stack_from_file("stacks/user-service.yaml").unwrap();
        let p = &stack.data.postgres[0];
        assert_eq!((p.core.port, p.read_replicas.len(), p.core.deletion_protection), (5432, 1, true));
        assert_eq!(stack.data.redis[0].auth_token_secret.as_deref(), Some("redis-auth"));
    }

    #[test]
    fn data_tier_mistakes_are_reported_together() {
        let src = format!(
            "{USER_SERVICE}\
secrets:
  pg: {{ generate: {{ length: 6 }} }}
  token: {{ generate: {{ length: 32 }}, external: true }}
  partner: {{ external: true }}
postgres:
  users:
    engine_version: 16.x
    instance_class: m5.large
    storage_gb: 10
    max_storage_gb: 5
    backup_retention_days: 0
    database: 1users
    username: rdsadmin
    password_secret: pg
    security_groups: [nope]
    read_replicas: 6
    publish_ssm: db/users
  orders:
    engine_version: \"16.4\"
    instance_class: db.t4g.medium
    storage_gb: 20
    database: orders
    username: app
    password_secret: partner
redis:
  sessions:
    engine_version: \"7.1\"
    node_type: cache.t4g.small
    transit_encryption: false
    auth_token_secret: missing
"
        );
        insta::assert_snapshot!(stack_from(&src).unwrap_err());
    }

    /// A database's master password: a secret of the stack or RDS's own, exactly one.
    #[test]
    fn windows_are_rds_windows_of_half_an_hour_or_more() {
        let db = |windows: &str| {
            stack_from(&format!(
                "{USER_SERVICE}secrets:\n  m: {{ generate: {{ length: 32 }} }}\npostgres:\n  db: {{ engine_version: \"16.4\", instance_class: db.t4g.micro, storage_gb: 20, database: app, username: app, password_secret: m, {windows} }}\n"
            ))
        };
        let ok = db("maintenance_window: sat:23:45-sun:00:15, backup_window: 23:50-00:20").unwrap();
        let core = &ok.data.postgres[0].core;
        assert_eq!(core.maintenance_window.as_deref(), Some("sat:23:45-sun:00:15"), "across days and the week's end");
        assert_eq!(core.backup_window.as_deref(), Some("23:50-00:20"), "across midnight");
        let errors = db("maintenance_window: sunday 3am, backup_window: 01:00-01:20").unwrap_err();
        assert!(errors.contains("`sunday 3am` is not a window") && errors.contains("sun:03:00-sun:04:00"), "{errors}");
        assert!(errors.contains("`01:00-01:20` is shorter than 30 minutes"), "{errors}");
    }

    #[test]
    fn redis_engines_versions_and_cluster_mode() {
        let redis = |body: &str| {
            stack_from(&format!(
                "{USER_SERVICE}redis:\n  cache: {{ node_type: cache.t4g.small, transit_encryption: false, {body} }}\n"
            ))
        };
        let one_shard = redis("engine: valkey, engine_version: \"8.0\", cluster_mode: true").unwrap();
        let cache = &one_shard.data.redis[0];
        assert_eq!((cache.engine.as_str(), cache.shards, cache.cluster_mode), ("valkey", 1, true));
        assert!(redis("engine_version: \"7.1\", shards: 3").unwrap().data.redis[0].cluster_mode, "on with shards");
        let errors = redis("engine: valkey, engine_version: \"7.1\"").unwrap_err();
        assert!(errors.contains("Valkey has no version 7.1"), "{errors}");
        let errors = redis("engine: memcached, engine_version: \"1.6\"").unwrap_err();
        assert!(errors.contains("`memcached` is not an ElastiCache engine"), "{errors}");
        let errors = redis("engine_version: \"7.1\", shards: 2, cluster_mode: false").unwrap_err();
        assert!(errors.contains("2 shards need cluster mode"), "{errors}");
    }

    #[test]
    fn a_database_has_exactly_one_source_of_its_password() {
        let db = |password: &str| {
            format!(
                "stack: app\nregion: eu-west-1\nnetwork:\n  cidr: 10.0.0.0/16\n  azs: [eu-west-1a, eu-west-1b]\n  public_subnets: [10.0.0.0/18, 10.0.64.0/18]\n  private_subnets: [10.0.128.0/18, 10.0.192.0/18]\nsecrets:\n  pw: {{ generate: {{ length: 32 }} }}\npostgres:\n  users:\n    engine_version: \"16.4\"\n    instance_class: db.t4g.medium\n    storage_gb: 20\n    database: users\n    username: app\n{password}"
            )
        };
        let managed = stack_from(&db("    managed_password: true\n")).unwrap();
        assert_eq!(managed.data.postgres[0].core.password, MasterPassword::Managed);
        let secret = stack_from(&db("    password_secret: pw\n")).unwrap();
        assert_eq!(secret.data.postgres[0].core.password, MasterPassword::Secret("pw".into()));
        let both = stack_from(&db("    password_secret: pw\n    managed_password: true\n")).unwrap_err();
        assert!(both.contains("not both") && both.contains("postgres.users.managed_password"), "{both}");
        let neither = stack_from(&db("")).unwrap_err();
        assert!(neither.contains("needs a master password") && neither.contains("managed_password: true"), "{neither}");
    }
}
