//! `notifications:` and `alarms:` validated. A preset alarm names a thing of the stack and
//! becomes one CloudWatch alarm per metric the preset watches and per member (instance,
//! replica, cache node, NAT gateway) — expanded in `expand::alarms` from the catalogue here,
//! which is also what validation checks `thresholds` and `skip` against.

use std::collections::{BTreeMap, BTreeSet};

use indexmap::IndexMap;

use super::Checker;
use super::naming::is_identifier_part;
use crate::spec::{AlarmSpec, Located, MetricSpec, NatGatewaysSpec, NotificationSpec, StackSpec};

/// An SNS topic of the stack with its subscriptions.
#[derive(Clone, Debug, PartialEq)]
pub struct Notification {
    pub name: String,
    /// `<protocol>:<endpoint>`: `email:oncall@example.com`, `https:https://hooks.example.com/x`.
    pub subscriptions: Vec<String>,
    pub kms_key: Option<super::KmsKeyRef>,
}

/// An entry of `alarms:`.
#[derive(Clone, Debug, PartialEq)]
pub struct Alarm {
    pub name: String,
    /// The notification told when it fires and when it recovers.
    pub notify: Option<String>,
    pub subject: AlarmSubject,
}

#[derive(Clone, Debug, PartialEq)]
pub enum AlarmSubject {
    /// The preset's alarms on `target` (an entry of its section; none for NAT gateways).
    Preset { preset: Preset, target: String, thresholds: BTreeMap<String, f64>, skip: BTreeSet<String> },
    /// One alarm written out in full.
    Metric(MetricAlarm),
}

/// What a preset watches.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Preset {
    Postgres,
    Aurora,
    Redis,
    NatGateways,
}

/// A raw alarm's settings, in AWS's terms.
#[derive(Clone, Debug, PartialEq)]
pub struct MetricAlarm {
    pub namespace: String,
    pub metric: String,
    pub dimensions: BTreeMap<String, String>,
    pub statistic: String,
    pub period: i64,
    pub threshold: f64,
    pub comparison: String,
    pub evaluation_periods: i64,
    /// M of the N evaluation periods that must breach; `None`: all of them.
    pub datapoints_to_alarm: Option<i64>,
    pub treat_missing_data: String,
    pub description: Option<String>,
}

/// Which members of the preset's subject an alarm is made for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Members {
    /// A postgres instance and each of its read replicas.
    Instances,
    /// A postgres instance's read replicas only.
    Replicas,
    /// An Aurora cluster's writer (`Role: WRITER`).
    Writer,
    /// An Aurora cluster as a whole; `Readers`: only when it has (or may scale to) readers.
    Cluster,
    Readers,
    /// Every node of a Redis replication group; `ReplicaNodes`: only when it has replicas.
    Nodes,
    ReplicaNodes,
    /// Every NAT gateway of the stack.
    Gateways,
}

/// The default threshold of a preset's alarm.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum DefaultThreshold {
    Fixed(f64),
    /// A tenth of the instance's allocated storage (at least 1 GiB; 2 GiB for a replica of
    /// another stack's instance, whose storage this stack does not say).
    TenthOfStorage,
}

/// One alarm of a preset: the metric, how it is judged, and in what unit users write its
/// threshold (`scale` turns that unit into the metric's: GiB into bytes, seconds into ms).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct PresetAlarm {
    pub name: &'static str,
    pub metric: &'static str,
    /// What it watches, for the alarm's description: "CPU utilisation".
    pub what: &'static str,
    pub statistic: &'static str,
    pub comparison: &'static str,
    pub default: DefaultThreshold,
    /// Written right after the number: `%`, ` GiB`, ` s`.
    pub unit: &'static str,
    pub scale: f64,
    pub period: i64,
    pub evaluation_periods: i64,
    pub treat_missing_data: &'static str,
    pub members: Members,
}

const GIB: f64 = 1024.0 * 1024.0 * 1024.0;
const MIB: f64 = 1024.0 * 1024.0;

