//! Managed node groups. Scaling, labels, taints and the update config change with
//! UpdateNodegroupConfig; the Kubernetes version, the AMI release and the launch template's
//! settings roll the nodes with one UpdateNodegroupVersion (onto the template's default
//! version, which the template's own update made first); the rest forces a replacement, which
//! the engine creates before it deletes the old group.
//!
//! The desired size is the group's initial size (`initial_size`, used only by the create):
//! afterwards the cluster autoscaler owns it, so it is not compared, unless the stack sets
//! `manage_desired_size` (then `desired_size` is); updates of min/max keep the current size,
//! clamped into the new range.

use std::collections::BTreeMap;

use aws_sdk_eks::types::{
    AmiTypes, CapacityTypes, LaunchTemplateSpecification, Nodegroup, NodegroupScalingConfig, NodegroupStatus,
    NodegroupUpdateConfig, Taint, TaintEffect, UpdateLabelsPayload, UpdateTaintsPayload,
};

use async_trait::async_trait;
use platformctl_core::kinds::node_group::*;
use platformctl_core::resource::schema::Attr;
use platformctl_core::resource::{Address, Attrs, LiveResource, Observed, Value};

use super::updates::{Target, settle};
use futures::TryFutureExt;

use super::{child_id, child_of, health, retag, role_not_assumable_yet, split_id, tag_map, tags_value};
use crate::common::read_each;
use crate::common::{eventually, opt_int, opt_str, sorted_list};
use crate::ec2::launch_template::version_settings;
use crate::error::SdkResultExt;
use crate::registry::{NewResource, Provider, Status};
use crate::{Aws, AwsError, ReadRequest};

pub(crate) struct NodeGroup;

#[async_trait]
impl Provider for NodeGroup {
    async fn read(&self, aws: &Aws, requests: &[ReadRequest]) -> Result<Vec<(Address, Observed)>, AwsError> {
        // EKS has no batch describe: one call per resource, all at once.
        read_each(requests, |r| describe(aws, r).map_ok(Some)).await
    }

    async fn create(&self, aws: &Aws, new: &NewResource<'_>) -> Result<String, AwsError> {
        let attrs = new.attrs;
        let token = new.token;
        let cluster = CLUSTER.str(attrs).unwrap_or_default();
        let name = NAME.str(attrs).unwrap_or_default();
        eventually(role_not_assumable_yet, || async {
            aws.eks
                .create_nodegroup()
                .cluster_name(cluster)
                .nodegroup_name(name)
                .node_role(NODE_ROLE_ARN.str(attrs).unwrap_or_default())
                .set_subnets(Some(SUBNET_IDS.strings(attrs)))
                .set_instance_types(Some(INSTANCE_TYPES.strings(attrs)))
                .capacity_type(CapacityTypes::from(CAPACITY_TYPE.str(attrs).unwrap_or("ON_DEMAND")))
                .set_ami_type(AMI_TYPE.str(attrs).map(AmiTypes::from))
                .set_launch_template(LAUNCH_TEMPLATE_ID.str(attrs).map(|id| {
                    LaunchTemplateSpecification::builder()
                        .id(id)
                        .set_version(LAUNCH_TEMPLATE_VERSION.str(attrs).map(str::to_owned))
                        .build()
                }))
                .version(VERSION.str(attrs).unwrap_or_default())
                .set_release_version(RELEASE_VERSION.str(attrs).map(str::to_owned))
                .set_update_config(update_config(attrs))
                .scaling_config(scaling(attrs, None))
                .set_labels(Some(labels_of(attrs).into_iter().collect()))
                .set_taints(Some(taints_of(attrs)))
                .set_tags(Some(tag_map(attrs)))
                .client_request_token(token)
                .send()
                .await
                .aws("CreateNodegroup")
        })
        .await?;
        Ok(child_id(cluster, name))
    }

