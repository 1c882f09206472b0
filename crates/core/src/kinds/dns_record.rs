//! A record set of a hosted zone: one name and type (and, for a routing policy, one set
//! identifier), its TTL and values. Name, type, set identifier and the kind of routing force a
//! replacement; TTL, values, a failover role, a weight, a latency region and a health check
//! change in place (UPSERT). Records live only through their zone: Route 53 cannot tag them, so
//! a record is found by zone, name, type and set identifier, and its id is
//! `<zone id>:<name>:<type>` (`:<set identifier>` after it for a routed record).

use crate::resource::schema::*;

pub const ZONE_ID: Attr = Attr::replace("zone_id");
/// The full name, lowercase, without the final dot.
pub const NAME: Attr = Attr::replace("name");
/// `A`, `AAAA`, `CNAME`, `TXT` or `MX`.
pub const TYPE: Attr = Attr::replace("type");
pub const TTL: Attr = Attr::in_place("ttl");
/// As written in the stack: TXT without its quotes, host names without the final dot.
pub const VALUES: Attr = Attr::in_place("values").set();
/// Which of the record sets of one name and type this is (Route 53's SetIdentifier); null for
/// a plain record.
pub const SET_ID: Attr = Attr::replace("set_id");
/// `failover`, `weighted` or `latency`; null for a plain record. Route 53 cannot switch a set
/// from one routing policy to another.
pub const ROUTING: Attr = Attr::replace("routing");
/// `PRIMARY` or `SECONDARY` (failover routing).
pub const FAILOVER: Attr = Attr::in_place("failover");
/// 0 to 255 (weighted routing).
pub const WEIGHT: Attr = Attr::in_place("weight");
/// The AWS region whose users get this set (latency routing).
pub const REGION: Attr = Attr::in_place("region");
/// A load balancer the record points at (a Route 53 alias), as the stack names it: ARN, name or
/// DNS name. Read back as the stack's spelling while the alias points at that load balancer.
/// An alias record has no TTL and no values of its own.
pub const ALIAS: Attr = Attr::in_place("alias");
/// The health check Route 53 follows for this set.
pub const HEALTH_CHECK_ID: Attr = Attr::in_place("health_check_id");

pub const DEF: KindDef = KindDef::new(
    "dns_record",
    Service::Route53,
    &[ZONE_ID, NAME, TYPE, SET_ID, ROUTING, TTL, VALUES, ALIAS, FAILOVER, WEIGHT, REGION, HEALTH_CHECK_ID],
    Adoption::NaturalKey(&[ZONE_ID, NAME, TYPE, SET_ID]),
);
