//! `notifications:` (SNS topics and who they reach) and `alarms:` (CloudWatch metric alarms,
//! from a preset for what the stack creates or written out in full), as the YAML says them.

use indexmap::IndexMap;
use schemars::JsonSchema;
use serde::Deserialize;

use super::Located;

/// An SNS topic alarms notify, and who it reaches. An email address receives a confirmation
/// message first; until it is confirmed nothing else reaches it (not drift either).
#[derive(Debug, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct NotificationSpec {
    /// Email addresses subscribed to the topic.
    #[serde(default)]
    pub email: Vec<Located<String>>,
    /// HTTPS endpoints subscribed to the topic (a chat or paging webhook).
    #[serde(default)]
    pub https: Vec<Located<String>>,
    /// KMS key encrypting the messages at rest: a key of `kms_keys` by name (its policy then
    /// lets CloudWatch alarms publish), or an existing key's ARN or alias (whose policy must let
    /// `cloudwatch.amazonaws.com` use it; AWS's `alias/aws/sns` does not, so it is refused).
    /// Default: not encrypted.
    pub kms_key: Option<Located<String>>,
}

/// A CloudWatch alarm — or the set of alarms a preset makes for one thing of the stack. A preset
/// names what it watches (`postgres: users`, `aurora: orders`, `redis: sessions`,
/// `nat_gateways: true`); the raw form gives `metric` with the settings below.
#[derive(Debug, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct AlarmSpec {
    /// Preset: a `postgres:` entry — CPU, free storage and freeable memory of the instance and
    /// of each read replica, and the replicas' lag.
    pub postgres: Option<Located<String>>,
    /// Preset: an `aurora:` entry — the writer's CPU, the replicas' lag and deadlocks.
    pub aurora: Option<Located<String>>,
    /// Preset: a `redis:` entry — CPU, engine CPU, memory, evictions and replication lag of
    /// every node.
    pub redis: Option<Located<String>>,
    /// Preset: the stack's NAT gateways — port allocation errors and dropped packets.
    pub nat_gateways: Option<Located<bool>>,
    /// Preset: thresholds other than the preset's, by alarm (`cpu: 90`, `free_storage: 5`), in
    /// each alarm's unit (see the stack format's table).
    #[serde(default)]
    pub thresholds: IndexMap<Located<String>, Located<f64>>,
    /// Preset: alarms of the preset not to create (`[evictions]`).
    #[serde(default)]
    pub skip: Vec<Located<String>>,
    /// Raw form: the metric watched.
    pub metric: Option<MetricSpec>,
    /// Raw form: `Average`, `Maximum`, `Minimum`, `Sum` or `SampleCount`. Default `Average`.
    pub statistic: Option<Located<String>>,
    /// Raw form: seconds per datapoint, 10, 30 or a multiple of 60. Default 300.
    pub period: Option<Located<i64>>,
    /// Raw form: the value compared with the statistic.
    pub threshold: Option<Located<f64>>,
    /// Raw form: `>`, `>=`, `<` or `<=` (or AWS's `GreaterThanThreshold`...).
    pub comparison: Option<Located<String>>,
    /// Raw form: how many periods in a row breach before the alarm fires. Default 1.
    pub evaluation_periods: Option<Located<i64>>,
    /// Raw form: how many of the `evaluation_periods` must breach (M out of N), 1 to
    /// `evaluation_periods`. Default: all of them.
    pub datapoints_to_alarm: Option<Located<i64>>,
    /// Raw form: `missing` (default), `notBreaching`, `breaching` or `ignore`.
    pub treat_missing_data: Option<Located<String>>,
    /// Raw form: shown in the alarm and its notifications.
    pub description: Option<Located<String>>,
    /// The `notifications:` entry told when the alarm fires and when it is OK again.
    pub notify: Option<Located<String>>,
}

/// A CloudWatch metric.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct MetricSpec {
    /// `AWS/SQS`, `AWS/ApplicationELB`, a custom namespace...
    pub namespace: Located<String>,
    /// The metric's name, e.g. `ApproximateNumberOfMessagesVisible`.
    pub name: Located<String>,
    /// Dimension name → value, e.g. `{ QueueName: jobs }`.
    #[serde(default)]
    pub dimensions: IndexMap<Located<String>, Located<String>>,
}
