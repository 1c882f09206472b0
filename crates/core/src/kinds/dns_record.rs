//! A record set of a hosted zone: one name and type, its TTL and values. Name and type force a
//! replacement; TTL and values change in place (UPSERT). Records live only through their zone:
//! Route 53 cannot tag them, so a record is found by zone, name and type, and its id is
//! `<zone id>:<name>:<type>`.

use crate::resource::schema::*;

pub const ZONE_ID: Attr = Attr::replace("zone_id");
/// The full name, lowercase, without the final dot.
pub const NAME: Attr = Attr::replace("name");
/// `A`, `AAAA`, `CNAME`, `TXT` or `MX`.
pub const TYPE: Attr = Attr::replace("type");
pub const TTL: Attr = Attr::in_place("ttl");
/// As written in the stack: TXT without its quotes, host names without the final dot.
pub const VALUES: Attr = Attr::in_place("values").set();

pub const DEF: KindDef = KindDef::new(
    "dns_record",
    Service::Route53,
    &[ZONE_ID, NAME, TYPE, TTL, VALUES],
    Adoption::NaturalKey(&[ZONE_ID, NAME, TYPE]),
);