    async fn update(&self, aws: &Aws, id: &str, before: &Attrs, after: &Attrs) -> Result<(), AwsError> {
        let (cluster, name) = split_id(id);
        let target = Target::NodeGroup(cluster, name);
        roll(aws, cluster, name, before, after).await?;
        let scaling_changed = [MIN_SIZE, MAX_SIZE, DESIRED_SIZE].iter().any(|a| a.changed(before, after));
        let (labels_changed, taints_changed) = (LABELS.changed(before, after), TAINTS.changed(before, after));
        let update_config_changed = [MAX_UNAVAILABLE, MAX_UNAVAILABLE_PERCENT].iter().any(|a| a.changed(before, after));
        if scaling_changed || labels_changed || taints_changed || update_config_changed {
            let mut request = aws
                .eks
                .update_nodegroup_config()
                .cluster_name(cluster)
                .nodegroup_name(name)
                .set_update_config(update_config_changed.then(|| update_config(after)).flatten());
            if scaling_changed {
                // The autoscaler's current size stands unless the stack manages it.
                let current = if MANAGE_DESIRED_SIZE.is_true(after) {
                    None
                } else {
                    fetch(aws, cluster, name).await?.scaling_config().and_then(|s| s.desired_size())
                };
                request = request.scaling_config(scaling(after, current));
            }
            if labels_changed {
                let (old, new) = (labels_of(before), labels_of(after));
                let set: std::collections::HashMap<String, String> =
                    new.iter().filter(|(k, v)| old.get(*k) != Some(v)).map(|(k, v)| (k.clone(), v.clone())).collect();
                let removed: Vec<String> = old.keys().filter(|k| !new.contains_key(*k)).cloned().collect();
                request = request.labels(
                    UpdateLabelsPayload::builder()
                        .set_add_or_update_labels((!set.is_empty()).then_some(set))
                        .set_remove_labels((!removed.is_empty()).then_some(removed))
                        .build(),
                );
            }
            if taints_changed {
                let (old, new) = (taints_of(before), taints_of(after));
                let added: Vec<Taint> = new.iter().filter(|t| !old.contains(t)).cloned().collect();
                // A taint whose key and effect stay is updated by the add; only the others go.
                let removed: Vec<Taint> = old
                    .iter()
                    .filter(|t| !new.iter().any(|n| n.key() == t.key() && n.effect() == t.effect()))
                    .cloned()
                    .collect();
                request = request.taints(
                    UpdateTaintsPayload::builder()
                        .set_add_or_update_taints((!added.is_empty()).then_some(added))
                        .set_remove_taints((!removed.is_empty()).then_some(removed))
                        .build(),
                );
            }
            let out = request.send().await.aws("UpdateNodegroupConfig")?;
            settle(aws, "UpdateNodegroupConfig", target, out.update()).await?;
        }
        retag(aws, before, after).await
    }

    async fn delete(&self, aws: &Aws, id: &str, _: &Attrs) -> Result<(), AwsError> {
        let (cluster, name) = split_id(id);
        aws.eks.delete_nodegroup().cluster_name(cluster).nodegroup_name(name).send().await.aws("DeleteNodegroup")?;
        Ok(())
    }

    async fn status(&self, aws: &Aws, id: &str) -> Result<Status, AwsError> {
        let (cluster, name) = split_id(id);
        let g = fetch(aws, cluster, name).await?;
        Ok(match g.status() {
            Some(NodegroupStatus::Active) => Status::Ready,
            Some(s @ (NodegroupStatus::CreateFailed | NodegroupStatus::DeleteFailed | NodegroupStatus::Degraded)) => {
                let issues = g.health().map(|h| h.issues()).unwrap_or_default();
                let issues = health(issues.iter().map(|i| (i.code().map(|c| c.as_str()), i.message())));
                Status::Failed(format!("node group is {}: {issues}", s.as_str()))
            }
            Some(NodegroupStatus::Deleting) => Status::Deleting,
            _ => Status::Pending,
        })
    }
}

