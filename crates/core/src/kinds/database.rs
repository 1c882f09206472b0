//! What an RDS PostgreSQL instance and an Aurora cluster share, after terraform-provider-aws's
//! aws_db_instance and aws_rds_cluster: storage encryption, its key, the database name, the
//! master username and the subnet group are fixed at creation (ForceNew); the rest is a
//! modification. The password's secret, the final snapshot and whether a modification waits
//! for the maintenance window live only in platformctl.

use crate::resource::schema::*;

pub const IDENTIFIER: Attr = Attr::replace("identifier");
pub const ENGINE: Attr = Attr::replace("engine");
pub const ENGINE_VERSION: Attr = Attr::in_place("engine_version");
pub const DB_NAME: Attr = Attr::replace("db_name");
pub const USERNAME: Attr = Attr::replace("username");
/// The ARN of the secret holding the master password: a new one sends a new password.
pub const PASSWORD_SECRET: Attr = Attr::in_place("password_secret").unreported();
/// RDS keeps the master password in a secret of its own (`ManageMasterUserPassword`), so that
/// platformctl never holds it; turned on in place (RDS generates it), off with a
/// `password_secret` to send.
pub const MANAGED_PASSWORD: Attr = Attr::in_place("managed_password");
pub const STORAGE_ENCRYPTED: Attr = Attr::replace("storage_encrypted");
/// AWS reports the key as an ARN where the stack may name an alias; it cannot change.
pub const KMS_KEY: Attr = Attr::replace("kms_key").unreported();
pub const BACKUP_RETENTION_DAYS: Attr = Attr::in_place("backup_retention_days");
pub const DELETION_PROTECTION: Attr = Attr::in_place("deletion_protection");
pub const PORT: Attr = Attr::in_place("port");
pub const VPC_SECURITY_GROUP_IDS: Attr = Attr::in_place("vpc_security_group_ids").set();
pub const DB_SUBNET_GROUP: Attr = Attr::replace("db_subnet_group");
pub const FINAL_SNAPSHOT: Attr = Attr::local("final_snapshot");
/// IAM database authentication (`EnableIAMDatabaseAuthentication`): clients may connect with
/// short-lived IAM tokens instead of a password.
pub const IAM_AUTH: Attr = Attr::in_place("iam_auth");
/// `ddd:hh:mm-ddd:hh:mm` UTC. Absent: RDS's own choice, which the read then does not report.
pub const MAINTENANCE_WINDOW: Attr = Attr::in_place("maintenance_window");
/// `hh:mm-hh:mm` UTC. Absent: RDS's own choice, not reported either.
pub const BACKUP_WINDOW: Attr = Attr::in_place("backup_window");
/// The database logs RDS publishes to CloudWatch Logs (`postgresql`, `upgrade`).
pub const LOG_EXPORTS: Attr = Attr::in_place("log_exports").set();
/// Performance Insights on an instance (a PostgreSQL instance, an Aurora cluster's members).
pub const PERFORMANCE_INSIGHTS: Attr = Attr::in_place("performance_insights");
/// Days of Performance Insights history (7, 31 × months, 731); absent while it is off.
pub const PERFORMANCE_INSIGHTS_RETENTION_DAYS: Attr = Attr::in_place("performance_insights_retention_days");
/// The KMS key of Performance Insights' history; absent: AWS's own. Compared with what was
/// applied (AWS reports its own key's ARN, the stack may name an alias); AWS keeps the key it was
/// first turned on with, so a change of key is refused while planning.
pub const PERFORMANCE_INSIGHTS_KMS_KEY: Attr = Attr::in_place("performance_insights_kms_key").unreported();
/// AWS applies new minor engine versions in the maintenance window (instances, members).
pub const AUTO_MINOR_VERSION_UPGRADE: Attr = Attr::in_place("auto_minor_version_upgrade");
/// Enhanced Monitoring's interval in seconds (0: off) and the role RDS sends the metrics with.
pub const MONITORING_INTERVAL: Attr = Attr::in_place("monitoring_interval");
pub const MONITORING_ROLE_ARN: Attr = Attr::in_place("monitoring_role_arn");
/// The parameter group: the stack's own (`<identifier>-<family>`) or RDS's default for the
/// family (`default.postgres16`). Switched in place; with a major upgrade, in the same call.
pub const PARAMETER_GROUP: Attr = Attr::in_place("parameter_group");
/// Parameters that only a restart applies are waiting for one. Compared only with
/// `reboot: allowed` (desired `false`: the update reboots the instance); otherwise reported as the
/// `parameter_status` output and named in the plan, never acted on.
pub const PENDING_REBOOT: Attr = Attr::in_place("pending_reboot");
/// `false`: modifications wait for the next maintenance window, as RDS does.
pub const APPLY_IMMEDIATELY: Attr = Attr::instruction("apply_immediately");

pub mod out {
    use crate::resource::schema::Output;
    pub use crate::resource::schema::out::ARN;

    pub const PORT: Output = Output::new("port");
    /// The ARN of the secret RDS keeps the master password in, with `managed_password`.
    pub const MASTER_SECRET_ARN: Output = Output::new("master_secret_arn");
    /// RDS's `ParameterApplyStatus` of an instance's parameter group: `in-sync`, `applying`,
    /// `pending-reboot`.
    pub const PARAMETER_STATUS: Output = Output::new("parameter_status");
}

/// The major version of an engine version (`16` of `16.4`): what a parameter group family
/// follows and what an upgrade must be allowed to change.
pub fn major_version(version: &str) -> &str {
    version.split('.').next().unwrap_or(version)
}

/// Whether engine version `a` is higher than `b`, part by part as numbers (`16.10` > `16.9`,
/// `16.4` > `16`).
pub fn is_newer_version(a: &str, b: &str) -> bool {
    let parts = |v: &str| v.split('.').map(|p| p.parse::<u64>().unwrap_or(0)).collect::<Vec<_>>();
    parts(a) > parts(b)
}

/// Instances and clusters are waited for generously: a multi-AZ instance takes 10–20 minutes,
/// Aurora as long.
pub const WAIT_MINUTES: u64 = 90;