macro_rules! preset_alarm {
    ($name:literal, $metric:literal, $what:literal, $statistic:literal, $comparison:expr, $default:expr,
     $unit:literal * $scale:expr, every $period:literal s x $evaluations:literal, missing: $missing:literal, on $members:ident) => {
        PresetAlarm {
            name: $name,
            metric: $metric,
            what: $what,
            statistic: $statistic,
            comparison: $comparison,
            default: $default,
            unit: $unit,
            scale: $scale,
            period: $period,
            evaluation_periods: $evaluations,
            treat_missing_data: $missing,
            members: Members::$members,
        }
    };
}

use DefaultThreshold::{Fixed, TenthOfStorage};

const ABOVE: &str = "GreaterThanThreshold";
const BELOW: &str = "LessThanThreshold";

/// RDS for PostgreSQL: seed 001's replication lag, and what runs a database out of room.
const POSTGRES: &[PresetAlarm] = &[
    preset_alarm!("cpu", "CPUUtilization", "CPU utilisation", "Average", ABOVE, Fixed(80.0), "%" * 1.0,
        every 300 s x 3, missing: "missing", on Instances),
    preset_alarm!("free_storage", "FreeStorageSpace", "free storage", "Minimum", BELOW, TenthOfStorage, " GiB" * GIB,
        every 300 s x 1, missing: "missing", on Instances),
    preset_alarm!("freeable_memory", "FreeableMemory", "freeable memory", "Average", BELOW, Fixed(256.0), " MiB" * MIB,
        every 300 s x 3, missing: "missing", on Instances),
    preset_alarm!("replica_lag", "ReplicaLag", "replication lag", "Maximum", ABOVE, Fixed(60.0), " s" * 1.0,
        every 60 s x 5, missing: "missing", on Replicas),
];

/// Aurora PostgreSQL, by cluster (CloudWatch aggregates its instances).
const AURORA: &[PresetAlarm] = &[
    preset_alarm!("cpu", "CPUUtilization", "writer CPU utilisation", "Average", ABOVE, Fixed(80.0), "%" * 1.0,
        every 300 s x 3, missing: "missing", on Writer),
    preset_alarm!("replica_lag", "AuroraReplicaLagMaximum", "replica lag", "Maximum", ABOVE, Fixed(1.0), " s" * 1000.0,
        every 60 s x 5, missing: "notBreaching", on Readers),
    preset_alarm!("deadlocks", "Deadlocks", "deadlocks", "Sum", ABOVE, Fixed(0.0), " per period" * 1.0,
        every 300 s x 1, missing: "notBreaching", on Cluster),
];

/// ElastiCache Redis or Valkey, per node (ElastiCache publishes host metrics per node).
const REDIS: &[PresetAlarm] = &[
    preset_alarm!("cpu", "CPUUtilization", "host CPU utilisation", "Average", ABOVE, Fixed(90.0), "%" * 1.0,
        every 300 s x 3, missing: "missing", on Nodes),
    preset_alarm!("engine_cpu", "EngineCPUUtilization", "engine CPU utilisation", "Average", ABOVE, Fixed(80.0),
        "%" * 1.0, every 300 s x 3, missing: "missing", on Nodes),
    preset_alarm!("memory", "DatabaseMemoryUsagePercentage", "memory used", "Average", ABOVE, Fixed(80.0), "%" * 1.0,
        every 300 s x 3, missing: "missing", on Nodes),
    preset_alarm!("evictions", "Evictions", "evictions", "Sum", ABOVE, Fixed(100.0), " per period" * 1.0,
        every 300 s x 1, missing: "notBreaching", on Nodes),
    // Only replicas publish it, and which node is a replica changes with a failover: every node
    // has the alarm, and a node publishing nothing (the primary) is not breaching.
    preset_alarm!("replication_lag", "ReplicationLag", "replication lag", "Maximum", ABOVE, Fixed(30.0), " s" * 1.0,
        every 60 s x 5, missing: "notBreaching", on ReplicaNodes),
];

/// NAT gateways: connections they could not make.
const NAT_GATEWAYS: &[PresetAlarm] = &[
    preset_alarm!("port_allocation_errors", "ErrorPortAllocation", "port allocation errors", "Sum", ABOVE,
        Fixed(0.0), " per period" * 1.0, every 300 s x 1, missing: "notBreaching", on Gateways),
    preset_alarm!("packets_dropped", "PacketsDropCount", "dropped packets", "Sum", ABOVE, Fixed(100.0),
        " per period" * 1.0, every 300 s x 1, missing: "notBreaching", on Gateways),
];

