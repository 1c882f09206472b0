//! EKS: clusters, managed node groups and add-ons. Ids are the names the stack fixes
//! (`<cluster>` and `<cluster>:<name>`), so a pending create is found by name; creates carry
//! the idempotency token as EKS's `clientRequestToken`.
//!
//! Every EKS change is an asynchronous "update" with an id: `updates::settle` polls it with
//! DescribeUpdate until it succeeds or fails, and a failure carries AWS's reason. Then the
//! engine's status wait sees the resource ACTIVE again.

mod addon;
mod cluster;
mod node_group;
mod updates;

#[cfg(test)]
mod tests;

use std::collections::HashMap;

use super::common::{TagChanges, tag_pairs};
use super::{Aws, AwsError, ReadRequest, Status};
use crate::resource::{Address, Attrs, Kind, Observed, Value};

pub(super) async fn read(
    aws: &Aws,
    kind: Kind,
    requests: &[ReadRequest],
) -> Result<Vec<(Address, Observed)>, AwsError> {
    // EKS has no batch describe: one call per resource, all at once.
    let reads = requests.iter().map(|r| async move {
        let found = match kind {
            Kind::EksCluster => cluster::describe(aws, r).await,
            Kind::NodeGroup => node_group::describe(aws, r).await,
            _ => addon::describe(aws, r).await,
        };
        match found {
            Ok(live) => Ok((r.address.clone(), Observed::Present(live))),
            Err(e) if e.is_not_found() => Ok((r.address.clone(), Observed::Absent)),
            Err(e) => Err(e),
        }
    });
    futures::future::try_join_all(reads).await
}

pub(super) async fn create(aws: &Aws, kind: Kind, attrs: &Attrs, token: &str) -> Result<String, AwsError> {
    match kind {
        Kind::EksCluster => cluster::create(aws, attrs, token).await,
        Kind::NodeGroup => node_group::create(aws, attrs, token).await,
        _ => addon::create(aws, attrs, token).await,
    }
}

pub(super) async fn update(aws: &Aws, kind: Kind, id: &str, before: &Attrs, after: &Attrs) -> Result<(), AwsError> {
    match kind {
        Kind::EksCluster => cluster::update(aws, id, before, after).await,
        Kind::NodeGroup => node_group::update(aws, id, before, after).await,
        _ => addon::update(aws, id, before, after).await,
    }
}

pub(super) async fn delete(aws: &Aws, kind: Kind, id: &str) -> Result<(), AwsError> {
    match kind {
        Kind::EksCluster => cluster::delete(aws, id).await,
        Kind::NodeGroup => node_group::delete(aws, id).await,
        _ => addon::delete(aws, id).await,
    }
}

pub(super) async fn status(aws: &Aws, kind: Kind, id: &str) -> Result<Status, AwsError> {
    let result = match kind {
        Kind::EksCluster => cluster::status(aws, id).await,
        Kind::NodeGroup => node_group::status(aws, id).await,
        _ => addon::status(aws, id).await,
    };
    match result {
        Err(e) if e.is_not_found() => Ok(Status::Gone),
        other => other,
    }
}

/// `<cluster>:<name>` for node groups and add-ons.
fn child_id(cluster: &str, name: &str) -> String {
    format!("{cluster}:{name}")
}

fn split_id(id: &str) -> (&str, &str) {
    id.split_once(':').unwrap_or((id, ""))
}

/// The cluster and name a read request is about: from its id, or (pending create) from the
/// attributes it was being created with.
fn child_of(r: &ReadRequest) -> (String, String) {
    match &r.id {
        Some(id) => {
            let (cluster, name) = split_id(id);
            (cluster.to_owned(), name.to_owned())
        }
        None => (
            super::common::str_attr(&r.attrs, "cluster").unwrap_or_default().to_owned(),
            super::common::str_attr(&r.attrs, "name").unwrap_or_default().to_owned(),
        ),
    }
}

/// EKS's tag maps as a `tags` value.
fn tags_value(tags: Option<&HashMap<String, String>>) -> Value {
    super::common::tags_from_pairs(tags.into_iter().flatten().map(|(k, v)| (Some(k.as_str()), Some(v.as_str()))))
}

fn tag_map(value: &Value) -> HashMap<String, String> {
    tag_pairs(value).into_iter().collect()
}

/// Tags an EKS resource by ARN (clusters, node groups, add-ons share TagResource).
async fn retag(aws: &Aws, arn: &str, before: &Attrs, after: &Attrs) -> Result<(), AwsError> {
    TagChanges::between(before, after)
        .send(
            async |set| {
                let request = aws.eks.tag_resource().resource_arn(arn).set_tags(Some(set.into_iter().collect()));
                request.send().await.map(drop).map_err(|e| AwsError::from_sdk("TagResource", e))
            },
            async |keys| {
                let request = aws.eks.untag_resource().resource_arn(arn).set_tag_keys(Some(keys));
                request.send().await.map(drop).map_err(|e| AwsError::from_sdk("UntagResource", e))
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
