//! A read replica of a PostgreSQL instance: of this stack's (`source` is its identifier), or of
//! another stack's, possibly in another region (then `source_arn`, `source_region`, `kms_key`
//! and `db_subnet_group` say how to reach it from here, at creation). Its deletion protection
//! follows its primary's; a replica of this stack's instance also takes the primary's windows,
//! monitoring, Performance Insights and parameter group, and may keep backups of its own. A replica that no longer replicates (promoted) holds data of its own:
//! the planner flags its replacement.

pub use super::database::{
    AUTO_MINOR_VERSION_UPGRADE, BACKUP_WINDOW, DELETION_PROTECTION, IDENTIFIER, MAINTENANCE_WINDOW,
    MONITORING_INTERVAL, MONITORING_ROLE_ARN, PARAMETER_GROUP, PENDING_REBOOT, PERFORMANCE_INSIGHTS,
    PERFORMANCE_INSIGHTS_KMS_KEY, PERFORMANCE_INSIGHTS_RETENTION_DAYS, VPC_SECURITY_GROUP_IDS,
};
pub use super::db_instance::{INSTANCE_CLASS, out};
use crate::resource::schema::*;
pub use crate::resource::schema::{ARN, TAGS};

/// The source's identifier; none once the replica was promoted to a standalone primary.
pub const SOURCE: Attr = Attr::replace("source");
pub const SOURCE_ARN: Attr = Attr::instruction("source_arn");
pub const SOURCE_REGION: Attr = Attr::instruction("source_region");
pub const KMS_KEY: Attr = Attr::instruction("kms_key");
pub const DB_SUBNET_GROUP: Attr = Attr::instruction("db_subnet_group");
/// The automated backups a promotion turns on (a replica of another stack's instance).
pub const BACKUP_RETENTION_DAYS: Attr = Attr::instruction("backup_retention_days");
/// Automated backups kept of the replica itself while it replicates (RDS for PostgreSQL keeps
/// them on read replicas), in days; 0: none. RDS takes it only by a modification once the
/// replica is available.
pub const REPLICA_BACKUP_RETENTION_DAYS: Attr = Attr::in_place("replica_backup_retention_days");

/// The settings a replica of this stack's own instance takes from its primary's entry (and its
/// own backups). A replica of another stack's instance sets none (`of_another_stack`): the read
/// reports none of them for it.
pub const FROM_THE_PRIMARY: &[Attr] = &[
    MAINTENANCE_WINDOW,
    BACKUP_WINDOW,
    AUTO_MINOR_VERSION_UPGRADE,
    MONITORING_INTERVAL,
    MONITORING_ROLE_ARN,
    PERFORMANCE_INSIGHTS,
    PERFORMANCE_INSIGHTS_RETENTION_DAYS,
    PARAMETER_GROUP,
    PENDING_REBOOT,
    REPLICA_BACKUP_RETENTION_DAYS,
];

pub const DEF: KindDef = KindDef::new(
    "db_read_replica",
    Service::Rds,
    &[
        IDENTIFIER,
        SOURCE,
        INSTANCE_CLASS,
        VPC_SECURITY_GROUP_IDS,
        DELETION_PROTECTION,
        TAGS,
        SOURCE_ARN,
        SOURCE_REGION,
        KMS_KEY,
        DB_SUBNET_GROUP,
        BACKUP_RETENTION_DAYS,
        MAINTENANCE_WINDOW,
        BACKUP_WINDOW,
        AUTO_MINOR_VERSION_UPGRADE,
        MONITORING_INTERVAL,
        MONITORING_ROLE_ARN,
        PERFORMANCE_INSIGHTS,
        PERFORMANCE_INSIGHTS_RETENTION_DAYS,
        PERFORMANCE_INSIGHTS_KMS_KEY,
        PARAMETER_GROUP,
        PENDING_REBOOT,
        REPLICA_BACKUP_RETENTION_DAYS,
        ARN,
    ],
    Adoption::Id(IDENTIFIER),
)
.outputs(out::ALL)
.shown(&[("endpoint", Shown::Output(out::ADDRESS)), ("port", Shown::Output(out::PORT))])
.waits(super::database::WAIT_MINUTES);

/// A replica of another stack's instance: what says how to reach the source (its subnet group
/// of this region) is set only for those.
pub fn of_another_stack(attrs: &crate::resource::Attrs) -> bool {
    DB_SUBNET_GROUP.get(attrs) != &crate::resource::Value::Null
}
