//! The stack's DNS: Route 53 hosted zones (its own, or another stack's it adds records to),
//! their records and health checks, checked offline — names as DNS spells them, values of each
//! record type, one record set per name, type and set identifier, one routing policy per name
//! and type, a CNAME alone at its name and never at the zone's own name.

use std::net::{Ipv4Addr, Ipv6Addr};

use indexmap::IndexMap;

use super::Checker;
use crate::spec::{CertificateSpec, DnsSpec, HealthCheckSpec, Located, RecordSpec, ZoneSpec};

/// The record types a stack may write.
pub const RECORD_TYPES: &[&str] = &["A", "AAAA", "CNAME", "TXT", "MX"];
const DEFAULT_TTL: i64 = 300;
/// A week: longer caching makes a mistake outlive any fix.
const MAX_TTL: i64 = 604_800;

#[derive(Clone, Debug, PartialEq)]
pub struct Zone {
    /// Lowercase, without the final dot.
    pub name: String,
    /// The stack that owns the zone, when this one only adds records to it.
    pub from_stack: Option<String>,
    pub private: bool,
    /// Other stacks whose VPCs a private zone answers in too.
    pub vpcs: Vec<String>,
    pub comment: Option<String>,
    pub records: Vec<Record>,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Record {
    /// The full name, lowercase, without the final dot (`api.example.com`).
    pub name: String,
    pub record_type: String,
    pub ttl: i64,
    /// As written (normalised); empty for a record with a `target`.
    pub values: Vec<String>,
    /// The endpoint of this stack a CNAME follows.
    pub target: Option<RecordTarget>,
    /// The load balancer (ARN, name or DNS name) an alias A/AAAA record points at.
    pub alias: Option<String>,
    /// How Route 53 chooses among the sets of this name and type; `None`: a plain record.
    pub routing: Option<Routing>,
}

/// A routed record set: its identifier, its policy and the health check it follows.
#[derive(Clone, Debug, PartialEq)]
pub struct Routing {
    pub set_id: String,
    pub policy: RoutingPolicy,
    /// A health check of `dns.health_checks`, by name.
    pub health_check: Option<String>,
}

#[derive(Clone, Debug, PartialEq)]
pub enum RoutingPolicy {
    /// `PRIMARY` or `SECONDARY`, as Route 53 spells it.
    Failover(String),
    Weighted(i64),
    Latency(String),
}

impl RoutingPolicy {
    /// The name of the policy, as the record's `routing` attribute holds it.
    pub fn name(&self) -> &'static str {
        match self {
            RoutingPolicy::Failover(_) => "failover",
            RoutingPolicy::Weighted(_) => "weighted",
            RoutingPolicy::Latency(_) => "latency",
        }
    }
}

/// A Route 53 health check of an endpoint.
#[derive(Clone, Debug, PartialEq)]
pub struct HealthCheck {
    pub name: String,
    /// `HTTP`, `HTTPS` or `TCP`, as Route 53 spells it.
    pub protocol: String,
    pub host: String,
    pub port: i64,
    /// `None` for TCP.
    pub path: Option<String>,
    pub interval: i64,
    pub failure_threshold: i64,
    /// `None`: Route 53's default checker regions.
    pub regions: Option<Vec<String>>,
}

/// An ACM certificate validated through records in a zone of the stack's `dns.zones`.
#[derive(Clone, Debug, PartialEq)]
pub struct Certificate {
    pub name: String,
    /// Lowercase, without the final dot; may start with `*.`.
    pub domain: String,
    /// Sorted, the domain not among them.
    pub alternative_names: Vec<String>,
    /// The zone's name (a key of `dns.zones`).
    pub zone: String,
}

/// Where Route 53 has health checkers: `regions` picks among these.
pub const CHECKER_REGIONS: &[&str] = &[
    "us-east-1",
    "us-west-1",
    "us-west-2",
    "eu-west-1",
    "ap-southeast-1",
    "ap-southeast-2",
    "ap-northeast-1",
    "sa-east-1",
];

/// An endpoint of the stack a CNAME record points at.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum RecordTarget {
    Postgres(String),
    AuroraWriter(String),
    AuroraReader(String),
    Redis(String),
}

/// What records may point at: the stack's databases and caches by name.
pub(super) struct Endpoints<'a> {
    pub postgres: Vec<&'a str>,
    pub aurora: Vec<&'a str>,
    pub redis: Vec<&'a str>,
}

/// The stack's zones and health checks.
pub(super) fn validate(
    dns: Option<&DnsSpec>,
    stack: Option<&str>,
    has_network: bool,
    endpoints: &Endpoints,
    check: &mut Checker,
) -> (Vec<Zone>, Vec<HealthCheck>) {
    let Some(dns) = dns else { return (Vec::new(), Vec::new()) };
    let health_checks = dns.health_checks.iter().filter_map(|(name, spec)| health_check(name, spec, check)).collect();
    let context = ZoneContext { stack, has_network, endpoints, health_checks: &dns.health_checks };
    let zones = dns.zones.iter().filter_map(|(name, zone)| validate_zone(name, zone, &context, check)).collect();
    (zones, health_checks)
}

/// What a zone's records may refer to.
struct ZoneContext<'a> {
    stack: Option<&'a str>,
    has_network: bool,
    endpoints: &'a Endpoints<'a>,
    health_checks: &'a IndexMap<Located<String>, HealthCheckSpec>,
}

