//! A CloudWatch metric alarm on one metric of one resource (its dimensions), notifying topics
//! when it fires and when it recovers. Its id is its name. PutMetricAlarm writes every setting at
//! once, so all of them change in place; only the name forces a replacement.

use crate::resource::schema::*;
pub use crate::resource::schema::{ARN, TAGS};

pub const NAME: Attr = Attr::replace("name");
pub const DESCRIPTION: Attr = Attr::in_place("description");
/// `AWS/RDS`, `AWS/ElastiCache`, `AWS/NATGateway`...
pub const NAMESPACE: Attr = Attr::in_place("namespace");
pub const METRIC: Attr = Attr::in_place("metric");
/// Dimension name → value; values are often ids of the stack's resources (references).
pub const DIMENSIONS: Attr = Attr::in_place("dimensions");
/// `Average`, `Maximum`, `Minimum`, `Sum` or `SampleCount`.
pub const STATISTIC: Attr = Attr::in_place("statistic");
/// Seconds per datapoint.
pub const PERIOD: Attr = Attr::in_place("period");
pub const EVALUATION_PERIODS: Attr = Attr::in_place("evaluation_periods");
/// M of the N evaluation periods that must breach; absent: all of them (AWS reports none).
pub const DATAPOINTS_TO_ALARM: Attr = Attr::in_place("datapoints_to_alarm");
/// The threshold as its shortest decimal text (`80`, `0.5`, `10737418240`): the state has no
/// floating-point values.
pub const THRESHOLD: Attr = Attr::in_place("threshold");
/// AWS's names: `GreaterThanThreshold`, `LessThanOrEqualToThreshold`...
pub const COMPARISON: Attr = Attr::in_place("comparison");
/// `missing`, `notBreaching`, `breaching` or `ignore`.
pub const TREAT_MISSING_DATA: Attr = Attr::in_place("treat_missing_data");
/// Topic ARNs notified when it fires and when it is OK again.
pub const ACTIONS: Attr = Attr::in_place("actions").set();

pub mod out {
    pub use crate::resource::schema::out::ARN;
}

pub const DEF: KindDef = KindDef::new(
    "metric_alarm",
    Service::CloudWatch,
    &[
        NAME,
        DESCRIPTION,
        NAMESPACE,
        METRIC,
        DIMENSIONS,
        STATISTIC,
        PERIOD,
        EVALUATION_PERIODS,
        DATAPOINTS_TO_ALARM,
        THRESHOLD,
        COMPARISON,
        TREAT_MISSING_DATA,
        ACTIONS,
        TAGS,
        ARN,
    ],
    Adoption::Id(NAME),
)
.outputs(&[out::ARN]);
