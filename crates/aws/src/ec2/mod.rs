//! EC2 networking resources, one provider per kind, and what the kinds share: filters, tags,
//! and the batched read of taggable kinds (by id, and pending creates by their
//! `platformctl:address` tag).
//!
//! Every read filters on the server *and* checks ids on the client: some emulators ignore
//! filters, and a describe by `VpcIds` fails whole when one id is gone, which is why filters
//! are used rather than id lists.

/// Every item of a paginated describe call, or the call's error with its AWS operation name.
macro_rules! all_pages {
    ($request:expr, $operation:literal) => {
        $request
            .into_paginator()
            .items()
            .send()
            .collect::<Result<Vec<_>, _>>()
            .await
            .map_err(|e| crate::error::from_sdk($operation, e))
    };
}
use all_pages;

pub(crate) mod attachment;
pub(crate) mod default_security_group;
pub(crate) mod discover;
pub(crate) mod elastic_ip;
pub(crate) mod flow_log;
pub(crate) mod internet_gateway;
pub(crate) mod launch_template;
pub(crate) mod nat_gateway;
pub(crate) mod network_acl;
pub(crate) mod peering;
pub(crate) mod route;
pub(crate) mod route_table;
pub(crate) mod route_table_association;
pub(crate) mod security_group;
pub(crate) mod security_group_rule;
pub(crate) mod subnet;
pub(crate) mod vpc;

use std::collections::HashMap;
use std::future::Future;

use aws_sdk_ec2::Client;
use aws_sdk_ec2::types::{Filter, ResourceType, Tag, TagSpecification};
use platformctl_core::resource::schema::{Attr, TAGS};
use platformctl_core::resource::tags::{ADDRESS_TAG, STACK_TAG, address_tag};
use platformctl_core::resource::{Address, Attrs, LiveResource, Observed, Value};

pub(super) use super::common::opt_str;
use super::common::{TagChanges, tag_pairs, tags_from_pairs};
use crate::error::SdkResultExt;
use crate::registry::{NewResource, Provider, Status};
use crate::{Aws, AwsError, ReadRequest};

/// An EC2 kind that AWS tags in its create call: read by id, a pending create found by its
/// `platformctl:address` tag, tags changed with CreateTags/DeleteTags. Its provider is this
/// trait's: each such kind says only how to describe, create, modify and delete it.
#[async_trait::async_trait]
pub(crate) trait Tagged: Sync {
    /// The describe filter that selects by id, e.g. `vpc-id`.
    const ID_FILTER: &'static str;

    async fn describe(ec2: &Client, filters: Vec<Filter>) -> Result<Vec<LiveResource>, AwsError>;

    async fn create(aws: &Aws, new: &NewResource<'_>) -> Result<String, AwsError>;

    /// In-place changes besides tags; tags only by default.
    async fn modify(_aws: &Aws, _id: &str, _before: &Attrs, _after: &Attrs) -> Result<(), AwsError> {
        Ok(())
    }

    async fn delete(ec2: &Client, id: &str) -> Result<(), AwsError>;

    async fn status(_ec2: &Client, id: &str) -> Result<Status, AwsError> {
        Err(AwsError::local("status", format!("{id}: its kind declares a wait but its provider has no status")))
    }

    /// What the read found, completed where AWS leaves something out.
    fn completed(found: Vec<(Address, Observed)>, _requests: &[ReadRequest]) -> Vec<(Address, Observed)> {
        found
    }
}

#[async_trait::async_trait]
impl<T: Tagged> Provider for T {
    async fn read(&self, aws: &Aws, requests: &[ReadRequest]) -> Result<Vec<(Address, Observed)>, AwsError> {
        let found = read_tagged(aws, requests, T::ID_FILTER, |f| T::describe(&aws.ec2, f)).await?;
        Ok(T::completed(found, requests))
    }

    async fn create(&self, aws: &Aws, new: &NewResource<'_>) -> Result<String, AwsError> {
        T::create(aws, new).await
    }

    async fn update(&self, aws: &Aws, id: &str, before: &Attrs, after: &Attrs) -> Result<(), AwsError> {
        T::modify(aws, id, before, after).await?;
        retag(&aws.ec2, id, before, after).await
    }

    async fn delete(&self, aws: &Aws, id: &str, _: &Attrs) -> Result<(), AwsError> {
        T::delete(&aws.ec2, id).await
    }