fn health_check(name: &Located<String>, spec: &HealthCheckSpec, check: &mut Checker) -> Option<HealthCheck> {
    let field = format!("dns.health_checks.{}", name.value());
    if !super::naming::is_identifier_part(name) {
        check.error(
            name.location(),
            &field,
            format!("invalid health check name `{}`", name.value()),
            "use lowercase letters, digits and single dashes, starting with a letter",
        );
    }
    let protocol = spec.protocol.as_ref().map_or("https", |p| p.as_str()).to_ascii_uppercase();
    if !["HTTP", "HTTPS", "TCP"].contains(&protocol.as_str()) {
        let at = spec.protocol.as_ref().and_then(|p| p.location());
        check.error(
            at,
            format!("{field}.type"),
            format!("`{protocol}` is not a health check type"),
            "use `https`, `http` or `tcp`",
        );
        return None;
    }
    let host = spec.host.trim_end_matches('.').to_ascii_lowercase();
    if !is_domain(&host, false) {
        check.error(
            spec.host.location(),
            format!("{field}.host"),
            format!("`{}` is not a host name", spec.host.value()),
            "the endpoint's DNS name, e.g. `api-eu-west-1.example.com`",
        );
    }
    let port = match (&spec.port, protocol.as_str()) {
        (Some(p), _) if !(1..=65535).contains(p.value()) => {
            check.error(
                p.location(),
                format!("{field}.port"),
                format!("port {} is out of range", p.value()),
                "1 to 65535",
            );
            None
        }
        (Some(p), _) => Some(*p.value()),
        (None, "HTTPS") => Some(443),
        (None, "HTTP") => Some(80),
        (None, _) => {
            check.error(
                name.location(),
                format!("{field}.port"),
                "a tcp check needs the port",
                "add e.g. `port: 5432`",
            );
            None
        }
    };
    let path = match (&spec.path, protocol.as_str()) {
        (Some(p), "TCP") => {
            check.error(
                p.location(),
                format!("{field}.path"),
                "a tcp check requests no path",
                "remove `path`, or use `type: https`",
            );
            None
        }
        (Some(p), _) if !p.starts_with('/') || p.len() > 255 || p.chars().any(char::is_whitespace) => {
            check.error(
                p.location(),
                format!("{field}.path"),
                format!("`{}` is not a request path", p.value()),
                "start it with `/`, e.g. `/healthz` (at most 255 characters, no spaces)",
            );
            None
        }
        (Some(p), _) => Some(p.value().clone()),
        (None, "TCP") => None,
        (None, _) => Some("/".to_owned()),
    };
    let interval = spec.interval.as_ref().map_or(Some(30), |i| {
        [10, 30].contains(i.value()).then_some(*i.value()).or_else(|| {
            check.error(
                i.location(),
                format!("{field}.interval"),
                format!("{} is not a check interval", i.value()),
                "Route 53 checks every 10 or 30 seconds",
            );
            None
        })
    });
    let failure_threshold = spec.failure_threshold.as_ref().map_or(Some(3), |t| {
        (1..=10).contains(t.value()).then_some(*t.value()).or_else(|| {
            check.error(
                t.location(),
                format!("{field}.failure_threshold"),
                format!("{} is out of range", t.value()),
                "1 to 10 consecutive failures",
            );
            None
        })
    });
    let regions = match &spec.regions {
        None => Some(None),
        Some(list) => {
            let unknown: Vec<&str> = list.iter().map(|r| r.as_str()).filter(|r| !CHECKER_REGIONS.contains(r)).collect();
            if list.len() < 3 || !unknown.is_empty() {
                check.error(
                    list.location(),
                    format!("{field}.regions"),
                    if unknown.is_empty() {
                        "Route 53 needs at least 3 checker regions".to_owned()
                    } else {
                        format!("Route 53 has no health checkers in {}", unknown.join(", "))
                    },
                    format!("pick 3 or more of {}, or leave `regions` out for all of them", CHECKER_REGIONS.join(", ")),
                );
                None
            } else {
                let mut regions: Vec<String> = list.iter().map(|r| r.value().clone()).collect();
                regions.sort();
                regions.dedup();
                Some(Some(regions))
            }
        }
    };
    Some(HealthCheck {
        name: name.value().clone(),
        protocol,
        host,
        port: port?,
        path,
        interval: interval?,
        failure_threshold: failure_threshold?,
        regions: regions?,
    })
}

