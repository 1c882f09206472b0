//! Route 53: each hosted zone of the stack (a private one in the stack's VPC) and one record
//! set per name and type, addressed by name and type (`dns.record[api.example.com:A]`), so
//! adding or reordering records never touches the others.

use super::iam::strings;
use super::network::vpc;
use super::tags;
use crate::kinds::{db_cluster, db_instance, dns_record, hosted_zone, replication_group};
use crate::model::{RecordTarget, Stack, Zone};
use crate::resource::{Address, Attrs, DesiredResource, Kind, Value};

pub fn zone_address(name: &str) -> Address {
    Address::new(format!("dns.zone[{name}]"))
}

pub(super) fn expand(stack: &Stack, out: &mut Vec<DesiredResource>) {
    for zone in &stack.dns {
        let address = zone_address(&zone.name);
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
        for record in &zone.records {
            out.push(DesiredResource::new(
                Address::new(format!("dns.record[{}:{}]", record.name, record.record_type)),
                Kind::DnsRecord,
                Attrs::from([
                    dns_record::ZONE_ID.to(Value::Ref(address.clone())),
                    dns_record::NAME.to(&record.name),
                    dns_record::TYPE.to(&record.record_type),
                    dns_record::TTL.to(record.ttl),
                    dns_record::VALUES.to(match &record.target {
                        None => strings(&record.values),
                        Some(target) => Value::List(vec![endpoint(target)]),
                    }),
                ]),
            ));
        }
    }
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