/// One UpdateNodegroupVersion for what rolls the nodes: a new Kubernetes version, a pinned AMI
/// release, the launch template's settings or default version (the group moves to the
/// template's default version, which the template's update made just before). EKS replaces
/// the nodes a few at a time (`update_config`), draining each.
async fn roll(aws: &Aws, cluster: &str, name: &str, before: &Attrs, after: &Attrs) -> Result<(), AwsError> {
    let version = VERSION.changed(before, after).then(|| VERSION.str(after)).flatten();
    let release = RELEASE_VERSION.changed(before, after).then(|| RELEASE_VERSION.str(after)).flatten();
    let moved = LAUNCH_TEMPLATE.changed(before, after) || LAUNCH_TEMPLATE_VERSION.changed(before, after);
    let template = match (LAUNCH_TEMPLATE_ID.str(after), LAUNCH_TEMPLATE_VERSION.str(after)) {
        (Some(id), Some(version)) if moved => {
            Some(LaunchTemplateSpecification::builder().id(id).version(version).build())
        }
        _ => None,
    };
    if version.is_none() && release.is_none() && template.is_none() {
        return Ok(());
    }
    let out = aws
        .eks
        .update_nodegroup_version()
        .cluster_name(cluster)
        .nodegroup_name(name)
        .set_version(version.map(str::to_owned))
        .set_release_version(release.map(str::to_owned))
        .set_launch_template(template)
        .send()
        .await
        .aws("UpdateNodegroupVersion")?;
    settle(aws, "UpdateNodegroupVersion", Target::NodeGroup(cluster, name), out.update()).await
}

/// The update config the stack sets, if it sets one (EKS's default is one node at a time).
fn update_config(attrs: &Attrs) -> Option<NodegroupUpdateConfig> {
    let (nodes, percent) = (MAX_UNAVAILABLE.i32(attrs), MAX_UNAVAILABLE_PERCENT.i32(attrs));
    (nodes.is_some() || percent.is_some()).then(|| {
        NodegroupUpdateConfig::builder().set_max_unavailable(nodes).set_max_unavailable_percentage(percent).build()
    })
}

async fn fetch(aws: &Aws, cluster: &str, name: &str) -> Result<Nodegroup, AwsError> {
    let out = aws
        .eks
        .describe_nodegroup()
        .cluster_name(cluster)
        .nodegroup_name(name)
        .send()
        .await
        .aws("DescribeNodegroup")?;
    out.nodegroup().cloned().ok_or_else(|| AwsError::local("DescribeNodegroup", format!("no node group {name}")))
}

async fn describe(aws: &Aws, r: &ReadRequest) -> Result<LiveResource, AwsError> {
    let (cluster, name) = child_of(r, NAME);
    let g = fetch(aws, &cluster, &name).await?;
    let scaling = g.scaling_config();
    let live_desired = opt_int(scaling.and_then(|s| s.desired_size()));
    let managed = MANAGE_DESIRED_SIZE.is_true(&r.attrs);
    let desired_size = if managed { live_desired.clone() } else { Value::Null };
    let labels = g.labels().into_iter().flatten().map(|(k, v)| (k.clone(), Value::str(v))).collect();
    // The template and version the nodes run. AWS always reports them for a group made with a
    // template; an answer without them (ministack's) is taken as the recorded ones rather than
    // as a change.
    let recorded = |attr: Attr| attr.str(&r.attrs).map(str::to_owned);
    let (template_id, template_version) = match g.launch_template() {
        Some(t) => (t.id().map(str::to_owned), t.version().map(str::to_owned)),
        None => (recorded(LAUNCH_TEMPLATE_ID), recorded(LAUNCH_TEMPLATE_VERSION)),
    };
    let template_settings = match (&template_id, &template_version) {
        (Some(id), Some(version)) => Value::Map(version_settings(&aws.ec2, id, version).await?.into_iter().collect()),
        _ => Value::Null,
    };
    // Compared only where the stack sets them (see the kind); an answer without an update
    // config (ministack's) is taken as what was applied.
    let pinned = |attr: Attr, live: Option<Value>| match attr.get(&r.attrs) {
        Value::Null => Value::Null,
        applied => live.unwrap_or_else(|| applied.clone()),
    };
    let update = g.update_config();
    let attrs = Attrs::from([
        AMI_TYPE.to(opt_str(g.ami_type().map(AmiTypes::as_str))),
        LAUNCH_TEMPLATE_ID.to(template_id.map_or(Value::Null, Value::Str)),
        LAUNCH_TEMPLATE_VERSION.to(template_version.map_or(Value::Null, Value::Str)),
        LAUNCH_TEMPLATE.to(template_settings),
        RELEASE_VERSION.to(pinned(RELEASE_VERSION, g.release_version().filter(|v| !v.is_empty()).map(Value::str))),
        MAX_UNAVAILABLE.to(pinned(MAX_UNAVAILABLE, update.and_then(|u| u.max_unavailable()).map(Value::from))),
        MAX_UNAVAILABLE_PERCENT
            .to(pinned(MAX_UNAVAILABLE_PERCENT, update.and_then(|u| u.max_unavailable_percentage()).map(Value::from))),
        CLUSTER.to(Value::str(&cluster)),
        NAME.to(opt_str(g.nodegroup_name())),
        NODE_ROLE_ARN.to(opt_str(g.node_role())),
        SUBNET_IDS.to(sorted_list(g.subnets().iter().map(String::as_str))),
        INSTANCE_TYPES.to(Value::List(g.instance_types().iter().map(Value::str).collect())),
        CAPACITY_TYPE.to(opt_str(g.capacity_type().map(CapacityTypes::as_str))),
        VERSION.to(opt_str(g.version())),
        MIN_SIZE.to(opt_int(scaling.and_then(|s| s.min_size()))),
        MAX_SIZE.to(opt_int(scaling.and_then(|s| s.max_size()))),
        DESIRED_SIZE.to(desired_size),
        MANAGE_DESIRED_SIZE.to(Value::Bool(managed)),
        LABELS.to(Value::Map(labels)),
        TAINTS.to(taints_value(g.taints())),
        TAGS.to(tags_value(g.tags())),
        ARN.to(opt_str(g.nodegroup_arn())),
    ]);
    let outputs = Attrs::from([
        out::ARN.to(opt_str(g.nodegroup_arn())),
        out::NAME.to(opt_str(g.nodegroup_name())),
        out::DESIRED_SIZE.to(live_desired),
        out::RELEASE_VERSION.to(opt_str(g.release_version())),
    ]);
    let ready = g.status() == Some(&NodegroupStatus::Active);
    Ok(LiveResource { id: child_id(&cluster, &name), attrs, ready, outputs })
}