fn validate_zone(name: &Located<String>, zone: &ZoneSpec, context: &ZoneContext, check: &mut Checker) -> Option<Zone> {
    let (has_network, endpoints) = (context.has_network, context.endpoints);
    let field = format!("dns.zones.{}", name.value());
    let zone_name = name.trim_end_matches('.').to_ascii_lowercase();
    if !is_domain(&zone_name, false) {
        check.error(
            name.location(),
            &field,
            format!("`{}` is not a domain name", name.value()),
            "write it as DNS does: labels of letters, digits and `-`, separated by dots, e.g. `example.com`",
        );
        return None;
    }
    let zone_field = &field;
    let from_stack = zone.from_stack.as_ref().and_then(|from| {
        let field = format!("{zone_field}.from_stack");
        if !super::naming::is_identifier_part(from) || Some(from.as_str()) == context.stack {
            check.error(
                from.location(),
                field,
                format!("`{}` is not another stack's name", from.value()),
                "name the stack that owns the zone, e.g. `from_stack: user-service`",
            );
            return None;
        }
        let owned = [
            ("private", zone.private.as_ref().and_then(|p| p.location())),
            ("comment", zone.comment.as_ref().and_then(|c| c.location())),
        ];
        for (setting, at) in owned.into_iter().filter(|(_, at)| at.is_some()) {
            check.error(
                at,
                format!("{zone_field}.{setting}"),
                format!("`{setting}` belongs to the zone's own stack, `{}`", from.value()),
                "set it there, and remove it here",
            );
        }
        Some(from.value().clone())
    });
    let private = zone.private.as_ref().is_some_and(|p| *p.value());
    if private && !has_network {
        check.error(
            zone.private.as_ref().and_then(|p| p.location()),
            format!("{field}.private"),
            "a private zone answers inside the stack's VPC, and this stack has no `network:`",
            "add the network, or make the zone public",
        );
    }
    let mut vpcs: Vec<String> = Vec::new();
    for other in &zone.vpcs {
        let problem = if !private {
            Some(("only a private zone is associated with VPCs", "add `private: true`, or remove `vpcs`"))
        } else if !super::naming::is_identifier_part(other) || Some(other.as_str()) == context.stack {
            Some((
                "not another stack's name",
                "name a stack whose network this zone should answer in; this stack's own VPC is always associated",
            ))
        } else if vpcs.contains(other.value()) {
            Some(("named twice", "name each stack once"))
        } else {
            None
        };
        match problem {
            Some((what, hint)) => {
                check.error(other.location(), format!("{field}.vpcs"), format!("`{}`: {what}", other.value()), hint)
            }
            None => vpcs.push(other.value().clone()),
        }
    }
    if let Some(comment) = &zone.comment
        && comment.len() > 256
    {
        check.error(
            comment.location(),
            format!("{field}.comment"),
            "the comment is longer than 256 characters",
            "shorten it",
        );
    }
    let mut records: Vec<Record> = Vec::new();
    for (i, spec) in zone.records.iter().enumerate() {
        let record_field = format!("{field}.records[{i}]");
        let Some(record) = validate_record(spec, &zone_name, &record_field, endpoints, check) else { continue };
        let Some(record) = routing(spec, record, &record_field, context.health_checks, check) else { continue };
        let same_name = records.iter().filter(|r| r.name == record.name);
        let same_type: Vec<&Record> = same_name.clone().filter(|r| r.record_type == record.record_type).collect();
        if let Some(problem) = routing_clash(&record, &same_type) {
            check.error(spec.name.location(), &record_field, problem.0, problem.1);
            continue;
        }
        let cname_clash = same_name.clone().any(|r| r.record_type == "CNAME" && record.record_type != "CNAME")
            || record.record_type == "CNAME" && same_name.clone().any(|r| r.record_type != "CNAME");
        if cname_clash {
            check.error(
                spec.name.location(),
                &record_field,
                format!("`{}` has a CNAME and other records", record.name),
                "a CNAME stands alone at its name (RFC 1034): keep it or the others",
            );
            continue;
        }
        records.push(record);
    }
    Some(Zone {
        name: zone_name,
        from_stack,
        private,
        vpcs,
        comment: zone.comment.as_ref().map(|c| c.value().clone()),
        records,
    })
}

/// The record's routing policy, set identifier and health check, each checked.
fn routing(
    spec: &Located<RecordSpec>,
    record: Record,
    field: &str,
    health_checks: &IndexMap<Located<String>, HealthCheckSpec>,
    check: &mut Checker,
) -> Option<Record> {
    let failover = spec.failover.as_ref().map(|f| (f, f.to_ascii_uppercase()));
    let mut policies = Vec::new();
    if let Some((at, role)) = &failover {
        if role != "PRIMARY" && role != "SECONDARY" {
            check.error(
                at.location(),
                format!("{field}.failover"),
                format!("`{}` is not a failover role", at.value()),
                "`primary` or `secondary`",
            );
            return None;
        }
        policies.push(RoutingPolicy::Failover(role.clone()));
    }
    if let Some(weight) = &spec.weight {
        if !(0..=255).contains(weight.value()) {
            check.error(
                weight.location(),
                format!("{field}.weight"),
                format!("{} is out of range", weight.value()),
                "a weight is 0 to 255",
            );
            return None;
        }
        policies.push(RoutingPolicy::Weighted(*weight.value()));
    }
    if let Some(region) = &spec.latency_region {
        if !super::naming::is_region_name(region) {
            check.error(
                region.location(),
                format!("{field}.latency_region"),
                format!("`{}` is not an AWS region", region.value()),
                "e.g. `eu-west-1`",
            );
            return None;
        }
        policies.push(RoutingPolicy::Latency(region.value().clone()));
    }
    if let Some(name) = &spec.health_check
        && !health_checks.contains_key(name.as_str())
    {
        let known: Vec<&str> = health_checks.keys().map(|k| k.as_str()).collect();
        check.error(
            name.location(),
            format!("{field}.health_check"),
            format!("no health check `{}` in this stack", name.value()),
            if known.is_empty() {
                "declare it under `dns.health_checks`".to_owned()
            } else {
                format!("its health checks: {}", known.join(", "))
            },
        );
        return None;
    }
    let routed = |problem: &str, hint: &str, check: &mut Checker| {
        check.error(spec.name.location(), field, problem.to_owned(), hint.to_owned());
        None
    };
    match (policies.len(), &spec.set_id) {
        (0, None) if spec.health_check.is_some() => {
            routed("a health check goes with a routing policy", "add `failover: primary` and a `set_id`", check)
        }
        (0, None) => Some(record),
        (0, Some(_)) => routed(
            "a `set_id` goes with a routing policy",
            "add `failover`, `weight` or `latency_region`, or remove `set_id`",
            check,
        ),
        (1, None) => routed(
            "a routed record needs a `set_id`",
            "name this set among those of its name and type, e.g. `set_id: eu-west-1`",
            check,
        ),
        (1, Some(set_id)) => {
            let valid = !set_id.is_empty()
                && set_id.len() <= 128
                && set_id.chars().all(|c| c.is_ascii_alphanumeric() || "-_.".contains(c));
            if !valid {
                check.error(
                    set_id.location(),
                    format!("{field}.set_id"),
                    format!("`{}` is not a set identifier", set_id.value()),
                    "letters, digits, `-`, `_` and `.`, at most 128",
                );
                return None;
            }
            let policy = policies.remove(0);
            if policy == RoutingPolicy::Failover("PRIMARY".into()) && spec.health_check.is_none() {
                return routed(
                    "a failover primary needs a health check",
                    "add `health_check: <name of dns.health_checks>`: without one Route 53 never fails over",
                    check,
                );
            }
            let health_check = spec.health_check.as_ref().map(|h| h.value().clone());
            Some(Record { routing: Some(Routing { set_id: set_id.value().clone(), policy, health_check }), ..record })
        }
        _ => routed("a record has one routing policy", "keep one of `failover`, `weight` and `latency_region`", check),
    }
}

