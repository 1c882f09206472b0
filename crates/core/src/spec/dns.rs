//! `dns:` — Route 53 hosted zones of the stack and their records, as the YAML says them.

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
}

/// A hosted zone: public (the default; delegate to its name servers, which `platformctl output`
/// prints) or private to the stack's VPC.
#[derive(Debug, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ZoneSpec {
    /// Answer only inside the stack's VPC. Default false. Changing it replaces the zone.
    pub private: Option<Located<bool>>,
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
}
