//! `notifications` → SNS topics; `alarms` → CloudWatch metric alarms. A preset entry becomes one
//! alarm per metric of the preset and per member of what it watches, its dimensions taken from
//! those resources (references where the dimension is the resource's id), so a renamed database
//! moves its alarms with it.
//!
//! Addresses and names: `alarms.<entry>.<alarm>[<member>]` named `<stack>-<entry>-<alarm>-<member>`
//! (`alarms.users-db.replica_lag[replica-1]`, `user-service-users-db-replica-lag-replica-1`).

use std::collections::BTreeMap;

use super::tags;
use crate::kinds::{metric_alarm, sns_topic};
use crate::model::{
    Alarm, AlarmSubject, DefaultThreshold, Members, MetricAlarm, Notification, Preset, PresetAlarm, Stack,
};
use crate::resource::{Address, Attrs, DesiredResource, Kind, Value};

pub(super) fn expand(stack: &Stack, out: &mut Vec<DesiredResource>) {
    for n in &stack.notifications {
        out.push(topic(stack, n));
    }
    for alarm in &stack.alarms {
        let actions: Vec<Value> = alarm.notify.iter().map(|n| Value::Ref(topic_address(n))).collect();
        match &alarm.subject {
            AlarmSubject::Metric(m) => {
                let address = Address::new(format!("alarms.{}", alarm.name));
                let name = format!("{}-{}", stack.name, alarm.name);
                let dimensions = m.dimensions.iter().map(|(k, v)| (k.clone(), Value::str(v))).collect();
                out.push(resource(stack, address, &name, raw_settings(m, dimensions), &actions));
            }
            AlarmSubject::Preset { preset, target, thresholds, skip } => {
                for preset_alarm in preset.alarms().iter().filter(|a| !skip.contains(a.name)) {
                    for member in members(stack, *preset, target, preset_alarm.members) {
                        let threshold = thresholds
                            .get(preset_alarm.name)
                            .copied()
                            .unwrap_or_else(|| default_threshold(stack, target, preset_alarm.default));
                        let settings = preset_settings(*preset, preset_alarm, &member, threshold, alarm, target);
                        let suffix = member.suffix.as_ref();
                        let address = Address::new(match suffix {
                            Some(s) => format!("alarms.{}.{}[{s}]", alarm.name, preset_alarm.name),
                            None => format!("alarms.{}.{}", alarm.name, preset_alarm.name),
                        });
                        let base = format!("{}-{}-{}", stack.name, alarm.name, preset_alarm.name.replace('_', "-"));
                        let name = suffix.map_or_else(|| base.clone(), |s| format!("{base}-{s}"));
                        out.push(resource(stack, address, &name, settings, &actions));
                    }
                }
            }
        }
    }
}

/// The address of a notification's topic.
fn topic_address(name: &str) -> Address {
    Address::new(format!("notifications.{name}"))
}

fn topic(stack: &Stack, n: &Notification) -> DesiredResource {
    let address = topic_address(&n.name);
    let name = format!("{}-{}", stack.name, n.name);
    DesiredResource::new(
        address.clone(),
        Kind::SnsTopic,
        Attrs::from([
            sns_topic::NAME.to(&name),
            sns_topic::SUBSCRIPTIONS.to(n.subscriptions.iter().map(Value::str).collect::<Vec<_>>()),
            sns_topic::KMS_KEY.to(n.kms_key.as_ref().map(super::kms::key_value)),
            sns_topic::TAGS.to(tags(stack, &address, &name)),
        ]),
    )
}

/// An alarm's settings in AWS's terms, before its name, actions and tags.
struct Settings {
    description: String,
    namespace: String,
    metric: String,
    dimensions: BTreeMap<String, Value>,
    statistic: String,
    period: i64,
    evaluation_periods: i64,
    datapoints_to_alarm: Option<i64>,
    threshold: f64,
    comparison: String,
    treat_missing_data: String,
}

fn raw_settings(m: &MetricAlarm, dimensions: BTreeMap<String, Value>) -> Settings {
    Settings {
        description: m
            .description
            .clone()
            .unwrap_or_else(|| format!("{} {} of {}", m.statistic, m.metric, m.namespace)),
        namespace: m.namespace.clone(),
        metric: m.metric.clone(),
        dimensions,
        statistic: m.statistic.clone(),
        period: m.period,
        evaluation_periods: m.evaluation_periods,
        datapoints_to_alarm: m.datapoints_to_alarm,
        threshold: m.threshold,
        comparison: m.comparison.clone(),
        treat_missing_data: m.treat_missing_data.clone(),
    }
}

fn preset_settings(
    preset: Preset,
    a: &PresetAlarm,
    member: &Member,
    threshold: f64,
    alarm: &Alarm,
    target: &str,
) -> Settings {
    let above = a.comparison.starts_with("Greater");
    let what = match preset {
        Preset::NatGateways => format!("NAT gateway {}", member.suffix.as_deref().unwrap_or_default()),
        _ => format!(
            "{} {target}{}",
            preset.key(),
            member.suffix.as_ref().map(|s| format!(" ({s})")).unwrap_or_default()
        ),
    };
    Settings {
        description: format!(
            "{} of {what} {} {threshold}{} (platformctl alarm `{}`)",
            a.what,
            if above { "above" } else { "below" },
            a.unit,
            alarm.name
        ),
        namespace: preset.namespace().to_owned(),
        metric: a.metric.to_owned(),
        dimensions: member.dimensions.clone(),
        statistic: a.statistic.to_owned(),
        period: a.period,
        evaluation_periods: a.evaluation_periods,
        datapoints_to_alarm: None,
        threshold: threshold * a.scale,
        comparison: a.comparison.to_owned(),
        treat_missing_data: a.treat_missing_data.to_owned(),
    }
}