/// Why `record` cannot join the sets of its name and type already checked, as (problem, hint).
fn routing_clash(record: &Record, same_type: &[&Record]) -> Option<(String, &'static str)> {
    let first = same_type.first()?;
    let (name, record_type) = (&record.name, &record.record_type);
    match (&record.routing, &first.routing) {
        (None, _) | (_, None) => Some((
            format!("`{name}` already has a {record_type} record in this zone"),
            "give one name and type one record, with all its values (or give every set a routing policy)",
        )),
        (Some(new), Some(old)) if new.policy.name() != old.policy.name() => Some((
            format!("the {record_type} sets of `{name}` mix {} and {} routing", old.policy.name(), new.policy.name()),
            "Route 53 routes all sets of one name and type one way",
        )),
        (Some(new), _) if same_type.iter().any(|r| r.routing.as_ref().is_some_and(|o| o.set_id == new.set_id)) => {
            Some((
                format!("`{name}` already has a {record_type} set `{}`", new.set_id),
                "give each set of a name and type its own `set_id`",
            ))
        }
        (Some(Routing { policy: RoutingPolicy::Failover(role), .. }), _)
            if same_type.iter().any(
                |r| matches!(&r.routing, Some(Routing { policy: RoutingPolicy::Failover(o), .. }) if o == role),
            ) =>
        {
            Some((
                format!("`{name}` has two failover {} {record_type} sets", role.to_ascii_lowercase()),
                "a failover pair is one primary and one secondary",
            ))
        }
        _ => None,
    }
}

