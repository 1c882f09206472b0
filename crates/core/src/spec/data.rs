//! Raw types of the data tier's sections: `secrets`, `postgres`, `aurora`, `redis`. Defaults
//! and limits are documented here (the JSON Schema shows them to editors) and enforced in
//! `model::data`.

use indexmap::IndexMap;
use schemars::JsonSchema;
use serde::Deserialize;

use super::{ChecksSpec, Located};

/// A Secrets Manager secret: generated once by platformctl, or filled in by people.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct SecretSpec {
    /// Generate the value at creation (never again). Mutually exclusive with `external`.
    pub generate: Option<GenerateSpec>,
    /// Create the secret without a value; people put it there.
    pub external: Option<Located<bool>>,
    /// Shown in the Secrets Manager console.
    pub description: Option<Located<String>>,
    /// Delete at once on destroy instead of after a recovery window. Default false.
    pub force_delete: Option<Located<bool>>,
    /// Days Secrets Manager keeps a deleted secret recoverable, 7 to 30. Default 30.
    pub recovery_window_days: Option<Located<i64>>,
    /// KMS key encrypting the value: a key of `kms_keys` by name, or an existing key's alias or
    /// ARN; `aws/secretsmanager` when absent. Changed in place (Secrets Manager re-encrypts the
    /// current versions with the new key).
    pub kms_key: Option<Located<String>>,
    /// `platformctl check` settings for this entry: rules skipped, each with its reason.
    pub checks: Option<ChecksSpec>,
}

/// How to generate a secret value.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct GenerateSpec {
    /// Number of characters. RDS passwords: 8 to 128 (Aurora and RDS PostgreSQL); ElastiCache
    /// auth tokens: 16 to 128.
    pub length: Located<i64>,
    /// Include punctuation the consumer accepts. Default true.
    pub punctuation: Option<Located<bool>>,
}