impl Preset {
    const ALL: [Preset; 4] = [Preset::Postgres, Preset::Aurora, Preset::Redis, Preset::NatGateways];

    /// Its key in an alarm entry.
    pub fn key(self) -> &'static str {
        match self {
            Preset::Postgres => "postgres",
            Preset::Aurora => "aurora",
            Preset::Redis => "redis",
            Preset::NatGateways => "nat_gateways",
        }
    }

    pub fn namespace(self) -> &'static str {
        match self {
            Preset::Postgres | Preset::Aurora => "AWS/RDS",
            Preset::Redis => "AWS/ElastiCache",
            Preset::NatGateways => "AWS/NATGateway",
        }
    }

    pub fn alarms(self) -> &'static [PresetAlarm] {
        match self {
            Preset::Postgres => POSTGRES,
            Preset::Aurora => AURORA,
            Preset::Redis => REDIS,
            Preset::NatGateways => NAT_GATEWAYS,
        }
    }

    fn names(self) -> String {
        self.alarms().iter().map(|a| a.name).collect::<Vec<_>>().join(", ")
    }
}

pub(super) fn validate_notifications(
    notifications: &IndexMap<Located<String>, NotificationSpec>,
    check: &mut Checker,
) -> Vec<Notification> {
    notifications
        .iter()
        .map(|(name, n)| {
            let field = format!("notifications.{}", name.value());
            entry_name(name, &field, check);
            let mut subscriptions = Vec::new();
            for email in &n.email {
                let (local, domain) = email.split_once('@').unwrap_or_default();
                if local.is_empty() || !domain.contains('.') || email.chars().any(char::is_whitespace) {
                    check.error(
                        email.location(),
                        format!("{field}.email"),
                        format!("`{}` is not an email address", email.value()),
                        "write one address per item, e.g. `oncall@example.com`",
                    );
                }
                subscriptions.push(format!("email:{}", email.value()));
            }
            for url in &n.https {
                if !url.starts_with("https://") || url.len() <= "https://".len() {
                    check.error(
                        url.location(),
                        format!("{field}.https"),
                        format!("`{}` is not an HTTPS URL", url.value()),
                        "SNS delivers to `https://...` endpoints here; plain HTTP is not offered",
                    );
                }
                subscriptions.push(format!("https:{}", url.value()));
            }
            let mut seen = BTreeSet::new();
            subscriptions.retain(|s| seen.insert(s.clone()));
            let kms_key = n.kms_key.as_ref().and_then(|k| {
                if k.as_str() == "alias/aws/sns" {
                    check.error(
                        k.location(),
                        format!("{field}.kms_key"),
                        "AWS's key for SNS does not let CloudWatch alarms publish to the topic",
                        "name a key of `kms_keys` (platformctl lets CloudWatch use it), or a key of your own whose policy allows `cloudwatch.amazonaws.com`",
                    );
                    return None;
                }
                super::kms::key_ref(k, &format!("{field}.kms_key"), check)
            });
            Notification { name: name.value().clone(), subscriptions, kms_key }
        })
        .collect()
}

pub(super) fn validate_alarms(spec: &StackSpec, check: &mut Checker) -> Vec<Alarm> {
    spec.alarms
        .iter()
        .filter_map(|(name, a)| {
            let field = format!("alarms.{}", name.value());
            entry_name(name, &field, check);
            let notify = a.notify.as_ref().map(|n| {
                if !spec.notifications.contains_key(n.as_str()) {
                    let hint = match spec.notifications.keys().map(|k| k.value().as_str()).collect::<Vec<_>>() {
                        names if names.is_empty() => "declare the topic under `notifications:`".to_owned(),
                        names => format!("the stack's notifications are: {}", names.join(", ")),
                    };
                    check.error(
                        n.location(),
                        format!("{field}.notify"),
                        format!("no notification `{}`", n.value()),
                        hint,
                    );
                }
                n.value().clone()
            });
            let subject = subject(spec, a, name, &field, check)?;
            Some(Alarm { name: name.value().clone(), notify, subject })
        })
        .collect()
}