fn validate_record(
    spec: &Located<RecordSpec>,
    zone: &str,
    field: &str,
    endpoints: &Endpoints,
    check: &mut Checker,
) -> Option<Record> {
    let relative = spec.name.trim_end_matches('.').to_ascii_lowercase();
    let name = if relative == "@" { zone.to_owned() } else { format!("{relative}.{zone}") };
    if relative != "@" && !is_domain(&relative, true) {
        check.error(
            spec.name.location(),
            format!("{field}.name"),
            format!("`{}` is not a record name", spec.name.value()),
            "a name relative to the zone (`api`, `*.apps`), or `@` for the zone's own name",
        );
        return None;
    }
    let record_type = spec.record_type.to_ascii_uppercase();
    if !RECORD_TYPES.contains(&record_type.as_str()) {
        check.error(
            spec.record_type.location(),
            format!("{field}.type"),
            format!("`{}` is not a record type platformctl writes", spec.record_type.value()),
            format!("use one of {}", RECORD_TYPES.join(", ")),
        );
        return None;
    }
    let ttl = match &spec.ttl {
        Some(t) if !(0..=MAX_TTL).contains(t.value()) => {
            check.error(
                t.location(),
                format!("{field}.ttl"),
                format!("{} is out of range", t.value()),
                format!("use 0 to {MAX_TTL} seconds"),
            );
            return None;
        }
        Some(t) => *t.value(),
        None => DEFAULT_TTL,
    };
    let values_field = format!("{field}.values");
    if let Some(alias) = &spec.alias {
        let problem = if spec.values.is_some() || spec.target.is_some() {
            Some(("an alias record has no `values` or `target`", "keep `alias`, or list `values`"))
        } else if record_type != "A" && record_type != "AAAA" {
            Some(("an alias to a load balancer is an A or AAAA record", "use `type: A` (or AAAA for IPv6 clients)"))
        } else if spec.ttl.is_some() {
            Some(("an alias record has no TTL of its own", "remove `ttl`: resolvers get the load balancer's"))
        } else if alias.trim().is_empty() || alias.contains(char::is_whitespace) {
            Some((
                "is not a load balancer",
                "its ARN, name or DNS name, e.g. `k8s-apps-1234.eu-west-1.elb.amazonaws.com`",
            ))
        } else {
            None
        };
        if let Some((what, hint)) = problem {
            check.error(alias.location(), format!("{field}.alias"), format!("`{}`: {what}", alias.value()), hint);
            return None;
        }
        let alias = Some(alias.value().clone());
        return Some(Record { name, record_type, ttl, values: Vec::new(), target: None, alias, routing: None });
    }
    let values_spec = match (&spec.values, &spec.target) {
        (None, Some(target)) => {
            let target = record_target(target, &record_type, &relative, &format!("{field}.target"), endpoints, check)?;
            return Some(Record {
                name,
                record_type,
                ttl,
                values: Vec::new(),
                target: Some(target),
                alias: None,
                routing: None,
            });
        }
        (Some(values), None) if !values.is_empty() => values,
        (values, target) => {
            let both = values.is_some() && target.is_some();
            check.error(
                spec.name.location(),
                &values_field,
                if both {
                    "a record has `values` or a `target`, not both"
                } else {
                    "a record needs at least one value"
                },
                "list its values under `values:`, or (a CNAME) point it at an endpoint of the stack with `target:`",
            );
            return None;
        }
    };
    if record_type == "CNAME" && (relative == "@" || values_spec.len() > 1) {
        check.error(
            values_spec.location(),
            &values_field,
            if relative == "@" { "a zone's own name cannot be a CNAME" } else { "a CNAME has exactly one value" },
            "point the CNAME at one host name, from a name below the zone",
        );
        return None;
    }
    let mut values = Vec::new();
    for value in values_spec.iter() {
        match value_problem(&record_type, value) {
            Some(hint) => check.error(
                value.location(),
                &values_field,
                format!("`{}` is not a {record_type} value", value.value()),
                hint,
            ),
            None => values.push(normalized(&record_type, value)),
        }
    }
    (values.len() == values_spec.len()).then_some(Record {
        name,
        record_type,
        ttl,
        values,
        target: None,
        alias: None,
        routing: None,
    })
}

/// The stack's certificates: names in their zone, the zone one of `dns.zones`.
pub(super) fn validate_certificates(
    specs: &IndexMap<Located<String>, CertificateSpec>,
    zones: &[Zone],
    check: &mut Checker,
) -> Vec<Certificate> {
    let mut out = Vec::new();
    for (name, spec) in specs {
        let field = format!("certificates.{}", name.value());
        if !super::naming::is_identifier_part(name) {
            check.error(
                name.location(),
                &field,
                format!("invalid certificate name `{}`", name.value()),
                "use lowercase letters, digits and single dashes, starting with a letter",
            );
        }
        let zone = spec.zone.trim_end_matches('.').to_ascii_lowercase();
        if !zones.iter().any(|z| z.name == zone) {
            let known: Vec<&str> = zones.iter().map(|z| z.name.as_str()).collect();
            check.error(
                spec.zone.location(),
                format!("{field}.zone"),
                format!("`{}` is not a zone of this stack's `dns.zones`", spec.zone.value()),
                if known.is_empty() {
                    "declare the zone under `dns.zones` (`from_stack: <owner>` for another stack's)".to_owned()
                } else {
                    format!("its zones: {}", known.join(", "))
                },
            );
            continue;
        }
        let in_zone = |n: &Located<String>, what: &str, check: &mut Checker| {
            let host = n.trim_end_matches('.').to_ascii_lowercase();
            let inside = host == zone || host.ends_with(&format!(".{zone}"));
            if !is_domain(&host, true) || !inside {
                check.error(
                    n.location(),
                    format!("{field}.{what}"),
                    format!("`{}` is not a name in `{zone}`", n.value()),
                    format!("ACM validates names through the zone's records: use `{zone}`, `api.{zone}` or `*.{zone}`"),
                );
                return None;
            }
            Some(host)
        };
        let domain = in_zone(&spec.domain, "domain", check);
        let mut alternative_names: Vec<String> =
            spec.alternative_names.iter().filter_map(|n| in_zone(n, "alternative_names", check)).collect();
        if alternative_names.len() != spec.alternative_names.len() {
            continue;
        }
        let Some(domain) = domain else { continue };
        alternative_names.sort();
        alternative_names.dedup();
        alternative_names.retain(|n| *n != domain);
        out.push(Certificate { name: name.value().clone(), domain, alternative_names, zone });
    }
    out
}