/// Declares a database's spec: its own fields, then those an RDS PostgreSQL instance and an
/// Aurora cluster share (once, here), and `fields()` to borrow the shared ones for validation.
/// (serde's `flatten` would do it without a macro, but cannot deny unknown fields.)
macro_rules! database_spec {
    ($(#[$attr:meta])* pub struct $name:ident { $($(#[$field_attr:meta])* pub $field:ident: $ty:ty,)* }) => {
        $(#[$attr])*
        #[derive(Debug, Deserialize, JsonSchema)]
        #[serde(deny_unknown_fields)]
        pub struct $name {
            $($(#[$field_attr])* pub $field: $ty,)*
            /// e.g. `"16.4"` (Aurora: `"16.8"`). A newer minor that AWS applied by itself is not
            /// a change.
            pub engine_version: Located<String>,
            /// Default true. Changing it replaces the database.
            pub storage_encrypted: Option<Located<bool>>,
            /// KMS key alias or ARN for storage encryption; AWS's `aws/rds` key when absent.
            pub kms_key: Option<Located<String>>,
            /// Automated backups, 0 to 35 days (read replicas need at least 1). Default 7.
            pub backup_retention_days: Option<Located<i64>>,
            /// RDS refuses to delete it; platformctl refuses to plan it away. Default true: set it
            /// false (and apply) before a destroy.
            pub deletion_protection: Option<Located<bool>>,
            /// Take a final snapshot when deleted. Default true.
            pub final_snapshot: Option<Located<bool>>,
            /// Apply modifications now rather than in the maintenance window. Default true.
            pub apply_immediately: Option<Located<bool>>,
            /// The initial database's name.
            pub database: Located<String>,
            /// The master user's name.
            pub username: Located<String>,
            /// A generated secret of this stack holding the master password. Or:
            pub password_secret: Option<Located<String>>,
            /// `true`: RDS generates the master password and keeps it in a secret of its own
            /// (rotated by RDS); platformctl never holds it. Instead of `password_secret`.
            pub managed_password: Option<Located<bool>>,
            /// Port, default 5432.
            pub port: Option<Located<i64>>,
            /// Security groups of this stack.
            #[serde(default)]
            pub security_groups: Vec<Located<String>>,
            /// IAM database authentication: clients may connect with IAM tokens. Default false.
            pub iam_auth: Option<Located<bool>>,
            /// Performance Insights on the instance(s): `true` (7 days, AWS's own key), or
            /// `{ retention_days, kms_key }`. Default false.
            pub performance_insights: Option<Located<PerformanceInsightsSpec>>,
            /// Enhanced Monitoring of the instance(s): OS metrics every 1, 5, 10, 15, 30 or 60
            /// seconds, through a role platformctl creates (`<stack>-rds-monitoring`). 0 (the
            /// default): off.
            pub enhanced_monitoring_seconds: Option<Located<i64>>,
            /// Logs published to CloudWatch Logs: `postgresql`, and `upgrade` for an instance.
            /// Default none.
            pub log_exports: Option<Located<Vec<Located<String>>>>,
            /// AWS applies new minor versions in the maintenance window. Default true.
            pub auto_minor_version_upgrade: Option<Located<bool>>,
            /// Weekly maintenance window in UTC, `ddd:hh:mm-ddd:hh:mm` (at least 30 minutes),
            /// e.g. `sun:03:00-sun:04:00`. Default: one RDS picks.
            pub maintenance_window: Option<Located<String>>,
            /// Daily backup window in UTC, `hh:mm-hh:mm` (at least 30 minutes), e.g.
            /// `01:00-01:30`. Default: one RDS picks.
            pub backup_window: Option<Located<String>>,
            /// PostgreSQL parameters, e.g. `{ log_min_duration_statement: "500" }`: a parameter
            /// group of the engine's family (`postgres16`; Aurora: the cluster's group). TLS is
            /// required by default (`rds.force_ssl: "1"`, set where the engine's default differs).
            #[serde(default)]
            pub parameters: IndexMap<Located<String>, Located<String>>,
            /// `allowed`: reboot the instances after a parameter that only a restart applies
            /// changed (and when they are pending reboot). `never` (the default): the plan says
            /// they are pending reboot; restart them yourself.
            pub reboot: Option<Located<String>>,
            /// `platformctl check` settings for this entry: rules skipped, each with its reason.
            pub checks: Option<ChecksSpec>,
        }

        impl $name {
            /// The fields every RDS database shares.
            pub fn fields(&self) -> DatabaseFields<'_> {
                DatabaseFields {
                    engine_version: &self.engine_version,
                    storage_encrypted: &self.storage_encrypted,
                    kms_key: &self.kms_key,
                    backup_retention_days: &self.backup_retention_days,
                    deletion_protection: &self.deletion_protection,
                    final_snapshot: &self.final_snapshot,
                    apply_immediately: &self.apply_immediately,
                    database: &self.database,
                    username: &self.username,
                    password_secret: &self.password_secret,
                    managed_password: &self.managed_password,
                    port: &self.port,
                    security_groups: &self.security_groups,
                    iam_auth: &self.iam_auth,
                    performance_insights: &self.performance_insights,
                    enhanced_monitoring_seconds: &self.enhanced_monitoring_seconds,
                    log_exports: &self.log_exports,
                    auto_minor_version_upgrade: &self.auto_minor_version_upgrade,
                    maintenance_window: &self.maintenance_window,
                    backup_window: &self.backup_window,
                    parameters: &self.parameters,
                    reboot: &self.reboot,
                }
            }
        }
    };
}

/// The fields a PostgreSQL instance and an Aurora cluster share, borrowed from either spec.
pub struct DatabaseFields<'a> {
    pub engine_version: &'a Located<String>,
    pub storage_encrypted: &'a Option<Located<bool>>,
    pub kms_key: &'a Option<Located<String>>,
    pub backup_retention_days: &'a Option<Located<i64>>,
    pub deletion_protection: &'a Option<Located<bool>>,
    pub final_snapshot: &'a Option<Located<bool>>,
    pub apply_immediately: &'a Option<Located<bool>>,
    pub database: &'a Located<String>,
    pub username: &'a Located<String>,
    pub password_secret: &'a Option<Located<String>>,
    pub managed_password: &'a Option<Located<bool>>,
    pub port: &'a Option<Located<i64>>,
    pub security_groups: &'a [Located<String>],
    pub iam_auth: &'a Option<Located<bool>>,
    pub performance_insights: &'a Option<Located<PerformanceInsightsSpec>>,
    pub enhanced_monitoring_seconds: &'a Option<Located<i64>>,
    pub log_exports: &'a Option<Located<Vec<Located<String>>>>,
    pub auto_minor_version_upgrade: &'a Option<Located<bool>>,
    pub maintenance_window: &'a Option<Located<String>>,
    pub backup_window: &'a Option<Located<String>>,
    pub parameters: &'a IndexMap<Located<String>, Located<String>>,
    pub reboot: &'a Option<Located<String>>,
}

database_spec! {
    /// An RDS for PostgreSQL instance in the stack's private subnets.
    pub struct PostgresSpec {
        /// An RDS instance class, e.g. `db.t4g.medium`.
        pub instance_class: Located<String>,
        /// Allocated storage in GiB, 20 to 65536.
        pub storage_gb: Located<i64>,
        /// Storage autoscaling up to this many GiB; off when absent.
        pub max_storage_gb: Option<Located<i64>>,
        /// A standby in a second AZ. Default false.
        pub multi_az: Option<Located<bool>>,
        /// Read replicas in the same region: a count, or one entry per replica.
        pub read_replicas: Option<Located<ReadReplicasSpec>>,
        /// Publish endpoint, port, database, username and password (SecureString) under this path.
        pub publish_ssm: Option<Located<String>>,
    }
}

/// A read replica of another stack's PostgreSQL instance, usually in another region: seed 001's
/// disaster-recovery replica. Written as a `postgres:` entry with `replica_of`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct CrossRegionReplicaSpec {
    /// The instance this one replicates: `{ stack: <other stack>, postgres: <its entry> }`.
    pub replica_of: ReplicaOfSpec,
    /// An RDS instance class, e.g. `db.t4g.medium`.
    pub instance_class: Located<String>,
    /// Security groups of this stack.
    #[serde(default)]
    pub security_groups: Vec<Located<String>>,
    /// KMS key (alias or ARN) of this region for the replica's storage. Only for an encrypted
    /// source (a replica is encrypted exactly when its source is); AWS's `alias/aws/rds` of this
    /// region when absent.
    pub kms_key: Option<Located<String>>,
    /// RDS refuses to delete the replica. Default false.
    pub deletion_protection: Option<Located<bool>>,
    /// Automated backups the instance keeps once promoted (`platformctl promote`), 0 to 35 days.
    /// Default 7.
    pub backup_retention_days: Option<Located<i64>>,
    /// `platformctl check` settings for this entry: rules skipped, each with its reason.
    pub checks: Option<ChecksSpec>,
}

/// Which instance a replica copies.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ReplicaOfSpec {
    /// The other stack's name; its state sits beside this one on the same backend.
    pub stack: Located<String>,
    /// The `postgres:` entry of that stack.
    pub postgres: Located<String>,
    /// Set once `platformctl promote` made this instance a standalone primary: platformctl then
    /// manages it as one and no longer needs the other stack. Default false.
    pub promoted: Option<Located<bool>>,
}

