//! An IAM role: its trust policy, managed policies (a set) and inline policies. Policies are
//! JSON documents compared as values, so key order and white space never show.
//!
//! Service account trust policies name the OIDC issuer in condition keys: expansion writes
//! `${oidc}:sub`, the provider fills in the issuer from the `Federated` principal's ARN when it
//! writes the document and puts the placeholder back when it reads it.

pub use crate::resource::schema::TAGS;
use crate::resource::schema::*;

pub const NAME: Attr = Attr::replace("name");
pub const ASSUME_ROLE_POLICY: Attr = Attr::in_place("assume_role_policy").json();
pub const MANAGED_POLICIES: Attr = Attr::in_place("managed_policies").set();
/// Policy name → document.
pub const INLINE_POLICIES: Attr = Attr::in_place("inline_policies");

/// Where a service account role's trust policy names the cluster's OIDC issuer.
pub const OIDC_PLACEHOLDER: &str = "${oidc}";

pub mod out {
    pub use crate::resource::schema::out::ARN;
}

pub const DEF: KindDef = KindDef::new(
    "iam_role",
    Service::Iam,
    &[NAME, ASSUME_ROLE_POLICY, MANAGED_POLICIES, INLINE_POLICIES, TAGS],
    Adoption::Id(NAME),
)
.outputs(&[out::ARN])
.shown(&[("role_arn", Shown::Output(out::ARN))]);