/// A CNAME's `target`: `postgres.<name>`, `aurora.<name>`, `aurora.<name>.reader` or
/// `redis.<name>`, of this stack.
fn record_target(
    target: &Located<String>,
    record_type: &str,
    relative: &str,
    field: &str,
    endpoints: &Endpoints,
    check: &mut Checker,
) -> Option<RecordTarget> {
    if record_type != "CNAME" || relative == "@" {
        check.error(
            target.location(),
            field,
            "a `target` makes a CNAME, below the zone's own name",
            "use `type: CNAME` and a name like `db`, or list `values:`",
        );
        return None;
    }
    let parts: Vec<&str> = target.split('.').collect();
    let found = match parts.as_slice() {
        ["postgres", name] if endpoints.postgres.contains(name) => Some(RecordTarget::Postgres((*name).to_owned())),
        ["aurora", name] if endpoints.aurora.contains(name) => Some(RecordTarget::AuroraWriter((*name).to_owned())),
        ["aurora", name, "reader"] if endpoints.aurora.contains(name) => {
            Some(RecordTarget::AuroraReader((*name).to_owned()))
        }
        ["redis", name] if endpoints.redis.contains(name) => Some(RecordTarget::Redis((*name).to_owned())),
        _ => None,
    };
    if found.is_none() {
        let mut known: Vec<String> = endpoints.postgres.iter().map(|n| format!("postgres.{n}")).collect();
        known.extend(endpoints.aurora.iter().flat_map(|n| [format!("aurora.{n}"), format!("aurora.{n}.reader")]));
        known.extend(endpoints.redis.iter().map(|n| format!("redis.{n}")));
        check.error(
            target.location(),
            field,
            format!("`{}` is not an endpoint of this stack", target.value()),
            if known.is_empty() {
                "a target is a database or cache of this stack; this one has none".to_owned()
            } else {
                format!("this stack's endpoints: {}", known.join(", "))
            },
        );
    }
    found
}

/// Why a value does not fit its record type, as a hint; `None` when it fits.
fn value_problem(record_type: &str, value: &str) -> Option<&'static str> {
    let ok = match record_type {
        "A" => value.parse::<Ipv4Addr>().is_ok(),
        "AAAA" => value.parse::<Ipv6Addr>().is_ok(),
        "CNAME" => is_domain(value.trim_end_matches('.'), false),
        "MX" => value.split_once(' ').is_some_and(|(priority, host)| {
            priority.parse::<u16>().is_ok() && is_domain(host.trim_end_matches('.'), false)
        }),
        "TXT" => !value.is_empty() && value.len() <= 4000 && value.is_ascii(),
        _ => false,
    };
    (!ok).then_some(match record_type {
        "A" => "an IPv4 address, e.g. `192.0.2.10`",
        "AAAA" => "an IPv6 address, e.g. `2001:db8::10`",
        "CNAME" => "a host name, e.g. `lb.example.net`",
        "MX" => "`<priority> <host>`, e.g. `10 mail.example.com`",
        _ => "ASCII text of 1 to 4000 characters, without the quotes (platformctl adds them)",
    })
}

/// Values as Route 53 answers them: host names lowercase without the final dot.
fn normalized(record_type: &str, value: &str) -> String {
    match record_type {
        "CNAME" => value.trim_end_matches('.').to_ascii_lowercase(),
        "MX" => {
            let (priority, host) = value.split_once(' ').unwrap_or(("", value));
            format!("{priority} {}", host.trim_end_matches('.').to_ascii_lowercase())
        }
        "AAAA" => value.parse::<Ipv6Addr>().map_or_else(|_| value.to_owned(), |a| a.to_string()),
        _ => value.to_owned(),
    }
}

/// A DNS name: labels of letters, digits and `-` (not at either end), 1–63 characters each,
/// 253 in all; a leading `*` label when `wildcard` is allowed.
fn is_domain(name: &str, wildcard: bool) -> bool {
    if name.is_empty() || name.len() > 253 {
        return false;
    }
    name.split('.').enumerate().all(|(i, label)| {
        (wildcard && i == 0 && label == "*")
            || (!label.is_empty()
                && label.len() <= 63
                && label.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
                && !label.starts_with('-')
                && !label.ends_with('-'))
    })
}

#[cfg(test)]
mod tests {
    use crate::model::test_support::{USER_SERVICE, stack_from};

    /// The stack with one database, `postgres.users`, and these zones.
    fn dns(zones: &str) -> Result<crate::model::Stack, String> {
        stack_from(&format!(
            "{USER_SERVICE}secrets:\n  m: {{ generate: {{ length: 32 }} }}\npostgres:\n  users: {{ engine_version: \"16.4\", instance_class: db.t4g.micro, storage_gb: 20, database: app, username: app, password_secret: m }}\ndns:\n  zones:\n{zones}"
        ))
    }

    #[test]
    fn zones_and_records_are_normalised() {
        let stack = dns("    Example.COM.:\n      records:\n        - { name: api, type: a, values: [192.0.2.10, 192.0.2.11] }\n        - { name: \"@\", type: MX, ttl: 3600, values: [\"10 Mail.Example.com.\"] }\n        - { name: www, type: CNAME, values: [LB.example.net.] }\n        - { name: \"@\", type: TXT, values: [\"v=spf1 -all\"] }\n    internal.example:\n      private: true\n").unwrap();
        let zone = &stack.dns[0];
        assert_eq!((zone.name.as_str(), zone.private), ("example.com", false));
        let records: Vec<(String, String, i64, Vec<String>)> =
            zone.records.iter().map(|r| (r.name.clone(), r.record_type.clone(), r.ttl, r.values.clone())).collect();
        assert_eq!(
            records,
            [
                ("api.example.com".into(), "A".into(), 300, vec!["192.0.2.10".into(), "192.0.2.11".into()]),
                ("example.com".into(), "MX".into(), 3600, vec!["10 mail.example.com".into()]),
                ("www.example.com".into(), "CNAME".into(), 300, vec!["lb.example.net".into()]),
                ("example.com".into(), "TXT".into(), 300, vec!["v=spf1 -all".into()]),
            ]
        );
        assert!(stack.dns[1].private);
        let db = dns("    example.com:\n      records:\n        - { name: db, type: CNAME, target: postgres.users }\n")
            .unwrap();
        assert_eq!(db.dns[0].records[0].target, Some(super::RecordTarget::Postgres("users".into())));
        let expanded = crate::expand::expand(&db, &Default::default());
        let record = expanded.iter().find(|r| r.address.as_str() == "dns.record[db.example.com:CNAME]").unwrap();
        assert_eq!(record.attrs["values"].to_string(), "[(address of postgres.users)]");
    }