/// What the schema shows for a `postgres:` entry: an instance of the stack's own, or a replica
/// of another stack's.
#[derive(JsonSchema)]
#[serde(untagged)]
#[allow(dead_code)]
pub(super) enum PostgresEntry {
    Own(Box<PostgresSpec>),
    ReplicaOf(Box<CrossRegionReplicaSpec>),
}

/// `read_replicas: 2`, or `read_replicas: [{ instance_class: db.t4g.large }, {}]`.
#[derive(Debug, JsonSchema)]
#[serde(untagged)]
pub enum ReadReplicasSpec {
    Count(i64),
    List(Vec<ReplicaSpec>),
}

/// By hand rather than `#[serde(untagged)]`: YAML scalars arrive as text, and serde's
/// untagged buffering would not turn `1` into a number.
impl<'de> Deserialize<'de> for ReadReplicasSpec {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct Visitor;
        impl<'de> serde::de::Visitor<'de> for Visitor {
            type Value = ReadReplicasSpec;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("a number of replicas, or a list of replicas like `[{ instance_class: db.t4g.large }]`")
            }
            fn visit_i64<E: serde::de::Error>(self, v: i64) -> Result<Self::Value, E> {
                Ok(ReadReplicasSpec::Count(v))
            }
            fn visit_u64<E: serde::de::Error>(self, v: u64) -> Result<Self::Value, E> {
                i64::try_from(v).map(ReadReplicasSpec::Count).map_err(E::custom)
            }
            fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<Self::Value, E> {
                v.trim()
                    .parse()
                    .map(ReadReplicasSpec::Count)
                    .map_err(|_| E::invalid_value(serde::de::Unexpected::Str(v), &self))
            }
            fn visit_seq<A: serde::de::SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
                let mut list = Vec::new();
                while let Some(r) = seq.next_element::<ReplicaSpec>()? {
                    list.push(r);
                }
                Ok(ReadReplicasSpec::List(list))
            }
        }
        d.deserialize_any(Visitor)
    }
}

