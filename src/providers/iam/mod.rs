//! IAM: roles (trust policy, managed and inline policies) and the OIDC provider of an EKS
//! cluster. Role ids are their names, which the stack fixes, so a pending create is found by
//! name; an OIDC provider's id is its ARN, and a pending one is found by its issuer URL (IAM
//! allows one provider per URL).

mod oidc;
mod policy;
mod role;

use aws_sdk_iam::types::Tag;

use super::common::tag_pairs;
use super::{Aws, AwsError, ReadRequest};
use crate::resource::{Address, Attrs, Kind, Observed, Value};

pub(super) async fn read(
    aws: &Aws,
    kind: Kind,
    requests: &[ReadRequest],
) -> Result<Vec<(Address, Observed)>, AwsError> {
    match kind {
        Kind::OidcProvider => oidc::read(aws, requests).await,
        _ => role::read(aws, requests).await,
    }
}

pub(super) async fn create(aws: &Aws, kind: Kind, attrs: &Attrs) -> Result<String, AwsError> {
    match kind {
        Kind::OidcProvider => oidc::create(aws, attrs).await,
        _ => role::create(aws, attrs).await,
    }
}

pub(super) async fn update(aws: &Aws, kind: Kind, id: &str, before: &Attrs, after: &Attrs) -> Result<(), AwsError> {
    match kind {
        Kind::OidcProvider => oidc::update(aws, id, before, after).await,
        _ => role::update(aws, id, before, after).await,
    }
}

pub(super) async fn delete(aws: &Aws, kind: Kind, id: &str) -> Result<(), AwsError> {
    match kind {
        Kind::OidcProvider => oidc::delete(aws, id).await,
        _ => role::delete(aws, id).await,
    }
}

/// IAM's tags for a `tags` value.
fn tags(value: &Value) -> Vec<Tag> {
    tags_of(tag_pairs(value))
}

fn tags_of(pairs: impl IntoIterator<Item = (String, String)>) -> Vec<Tag> {
    pairs.into_iter().filter_map(|(k, v)| Tag::builder().key(k).value(v).build().ok()).collect()
}