/// Taints as `{key, value, effect}` maps in a stable order.
fn taints_value(taints: &[Taint]) -> Value {
    let mut items: Vec<(String, Option<String>, String)> = taints
        .iter()
        .map(|t| {
            (
                t.key().unwrap_or_default().to_owned(),
                t.value().filter(|v| !v.is_empty()).map(str::to_owned),
                t.effect().map(|e| e.as_str().to_owned()).unwrap_or_default(),
            )
        })
        .collect();
    items.sort();
    Value::List(
        items
            .into_iter()
            .map(|(key, value, effect)| {
                Value::Map(BTreeMap::from([
                    ("key".into(), Value::str(key)),
                    ("value".into(), value.map_or(Value::Null, Value::str)),
                    ("effect".into(), Value::str(effect)),
                ]))
            })
            .collect(),
    )
}

fn taints_of(attrs: &Attrs) -> Vec<Taint> {
    let Value::List(items) = TAINTS.get(attrs) else { return Vec::new() };
    items
        .iter()
        .filter_map(Value::as_map)
        .map(|m| {
            let field = |k: &str| m.get(k).and_then(Value::as_str).map(str::to_owned);
            Taint::builder()
                .set_key(field("key"))
                .set_value(field("value"))
                .set_effect(field("effect").map(|e| TaintEffect::from(e.as_str())))
                .build()
        })
        .collect()
}

fn labels_of(attrs: &Attrs) -> BTreeMap<String, String> {
    LABELS
        .get(attrs)
        .as_map()
        .map(|m| m.iter().map(|(k, v)| (k.clone(), v.as_str().unwrap_or_default().to_owned())).collect())
        .unwrap_or_default()
}

fn scaling(attrs: &Attrs, desired: Option<i32>) -> NodegroupScalingConfig {
    let (min, max) = (MIN_SIZE.i32(attrs).unwrap_or(0), MAX_SIZE.i32(attrs).unwrap_or(1));
    let desired = desired
        .or_else(|| DESIRED_SIZE.i32(attrs))
        .or_else(|| INITIAL_SIZE.i32(attrs))
        .unwrap_or(min)
        .clamp(min, max.max(min));
    NodegroupScalingConfig::builder().min_size(min).max_size(max).desired_size(desired).build()
}
