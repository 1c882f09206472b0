//! Route 53: each hosted zone of the stack (a private one in the stack's VPC), one record set
//! per name and type, addressed by name and type (`dns.record[api.example.com:A]`, with the set
//! identifier after for a routed set: `dns.record[api.example.com:CNAME:eu-west-1]`), so adding
//! or reordering records never touches the others, and the health checks routed sets follow.
//! A zone of another stack (`from_stack`) is not this stack's resource: its records refer to
//! it at the same address, which that stack's state lends (see `cross_stack::lent_zone`).

use super::iam::strings;
use super::network::vpc;
use super::tags;
use std::collections::BTreeMap;

use crate::cross_stack::OtherVpc;
use crate::kinds::{
    certificate, db_cluster, db_instance, dns_record, health_check, hosted_zone, replication_group,
    zone_vpc_association,
};
use crate::model::{Certificate, HealthCheck, Record, RecordTarget, RoutingPolicy, Stack, Zone};
use crate::resource::{Address, Attrs, DesiredResource, Kind, Value};

pub fn zone_address(name: &str) -> Address {
    Address::new(format!("dns.zone[{name}]"))
}

pub fn health_check_address(name: &str) -> Address {
    Address::new(format!("dns.health_check[{name}]"))
}

pub(super) fn expand(stack: &Stack, other_vpcs: &BTreeMap<String, OtherVpc>, out: &mut Vec<DesiredResource>) {
    for check in &stack.health_checks {
        out.push(health_check(stack, check));
    }
    for zone in &stack.dns {
        let address = zone_address(&zone.name);
        if zone.from_stack.is_none() {
            out.push(DesiredResource::new(
                address.clone(),
                Kind::HostedZone,
                Attrs::from([
                    hosted_zone::NAME.to(&zone.name),
                    hosted_zone::VPC_ID.to(zone.private.then(|| Value::Ref(vpc()))),
                    hosted_zone::COMMENT.to(comment(stack, zone)),
                    hosted_zone::TAGS.to(tags(stack, &address, &zone.name)),
                ]),
            ));
        }
        // Other stacks' VPCs, as their states name them (met before expansion; a stack not
        // met, as in offline commands, adds none).
        for (other, vpc) in zone.vpcs.iter().filter_map(|s| Some((s, other_vpcs.get(s)?))) {
            out.push(DesiredResource::new(
                Address::new(format!("dns.zone[{}].vpc[{other}]", zone.name)),
                Kind::ZoneVpcAssociation,
                Attrs::from([
                    zone_vpc_association::ZONE_ID.to(Value::Ref(address.clone())),
                    zone_vpc_association::VPC_ID.to(&vpc.vpc_id),
                    zone_vpc_association::VPC_REGION.to(&vpc.region),
                ]),
            ));
        }
        for record in &zone.records {
            out.push(record_set(&address, record));
        }
    }
    for cert in &stack.certificates {
        out.push(certificate(stack, cert));
    }
}

/// A certificate, its validation records written in its zone (by its provider: their names
/// are ACM's, known once it is requested).
fn certificate(stack: &Stack, cert: &Certificate) -> DesiredResource {
    let address = Address::new(format!("certificates.{}", cert.name));
    DesiredResource::new(
        address.clone(),
        Kind::Certificate,
        Attrs::from([
            certificate::DOMAIN.to(&cert.domain),
            certificate::ALTERNATIVE_NAMES.to(strings(&cert.alternative_names)),
            certificate::ZONE_ID.to(Value::Ref(zone_address(&cert.zone))),
            certificate::TAGS.to(tags(stack, &address, &format!("{}-{}", stack.name, cert.name))),
        ]),
    )
}

fn health_check(stack: &Stack, check: &HealthCheck) -> DesiredResource {
    let address = health_check_address(&check.name);
    let name = format!("{}-{}", stack.name, check.name);
    DesiredResource::new(
        address.clone(),
        Kind::HealthCheck,
        Attrs::from([
            health_check::PROTOCOL.to(&check.protocol),
            health_check::HOST.to(&check.host),
            health_check::PORT.to(check.port),
            health_check::PATH.to(check.path.as_deref()),
            health_check::INTERVAL.to(check.interval),
            health_check::FAILURE_THRESHOLD.to(check.failure_threshold),
            health_check::REGIONS.to(check.regions.as_deref().map(strings)),
            health_check::TAGS.to(tags(stack, &address, &name)),
        ]),
    )
}

fn record_set(zone: &Address, record: &Record) -> DesiredResource {
    let set_id = record.routing.as_ref().map(|r| r.set_id.as_str());
    let key = match set_id {
        Some(id) => format!("{}:{}:{id}", record.name, record.record_type),
        None => format!("{}:{}", record.name, record.record_type),
    };
    let policy = record.routing.as_ref().map(|r| &r.policy);
    DesiredResource::new(
        Address::new(format!("dns.record[{key}]")),
        Kind::DnsRecord,
        Attrs::from([
            dns_record::ZONE_ID.to(Value::Ref(zone.clone())),
            dns_record::NAME.to(&record.name),
            dns_record::TYPE.to(&record.record_type),
            dns_record::SET_ID.to(set_id),
            dns_record::ROUTING.to(policy.map(RoutingPolicy::name)),
            dns_record::TTL.to(record.alias.is_none().then_some(record.ttl)),
            dns_record::VALUES.to(match &record.target {
                None => strings(&record.values),
                Some(target) => Value::List(vec![endpoint(target)]),
            }),
            dns_record::ALIAS.to(record.alias.as_deref()),
            dns_record::FAILOVER.to(match policy {
                Some(RoutingPolicy::Failover(role)) => Some(role.as_str()),
                _ => None,
            }),
            dns_record::WEIGHT.to(match policy {
                Some(RoutingPolicy::Weighted(weight)) => Some(*weight),
                _ => None,
            }),
            dns_record::REGION.to(match policy {
                Some(RoutingPolicy::Latency(region)) => Some(region.as_str()),
                _ => None,
            }),
            dns_record::HEALTH_CHECK_ID.to(record
                .routing
                .as_ref()
                .and_then(|r| r.health_check.as_deref())
                .map(|name| Value::Ref(health_check_address(name)))),
        ]),
    )
}

/// The host name a CNAME's target has now (an output, so a replaced database moves the record).
fn endpoint(target: &RecordTarget) -> Value {
    let at = |section: &str, name: &str| Address::new(format!("{section}.{name}"));
    match target {
        RecordTarget::Postgres(name) => db_instance::out::ADDRESS.of(&at("postgres", name)),
        RecordTarget::AuroraWriter(name) => db_cluster::out::ENDPOINT.of(&at("aurora", name)),
        RecordTarget::AuroraReader(name) => db_cluster::out::READER_ENDPOINT.of(&at("aurora", name)),
        RecordTarget::Redis(name) => replication_group::out::ENDPOINT.of(&at("redis", name)),
    }
}

/// The zone's comment: the stack's, or who manages the zone (Route 53 shows it in the console).
fn comment(stack: &Stack, zone: &Zone) -> String {
    zone.comment.clone().unwrap_or_else(|| format!("Managed by platformctl (stack {})", stack.name))
}
