//! IAM: roles (trust policy, managed and inline policies) and the OIDC provider of an EKS
//! cluster. Role ids are their names, which the stack fixes, so a pending create is read by
//! name; an OIDC provider's id is its ARN, and a pending one is found by its issuer URL (IAM
//! allows one provider per URL).

pub(crate) mod oidc;
mod policy;
pub(crate) mod role;

use aws_sdk_iam::types::Tag;
use platformctl_core::resource::Attrs;

use crate::common::tag_pairs;

/// IAM's tags for a resource's `tags`.
fn tags(attrs: &Attrs) -> Vec<Tag> {
    tags_of(tag_pairs(attrs))
}

fn tags_of(pairs: impl IntoIterator<Item = (String, String)>) -> Vec<Tag> {
    pairs.into_iter().filter_map(|(k, v)| Tag::builder().key(k).value(v).build().ok()).collect()
}
