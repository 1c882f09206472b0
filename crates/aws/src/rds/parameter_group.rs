//! DB parameter groups (an instance's) and DB cluster parameter groups (an Aurora cluster's):
//! one provider for both, the calls differing only in name. The live read is the group and the
//! parameters the stack set (`Source=user`); RDS's defaults stand for the rest.
//!
//! Each parameter is sent with the apply method its type allows: `pending-reboot` for one that
//! only a restart applies (RDS's `ApplyType` says `static`, or PostgreSQL's list in
//! `kinds::parameter_group` does), `immediate` otherwise. After such a change the instances the stack
//! lets platformctl restart (`reboot: allowed`) are rebooted, one at a time, each waited for.

use std::collections::BTreeMap;

use async_trait::async_trait;
use aws_sdk_rds::types::{ApplyMethod, Parameter};
use platformctl_core::kinds::database::WAIT_MINUTES;
use platformctl_core::kinds::parameter_group::{
    ARN, CREATION_TAGS, DESCRIPTION, FAMILY, NAME, PARAMETERS, REBOOT_INSTANCES, is_static,
};
use platformctl_core::resource::{Address, Attrs, LiveResource, Observed, Value};

use crate::common::read_each;
use crate::error::SdkResultExt;
use crate::registry::{NewResource, Provider};
use crate::{Aws, AwsError, ReadRequest};

/// RDS takes at most 20 parameters per modify or reset call.
const PER_CALL: usize = 20;

/// Which of RDS's two parameter group APIs.
#[derive(Clone, Copy)]
enum Scope {
    Instance,
    Cluster,
}

/// An instance's parameter group.
pub(crate) struct InstanceGroup;
/// An Aurora cluster's parameter group.
pub(crate) struct ClusterGroup;

macro_rules! provider_for {
    ($provider:ident, $scope:expr) => {
        #[async_trait]
        impl Provider for $provider {
            async fn read(&self, aws: &Aws, requests: &[ReadRequest]) -> Result<Vec<(Address, Observed)>, AwsError> {
                read_each(requests, |r| read(aws, $scope, r)).await
            }

            async fn create(&self, aws: &Aws, new: &NewResource<'_>) -> Result<String, AwsError> {
                create(aws, $scope, new.attrs).await
            }

            async fn update(&self, aws: &Aws, id: &str, before: &Attrs, after: &Attrs) -> Result<(), AwsError> {
                update(aws, $scope, id, before, after).await
            }

            async fn delete(&self, aws: &Aws, id: &str, _: &Attrs) -> Result<(), AwsError> {
                delete(aws, $scope, id).await
            }
        }
    };
}
provider_for!(InstanceGroup, Scope::Instance);
provider_for!(ClusterGroup, Scope::Cluster);

/// The group by its name, with the parameters the stack set; `None` if there is none.
async fn read(aws: &Aws, scope: Scope, r: &ReadRequest) -> Result<Option<LiveResource>, AwsError> {
    let Some(name) = r.id.as_deref() else { return Ok(None) };
    let (family, description, arn) = match scope {
        Scope::Instance => {
            let out = aws.rds.describe_db_parameter_groups().db_parameter_group_name(name).send().await;
            let out = out.aws("DescribeDBParameterGroups")?;
            let Some(g) = out.db_parameter_groups().first() else { return Ok(None) };
            (
                g.db_parameter_group_family().map(str::to_owned),
                g.description().map(str::to_owned),
                g.db_parameter_group_arn().map(str::to_owned),
            )
        }
        Scope::Cluster => {
            let out = aws.rds.describe_db_cluster_parameter_groups().db_cluster_parameter_group_name(name).send().await;
            let out = out.aws("DescribeDBClusterParameterGroups")?;
            let Some(g) = out.db_cluster_parameter_groups().first() else { return Ok(None) };
            (
                g.db_parameter_group_family().map(str::to_owned),
                g.description().map(str::to_owned),
                g.db_cluster_parameter_group_arn().map(str::to_owned),
            )
        }
    };
    let set = parameters(aws, scope, name, Some("user")).await?;
    let values = set
        .iter()
        .filter_map(|p| Some((p.parameter_name()?.to_owned(), Value::str(p.parameter_value()?))))
        .collect::<BTreeMap<_, _>>();
    Ok(Some(LiveResource {
        id: name.to_owned(),
        attrs: Attrs::from([
            NAME.to(name),
            FAMILY.to(family),
            DESCRIPTION.to(description),
            PARAMETERS.to(Value::Map(values)),
            ARN.to(arn),
        ]),
        ready: true,
        outputs: Attrs::new(),
    }))
}