    /// Seed 001's shape: a health-checked failover pair (the secondary in the DR stack, which
    /// adds it to this stack's zone), a weighted pair and a latency set; each routed set is
    /// its own resource, addressed by its set identifier.
    #[test]
    fn routed_records_and_health_checks() {
        let stack = dns("    example.com:\n      records:\n        - { name: api, type: CNAME, values: [api-eu.example.com], set_id: eu-west-1, failover: primary, health_check: api-eu }\n        - { name: api, type: CNAME, values: [api-us.example.com], set_id: us-east-1, failover: secondary }\n        - { name: www, type: A, values: [192.0.2.1], set_id: blue, weight: 90 }\n        - { name: www, type: A, values: [192.0.2.2], set_id: green, weight: 10 }\n        - { name: near, type: A, values: [192.0.2.3], set_id: eu, latency_region: eu-west-1 }\n  health_checks:\n    api-eu: { host: api-eu.example.com, path: /healthz }\n").unwrap();
        let check = &stack.health_checks[0];
        assert_eq!(
            (check.protocol.as_str(), check.port, check.path.as_deref(), check.interval, check.failure_threshold),
            ("HTTPS", 443, Some("/healthz"), 30, 3)
        );
        let expanded = crate::expand::expand(&stack, &Default::default());
        let listed: Vec<String> = expanded
            .iter()
            .filter(|r| r.address.as_str().starts_with("dns.record[") || r.address.as_str().starts_with("dns.health"))
            .map(|r| {
                let a = |n: &str| r.attrs.get(n).map_or("-".to_owned(), |v| v.to_string());
                format!(
                    "{} {} {} {} {} {}",
                    r.address,
                    a("routing"),
                    a("failover"),
                    a("weight"),
                    a("region"),
                    a("health_check_id")
                )
            })
            .collect();
        assert_eq!(
            listed,
            [
                "dns.health_check[api-eu] - - - - -",
                "dns.record[api.example.com:CNAME:eu-west-1] \"failover\" \"PRIMARY\" null null (id of dns.health_check[api-eu])",
                "dns.record[api.example.com:CNAME:us-east-1] \"failover\" \"SECONDARY\" null null null",
                "dns.record[www.example.com:A:blue] \"weighted\" null 90 null null",
                "dns.record[www.example.com:A:green] \"weighted\" null 10 null null",
                "dns.record[near.example.com:A:eu] \"latency\" null null \"eu-west-1\" null",
            ]
        );
        // A zone of another stack: records only, no zone resource.
        let borrowed = dns("    example.com:\n      from_stack: user-service-dr\n      records:\n        - { name: api, type: CNAME, values: [api-us.example.com], set_id: us-east-1, failover: secondary }\n").unwrap();
        let addresses: Vec<String> = crate::expand::expand(&borrowed, &Default::default())
            .into_iter()
            .map(|r| r.address.to_string())
            .filter(|a| a.starts_with("dns."))
            .collect();
        assert_eq!(addresses, ["dns.record[api.example.com:CNAME:us-east-1]"]);
    }

    #[test]
    fn certificates_name_their_zone_and_stay_inside_it() {
        let zones = "    example.com: {}\n";
        let with = |certs: &str| dns(&format!("{zones}certificates:\n{certs}"));
        let stack = with("  api: { domain: API.example.com., alternative_names: [www.example.com, api.example.com, \"*.example.com\"], zone: example.com }\n").unwrap();
        let cert = &stack.certificates[0];
        assert_eq!((cert.domain.as_str(), cert.zone.as_str()), ("api.example.com", "example.com"));
        assert_eq!(cert.alternative_names, ["*.example.com", "www.example.com"]);
        for (certs, expected) in [
            ("  api: { domain: api.example.com, zone: example.org }\n", "`example.org` is not a zone of this stack"),
            (
                "  api: { domain: api.example.org, zone: example.com }\n",
                "`api.example.org` is not a name in `example.com`",
            ),
            (
                "  api: { domain: api.example.com, alternative_names: [evil.com], zone: example.com }\n",
                "`evil.com` is not a name",
            ),
            ("  Api: { domain: api.example.com, zone: example.com }\n", "invalid certificate name"),
        ] {
            let err = with(certs).unwrap_err();
            assert!(err.contains(expected) && err.contains("certificates."), "{certs}: {err}");
        }
    }