fn entry_name(name: &Located<String>, field: &str, check: &mut Checker) {
    if !is_identifier_part(name) {
        check.error(
            name.location(),
            field,
            format!("invalid name `{}`", name.value()),
            "use lowercase letters, digits and dashes, e.g. `oncall`",
        );
    }
}

/// What the entry watches: exactly one preset, or `metric`.
fn subject(
    spec: &StackSpec,
    a: &AlarmSpec,
    name: &Located<String>,
    field: &str,
    check: &mut Checker,
) -> Option<AlarmSubject> {
    let presets: Vec<(Preset, Option<&Located<String>>)> = [
        (Preset::Postgres, a.postgres.as_ref()),
        (Preset::Aurora, a.aurora.as_ref()),
        (Preset::Redis, a.redis.as_ref()),
    ]
    .into_iter()
    .filter_map(|(p, t)| t.map(|t| (p, Some(t))))
    .chain(a.nat_gateways.as_ref().map(|_| (Preset::NatGateways, None)))
    .collect();
    let keys: Vec<&str> = Preset::ALL.iter().map(|p| p.key()).chain(["metric"]).collect();
    match (presets.as_slice(), &a.metric) {
        ([], None) => {
            check.error(
                name.location(),
                field,
                "the alarm watches nothing",
                format!("give one of {} (a preset) or `metric: {{ namespace, name, dimensions }}`", keys.join(", ")),
            );
            None
        }
        ([(preset, target)], None) => preset_alarms(spec, a, *preset, *target, field, check),
        ([], Some(metric)) => metric_alarm(a, metric, field, check),
        _ => {
            check.error(
                name.location(),
                field,
                "an alarm entry watches one thing",
                format!("keep one of {}; make another entry for the rest", keys.join(", ")),
            );
            None
        }
    }
}

fn preset_alarms(
    spec: &StackSpec,
    a: &AlarmSpec,
    preset: Preset,
    target: Option<&Located<String>>,
    field: &str,
    check: &mut Checker,
) -> Option<AlarmSubject> {
    let raw_fields = [
        ("statistic", a.statistic.as_ref().and_then(|v| v.location())),
        ("period", a.period.as_ref().and_then(|v| v.location())),
        ("threshold", a.threshold.as_ref().and_then(|v| v.location())),
        ("comparison", a.comparison.as_ref().and_then(|v| v.location())),
        ("evaluation_periods", a.evaluation_periods.as_ref().and_then(|v| v.location())),
        ("treat_missing_data", a.treat_missing_data.as_ref().and_then(|v| v.location())),
    ];
    for (raw, at) in raw_fields.into_iter().filter(|(_, at)| at.is_some()) {
        check.error(
            at,
            format!("{field}.{raw}"),
            format!("`{raw}` belongs to an alarm written out with `metric:`, not to the {} preset", preset.key()),
            "change a preset alarm's threshold with `thresholds: { <alarm>: <value> }`",
        );
    }
    let target = match (preset, target) {
        (Preset::NatGateways, _) => {
            let nat = a.nat_gateways.as_ref().map(|n| *n.value()).unwrap_or_default();
            let has_nat = spec
                .network
                .as_ref()
                .is_some_and(|n| n.nat_gateways.as_ref().is_none_or(|g| *g.value() != NatGatewaysSpec::None));
            if !nat || !has_nat {
                let at = a.nat_gateways.as_ref().and_then(|n| n.location());
                let message =
                    if nat { "the stack has no NAT gateways" } else { "`nat_gateways: false` watches nothing" };
                check.error(
                    at,
                    format!("{field}.nat_gateways"),
                    message,
                    "remove the entry, or give the stack's network NAT gateways",
                );
            }
            String::new()
        }
        (_, Some(target)) => {
            let entries: Vec<&str> = match preset {
                // A replica of another stack's instance too (seed 001's DR replica and its lag).
                Preset::Postgres => {
                    spec.postgres.keys().chain(spec.postgres_replicas.keys()).map(|k| k.value().as_str()).collect()
                }
                Preset::Aurora => spec.aurora.keys().map(|k| k.value().as_str()).collect(),
                _ => spec.redis.keys().map(|k| k.value().as_str()).collect(),
            };
            if !entries.contains(&target.as_str()) {
                let key = preset.key();
                let hint = if entries.is_empty() {
                    format!("the stack has no `{key}:` entries")
                } else {
                    format!("the stack's {key} entries are: {}", entries.join(", "))
                };
                check.error(
                    target.location(),
                    format!("{field}.{key}"),
                    format!("no {key} entry `{}`", target.value()),
                    hint,
                );
            }
            target.value().clone()
        }
        (_, None) => String::new(),
    };
    let known = |alarm: &Located<String>, what: &str, check: &mut Checker| {
        let known = preset.alarms().iter().any(|p| p.name == alarm.as_str());
        if !known {
            check.error(
                alarm.location(),
                format!("{field}.{what}"),
                format!("the {} preset has no alarm `{}`", preset.key(), alarm.value()),
                format!("its alarms are: {}", preset.names()),
            );
        }
        known
    };
    let mut thresholds = BTreeMap::new();
    for (alarm, value) in &a.thresholds {
        if known(alarm, "thresholds", check) {
            if !value.is_finite() || *value.value() < 0.0 {
                check.error(
                    value.location(),
                    format!("{field}.thresholds.{}", alarm.value()),
                    format!("{} is not a threshold", value.value()),
                    "give a number of zero or more, in the alarm's unit",
                );
            }
            thresholds.insert(alarm.value().clone(), *value.value());
        }
    }
    let skip = a.skip.iter().filter(|s| known(s, "skip", check)).map(|s| s.value().clone()).collect();
    Some(AlarmSubject::Preset { preset, target, thresholds, skip })
}

