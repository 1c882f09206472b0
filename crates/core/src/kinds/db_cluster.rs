//! An Aurora PostgreSQL cluster: the storage, the writer and reader endpoints, the master user.
//! The instances that serve it are `db_cluster_instance`.

pub use super::database::{
    APPLY_IMMEDIATELY, BACKUP_RETENTION_DAYS, BACKUP_WINDOW, DB_NAME, DB_SUBNET_GROUP, DELETION_PROTECTION, ENGINE,
    ENGINE_VERSION, FINAL_SNAPSHOT, IAM_AUTH, IDENTIFIER, KMS_KEY, LOG_EXPORTS, MAINTENANCE_WINDOW, MANAGED_PASSWORD,
    PASSWORD_SECRET, PORT, STORAGE_ENCRYPTED, USERNAME, VPC_SECURITY_GROUP_IDS,
};
use crate::resource::schema::*;
pub use crate::resource::schema::{ARN, TAGS};

/// The cluster parameter group: the stack's own (`<identifier>-cluster-<family>`); Aurora
/// PostgreSQL's default does not require TLS, so a cluster always has one.
pub const PARAMETER_GROUP: Attr = Attr::in_place("parameter_group");
/// The parameter group of the cluster's instances, which a major upgrade of the cluster
/// switches them to in the same call (`DBInstanceParameterGroupName`); each member also
/// declares its own.
pub const MEMBER_PARAMETER_GROUP: Attr = Attr::instruction("member_parameter_group");

/// Aurora Serverless v2's capacity range, `{ min, max }` in ACU as decimal text (`0.5`, `16`);
/// absent for provisioned instances.
pub const SERVERLESS_CAPACITY: Attr = Attr::in_place("serverless_capacity");

pub mod out {
    pub use crate::kinds::database::out::{ARN, MASTER_SECRET_ARN, PORT};
    use crate::resource::schema::Output;

    /// The writer endpoint.
    pub const ENDPOINT: Output = Output::new("endpoint");
    pub const READER_ENDPOINT: Output = Output::new("reader_endpoint");
}

pub const DEF: KindDef = KindDef::new(
    "db_cluster",
    Service::Rds,
    &[
        IDENTIFIER,
        ENGINE,
        ENGINE_VERSION,
        DB_NAME,
        USERNAME,
        PASSWORD_SECRET,
        MANAGED_PASSWORD,
        STORAGE_ENCRYPTED,
        KMS_KEY,
        BACKUP_RETENTION_DAYS,
        DELETION_PROTECTION,
        PORT,
        VPC_SECURITY_GROUP_IDS,
        DB_SUBNET_GROUP,
        FINAL_SNAPSHOT,
        APPLY_IMMEDIATELY,
        IAM_AUTH,
        MAINTENANCE_WINDOW,
        BACKUP_WINDOW,
        LOG_EXPORTS,
        SERVERLESS_CAPACITY,
        PARAMETER_GROUP,
        MEMBER_PARAMETER_GROUP,
        TAGS,
        ARN,
    ],
    Adoption::Id(IDENTIFIER),
)
.outputs(&[out::ENDPOINT, out::READER_ENDPOINT, out::PORT, out::ARN, out::MASTER_SECRET_ARN])
.shown(&[
    ("endpoint", Shown::Output(out::ENDPOINT)),
    ("reader_endpoint", Shown::Output(out::READER_ENDPOINT)),
    ("port", Shown::Output(out::PORT)),
    ("arn", Shown::Output(out::ARN)),
    ("secret_arn", Shown::Attr(PASSWORD_SECRET)),
    ("managed_secret_arn", Shown::Output(out::MASTER_SECRET_ARN)),
])
.lifecycle(Lifecycle::DATA)
.waits(super::database::WAIT_MINUTES);
