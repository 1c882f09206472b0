//! A Route 53 health check of an endpoint (HTTP, HTTPS or plain TCP), which a failover record
//! follows: Route 53 answers with the secondary while the primary's check fails. The protocol
//! and interval force a replacement (UpdateHealthCheck cannot change them); host, port, path,
//! threshold and checker regions change in place. Tagged, so an interrupted create is found by
//! its tags.

pub use crate::resource::schema::TAGS;
use crate::resource::schema::*;

/// `HTTP`, `HTTPS` or `TCP`, as Route 53 spells the type.
pub const PROTOCOL: Attr = Attr::replace("protocol");
/// The endpoint's host name (FullyQualifiedDomainName); HTTPS checks also send it as SNI.
pub const HOST: Attr = Attr::in_place("host");
pub const PORT: Attr = Attr::in_place("port");
/// The path requested (HTTP and HTTPS); null for TCP.
pub const PATH: Attr = Attr::in_place("path");
/// Seconds between checks from each checker: 10 or 30.
pub const INTERVAL: Attr = Attr::replace("interval");
/// Consecutive failures (or successes) that change the endpoint's status: 1 to 10.
pub const FAILURE_THRESHOLD: Attr = Attr::in_place("failure_threshold");
/// The Route 53 checker regions; null: Route 53's default set.
pub const REGIONS: Attr = Attr::in_place("regions").set();

pub const DEF: KindDef = KindDef::new(
    "health_check",
    Service::Route53,
    &[PROTOCOL, HOST, PORT, PATH, INTERVAL, FAILURE_THRESHOLD, REGIONS, TAGS],
    Adoption::Tag,
);
