//! EC2 networking resources: dispatch by kind, and what the kinds share: filters, tags, the
//! batched read of taggable kinds (by id, and pending creates by `platformctl:address` tag),
//! and retries for AWS's eventual consistency.
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
            .map_err(|e| crate::providers::AwsError::from_sdk($operation, e))
    };
}
use all_pages;

mod attachment;
mod elastic_ip;
mod internet_gateway;
mod nat_gateway;
mod peering;
mod route;
mod route_table;
mod route_table_association;
mod security_group;
mod security_group_rule;
mod subnet;
mod vpc;

use std::collections::HashMap;
use std::future::Future;

use aws_sdk_ec2::types::{Filter, ResourceType, Tag, TagSpecification};

use super::common::{TagChanges, eventually, tag_pairs, tags_from_pairs};
pub(super) use super::common::{opt_str, str_attr};
use super::{Aws, AwsError, ReadRequest, Status};
use crate::expand::{ADDRESS_TAG, STACK_TAG, address_tag};
use crate::resource::{Address, Attrs, Kind, LiveResource, Observed, Value, attr};

pub(super) async fn read(
    aws: &Aws,
    kind: Kind,
    requests: &[ReadRequest],
) -> Result<Vec<(Address, Observed)>, AwsError> {
    let ec2 = &aws.ec2;
    match kind {
        Kind::Vpc => read_tagged(aws, requests, "vpc-id", |f| vpc::describe(ec2, f)).await,
        Kind::Subnet => read_tagged(aws, requests, "subnet-id", |f| subnet::describe(ec2, f)).await,
        Kind::InternetGateway => {
            read_tagged(aws, requests, "internet-gateway-id", |f| internet_gateway::describe(ec2, f)).await
        }
        Kind::ElasticIp => read_tagged(aws, requests, "allocation-id", |f| elastic_ip::describe(ec2, f)).await,
        Kind::NatGateway => {
            let found = read_tagged(aws, requests, "nat-gateway-id", |f| nat_gateway::describe(ec2, f)).await?;
            Ok(nat_gateway::fill_unreported_allocation(found, requests))
        }
        Kind::RouteTable => read_tagged(aws, requests, "route-table-id", |f| route_table::describe(ec2, f)).await,
        Kind::SecurityGroup => read_tagged(aws, requests, "group-id", |f| security_group::describe(ec2, f)).await,
        Kind::InternetGatewayAttachment => attachment::read(ec2, requests).await,
        Kind::Route => {
            // Routes in a peer's route tables are read with that region's client.
            let mut by_region: std::collections::BTreeMap<Option<String>, Vec<ReadRequest>> = Default::default();
            for r in requests {
                by_region.entry(str_attr(&r.attrs, "region").map(str::to_owned)).or_default().push(r.clone());
            }
            let mut out = Vec::new();
            for (region, group) in by_region {
                out.extend(route::read(&aws.ec2_in(region.as_deref()), &group).await?);
            }
            Ok(out)
        }
        Kind::VpcPeering => {
            read_tagged(aws, requests, "vpc-peering-connection-id", |f| peering::describe(ec2, f)).await
        }
        Kind::RouteTableAssociation => route_table_association::read(ec2, requests).await,
        Kind::SecurityGroupRule => security_group_rule::read(ec2, requests).await,
        other => Err(not_ec2(other)),
    }
}

pub(super) async fn create(
    aws: &Aws,
    kind: Kind,
    address: &Address,
    attrs: &Attrs,
    token: &str,
) -> Result<String, AwsError> {
    let ec2 = &aws.ec2;
    // A just-created parent may not be visible to the next call yet (NotFound for an id AWS
    // just returned): retry those for a while instead of failing the apply.
    eventually(AwsError::is_not_found, || async {
        match kind {
            Kind::Vpc => vpc::create(ec2, attrs).await,
            Kind::Subnet => subnet::create(ec2, attrs).await,
            Kind::InternetGateway => internet_gateway::create(ec2, attrs).await,
            Kind::InternetGatewayAttachment => attachment::create(ec2, attrs).await,
            Kind::ElasticIp => elastic_ip::create(ec2, attrs).await,
            Kind::NatGateway => nat_gateway::create(ec2, attrs, token).await,
            Kind::RouteTable => route_table::create(ec2, attrs, token).await,
            Kind::Route => route::create(&aws.ec2_in(str_attr(attrs, "region")), attrs).await,
            Kind::VpcPeering => peering::create(aws, attrs).await,
            Kind::RouteTableAssociation => route_table_association::create(ec2, attrs).await,
            Kind::SecurityGroup => security_group::create(ec2, attrs).await,
            Kind::SecurityGroupRule => security_group_rule::create(ec2, address, attrs).await,
            other => Err(not_ec2(other)),
        }
    })
    .await
}