/// The group's parameters, every page: those of `source` (`user`: the ones set), or all.
async fn parameters(aws: &Aws, scope: Scope, name: &str, source: Option<&str>) -> Result<Vec<Parameter>, AwsError> {
    let source = source.map(str::to_owned);
    match scope {
        Scope::Instance => {
            let pages = aws.rds.describe_db_parameters().db_parameter_group_name(name).set_source(source);
            let items = pages.into_paginator().items().send().collect::<Result<Vec<_>, _>>().await;
            items.aws("DescribeDBParameters")
        }
        Scope::Cluster => {
            let pages =
                aws.rds.describe_db_cluster_parameters().db_cluster_parameter_group_name(name).set_source(source);
            let items = pages.into_paginator().items().send().collect::<Result<Vec<_>, _>>().await;
            items.aws("DescribeDBClusterParameters")
        }
    }
}

async fn create(aws: &Aws, scope: Scope, attrs: &Attrs) -> Result<String, AwsError> {
    let name = NAME.str(attrs).unwrap_or_default();
    let family = FAMILY.str(attrs).map(str::to_owned);
    let description = DESCRIPTION.str(attrs).unwrap_or(name).to_owned();
    // `CREATION_TAGS` is named `tags`, as every kind's tags are.
    debug_assert_eq!(CREATION_TAGS.name, platformctl_core::resource::schema::TAGS.name);
    let tags = super::rds_tags(attrs);
    let created = match scope {
        Scope::Instance => aws
            .rds
            .create_db_parameter_group()
            .db_parameter_group_name(name)
            .set_db_parameter_group_family(family)
            .description(description)
            .set_tags(Some(tags))
            .send()
            .await
            .aws("CreateDBParameterGroup")
            .map(drop),
        Scope::Cluster => aws
            .rds
            .create_db_cluster_parameter_group()
            .db_cluster_parameter_group_name(name)
            .set_db_parameter_group_family(family)
            .description(description)
            .set_tags(Some(tags))
            .send()
            .await
            .aws("CreateDBClusterParameterGroup")
            .map(drop),
    };
    // Run again after an interruption between the create and the parameters: the group is there.
    match created {
        Err(e) if e.code().is_some_and(|c| c.contains("AlreadyExists")) => {}
        other => other?,
    }
    // Nothing uses a new group yet: every parameter waits for the instance's start, which is
    // also the one method RDS accepts for any parameter, static or dynamic.
    let wanted = wanted(attrs);
    let all: Vec<Parameter> = wanted.iter().map(|(n, v)| parameter(n, Some(v), ApplyMethod::PendingReboot)).collect();
    send(aws, scope, Change::Set, name, all).await?;
    Ok(name.to_owned())
}

/// The parameters the stack sets, as text.
fn wanted(attrs: &Attrs) -> BTreeMap<String, String> {
    PARAMETERS
        .map(attrs)
        .map(|m| m.iter().filter_map(|(k, v)| Some((k.clone(), v.as_str()?.to_owned()))).collect())
        .unwrap_or_default()
}

fn parameter(name: &str, value: Option<&str>, method: ApplyMethod) -> Parameter {
    Parameter::builder().parameter_name(name).set_parameter_value(value.map(str::to_owned)).apply_method(method).build()
}

