//! EKS access entries: the entry (its Kubernetes groups, UpdateAccessEntry) and the access
//! policies associated with it, each on the cluster or on namespaces (AssociateAccessPolicy,
//! which also changes an association's scope; DisassociateAccessPolicy). EKS has no batch
//! read: one DescribeAccessEntry and ListAssociatedAccessPolicies per entry, all at once. The
//! id is `<cluster>:<principal ARN>`.

use std::collections::BTreeMap;

use async_trait::async_trait;
use aws_sdk_eks::types::{AccessScope, AccessScopeType};
use platformctl_core::kinds::eks_access_entry::*;
use platformctl_core::resource::{Address, Attrs, LiveResource, Observed, Value};

use super::{child_id, child_of, split_id, tag_map, tags_value};
use crate::common::{read_each, sorted_list};
use crate::error::SdkResultExt;
use crate::registry::{NewResource, Provider};
use crate::{Aws, AwsError, ReadRequest};

pub(crate) struct AccessEntry;

#[async_trait]
impl Provider for AccessEntry {
    async fn read(&self, aws: &Aws, requests: &[ReadRequest]) -> Result<Vec<(Address, Observed)>, AwsError> {
        read_each(requests, |r| describe(aws, r)).await
    }

    async fn create(&self, aws: &Aws, new: &NewResource<'_>) -> Result<String, AwsError> {
        let attrs = new.attrs;
        let cluster = CLUSTER.str(attrs).unwrap_or_default();
        let principal = PRINCIPAL.str(attrs).unwrap_or_default();
        aws.eks
            .create_access_entry()
            .cluster_name(cluster)
            .principal_arn(principal)
            .set_kubernetes_groups(Some(KUBERNETES_GROUPS.strings(attrs)))
            .set_tags(Some(tag_map(attrs)))
            .client_request_token(new.token)
            .send()
            .await
            .aws("CreateAccessEntry")?;
        for (policy, scope) in policies(attrs) {
            associate(aws, cluster, principal, &policy, &scope).await?;
        }
        Ok(child_id(cluster, principal))
    }

    async fn update(&self, aws: &Aws, id: &str, before: &Attrs, after: &Attrs) -> Result<(), AwsError> {
        let (cluster, principal) = split_id(id);
        if KUBERNETES_GROUPS.changed(before, after) {
            aws.eks
                .update_access_entry()
                .cluster_name(cluster)
                .principal_arn(principal)
                .set_kubernetes_groups(Some(KUBERNETES_GROUPS.strings(after)))
                .send()
                .await
                .aws("UpdateAccessEntry")?;
        }
        let (was, will) = (policies(before), policies(after));
        for (policy, scope) in will.iter().filter(|(p, s)| was.get(*p) != Some(*s)) {
            associate(aws, cluster, principal, policy, scope).await?;
        }
        for policy in was.keys().filter(|p| !will.contains_key(*p)) {
            aws.eks
                .disassociate_access_policy()
                .cluster_name(cluster)
                .principal_arn(principal)
                .policy_arn(policy)
                .send()
                .await
                .aws("DisassociateAccessPolicy")?;
        }
        super::retag(aws, before, after).await
    }

    async fn delete(&self, aws: &Aws, id: &str, _: &Attrs) -> Result<(), AwsError> {
        let (cluster, principal) = split_id(id);
        let call = aws.eks.delete_access_entry().cluster_name(cluster).principal_arn(principal);
        call.send().await.aws("DeleteAccessEntry")?;
        Ok(())
    }
}

/// The policies of an attribute map: policy ARN → `"cluster"` or its namespaces.
fn policies(attrs: &Attrs) -> BTreeMap<String, Value> {
    POLICIES.map(attrs).cloned().unwrap_or_default().into_iter().collect()
}

async fn associate(aws: &Aws, cluster: &str, principal: &str, policy: &str, scope: &Value) -> Result<(), AwsError> {
    let scope = match scope {
        Value::List(namespaces) => AccessScope::builder()
            .r#type(AccessScopeType::Namespace)
            .set_namespaces(Some(namespaces.iter().filter_map(|n| n.as_str().map(str::to_owned)).collect()))
            .build(),
        _ => AccessScope::builder().r#type(AccessScopeType::Cluster).build(),
    };
    aws.eks
        .associate_access_policy()
        .cluster_name(cluster)
        .principal_arn(principal)
        .policy_arn(policy)
        .access_scope(scope)
        .send()
        .await
        .aws("AssociateAccessPolicy")?;
    Ok(())
}

/// The entry of a request: by its id, or (a pending create) by its cluster and principal.
async fn describe(aws: &Aws, r: &ReadRequest) -> Result<Option<LiveResource>, AwsError> {
    let (cluster, principal) = child_of(r, PRINCIPAL);
    let out = aws.eks.describe_access_entry().cluster_name(&cluster).principal_arn(&principal).send().await;
    let out = out.aws("DescribeAccessEntry")?;
    let Some(entry) = out.access_entry() else { return Ok(None) };
    let mut associated = Vec::new();
    let mut pages = aws
        .eks
        .list_associated_access_policies()
        .cluster_name(&cluster)
        .principal_arn(&principal)
        .into_paginator()
        .send();
    while let Some(page) = pages.next().await {
        associated.extend(page.aws("ListAssociatedAccessPolicies")?.associated_access_policies().to_vec());
    }
    let policies = associated
        .iter()
        .filter_map(|a| {
            let scope = a.access_scope();
            let scope = match scope.and_then(|s| s.r#type()) {
                Some(AccessScopeType::Namespace) => {
                    sorted_list(scope.map(|s| s.namespaces()).unwrap_or_default().iter().map(String::as_str))
                }
                _ => Value::str("cluster"),
            };
            Some((a.policy_arn()?.to_owned(), scope))
        })
        .collect();
    Ok(Some(LiveResource {
        id: child_id(&cluster, &principal),
        attrs: Attrs::from([
            CLUSTER.to(Value::str(&cluster)),
            PRINCIPAL.to(Value::str(&principal)),
            KUBERNETES_GROUPS.to(sorted_list(entry.kubernetes_groups().iter().map(String::as_str))),
            POLICIES.to(Value::Map(policies)),
            TAGS.to(tags_value(entry.tags())),
        ]),
        ready: true,
        outputs: Attrs::new(),
    }))
}