pub(super) async fn update(aws: &Aws, kind: Kind, id: &str, before: &Attrs, after: &Attrs) -> Result<(), AwsError> {
    let ec2 = &aws.ec2;
    match kind {
        Kind::Vpc => vpc::update(ec2, id, before, after).await?,
        Kind::Subnet => subnet::update(ec2, id, before, after).await?,
        Kind::Route => route::update(&aws.ec2_in(str_attr(after, "region")), after).await?,
        Kind::SecurityGroupRule => security_group_rule::update(ec2, id, before, after).await?,
        _ => {}
    }
    if kind.attributes().iter().any(|(n, _)| *n == "tags") {
        update_tags(ec2, id, before, after).await?;
    }
    Ok(())
}

pub(super) async fn delete(aws: &Aws, kind: Kind, id: &str, attrs: &Attrs) -> Result<(), AwsError> {
    let ec2 = &aws.ec2;
    // AWS refuses to delete what something still uses, and for some seconds after the user
    // is gone (an internet gateway while a released address is still mapped): retry.
    let result = eventually(AwsError::is_dependency_violation, || async {
        match kind {
            Kind::Vpc => vpc::delete(ec2, id).await,
            Kind::Subnet => subnet::delete(ec2, id).await,
            Kind::InternetGateway => internet_gateway::delete(ec2, id).await,
            Kind::InternetGatewayAttachment => attachment::delete(ec2, attrs).await,
            Kind::ElasticIp => elastic_ip::delete(ec2, id).await,
            Kind::NatGateway => nat_gateway::delete(ec2, id).await,
            Kind::RouteTable => route_table::delete(ec2, id).await,
            Kind::Route => route::delete(&aws.ec2_in(str_attr(attrs, "region")), attrs).await,
            Kind::VpcPeering => peering::delete(ec2, id).await,
            Kind::RouteTableAssociation => route_table_association::delete(ec2, id).await,
            Kind::SecurityGroup => security_group::delete(ec2, id).await,
            Kind::SecurityGroupRule => security_group_rule::delete(ec2, id, attrs).await,
            other => Err(not_ec2(other)),
        }
    })
    .await;
    match result {
        Err(e) if e.is_not_found() => Ok(()),
        other => other,
    }
}

/// The dispatcher sends only EC2 kinds here; anything else is a bug worth a clear message.
fn not_ec2(kind: Kind) -> AwsError {
    AwsError::local("dispatch", format!("{kind} is not an EC2 resource kind"))
}

pub(super) async fn status(aws: &Aws, kind: Kind, id: &str) -> Result<Status, AwsError> {
    match kind {
        Kind::NatGateway => nat_gateway::status(&aws.ec2, id).await,
        Kind::VpcPeering => peering::status(&aws.ec2, id).await,
        _ => Ok(Status::Ready),
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
            let tags = attr(&r.attrs, "tags").as_map();
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
    TagSpecification::builder().resource_type(resource_type).set_tags(Some(ec2_tags(attr(attrs, "tags")))).build()
}

fn ec2_tags(tags: &Value) -> Vec<Tag> {
    tag_pairs(tags).into_iter().map(|(k, v)| Tag::builder().key(k).value(v).build()).collect()
}

/// AWS's tags as a value; `aws:` tags belong to AWS and are not managed.
pub(super) fn tags_value(tags: &[Tag]) -> Value {
    tags_from_pairs(tags.iter().map(|t| (t.key(), t.value())))
}

async fn update_tags(ec2: &aws_sdk_ec2::Client, id: &str, before: &Attrs, after: &Attrs) -> Result<(), AwsError> {
    TagChanges::between(before, after)
        .send(
            async |set| {
                let set = set.into_iter().map(|(k, v)| Tag::builder().key(k).value(v).build()).collect();
                let request = ec2.create_tags().resources(id).set_tags(Some(set));
                request.send().await.map(drop).map_err(|e| AwsError::from_sdk("CreateTags", e))
            },
            async |keys| {
                let keys = keys.into_iter().map(|k| Tag::builder().key(k).build()).collect();
                let request = ec2.delete_tags().resources(id).set_tags(Some(keys));
                request.send().await.map(drop).map_err(|e| AwsError::from_sdk("DeleteTags", e))
            },
        )
        .await
}

/// Resolves the ids a natural-key kind needs from its requests' recorded attributes.
pub(super) fn parent_ids(requests: &[ReadRequest], attribute: &str) -> Vec<String> {
    let mut ids: Vec<String> =
        requests.iter().filter_map(|r| str_attr(&r.attrs, attribute).map(str::to_owned)).collect();
    ids.sort();
    ids.dedup();
    ids
}