    #[test]
    fn routing_mistakes_name_their_field() {
        let api = |fields: &str| {
            format!(
                "    example.com:\n      records:\n        - {{ name: api, type: A, values: [192.0.2.1]{fields} }}\n"
            )
        };
        let hc = "  health_checks:\n    hc: { host: api.example.com }\n";
        for (zones, expected) in [
            (api(", failover: primary, health_check: hc") + hc, "needs a `set_id`".to_owned()),
            (api(", set_id: a"), "goes with a routing policy".to_owned()),
            (api(", set_id: a, failover: primary"), "a failover primary needs a health check".to_owned()),
            (api(", set_id: a, failover: primary, health_check: nope") + hc, "no health check `nope`".to_owned()),
            (api(", set_id: a, failover: first"), "`first` is not a failover role".to_owned()),
            (api(", set_id: a, weight: 300"), "a weight is 0 to 255".to_owned()),
            (api(", set_id: a, weight: 1, latency_region: eu-west-1"), "one routing policy".to_owned()),
            (api(", set_id: a b, weight: 1"), "is not a set identifier".to_owned()),
            (api(", set_id: a, weight: 1") + "        - { name: api, type: A, values: [192.0.2.2], set_id: b, latency_region: eu-west-1 }\n", "mix weighted and latency".to_owned()),
            (api(", set_id: a, weight: 1") + "        - { name: api, type: A, values: [192.0.2.2], set_id: a, weight: 2 }\n", "already has a A set `a`".to_owned()),
            (api(", set_id: a, weight: 1") + "        - { name: api, type: A, values: [192.0.2.2] }\n", "already has a A record".to_owned()),
            (api(", set_id: a, failover: secondary") + "        - { name: api, type: A, values: [192.0.2.2], set_id: b, failover: secondary }\n", "two failover secondary".to_owned()),
            ("    example.com:\n      from_stack: user-service\n".to_owned(), "not another stack's name".to_owned()),
            ("    example.com:\n      vpcs: [spoke]\n".to_owned(), "only a private zone".to_owned()),
            ("    example.com:\n      records:\n        - { name: app, type: CNAME, alias: k8s-apps }\n".to_owned(), "an A or AAAA record".to_owned()),
            ("    example.com:\n      records:\n        - { name: app, type: A, ttl: 60, alias: k8s-apps }\n".to_owned(), "no TTL of its own".to_owned()),
            ("    example.com:\n      records:\n        - { name: app, type: A, values: [192.0.2.1], alias: k8s-apps }\n".to_owned(), "no `values` or `target`".to_owned()),
            ("    internal.example:\n      private: true\n      vpcs: [user-service]\n".to_owned(), "not another stack's name".to_owned()),
            ("    internal.example:\n      private: true\n      vpcs: [spoke, spoke]\n".to_owned(), "named twice".to_owned()),
            ("    example.com:\n      from_stack: other\n      private: true\n".to_owned(), "belongs to the zone's own stack".to_owned()),
            ("    example.com: {}\n  health_checks:\n    hc: { type: tcp, host: db.example.com }\n".to_owned(), "a tcp check needs the port".to_owned()),
            ("    example.com: {}\n  health_checks:\n    hc: { host: api.example.com, interval: 20 }\n".to_owned(), "10 or 30 seconds".to_owned()),
            ("    example.com: {}\n  health_checks:\n    hc: { host: api.example.com, regions: [eu-west-1, mars-1, us-east-1] }\n".to_owned(), "no health checkers in mars-1".to_owned()),
        ] {
            let err = dns(&zones).unwrap_err();
            assert!(err.contains(&expected) && err.contains("dns."), "{zones}: {err}");
        }
    }

    #[test]
    fn dns_mistakes_name_their_field() {
        for (zones, expected) in [
            ("    bad_zone..com: {}\n", "is not a domain name"),
            (
                "    example.com:\n      records:\n        - { name: api, type: A, values: [300.1.1.1] }\n",
                "`300.1.1.1` is not a A value",
            ),
            (
                "    example.com:\n      records:\n        - { name: api, type: SRV, values: [x] }\n",
                "`SRV` is not a record type",
            ),
            (
                "    example.com:\n      records:\n        - { name: \"@\", type: CNAME, values: [lb.example.net] }\n",
                "a zone's own name cannot be a CNAME",
            ),
            (
                "    example.com:\n      records:\n        - { name: api, type: A, values: [192.0.2.1] }\n        - { name: api, type: A, values: [192.0.2.2] }\n",
                "already has a A record",
            ),
            (
                "    example.com:\n      records:\n        - { name: api, type: A, values: [192.0.2.1] }\n        - { name: api, type: CNAME, values: [lb.example.net] }\n",
                "has a CNAME and other records",
            ),
            (
                "    example.com:\n      records:\n        - { name: mail, type: MX, values: [mail.example.com] }\n",
                "`<priority> <host>`",
            ),
            (
                "    example.com:\n      records:\n        - { name: api, type: A, ttl: 9999999, values: [192.0.2.1] }\n",
                "9999999 is out of range",
            ),
            ("    example.com:\n      records:\n        - { name: api, type: A, values: [] }\n", "at least one value"),
            (
                "    example.com:\n      records:\n        - { name: db, type: CNAME, target: postgres.orders }\n",
                "`postgres.orders` is not an endpoint of this stack",
            ),
            (
                "    example.com:\n      records:\n        - { name: db, type: A, target: postgres.users }\n",
                "a `target` makes a CNAME",
            ),
            (
                "    example.com:\n      records:\n        - { name: db, type: CNAME, target: postgres.users, values: [x.example.net] }\n",
                "not both",
            ),
        ] {
            let err = dns(zones).unwrap_err();
            assert!(err.contains(expected) && err.contains("dns.zones."), "{zones}: {err}");
        }
    }
}
