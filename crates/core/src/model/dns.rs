//! The stack's DNS: Route 53 hosted zones and their records, checked offline — names as DNS
//! spells them, values of each record type, one record set per name and type, a CNAME alone at
//! its name and never at the zone's own name.

use std::net::{Ipv4Addr, Ipv6Addr};

use super::Checker;
use crate::spec::{DnsSpec, Located, RecordSpec, ZoneSpec};

/// The record types a stack may write.
pub const RECORD_TYPES: &[&str] = &["A", "AAAA", "CNAME", "TXT", "MX"];
const DEFAULT_TTL: i64 = 300;
/// A week: longer caching makes a mistake outlive any fix.
const MAX_TTL: i64 = 604_800;

#[derive(Clone, Debug, PartialEq)]
pub struct Zone {
    /// Lowercase, without the final dot.
    pub name: String,
    pub private: bool,
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
}

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

pub(super) fn validate(
    dns: Option<&DnsSpec>,
    has_network: bool,
    endpoints: &Endpoints,
    check: &mut Checker,
) -> Vec<Zone> {
    let Some(dns) = dns else { return Vec::new() };
    dns.zones.iter().filter_map(|(name, zone)| validate_zone(name, zone, has_network, endpoints, check)).collect()
}

fn validate_zone(
    name: &Located<String>,
    zone: &ZoneSpec,
    has_network: bool,
    endpoints: &Endpoints,
    check: &mut Checker,
) -> Option<Zone> {
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
    let private = zone.private.as_ref().is_some_and(|p| *p.value());
    if private && !has_network {
        check.error(
            zone.private.as_ref().and_then(|p| p.location()),
            format!("{field}.private"),
            "a private zone answers inside the stack's VPC, and this stack has no `network:`",
            "add the network, or make the zone public",
        );
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
        let same_name = records.iter().filter(|r| r.name == record.name);
        if let Some(twin) = same_name.clone().find(|r| r.record_type == record.record_type) {
            check.error(
                spec.name.location(),
                &record_field,
                format!("`{}` already has a {} record in this zone", twin.name, twin.record_type),
                "give one name and type one record, with all its values",
            );
            continue;
        }
        let cname_clash = same_name.clone().any(|r| r.record_type == "CNAME")
            || record.record_type == "CNAME" && same_name.count() > 0;
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
    Some(Zone { name: zone_name, private, comment: zone.comment.as_ref().map(|c| c.value().clone()), records })
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
    let values_spec = match (&spec.values, &spec.target) {
        (None, Some(target)) => {
            let target = record_target(target, &record_type, &relative, &format!("{field}.target"), endpoints, check)?;
            return Some(Record { name, record_type, ttl, values: Vec::new(), target: Some(target) });
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
    (values.len() == values_spec.len()).then_some(Record { name, record_type, ttl, values, target: None })
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