/// One read replica.
#[derive(Debug, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ReplicaSpec {
    /// Defaults to the primary's class.
    pub instance_class: Option<String>,
    /// Automated backups of the replica itself, 0 to 35 days. Default 0 (none): the primary's
    /// backups cover the data; a replica that may be promoted keeps its own.
    pub backup_retention_days: Option<Located<i64>>,
}

database_spec! {
    /// An Aurora PostgreSQL cluster and its instances, spread over the stack's AZs.
    pub struct AuroraSpec {
        /// The instances' class, e.g. `db.r6g.large`. Or:
        pub instance_class: Option<Located<String>>,
        /// Aurora Serverless v2 instead of `instance_class`: the instances are `db.serverless`
        /// and scale between these Aurora capacity units.
        pub serverless: Option<ServerlessSpec>,
        /// One writer and `instances - 1` readers, 1 to 16.
        pub instances: Located<i64>,
        /// Application Auto Scaling of the readers on their average CPU.
        pub reader_autoscaling: Option<ReaderAutoscalingSpec>,
        /// PostgreSQL parameters of the cluster's instances (a DB parameter group of the family,
        /// `aurora-postgresql16`); `parameters` are the cluster's.
        #[serde(default)]
        pub instance_parameters: IndexMap<Located<String>, Located<String>>,
    }
}

/// Aurora Serverless v2 capacity, in Aurora capacity units (ACU, about 2 GiB of memory each),
/// in steps of 0.5.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ServerlessSpec {
    /// 0 to 256 (0 lets an idle cluster pause, on the engine versions that offer it).
    pub min_acu: Located<f64>,
    /// 1 to 256.
    pub max_acu: Located<f64>,
}

/// Reader auto scaling bounds and target.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ReaderAutoscalingSpec {
    pub min: Located<i64>,
    /// At most 15 Aurora replicas.
    pub max: Located<i64>,
    /// Average reader CPU to hold, 10 to 90. Default 60.
    pub target_cpu_percent: Option<Located<i64>>,
}

