//! An ACM certificate validated by DNS: requested with its domain and alternative names (which
//! force a replacement: ACM cannot change them), its validation CNAMEs written into a hosted
//! zone of the stack (or one another stack lends), and waited for until ACM issues it. Tagged at
//! the request, so a request whose answer was lost is found by its tags.

pub use crate::resource::schema::TAGS;
use crate::resource::schema::*;

/// The certificate's main name, e.g. `api.example.com` or `*.example.com`.
pub const DOMAIN: Attr = Attr::replace("domain");
/// The other names it covers (ACM's subject alternative names, the domain aside).
pub const ALTERNATIVE_NAMES: Attr = Attr::replace("alternative_names").set();
/// The zone the validation records are written in. Read back as this zone only while every
/// validation record is there, so a record deleted by hand is drift and written again.
pub const ZONE_ID: Attr = Attr::in_place("zone_id");

pub mod out {
    pub use crate::resource::schema::out::ARN;
}

pub const DEF: KindDef =
    KindDef::new("certificate", Service::Acm, &[DOMAIN, ALTERNATIVE_NAMES, ZONE_ID, TAGS], Adoption::Tag)
        .outputs(&[out::ARN])
        .shown(&[("arn", Shown::Output(out::ARN))])
        .waits(45)
        .wait_hint(
            "ACM issues a DNS-validated certificate once public DNS answers its validation records: check that the zone is delegated (its name servers, in `platformctl output`, set at the parent domain's registrar)",
        );
