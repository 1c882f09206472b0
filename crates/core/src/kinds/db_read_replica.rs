//! A read replica of a PostgreSQL instance: of this stack's (`source` is its identifier), or of
//! another stack's, possibly in another region (then `source_arn`, `source_region`, `kms_key`
//! and `db_subnet_group` say how to reach it from here, at creation). Its deletion protection
//! follows its primary's. A replica that no longer replicates (promoted) holds data of its own:
//! the planner flags its replacement.

pub use super::database::{DELETION_PROTECTION, IDENTIFIER, VPC_SECURITY_GROUP_IDS};
pub use super::db_instance::{INSTANCE_CLASS, out};
use crate::resource::schema::*;
pub use crate::resource::schema::{ARN, TAGS};

/// The source's identifier; none once the replica was promoted to a standalone primary.
pub const SOURCE: Attr = Attr::replace("source");
pub const SOURCE_ARN: Attr = Attr::instruction("source_arn");
pub const SOURCE_REGION: Attr = Attr::instruction("source_region");
pub const KMS_KEY: Attr = Attr::instruction("kms_key");
pub const DB_SUBNET_GROUP: Attr = Attr::instruction("db_subnet_group");
/// The automated backups a promotion turns on.
pub const BACKUP_RETENTION_DAYS: Attr = Attr::instruction("backup_retention_days");

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
        ARN,
    ],
    Adoption::Id(IDENTIFIER),
)
.outputs(out::ALL)
.shown(&[("endpoint", Shown::Output(out::ADDRESS)), ("port", Shown::Output(out::PORT))])
.waits(super::database::WAIT_MINUTES);