    async fn status(&self, aws: &Aws, id: &str) -> Result<Status, AwsError> {
        T::status(&aws.ec2, id).await
    }
}

/// Reads a taggable kind: all known ids in one describe call, all pending creates in another
/// (by the `platformctl:address` tag, within this stack).
async fn read_tagged<F, Fut>(
    aws: &Aws,
    requests: &[ReadRequest],
    id_filter: &str,
    describe: F,
) -> Result<Vec<(Address, Observed)>, AwsError>
where
    F: Fn(Vec<Filter>) -> Fut,
    Fut: Future<Output = Result<Vec<LiveResource>, AwsError>>,
{
    let ids: Vec<String> = requests.iter().filter_map(|r| r.id.clone()).collect();
    let mut by_id: HashMap<String, LiveResource> = HashMap::new();
    if !ids.is_empty() {
        for r in describe(vec![filter(id_filter, ids.iter().cloned())]).await? {
            if ids.contains(&r.id) {
                by_id.insert(r.id.clone(), r);
            }
        }
    }
    // Pending creates by the tag value of their address.
    let pending: HashMap<String, &Address> =
        requests.iter().filter(|r| r.id.is_none()).map(|r| (address_tag(&r.address), &r.address)).collect();
    let mut by_address: HashMap<String, LiveResource> = HashMap::new();
    if !pending.is_empty() {
        let filters = vec![
            filter(&format!("tag:{STACK_TAG}"), [aws.stack.clone()]),
            filter(&format!("tag:{ADDRESS_TAG}"), pending.keys().cloned()),
        ];
        for r in describe(filters).await? {
            let tags = TAGS.map(&r.attrs);
            let tag = |k: &str| tags.and_then(|t| t.get(k)).and_then(Value::as_str).map(str::to_owned);
            if let (Some(stack), Some(value)) = (tag(STACK_TAG), tag(ADDRESS_TAG))
                && stack == aws.stack
                && let Some(address) = pending.get(&value)
            {
                let address = address.to_string();
                if let Some(twin) = by_address.get(&address) {
                    tracing::warn!(%address, first = %twin.id, second = %r.id, "two resources carry the same address tag; adopting the first");
                    continue;
                }
                by_address.insert(address, r);
            }
        }
    }
    Ok(requests
        .iter()
        .map(|req| {
            let found = match &req.id {
                Some(id) => by_id.remove(id),
                None => by_address.remove(req.address.as_str()),
            };
            (req.address.clone(), found.map_or(Observed::Absent, Observed::Present))
        })
        .collect())
}

pub(super) fn filter<S: Into<String>>(name: &str, values: impl IntoIterator<Item = S>) -> Filter {
    Filter::builder().name(name).set_values(Some(values.into_iter().map(Into::into).collect())).build()
}

/// The tags of `attrs["tags"]` as an EC2 tag specification for the create call, so a resource
/// is never, even for an instant, in AWS without its ownership tags.
pub(super) fn tag_spec(resource_type: ResourceType, attrs: &Attrs) -> TagSpecification {
    let tags = tag_pairs(attrs).into_iter().map(|(k, v)| Tag::builder().key(k).value(v).build()).collect();
    TagSpecification::builder().resource_type(resource_type).set_tags(Some(tags)).build()
}

/// AWS's tags as a value; `aws:` tags belong to AWS and are not managed.
pub(super) fn tags_value(tags: &[Tag]) -> Value {
    tags_from_pairs(tags.iter().map(|t| (t.key(), t.value())))
}

/// Sends a tag update of any EC2 resource (CreateTags and DeleteTags take every kind's id).
pub(super) async fn retag(ec2: &aws_sdk_ec2::Client, id: &str, before: &Attrs, after: &Attrs) -> Result<(), AwsError> {
    TagChanges::between(before, after)
        .send(
            async |set| {
                let set = set.into_iter().map(|(k, v)| Tag::builder().key(k).value(v).build()).collect();
                ec2.create_tags().resources(id).set_tags(Some(set)).send().await.aws("CreateTags").map(drop)
            },
            async |keys| {
                let keys = keys.into_iter().map(|k| Tag::builder().key(k).build()).collect();
                ec2.delete_tags().resources(id).set_tags(Some(keys)).send().await.aws("DeleteTags").map(drop)
            },
        )
        .await
}

/// The resource an earlier attempt of this very create made, found by its ownership tags (EC2
/// tags it in the create call): an SDK retry of a create that reached EC2 — the answer lost on
/// the way back — fails where the first attempt succeeded (a subnet's CIDR "conflicts" with the
/// subnet just made), and must take that one rather than fail or make a twin.
pub(super) async fn made_by_an_earlier_attempt<T: Tagged>(
    aws: &Aws,
    address: &Address,
) -> Result<Option<String>, AwsError> {
    // The same lookup as a pending create's read: by this stack's and this address's tags.
    let request = ReadRequest::new(address, None, Attrs::new());
    let found = read_tagged(aws, std::slice::from_ref(&request), T::ID_FILTER, |f| T::describe(&aws.ec2, f)).await?;
    Ok(found.into_iter().find_map(|(_, observed)| match observed {
        Observed::Present(live) => Some(live.id),
        Observed::Absent => None,
    }))
}

/// One describe call per id, for kinds whose id filter moto does not implement (HTTP 500): a
/// resource that is gone fails only its own call, and is left out.
pub(super) async fn describe_each<T, F, Fut>(ids: &[String], describe: F) -> Result<Vec<T>, AwsError>
where
    F: Fn(String) -> Fut,
    Fut: Future<Output = Result<Vec<T>, AwsError>>,
{
    let each = ids.iter().map(|id| {
        let found = describe(id.clone());
        async move {
            match found.await {
                Err(e) if e.is_not_found() => Ok(vec![]),
                other => other,
            }
        }
    });
    Ok(futures::future::try_join_all(each).await?.into_iter().flatten().collect())
}

/// Resolves the ids a natural-key kind needs from its requests' recorded attributes.
pub(super) fn parent_ids(requests: &[ReadRequest], attribute: Attr) -> Vec<String> {
    let mut ids: Vec<String> = requests.iter().filter_map(|r| attribute.str(&r.attrs).map(str::to_owned)).collect();
    ids.sort();
    ids.dedup();
    ids
}