/// Sets what changed, resets what the stack no longer sets, then reboots the instances the
/// stack allows when a parameter that only a restart applies changed.
async fn update(aws: &Aws, scope: Scope, id: &str, before: &Attrs, after: &Attrs) -> Result<(), AwsError> {
    if !PARAMETERS.changed(before, after) {
        return Ok(());
    }
    let (was, will) = (wanted(before), wanted(after));
    let apply_types: BTreeMap<String, String> = parameters(aws, scope, id, None)
        .await?
        .iter()
        .filter_map(|p| Some((p.parameter_name()?.to_owned(), p.apply_type()?.to_owned())))
        .collect();
    let restarts = |name: &str| apply_types.get(name).is_some_and(|t| t == "static") || is_static(name);
    let method = |name: &str| if restarts(name) { ApplyMethod::PendingReboot } else { ApplyMethod::Immediate };
    let set: Vec<Parameter> =
        will.iter().filter(|(n, v)| was.get(*n) != Some(*v)).map(|(n, v)| parameter(n, Some(v), method(n))).collect();
    let reset: Vec<Parameter> =
        was.keys().filter(|n| !will.contains_key(*n)).map(|n| parameter(n, None, method(n))).collect();
    let changed: Vec<String> = set.iter().chain(&reset).filter_map(|p| p.parameter_name().map(str::to_owned)).collect();
    send(aws, scope, Change::Set, id, set).await?;
    send(aws, scope, Change::Reset, id, reset).await?;
    if changed.iter().any(|n| restarts(n)) {
        let timeout = std::time::Duration::from_secs(WAIT_MINUTES * 60);
        for instance in REBOOT_INSTANCES.strings(after) {
            super::instance::reboot_and_wait(aws, &instance, timeout).await?;
        }
    }
    Ok(())
}

/// What is done with a list of parameters: set to their values, or reset to RDS's defaults.
#[derive(Clone, Copy)]
enum Change {
    Set,
    Reset,
}

/// Sends the parameters, at most `PER_CALL` per request.
async fn send(aws: &Aws, scope: Scope, change: Change, name: &str, parameters: Vec<Parameter>) -> Result<(), AwsError> {
    let rds = &aws.rds;
    for chunk in parameters.chunks(PER_CALL).map(|c| Some(c.to_vec())) {
        match (scope, change) {
            (Scope::Instance, Change::Set) => {
                let call = rds.modify_db_parameter_group().db_parameter_group_name(name).set_parameters(chunk);
                call.send().await.aws("ModifyDBParameterGroup").map(drop)
            }
            (Scope::Cluster, Change::Set) => {
                let call = rds.modify_db_cluster_parameter_group().db_cluster_parameter_group_name(name);
                call.set_parameters(chunk).send().await.aws("ModifyDBClusterParameterGroup").map(drop)
            }
            (Scope::Instance, Change::Reset) => {
                let call = rds.reset_db_parameter_group().db_parameter_group_name(name).set_parameters(chunk);
                call.send().await.aws("ResetDBParameterGroup").map(drop)
            }
            (Scope::Cluster, Change::Reset) => {
                let call = rds.reset_db_cluster_parameter_group().db_cluster_parameter_group_name(name);
                call.set_parameters(chunk).send().await.aws("ResetDBClusterParameterGroup").map(drop)
            }
        }?;
    }
    Ok(())
}

async fn delete(aws: &Aws, scope: Scope, name: &str) -> Result<(), AwsError> {
    match scope {
        Scope::Instance => {
            aws.rds
                .delete_db_parameter_group()
                .db_parameter_group_name(name)
                .send()
                .await
                .aws("DeleteDBParameterGroup")?;
        }
        Scope::Cluster => {
            let call = aws.rds.delete_db_cluster_parameter_group().db_cluster_parameter_group_name(name);
            call.send().await.aws("DeleteDBClusterParameterGroup")?;
        }
    }
    Ok(())
}
