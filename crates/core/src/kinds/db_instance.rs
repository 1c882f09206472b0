//! An RDS PostgreSQL instance (a primary). Its read replicas are `db_read_replica`.

pub use super::database::{
    APPLY_IMMEDIATELY, AUTO_MINOR_VERSION_UPGRADE, BACKUP_RETENTION_DAYS, BACKUP_WINDOW, DB_NAME, DB_SUBNET_GROUP,
    DELETION_PROTECTION, ENGINE, ENGINE_VERSION, FINAL_SNAPSHOT, IAM_AUTH, IDENTIFIER, KMS_KEY, LOG_EXPORTS,
    MAINTENANCE_WINDOW, MANAGED_PASSWORD, MONITORING_INTERVAL, MONITORING_ROLE_ARN, PARAMETER_GROUP, PASSWORD_SECRET,
    PENDING_REBOOT, PERFORMANCE_INSIGHTS, PERFORMANCE_INSIGHTS_KMS_KEY, PERFORMANCE_INSIGHTS_RETENTION_DAYS, PORT,
    STORAGE_ENCRYPTED, USERNAME, VPC_SECURITY_GROUP_IDS,
};
use crate::resource::schema::*;
pub use crate::resource::schema::{ARN, TAGS};

pub const INSTANCE_CLASS: Attr = Attr::in_place("instance_class");
pub const ALLOCATED_STORAGE: Attr = Attr::in_place("allocated_storage");
pub const MAX_ALLOCATED_STORAGE: Attr = Attr::in_place("max_allocated_storage");
pub const MULTI_AZ: Attr = Attr::in_place("multi_az");

/// What every RDS instance (primary, replica, Aurora member) reports.
pub mod out {
    pub use crate::kinds::database::out::{ARN, MASTER_SECRET_ARN, PARAMETER_STATUS, PORT};
    use crate::resource::schema::Output;

    /// The endpoint's host name.
    pub const ADDRESS: Output = Output::new("address");
    pub const RESOURCE_ID: Output = Output::fixed("resource_id");

    pub const ALL: &[Output] = &[ADDRESS, PORT, ARN, RESOURCE_ID, PARAMETER_STATUS];
    /// A primary's: its managed password's secret too.
    pub const PRIMARY: &[Output] = &[ADDRESS, PORT, ARN, RESOURCE_ID, MASTER_SECRET_ARN, PARAMETER_STATUS];
}

pub const DEF: KindDef = KindDef::new(
    "db_instance",
    Service::Rds,
    &[
        IDENTIFIER,
        ENGINE,
        ENGINE_VERSION,
        INSTANCE_CLASS,
        ALLOCATED_STORAGE,
        MAX_ALLOCATED_STORAGE,
        MULTI_AZ,
        STORAGE_ENCRYPTED,
        KMS_KEY,
        BACKUP_RETENTION_DAYS,
        DELETION_PROTECTION,
        DB_NAME,
        USERNAME,
        PASSWORD_SECRET,
        MANAGED_PASSWORD,
        PORT,
        VPC_SECURITY_GROUP_IDS,
        DB_SUBNET_GROUP,
        FINAL_SNAPSHOT,
        APPLY_IMMEDIATELY,
        IAM_AUTH,
        MAINTENANCE_WINDOW,
        BACKUP_WINDOW,
        LOG_EXPORTS,
        PERFORMANCE_INSIGHTS,
        PERFORMANCE_INSIGHTS_RETENTION_DAYS,
        PERFORMANCE_INSIGHTS_KMS_KEY,
        MONITORING_INTERVAL,
        MONITORING_ROLE_ARN,
        AUTO_MINOR_VERSION_UPGRADE,
        PARAMETER_GROUP,
        PENDING_REBOOT,
        TAGS,
        ARN,
    ],
    Adoption::Id(IDENTIFIER),
)
.outputs(out::PRIMARY)
.shown(&[
    ("endpoint", Shown::Output(out::ADDRESS)),
    ("port", Shown::Output(out::PORT)),
    ("arn", Shown::Output(out::ARN)),
    ("secret_arn", Shown::Attr(PASSWORD_SECRET)),
    ("managed_secret_arn", Shown::Output(out::MASTER_SECRET_ARN)),
])
.lifecycle(Lifecycle::DATA)
.waits(super::database::WAIT_MINUTES);
