//! A CloudWatch Logs log group with its retention (none: kept forever).

use crate::resource::schema::*;
pub use crate::resource::schema::{ARN, TAGS};

pub const NAME: Attr = Attr::replace("name");
pub const RETENTION_DAYS: Attr = Attr::in_place("retention_days");
/// The ARN of the KMS key encrypting the events (AssociateKmsKey / DisassociateKmsKey).
pub const KMS_KEY: Attr = Attr::in_place("kms_key");

pub mod out {
    use crate::resource::schema::Output;
    pub use crate::resource::schema::out::ARN;

    /// `<arn>:*`: the group's log streams, for policies that let a service write to it.
    pub const STREAMS_ARN: Output = Output::fixed("streams_arn");
}

pub const DEF: KindDef =
    KindDef::new("log_group", Service::CloudWatchLogs, &[NAME, RETENTION_DAYS, KMS_KEY, TAGS, ARN], Adoption::Id(NAME))
        .outputs(&[out::ARN, out::STREAMS_ARN]);