fn resource(stack: &Stack, address: Address, name: &str, s: Settings, actions: &[Value]) -> DesiredResource {
    let tags = tags(stack, &address, name);
    DesiredResource::new(
        address,
        Kind::MetricAlarm,
        Attrs::from([
            metric_alarm::NAME.to(name),
            metric_alarm::DESCRIPTION.to(s.description),
            metric_alarm::NAMESPACE.to(s.namespace),
            metric_alarm::METRIC.to(s.metric),
            metric_alarm::DIMENSIONS.to(s.dimensions),
            metric_alarm::STATISTIC.to(s.statistic),
            metric_alarm::PERIOD.to(s.period),
            metric_alarm::EVALUATION_PERIODS.to(s.evaluation_periods),
            metric_alarm::DATAPOINTS_TO_ALARM.to(s.datapoints_to_alarm),
            metric_alarm::THRESHOLD.to(Value::decimal(s.threshold)),
            metric_alarm::COMPARISON.to(s.comparison),
            metric_alarm::TREAT_MISSING_DATA.to(s.treat_missing_data),
            metric_alarm::ACTIONS.to(actions.to_vec()),
            metric_alarm::TAGS.to(tags),
        ]),
    )
}

/// One thing a preset alarm watches: its dimensions, and what tells it from its siblings in
/// the alarm's address and name (`None` when the alarm has one member).
struct Member {
    suffix: Option<String>,
    dimensions: BTreeMap<String, Value>,
}

fn member(suffix: Option<String>, dimensions: impl IntoIterator<Item = (&'static str, Value)>) -> Member {
    Member { suffix, dimensions: dimensions.into_iter().map(|(k, v)| (k.to_owned(), v)).collect() }
}

fn members(stack: &Stack, preset: Preset, target: &str, which: Members) -> Vec<Member> {
    match preset {
        Preset::Postgres => {
            let address = Address::new(format!("postgres.{target}"));
            if stack.data.replicas_of_others.iter().any(|r| r.name == target) {
                // A replica of another stack's instance: a replica itself, the one member.
                return vec![member(None, [("DBInstanceIdentifier", Value::Ref(address))])];
            }
            let Some(p) = stack.data.postgres.iter().find(|p| p.name == target) else { return vec![] };
            let primary = member(None, [("DBInstanceIdentifier", Value::Ref(address.clone()))]);
            let replicas = (1..=p.read_replicas.len()).map(|n| {
                let replica = Address::new(format!("{address}.replica[{n}]"));
                member(Some(format!("replica-{n}")), [("DBInstanceIdentifier", Value::Ref(replica))])
            });
            match which {
                Members::Replicas => replicas.collect(),
                _ => std::iter::once(primary).chain(replicas).collect(),
            }
        }
        Preset::Aurora => {
            let Some(a) = stack.data.aurora.iter().find(|a| a.name == target) else { return vec![] };
            let cluster = ("DBClusterIdentifier", Value::Ref(Address::new(format!("aurora.{target}"))));
            match which {
                Members::Writer => vec![member(None, [cluster, ("Role", Value::str("WRITER"))])],
                Members::Readers if a.instances < 2 && a.reader_autoscaling.is_none() => vec![],
                _ => vec![member(None, [cluster])],
            }
        }
        Preset::Redis => {
            let Some(r) = stack.data.redis.iter().find(|r| r.name == target) else { return vec![] };
            if which == Members::ReplicaNodes && r.replicas_per_shard == 0 {
                return vec![];
            }
            // ElastiCache names a group's nodes after it: `<group>-<node>` (`-001`), or with
            // cluster mode `<group>-<shard>-<node>` (`-0001-001`).
            let group = format!("{}-{}", stack.name, r.name);
            let nodes = 1..=(1 + r.replicas_per_shard);
            let suffixes: Vec<String> = if r.cluster_mode {
                (1..=r.shards).flat_map(|s| nodes.clone().map(move |n| format!("{s:04}-{n:03}"))).collect()
            } else {
                nodes.map(|n| format!("{n:03}")).collect()
            };
            suffixes
                .into_iter()
                .map(|s| member(Some(s.clone()), [("CacheClusterId", Value::str(format!("{group}-{s}")))]))
                .collect()
        }
        Preset::NatGateways => {
            let Some(net) = &stack.network else { return vec![] };
            super::network::nat_azs(net)
                .into_iter()
                .map(|az| member(Some(az.to_owned()), [("NatGatewayId", Value::Ref(super::network::nat(az)))]))
                .collect()
        }
    }
}

/// The free storage alarm's default on a replica of another stack's instance, whose storage
/// this stack does not say: RDS's smallest instance is 20 GiB.
const REPLICA_FREE_STORAGE_GIB: f64 = 2.0;

/// A preset alarm's threshold when the entry does not give one, in the alarm's unit.
fn default_threshold(stack: &Stack, target: &str, default: DefaultThreshold) -> f64 {
    match default {
        DefaultThreshold::Fixed(value) => value,
        DefaultThreshold::TenthOfStorage => match stack.data.postgres.iter().find(|p| p.name == target) {
            Some(p) => (p.storage_gb as f64 / 10.0).max(1.0),
            None => REPLICA_FREE_STORAGE_GIB,
        },
    }
}