/// A Redis replication group in the stack's private subnets.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RedisSpec {
    /// `redis` (Redis OSS, the default) or `valkey`. Redis → Valkey is an in-place upgrade;
    /// ElastiCache has no way back.
    pub engine: Option<Located<String>>,
    /// e.g. `"7.1"` (Redis OSS) or `"8.0"` (Valkey).
    pub engine_version: Located<String>,
    /// An ElastiCache node type, e.g. `cache.t4g.small`.
    pub node_type: Located<String>,
    /// Shards (node groups). Default 1; more than 1 needs cluster mode.
    pub shards: Option<Located<i64>>,
    /// Cluster mode: a configuration endpoint, keys spread over the shards, and resharding in
    /// place — with one shard too. Default: on with more than one shard. Not changed in place.
    pub cluster_mode: Option<Located<bool>>,
    /// Replicas of each shard's primary, 0 to 5. Default 1.
    pub replicas_per_shard: Option<Located<i64>>,
    /// TLS between clients and nodes. Default true; required by `auth_token_secret`, which it
    /// requires in turn.
    pub transit_encryption: Option<Located<bool>>,
    /// Default true. Changing it replaces the group.
    pub at_rest_encryption: Option<Located<bool>>,
    /// KMS key for encryption at rest: a key of `kms_keys` by name, or an existing key's alias
    /// or ARN; ElastiCache's own key when absent. Changing it replaces the group.
    pub kms_key: Option<Located<String>>,
    /// A generated secret of this stack holding the AUTH token.
    pub auth_token_secret: Option<Located<String>>,
    #[serde(default)]
    pub security_groups: Vec<Located<String>>,
    /// Daily snapshots kept, 0 to 35. Default 0.
    pub snapshot_retention_days: Option<Located<i64>>,
    /// Take a final snapshot when deleted. Default true.
    pub final_snapshot: Option<Located<bool>>,
    /// Default true.
    pub apply_immediately: Option<Located<bool>>,
    /// Default 6379.
    pub port: Option<Located<i64>>,
    /// `platformctl check` settings for this entry: rules skipped, each with its reason.
    pub checks: Option<ChecksSpec>,
}

/// `performance_insights:` — on or off, or on with its settings.
#[derive(Debug, JsonSchema)]
#[serde(untagged)]
pub enum PerformanceInsightsSpec {
    Switch(bool),
    Settings(PerformanceInsightsSettings),
}

/// Performance Insights with its settings (the object form turns it on).
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct PerformanceInsightsSettings {
    /// Days the history is kept: 7 (free), 31 times 1 to 23 months, or 731. Default 7.
    pub retention_days: Option<Located<i64>>,
    /// KMS key encrypting the history: a key of `kms_keys` by name, or an existing key. AWS
    /// keeps the key Performance Insights was first turned on with. Default: AWS's own.
    pub kms_key: Option<Located<String>>,
}

// By hand rather than `untagged`: the YAML reader hands every scalar over as text (`true`),
// which an untagged enum would never take for a bool; a mapping is the settings.
impl<'de> Deserialize<'de> for PerformanceInsightsSpec {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct Visitor;
        impl<'de> serde::de::Visitor<'de> for Visitor {
            type Value = PerformanceInsightsSpec;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("`true`, `false` or `{ retention_days, kms_key }`")
            }
            fn visit_bool<E: serde::de::Error>(self, v: bool) -> Result<PerformanceInsightsSpec, E> {
                Ok(PerformanceInsightsSpec::Switch(v))
            }
            fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<PerformanceInsightsSpec, E> {
                v.parse()
                    .map(PerformanceInsightsSpec::Switch)
                    .map_err(|_| E::invalid_value(serde::de::Unexpected::Str(v), &self))
            }
            fn visit_map<A: serde::de::MapAccess<'de>>(self, map: A) -> Result<PerformanceInsightsSpec, A::Error> {
                let settings = Deserialize::deserialize(serde::de::value::MapAccessDeserializer::new(map))?;
                Ok(PerformanceInsightsSpec::Settings(settings))
            }
        }
        deserializer.deserialize_any(Visitor)
    }
}
