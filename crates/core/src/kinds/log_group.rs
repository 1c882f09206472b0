//! A CloudWatch Logs log group with its retention (none: kept forever).

use crate::resource::schema::*;
pub use crate::resource::schema::{ARN, TAGS};

pub const NAME: Attr = Attr::replace("name");
pub const RETENTION_DAYS: Attr = Attr::in_place("retention_days");

pub mod out {
    pub use crate::resource::schema::out::ARN;
}

pub const DEF: KindDef =
    KindDef::new("log_group", Service::CloudWatchLogs, &[NAME, RETENTION_DAYS, TAGS, ARN], Adoption::Id(NAME))
        .outputs(&[out::ARN]);
