//! EKS add-ons. The configuration is JSON that AWS stores as text: both sides are compared as
//! JSON values, so key order and whitespace are never a change. Without a version in the
//! stack, the create picks the newest version for the cluster's Kubernetes version
//! (DescribeAddonVersions) and later reads do not compare it.

use aws_sdk_eks::types::{AddonStatus, ResolveConflicts};

use async_trait::async_trait;
use platformctl_core::kinds::eks_addon::*;
use platformctl_core::resource::{Address, Attrs, LiveResource, Observed, Value};

use super::updates::{Target, settle};
use futures::TryFutureExt;

use super::{child_id, child_of, health, split_id};
use crate::common::opt_str;
use crate::common::read_each;
use crate::error::SdkResultExt;
use crate::registry::{NewResource, Provider, Status};
use crate::{Aws, AwsError, ReadRequest};

pub(crate) struct Addon;

#[async_trait]
impl Provider for Addon {
    async fn read(&self, aws: &Aws, requests: &[ReadRequest]) -> Result<Vec<(Address, Observed)>, AwsError> {
        // EKS has no batch describe: one call per resource, all at once.
        read_each(requests, |r| describe(aws, r).map_ok(Some)).await
    }

    async fn create(&self, aws: &Aws, new: &NewResource<'_>) -> Result<String, AwsError> {
        let attrs = new.attrs;
        let token = new.token;
        let cluster = CLUSTER.str(attrs).unwrap_or_default();
        let name = NAME.str(attrs).unwrap_or_default();
        let version = match VERSION.str(attrs) {
            Some(v) => Some(v.to_owned()),
            None => newest_version(aws, cluster, name).await?,
        };
        aws.eks
            .create_addon()
            .cluster_name(cluster)
            .addon_name(name)
            .set_addon_version(version)
            .set_configuration_values(configuration_text(attrs))
            .set_service_account_role_arn(SERVICE_ACCOUNT_ROLE_ARN.str(attrs).map(str::to_owned))
            .resolve_conflicts(resolve_conflicts(attrs, true))
            .client_request_token(token)
            .send()
            .await
            .aws("CreateAddon")?;
        Ok(child_id(cluster, name))
    }

    async fn update(&self, aws: &Aws, id: &str, before: &Attrs, after: &Attrs) -> Result<(), AwsError> {
        let (cluster, name) = split_id(id);
        if !DEF.needs_modification(before, after, &[]) {
            return Ok(());
        }
        // An empty object removes a configuration EKS has.
        let configuration = configuration_text(after).unwrap_or_else(|| "{}".to_owned());
        let out = aws
            .eks
            .update_addon()
            .cluster_name(cluster)
            .addon_name(name)
            .set_addon_version(VERSION.str(after).map(str::to_owned))
            .configuration_values(configuration)
            // Sent only when it changes; an empty ARN takes the role away (the add-on runs on
            // the node role again).
            .set_service_account_role_arn(
                SERVICE_ACCOUNT_ROLE_ARN
                    .changed(before, after)
                    .then(|| SERVICE_ACCOUNT_ROLE_ARN.str(after).unwrap_or_default().to_owned()),
            )
            .resolve_conflicts(resolve_conflicts(after, false))
            .send()
            .await
            .aws("UpdateAddon")?;
        settle(aws, "UpdateAddon", Target::Addon(cluster, name), out.update()).await
    }

    async fn delete(&self, aws: &Aws, id: &str, _: &Attrs) -> Result<(), AwsError> {
        let (cluster, name) = split_id(id);
        aws.eks.delete_addon().cluster_name(cluster).addon_name(name).send().await.aws("DeleteAddon")?;
        Ok(())
    }

    async fn status(&self, aws: &Aws, id: &str) -> Result<Status, AwsError> {
        let (cluster, name) = split_id(id);
        let out = aws.eks.describe_addon().cluster_name(cluster).addon_name(name).send().await.aws("DescribeAddon")?;
        let Some(a) = out.addon() else { return Ok(Status::Gone) };
        Ok(match a.status() {
            Some(AddonStatus::Active) => Status::Ready,
            Some(
                s @ (AddonStatus::CreateFailed
                | AddonStatus::Degraded
                | AddonStatus::UpdateFailed
                | AddonStatus::DeleteFailed),
            ) => {
                let issues = a.health().map(|h| h.issues()).unwrap_or_default();
                let issues = health(issues.iter().map(|i| (i.code().map(|c| c.as_str()), i.message())));
                Status::Failed(format!("add-on is {}: {issues}", s.as_str()))
            }
            Some(AddonStatus::Deleting) => Status::Deleting,
            _ => Status::Pending,
        })
    }
}

