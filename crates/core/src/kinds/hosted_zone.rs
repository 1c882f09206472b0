//! A Route 53 hosted zone, public or private to the stack's VPC. Its name and privacy force a
//! replacement (Route 53 cannot change them); the comment and tags change in place. Its id is
//! the zone id (`Z...`, without `/hostedzone/`); a public zone's name servers, to delegate to,
//! are an output.

pub use crate::resource::schema::TAGS;
use crate::resource::schema::*;

/// The domain name, lowercase, without the final dot.
pub const NAME: Attr = Attr::replace("name");
/// The VPC a private zone answers in; null for a public zone.
pub const VPC_ID: Attr = Attr::replace("vpc_id");
pub const COMMENT: Attr = Attr::in_place("comment");

pub mod out {
    use crate::resource::schema::Output;

    /// The zone's id (`Z...`), for what manages records in it (external-dns, cert-manager).
    pub const ZONE_ID: Output = Output::fixed("zone_id");
    /// The name servers Route 53 gave a public zone (what the parent domain delegates to).
    pub const NAME_SERVERS: Output = Output::new("name_servers");
}

pub const DEF: KindDef = KindDef::new("hosted_zone", Service::Route53, &[NAME, VPC_ID, COMMENT, TAGS], Adoption::Tag)
    .outputs(&[out::ZONE_ID, out::NAME_SERVERS])
    .shown(&[("zone_id", Shown::Output(out::ZONE_ID)), ("name_servers", Shown::Output(out::NAME_SERVERS))]);
