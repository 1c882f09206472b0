//! EKS: clusters, managed node groups, add-ons, access entries and Pod Identity associations. Ids are the names the stack fixes
//! (`<cluster>` and `<cluster>:<name>`), so a pending create is found by name; creates carry
//! the idempotency token as EKS's `clientRequestToken`.
//!
//! Every EKS change is an asynchronous "update" with an id: `updates::settle` polls it with
//! DescribeUpdate until it succeeds or fails, and a failure carries AWS's reason. Then the
//! engine's status wait sees the resource ACTIVE again.

pub(crate) mod access_entry;
pub(crate) mod addon;
pub(crate) mod cluster;
pub(crate) mod discover;
pub(crate) mod node_group;
pub(crate) mod pod_identity;
mod updates;

#[cfg(test)]
mod tests;

use std::collections::HashMap;

use platformctl_core::kinds::node_group::CLUSTER;
use platformctl_core::resource::schema::{ARN, Attr};
use platformctl_core::resource::{Attrs, Value};

use crate::common::{TagChanges, tag_pairs};
use crate::error::SdkResultExt;
use crate::{Aws, AwsError, ReadRequest};

/// `<cluster>:<name>` for node groups and add-ons.
fn child_id(cluster: &str, name: &str) -> String {
    format!("{cluster}:{name}")
}

fn split_id(id: &str) -> (&str, &str) {
    id.split_once(':').unwrap_or((id, ""))
}

/// The cluster and name a read request is about: from its id, or (pending create) from the
/// attributes it was being created with — the cluster's, and `name` (a node group's or add-on's
/// `name`, an access entry's principal). Every child kind names its cluster `cluster`.
fn child_of(r: &ReadRequest, name: Attr) -> (String, String) {
    match &r.id {
        Some(id) => {
            let (cluster, name) = split_id(id);
            (cluster.to_owned(), name.to_owned())
        }
        None => {
            (CLUSTER.str(&r.attrs).unwrap_or_default().to_owned(), name.str(&r.attrs).unwrap_or_default().to_owned())
        }
    }
}

/// EKS's tag maps as a `tags` value.
fn tags_value(tags: Option<&HashMap<String, String>>) -> Value {
    crate::common::tags_from_pairs(tags.into_iter().flatten().map(|(k, v)| (Some(k.as_str()), Some(v.as_str()))))
}

fn tag_map(attrs: &Attrs) -> HashMap<String, String> {
    tag_pairs(attrs).into_iter().collect()
}

/// Tags an EKS resource by the ARN its read reported (clusters, node groups, add-ons share
/// TagResource).
async fn retag(aws: &Aws, before: &Attrs, after: &Attrs) -> Result<(), AwsError> {
    let Some(arn) = ARN.str(before) else { return Ok(()) };
    TagChanges::between(before, after)
        .send(
            async |set| {
                let request = aws.eks.tag_resource().resource_arn(arn).set_tags(Some(set.into_iter().collect()));
                request.send().await.aws("TagResource").map(drop)
            },
            async |keys| {
                let request = aws.eks.untag_resource().resource_arn(arn).set_tag_keys(Some(keys));
                request.send().await.aws("UntagResource").map(drop)
            },
        )
        .await
}

/// EKS's health issues of a node group or add-on, as one line: `code: message; ...`.
fn health<'a>(issues: impl Iterator<Item = (Option<&'a str>, Option<&'a str>)>) -> String {
    let issues: Vec<String> = issues
        .map(|(code, message)| format!("{}: {}", code.unwrap_or("issue"), message.unwrap_or("no message")))
        .collect();
    if issues.is_empty() { "EKS reports no health issue".to_owned() } else { issues.join("; ") }
}

/// A refusal that clears once IAM has propagated a role created a moment ago: EKS cannot
/// assume it yet.
fn role_not_assumable_yet(e: &AwsError) -> bool {
    e.code() == Some("InvalidParameterException") && e.message.to_ascii_lowercase().contains("role")
}