async fn describe(aws: &Aws, r: &ReadRequest) -> Result<LiveResource, AwsError> {
    let (cluster, name) = child_of(r, NAME);
    let out = aws.eks.describe_addon().cluster_name(&cluster).addon_name(&name).send().await.aws("DescribeAddon")?;
    let a = out.addon().ok_or_else(|| AwsError::local("DescribeAddon", format!("no add-on {name}")))?;
    let version = match VERSION.get(&r.attrs) {
        // Chosen by AWS at creation: not the stack's to compare.
        Value::Null => Value::Null,
        _ => opt_str(a.addon_version()),
    };
    let configuration =
        a.configuration_values().filter(|c| !c.trim().is_empty()).map_or(
            Value::Null,
            |text| match serde_json::from_str::<serde_json::Value>(text) {
                Ok(serde_json::Value::Object(m)) if m.is_empty() => Value::Null,
                Ok(json) => Value::from_json(json),
                Err(_) => Value::str(text),
            },
        );
    let attrs = Attrs::from([
        CLUSTER.to(Value::str(&cluster)),
        NAME.to(opt_str(a.addon_name())),
        VERSION.to(version),
        CONFIGURATION.to(configuration),
        SERVICE_ACCOUNT_ROLE_ARN.to(opt_str(a.service_account_role_arn().filter(|r| !r.is_empty()))),
        ARN.to(opt_str(a.addon_arn())),
    ]);
    let outputs = Attrs::from([out::ARN.to(opt_str(a.addon_arn())), out::VERSION.to(opt_str(a.addon_version()))]);
    let ready = a.status() == Some(&AddonStatus::Active);
    Ok(LiveResource { id: child_id(&cluster, &name), attrs, ready, outputs })
}

fn configuration_text(attrs: &Attrs) -> Option<String> {
    match CONFIGURATION.get(attrs) {
        Value::Null => None,
        v => serde_json::to_string(v).ok(),
    }
}

/// EKS accepts `PRESERVE` only on updates: a create keeps whatever is there with `NONE`.
fn resolve_conflicts(attrs: &Attrs, creating: bool) -> ResolveConflicts {
    match RESOLVE_CONFLICTS.str(attrs).unwrap_or("OVERWRITE") {
        "PRESERVE" if creating => ResolveConflicts::None,
        other => ResolveConflicts::from(other),
    }
}

/// The newest version of the add-on for the cluster's Kubernetes version, or `None` (AWS's
/// default) where DescribeAddonVersions is not available.
pub(super) async fn newest_version(aws: &Aws, cluster: &str, addon: &str) -> Result<Option<String>, AwsError> {
    let described = aws.eks.describe_cluster().name(cluster).send().await.aws("DescribeCluster")?;
    let kubernetes = described.cluster().and_then(|c| c.version()).unwrap_or_default().to_owned();
    let out = match aws.eks.describe_addon_versions().addon_name(addon).kubernetes_version(&kubernetes).send().await {
        Ok(out) => out,
        Err(e) => {
            let e = crate::error::from_sdk("DescribeAddonVersions", e);
            if e.is_unsupported() {
                tracing::warn!(addon, "DescribeAddonVersions is not supported here; EKS picks its default version");
                return Ok(None);
            }
            return Err(e);
        }
    };
    // AWS lists versions newest first; sort anyway rather than trust the order.
    let mut versions: Vec<&str> =
        out.addons().iter().flat_map(|a| a.addon_versions()).filter_map(|v| v.addon_version()).collect();
    versions.sort_by_key(|v| version_key(v));
    Ok(versions.last().map(|v| (*v).to_owned()))
}

/// `v1.11.3-eksbuild.2` → [1, 11, 3, 2], for ordering.
fn version_key(v: &str) -> Vec<u64> {
    v.split(|c: char| !c.is_ascii_digit()).filter(|p| !p.is_empty()).filter_map(|p| p.parse().ok()).collect()
}
