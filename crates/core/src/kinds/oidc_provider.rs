//! The IAM OIDC provider for an EKS cluster's issuer: what lets service accounts assume roles
//! (IRSA). IAM allows one provider per URL, so a pending create is found by its URL.

pub use crate::resource::schema::TAGS;
use crate::resource::schema::*;

pub const URL: Attr = Attr::replace("url");
pub const CLIENT_IDS: Attr = Attr::in_place("client_ids").set();

pub mod out {
    use crate::resource::schema::Output;
    pub use crate::resource::schema::out::ARN;

    /// The thumbprints IAM recorded for the issuer's CA.
    pub const THUMBPRINTS: Output = Output::new("thumbprints");
}

pub const DEF: KindDef = KindDef::new("oidc_provider", Service::Iam, &[URL, CLIENT_IDS, TAGS], Adoption::Lookup(URL))
    .outputs(&[out::ARN, out::THUMBPRINTS]);
