//! The data tier's rules: RDS PostgreSQL and Aurora (encryption, Multi-AZ, deletion
//! protection, backups, final snapshot), ElastiCache Redis (encryption both ways, AUTH,
//! failover, snapshots), Secrets Manager (rotation), notification topics (encryption) and the
//! KMS keys that encrypt them (rotation of the key material).

use super::Findings;
use super::catalogue::*;
use crate::model::{DatabaseCore, Stack};

/// Backups shorter than this cannot reach back over a long weekend and its discovery.
const MIN_BACKUP_DAYS: i64 = 7;

pub(super) fn evaluate(stack: &Stack, found: &mut Findings) {
    for p in &stack.data.postgres {
        let address = format!("postgres.{}", p.name);
        database(&p.core, "postgres", &p.name, &address, [RDS_ENCRYPTED, RDS_DELETION_PROTECTION, RDS_IAM_AUTH], found);
        if !p.multi_az {
            found.add(
                RDS_MULTI_AZ,
                &address,
                &["postgres", &p.name, "multi_az"],
                "the instance has no standby in a second availability zone",
                "multi_az: true",
            );
        }
    }
    for a in &stack.data.aurora {
        let address = format!("aurora.{}", a.name);
        database(
            &a.core,
            "aurora",
            &a.name,
            &address,
            [AURORA_ENCRYPTED, AURORA_DELETION_PROTECTION, AURORA_IAM_AUTH],
            found,
        );
    }
    for r in &stack.data.replicas_of_others {
        let address = format!("postgres.{}", r.name);
        let at = |field: &'static str| ["postgres", r.name.as_str(), field];
        if !r.deletion_protection {
            found.add(
                RDS_DELETION_PROTECTION,
                &address,
                &at("deletion_protection"),
                "the replica — the database once promoted — can be deleted without a second step",
                "deletion_protection: true",
            );
        }
        if r.backup_retention_days < MIN_BACKUP_DAYS {
            found.add(
                RDS_BACKUPS,
                &address,
                &at("backup_retention_days"),
                format!("once promoted, backups are kept {} days", r.backup_retention_days),
                "backup_retention_days: 7",
            );
        }
    }
    for r in &stack.data.redis {
        redis(r, found);
    }
    for s in &stack.data.secrets {
        found.add(
            SECRET_ROTATION,
            format!("secret.{}", s.name),
            &["secrets", &s.name],
            "the secret has no rotation schedule",
            "checks: { skip: { CKV2_AWS_57: \"<how and when it is rotated>\" } }",
        );
    }
    for n in stack.notifications.iter().filter(|n| n.kms_key.is_none()) {
        found.add(
            SNS_ENCRYPTED,
            format!("notifications.{}", n.name),
            &["notifications", &n.name, "kms_key"],
            "the topic's messages are not encrypted at rest",
            "kms_key: <a key of kms_keys>   # its policy then lets CloudWatch alarms publish",
        );
    }
    for k in stack.kms_keys.iter().filter(|k| !k.rotation) {
        found.add(
            KMS_ROTATION,
            format!("kms_keys.{}", k.name),
            &["kms_keys", &k.name, "rotation"],
            "the key material is never rotated",
            "rotation: true",
        );
    }
}

/// The rules an RDS instance and an Aurora cluster share; `[encrypted, protected, iam_auth]`
/// are the engine's own rule ids for three of them.
fn database(
    core: &DatabaseCore,
    section: &str,
    name: &str,
    address: &str,
    [encrypted, protected, iam_auth]: [&'static Rule; 3],
    found: &mut Findings,
) {
    let at = |field: &'static str| [section, name, field];
    if !core.iam_auth {
        found.add(iam_auth, address, &at("iam_auth"), "IAM database authentication is off", "iam_auth: true");
    }
    if core.performance_insights.is_none() {
        found.add(
            RDS_PERFORMANCE_INSIGHTS,
            address,
            &at("performance_insights"),
            "Performance Insights is off",
            "performance_insights: true",
        );
    }
    if core.enhanced_monitoring_seconds == 0 {
        found.add(
            RDS_ENHANCED_MONITORING,
            address,
            &at("enhanced_monitoring_seconds"),
            "Enhanced Monitoring is off",
            "enhanced_monitoring_seconds: 60",
        );
    }
    if !core.log_exports.iter().any(|l| l == "postgresql") {
        found.add(
            RDS_LOG_EXPORTS,
            address,
            &at("log_exports"),
            "the PostgreSQL log is not published to CloudWatch Logs",
            if section == "aurora" { "log_exports: [postgresql]" } else { "log_exports: [postgresql, upgrade]" },
        );
    }
    if !core.auto_minor_version_upgrade {
        found.add(
            RDS_MINOR_UPGRADES,
            address,
            &at("auto_minor_version_upgrade"),
            "minor version upgrades are not applied automatically",
            "auto_minor_version_upgrade: true",
        );
    }
    if !core.storage_encrypted {
        found.add(
            encrypted,
            address,
            &at("storage_encrypted"),
            "storage, snapshots and backups are not encrypted",
            "storage_encrypted: true   # replaces the database: move the data first",
        );
    }
    if !core.deletion_protection {
        found.add(
            protected,
            address,
            &at("deletion_protection"),
            "deletion protection is off",
            "deletion_protection: true",
        );
    }
    if core.backup_retention_days < MIN_BACKUP_DAYS {
        found.add(
            RDS_BACKUPS,
            address,
            &at("backup_retention_days"),
            format!("backups are kept {} days", core.backup_retention_days),
            "backup_retention_days: 7",
        );
    }
    if !core.final_snapshot {
        found.add(
            FINAL_SNAPSHOT,
            address,
            &at("final_snapshot"),
            "deleting it keeps no snapshot",
            "final_snapshot: true",
        );
    }
}

fn redis(r: &crate::model::Redis, found: &mut Findings) {
    let address = format!("redis.{}", r.name);
    let at = |field: &'static str| ["redis", r.name.as_str(), field];
    if !r.at_rest_encryption {
        found.add(
            REDIS_AT_REST,
            &address,
            &at("at_rest_encryption"),
            "data on disk and in backups is not encrypted",
            "at_rest_encryption: true   # replaces the group",
        );
    }
    if !r.transit_encryption {
        found.add(
            REDIS_IN_TRANSIT,
            &address,
            &at("transit_encryption"),
            "clients talk to the nodes without TLS",
            "transit_encryption: true",
        );
    }
    if !r.transit_encryption || r.auth_token_secret.is_none() {
        let field = if r.auth_token_secret.is_none() { "auth_token_secret" } else { "transit_encryption" };
        found.add(
            REDIS_AUTH,
            &address,
            &at(field),
            "any client that reaches the port can use the cache without a token",
            "transit_encryption: true\nauth_token_secret: redis-auth   # a generated secret of the stack",
        );
    }
    if r.replicas_per_shard == 0 {
        found.add(
            REDIS_FAILOVER,
            &address,
            &at("replicas_per_shard"),
            "with no replica there is nothing to fail over to",
            "replicas_per_shard: 1",
        );
    }
    if r.snapshot_retention_days == 0 {
        found.add(
            REDIS_SNAPSHOTS,
            &address,
            &at("snapshot_retention_days"),
            "no daily snapshot is kept",
            "snapshot_retention_days: 7",
        );
    }
    if !r.final_snapshot {
        found.add(
            FINAL_SNAPSHOT,
            &address,
            &at("final_snapshot"),
            "deleting it keeps no snapshot",
            "final_snapshot: true",
        );
    }
}
