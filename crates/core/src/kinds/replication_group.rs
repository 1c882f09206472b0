//! A Redis replication group, after terraform-provider-aws's aws_elasticache_replication_group:
//! at-rest encryption, port and subnet group are ForceNew. Turning transit encryption on in
//! place needs a two-step migration (TransitEncryptionMode preferred, then required) that
//! platformctl does not do yet, so it replaces. DescribeReplicationGroups does not report the
//! engine version, security groups or subnet group (they live on the member clusters): those
//! are compared with what was applied.

pub use super::database::APPLY_IMMEDIATELY;
use crate::resource::schema::*;
pub use crate::resource::schema::{ARN, TAGS};

pub const ID: Attr = Attr::replace("id");
/// `redis` or `valkey`: Redis OSS → Valkey in place (ModifyReplicationGroup), never back.
pub const ENGINE: Attr = Attr::in_place("engine");
/// Cluster mode enabled. ElastiCache's way from off to on (ClusterMode compatible, then
/// enabled) is not done yet: the plan refuses a change (plan::rules).
pub const CLUSTER_MODE: Attr = Attr::in_place("cluster_mode");
pub const DESCRIPTION: Attr = Attr::in_place("description");
pub const ENGINE_VERSION: Attr = Attr::in_place("engine_version").unreported();
pub const NODE_TYPE: Attr = Attr::in_place("node_type");
pub const SHARDS: Attr = Attr::in_place("shards");
pub const REPLICAS_PER_SHARD: Attr = Attr::in_place("replicas_per_shard");
pub const TRANSIT_ENCRYPTION: Attr = Attr::replace("transit_encryption");
pub const AT_REST_ENCRYPTION: Attr = Attr::replace("at_rest_encryption");
/// The KMS key encrypting at rest, as applied (an alias resolves to the ARN AWS reports).
pub const KMS_KEY: Attr = Attr::replace("kms_key").unreported();
/// The ARN of the secret holding the auth token.
pub const AUTH_TOKEN_SECRET: Attr = Attr::in_place("auth_token_secret").unreported();
pub const SECURITY_GROUP_IDS: Attr = Attr::in_place("security_group_ids").set().unreported();
pub const CACHE_SUBNET_GROUP: Attr = Attr::replace("cache_subnet_group").unreported();
pub const PORT: Attr = Attr::replace("port");
pub const SNAPSHOT_RETENTION_DAYS: Attr = Attr::in_place("snapshot_retention_days");
pub const FINAL_SNAPSHOT: Attr = Attr::local("final_snapshot");

pub mod out {
    use crate::resource::schema::Output;
    pub use crate::resource::schema::out::ARN;

    /// What clients connect to: the configuration endpoint in cluster mode, else the primary's.
    pub const ENDPOINT: Output = Output::new("endpoint");
    pub const READER_ENDPOINT: Output = Output::new("reader_endpoint");
    pub const PORT: Output = Output::new("port");
}

pub const DEF: KindDef = KindDef::new(
    "replication_group",
    Service::ElastiCache,
    &[
        ID,
        DESCRIPTION,
        ENGINE,
        ENGINE_VERSION,
        NODE_TYPE,
        SHARDS,
        CLUSTER_MODE,
        REPLICAS_PER_SHARD,
        TRANSIT_ENCRYPTION,
        AT_REST_ENCRYPTION,
        KMS_KEY,
        AUTH_TOKEN_SECRET,
        SECURITY_GROUP_IDS,
        CACHE_SUBNET_GROUP,
        PORT,
        SNAPSHOT_RETENTION_DAYS,
        FINAL_SNAPSHOT,
        APPLY_IMMEDIATELY,
        TAGS,
        ARN,
    ],
    Adoption::Id(ID),
)
.outputs(&[out::ENDPOINT, out::READER_ENDPOINT, out::PORT, out::ARN])
.shown(&[
    ("endpoint", Shown::Output(out::ENDPOINT)),
    ("reader_endpoint", Shown::Output(out::READER_ENDPOINT)),
    ("port", Shown::Output(out::PORT)),
    ("secret_arn", Shown::Attr(AUTH_TOKEN_SECRET)),
])
.lifecycle(Lifecycle::DATA)
.waits(60);