const STATISTICS: &[&str] = &["Average", "Maximum", "Minimum", "Sum", "SampleCount"];
const TREAT_MISSING: &[&str] = &["missing", "notBreaching", "breaching", "ignore"];

/// `>`, `>=`, `<`, `<=` or AWS's own name, as AWS names it.
fn comparison(text: &str) -> Option<&'static str> {
    Some(match text {
        ">" | "GreaterThanThreshold" => "GreaterThanThreshold",
        ">=" | "GreaterThanOrEqualToThreshold" => "GreaterThanOrEqualToThreshold",
        "<" | "LessThanThreshold" => "LessThanThreshold",
        "<=" | "LessThanOrEqualToThreshold" => "LessThanOrEqualToThreshold",
        _ => return None,
    })
}

fn metric_alarm(a: &AlarmSpec, metric: &MetricSpec, field: &str, check: &mut Checker) -> Option<AlarmSubject> {
    for (what, preset_field) in [("thresholds", !a.thresholds.is_empty()), ("skip", !a.skip.is_empty())] {
        if preset_field {
            check.error(
                metric.name.location(),
                format!("{field}.{what}"),
                format!("`{what}` belongs to a preset alarm"),
                "give this alarm's own `threshold:`",
            );
        }
    }
    let text_field = |v: &Located<String>, name: &str, check: &mut Checker| {
        if v.trim().is_empty() || v.len() > 255 {
            check.error(
                v.location(),
                format!("{field}.metric.{name}"),
                format!("`{}` is not a metric {name}", v.value()),
                "1 to 255 characters",
            );
        }
    };
    text_field(&metric.namespace, "namespace", check);
    text_field(&metric.name, "name", check);
    if metric.dimensions.len() > 30 {
        check.error(
            metric.name.location(),
            format!("{field}.metric.dimensions"),
            "more than 30 dimensions",
            "CloudWatch takes at most 30",
        );
    }
    let statistic = a.statistic.as_ref().map_or("Average", |s| {
        STATISTICS.iter().copied().find(|k| *k == s.as_str()).unwrap_or_else(|| {
            let hint = format!("use one of {}", STATISTICS.join(", "));
            check.error(s.location(), format!("{field}.statistic"), format!("unknown statistic `{}`", s.value()), hint);
            "Average"
        })
    });
    let period = a.period.as_ref().map_or(300, |p| {
        let valid = [10, 30].contains(p.value()) || (*p.value() >= 60 && p.value() % 60 == 0 && *p.value() <= 86_400);
        if !valid {
            check.error(
                p.location(),
                format!("{field}.period"),
                format!("{} seconds is not an alarm period", p.value()),
                "use 10, 30, or a multiple of 60 up to 86400",
            );
        }
        *p.value()
    });
    let evaluation_periods = a.evaluation_periods.as_ref().map_or(1, |e| {
        if !(1..=100).contains(e.value()) || e.value() * period > 86_400 {
            check.error(
                e.location(),
                format!("{field}.evaluation_periods"),
                format!("{} evaluation periods", e.value()),
                "1 to 100, and the periods together at most one day",
            );
        }
        *e.value()
    });
    let datapoints_to_alarm = a.datapoints_to_alarm.as_ref().map(|d| {
        if !(1..=evaluation_periods).contains(d.value()) {
            check.error(
                d.location(),
                format!("{field}.datapoints_to_alarm"),
                format!("{} of {evaluation_periods} evaluation periods", d.value()),
                "give 1 to `evaluation_periods` datapoints (M out of N), or leave it out for all of them",
            );
        }
        *d.value()
    });
    let comparison = a.comparison.as_ref().map_or("GreaterThanThreshold", |c| {
        comparison(c).unwrap_or_else(|| {
            check.error(
                c.location(),
                format!("{field}.comparison"),
                format!("unknown comparison `{}`", c.value()),
                "use `>`, `>=`, `<` or `<=`",
            );
            "GreaterThanThreshold"
        })
    });
    let treat_missing_data = a.treat_missing_data.as_ref().map_or("missing", |t| {
        TREAT_MISSING.iter().copied().find(|k| *k == t.as_str()).unwrap_or_else(|| {
            let hint = format!("use one of {}", TREAT_MISSING.join(", "));
            check.error(t.location(), format!("{field}.treat_missing_data"), format!("unknown `{}`", t.value()), hint);
            "missing"
        })
    });
    let threshold = match &a.threshold {
        Some(t) if t.is_finite() => *t.value(),
        Some(t) => {
            check.error(t.location(), format!("{field}.threshold"), "the threshold is not a number", "give a number");
            0.0
        }
        None => {
            check.error(
                metric.name.location(),
                format!("{field}.threshold"),
                "an alarm written out with `metric:` needs a `threshold:`",
                "give the value the statistic is compared with",
            );
            0.0
        }
    };
    Some(AlarmSubject::Metric(MetricAlarm {
        namespace: metric.namespace.value().clone(),
        metric: metric.name.value().clone(),
        dimensions: metric.dimensions.iter().map(|(k, v)| (k.value().clone(), v.value().clone())).collect(),
        statistic: statistic.to_owned(),
        period,
        threshold,
        comparison: comparison.to_owned(),
        evaluation_periods,
        datapoints_to_alarm,
        treat_missing_data: treat_missing_data.to_owned(),
        description: a.description.as_ref().map(|d| d.value().clone()),
    }))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::test_support::{stack_from, stack_from_file};

    const BASE: &str = "stack: app\nregion: eu-west-1\n";

    #[test]
    fn the_seed_stack_has_its_presets_and_topic() {
        let stack = stack_from_file("stacks/user-service.yaml").unwrap();
        assert_eq!(stack.notifications[0].subscriptions.len(), 2);
        let presets: Vec<(Preset, &str)> = stack
            .alarms
            .iter()
            .map(|a| match &a.subject {
                AlarmSubject::Preset { preset, target, .. } => (*preset, target.as_str()),
                AlarmSubject::Metric(_) => panic!("{a:?}"),
            })
            .collect();
        assert_eq!(presets, [(Preset::Postgres, "users"), (Preset::Redis, "sessions"), (Preset::NatGateways, "")]);
        assert!(stack.alarms.iter().all(|a| a.notify.as_deref() == Some("oncall")));
    }

    /// A topic's key: a stack key or an existing one; AWS's SNS key refused (CloudWatch cannot
    /// use it); a stack key used by a topic that alarms notify lets CloudWatch use it.
    #[test]
    fn notification_keys() {
        let with = |key: &str| {
            stack_from(&format!(
                "{BASE}kms_keys: {{ alerts: {{}} }}\nnotifications:\n  oncall: {{ email: [a@example.com], kms_key: {key} }}\nalarms:\n  jobs: {{ metric: {{ namespace: AWS/SQS, name: Visible }}, threshold: 1, notify: oncall }}\n"
            ))
        };
        let stack = with("alerts").unwrap();
        assert_eq!(stack.notifications[0].kms_key.as_ref().and_then(|k| k.stack_key()), Some("alerts"));
        let key = crate::expand::expand(&stack, &Default::default())
            .into_iter()
            .find(|r| r.address.as_str() == "kms_keys.alerts")
            .unwrap();
        assert_eq!(crate::kinds::kms_key::ALLOW_CLOUDWATCH_ALARMS.get(&key.attrs), &crate::resource::Value::Bool(true));
        let errors = with("alias/aws/sns").unwrap_err();
        assert!(
            errors.contains("notifications.oncall.kms_key")
                && errors.contains("does not let CloudWatch alarms publish"),
            "{errors}"
        );
    }

    /// M out of N: at most the evaluation periods; absent, all of them.
    #[test]
    fn datapoints_to_alarm_is_m_out_of_n() {
        let raw = |extra: &str| {
            stack_from(&format!(
                "{BASE}alarms:\n  jobs:\n    metric: {{ namespace: AWS/SQS, name: Visible }}\n    threshold: 10\n    evaluation_periods: 5\n{extra}"
            ))
        };
        let m = |s: crate::model::Stack| match &s.alarms[0].subject {
            AlarmSubject::Metric(m) => m.datapoints_to_alarm,
            other => panic!("{other:?}"),
        };
        assert_eq!(m(raw("    datapoints_to_alarm: 3\n").unwrap()), Some(3));
        assert_eq!(m(raw("").unwrap()), None);
        let errors = raw("    datapoints_to_alarm: 6\n").unwrap_err();
        assert!(
            errors.contains("alarms.jobs.datapoints_to_alarm") && errors.contains("6 of 5 evaluation periods"),
            "{errors}"
        );
    }

    #[test]
    fn a_raw_alarm_reads_comparisons_as_aws_names_them_and_defaults_the_rest() {
        let stack = stack_from(&format!(
            "{BASE}alarms:\n  jobs:\n    metric: {{ namespace: AWS/SQS, name: ApproximateNumberOfMessagesVisible, dimensions: {{ QueueName: jobs }} }}\n    threshold: 1000.5\n    comparison: '>='\n"
        ))
        .unwrap();
        let AlarmSubject::Metric(m) = &stack.alarms[0].subject else { panic!() };
        assert_eq!(
            (m.comparison.as_str(), m.statistic.as_str(), m.period, m.evaluation_periods, m.threshold),
            ("GreaterThanOrEqualToThreshold", "Average", 300, 1, 1000.5)
        );
        assert_eq!(m.treat_missing_data, "missing");
        assert_eq!(m.dimensions["QueueName"], "jobs");
    }

    #[test]
    fn mistakes_point_at_their_line_with_what_to_write() {
        let errors = stack_from(&format!(
            "{BASE}notifications:\n  oncall: {{ email: [not-an-address], https: [http://plain] }}\n\
             alarms:\n  db: {{ postgres: nope, notify: pager, thresholds: {{ cpuu: 90 }}, period: 60 }}\n\
             \x20 both: {{ redis: a, aurora: b }}\n  nothing: {{ notify: oncall }}\n\
             \x20 raw: {{ metric: {{ namespace: X, name: Y }}, statistic: Mean, period: 45, comparison: '=>' }}\n\
             \x20 nat: {{ nat_gateways: true }}\n"
        ))
        .unwrap_err();
        for expected in [
            "stack.yaml:4:21 (notifications.oncall.email)",
            "`not-an-address` is not an email address",
            "`http://plain` is not an HTTPS URL",
            "stack.yaml:6:19 (alarms.db.postgres)",
            "no postgres entry `nope`",
            "the stack has no `postgres:` entries",
            "no notification `pager`",
            "the stack's notifications are: oncall",
            "the postgres preset has no alarm `cpuu`",
            "its alarms are: cpu, free_storage, freeable_memory, replica_lag",
            "`period` belongs to an alarm written out with `metric:`",
            "an alarm entry watches one thing",
            "the alarm watches nothing",
            "unknown statistic `Mean`",
            "45 seconds is not an alarm period",
            "unknown comparison `=>`",
            "needs a `threshold:`",
            "the stack has no NAT gateways",
        ] {
            assert!(errors.contains(expected), "{expected}: {errors}");
        }
    }
}
