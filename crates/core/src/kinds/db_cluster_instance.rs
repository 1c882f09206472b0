//! An instance serving an Aurora cluster (the first is the writer).

pub use super::database::{
    AUTO_MINOR_VERSION_UPGRADE, ENGINE, IDENTIFIER, MONITORING_INTERVAL, MONITORING_ROLE_ARN, PARAMETER_GROUP,
    PENDING_REBOOT, PERFORMANCE_INSIGHTS, PERFORMANCE_INSIGHTS_KMS_KEY, PERFORMANCE_INSIGHTS_RETENTION_DAYS,
};
pub use super::db_instance::{INSTANCE_CLASS, out};
use crate::resource::schema::*;
pub use crate::resource::schema::{ARN, TAGS};

pub const CLUSTER: Attr = Attr::replace("cluster");
pub const AVAILABILITY_ZONE: Attr = Attr::replace("availability_zone");

pub const DEF: KindDef = KindDef::new(
    "db_cluster_instance",
    Service::Rds,
    &[
        IDENTIFIER,
        CLUSTER,
        ENGINE,
        INSTANCE_CLASS,
        AVAILABILITY_ZONE,
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
.outputs(out::ALL)
.shown(&[("endpoint", Shown::Output(out::ADDRESS)), ("port", Shown::Output(out::PORT))])
.waits(super::database::WAIT_MINUTES);
