//! `dns:` — Route 53 hosted zones of the stack, their records and health checks, and the
//! `certificates:` validated through them, as the YAML says them.

use indexmap::IndexMap;
use schemars::JsonSchema;
use serde::Deserialize;

use super::Located;

/// The stack's DNS.
#[derive(Debug, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct DnsSpec {
    /// Hosted zones, by domain name (`example.com`).
    #[serde(default)]
    pub zones: IndexMap<Located<String>, ZoneSpec>,
    /// Route 53 health checks by name, for failover records (`health_check: <name>`).
    #[serde(default)]
    pub health_checks: IndexMap<Located<String>, HealthCheckSpec>,
}

/// A health check of an endpoint, from Route 53's checkers around the world.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct HealthCheckSpec {
    /// `https` (default), `http` or `tcp`. Changing it replaces the check.
    #[serde(rename = "type")]
    pub protocol: Option<Located<String>>,
    /// The endpoint's host name, e.g. `api-eu-west-1.example.com`.
    pub host: Located<String>,
    /// Default 443 for https, 80 for http; required for tcp.
    pub port: Option<Located<i64>>,
    /// The path requested (http, https). Default `/`.
    pub path: Option<Located<String>>,
    /// Seconds between checks: 10 or 30 (default). Changing it replaces the check.
    pub interval: Option<Located<i64>>,
    /// Consecutive failures that mark the endpoint unhealthy: 1 to 10, default 3.
    pub failure_threshold: Option<Located<i64>>,
    /// Route 53 checker regions (at least 3); default: all of them.
    pub regions: Option<Located<Vec<Located<String>>>>,
}

/// A hosted zone: public (the default; delegate to its name servers, which `platformctl output`
/// prints) or private to the stack's VPC.
#[derive(Debug, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ZoneSpec {
    /// The zone belongs to another stack (applied first, its state beside this one's): this
    /// stack only adds records to it — seed 001's DR stack adds the secondary of a failover pair
    /// to the primary stack's zone. `private` and `comment` are the owner's.
    pub from_stack: Option<Located<String>>,
    /// Answer only inside the stack's VPC. Default false. Changing it replaces the zone.
    pub private: Option<Located<bool>>,
    /// A private zone answers in these stacks' VPCs too (applied first, their states beside this
    /// one's; any region): `vpcs: [user-service-dr]`. Their destroy is refused while this stack
    /// has resources.
    #[serde(default)]
    pub vpcs: Vec<Located<String>>,
    /// Shown in Route 53. In place.
    pub comment: Option<Located<String>>,
    /// The zone's records: each a name (relative to the zone, `@` for the zone's own name)
    /// and a type.
    #[serde(default)]
    pub records: Vec<Located<RecordSpec>>,
}

/// One record set: `{ name: api, type: A, ttl: 60, values: [192.0.2.10] }`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RecordSpec {
    /// Relative to the zone: `api`, `*.apps`, or `@` for the zone's own name.
    pub name: Located<String>,
    /// `A`, `AAAA`, `CNAME`, `TXT` or `MX`.
    #[serde(rename = "type")]
    pub record_type: Located<String>,
    /// Seconds resolvers may cache the answer. Default 300.
    pub ttl: Option<Located<i64>>,
    /// IPv4 addresses (A), IPv6 addresses (AAAA), one host name (CNAME), texts (TXT, written
    /// without quotes), `<priority> <host>` (MX).
    pub values: Option<Located<Vec<Located<String>>>>,
    /// Instead of `values`, for a CNAME: an endpoint of this stack — `postgres.<name>`,
    /// `aurora.<name>` (the writer), `aurora.<name>.reader`, `redis.<name>` — followed when it
    /// changes (a replaced database, say).
    pub target: Option<Located<String>>,
    /// Instead of `values`, for an A or AAAA record: a load balancer (Route 53 alias) by ARN,
    /// name or DNS name — one the AWS Load Balancer Controller made for an Ingress, say. No TTL:
    /// resolvers get the load balancer's.
    pub alias: Option<Located<String>>,
    /// Identifies this set among those of the same name and type, which a routing policy
    /// (`failover`, `weight` or `latency_region`) chooses between. Letters, digits, `-`, `_`, `.`.
    pub set_id: Option<Located<String>>,
    /// `primary` or `secondary`: Route 53 answers with the secondary while the primary's health
    /// check fails. The pair may live in two stacks (`from_stack` zone).
    pub failover: Option<Located<String>>,
    /// 0 to 255: the share of answers this set gets among the sets of its name and type.
    pub weight: Option<Located<i64>>,
    /// An AWS region: users closest (by latency) to it get this set.
    pub latency_region: Option<Located<String>>,
    /// A health check of `dns.health_checks` this set follows (required for a failover primary).
    pub health_check: Option<Located<String>>,
}

/// An ACM certificate: `{ domain: api.example.com, alternative_names: [www.example.com], zone: example.com }`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct CertificateSpec {
    /// The main name: a host (`api.example.com`) or a wildcard (`*.example.com`), in the zone.
    /// Changing it replaces the certificate.
    pub domain: Located<String>,
    /// Further names it covers, in the zone. Changing them replaces the certificate.
    #[serde(default)]
    pub alternative_names: Vec<Located<String>>,
    /// The zone of `dns.zones` (this stack's or one it adds records to) the validation records
    /// go in.
    pub zone: Located<String>,
}
