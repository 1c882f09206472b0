//! Application Auto Scaling for Aurora readers: a scalable target on the cluster's replica
//! count and a target-tracking policy on the readers' average CPU. Both calls are idempotent
//! puts, so create and update are the same; the id is the target's resource id
//! (`cluster:<identifier>`).

use aws_sdk_applicationautoscaling::types::{
    MetricType, PolicyType, PredefinedMetricSpecification, ScalableDimension, ServiceNamespace,
    TargetTrackingScalingPolicyConfiguration,
};

use super::common::{int_attr, str_attr};
use super::{Aws, AwsError, ReadRequest};
use crate::resource::{Address, Attrs, LiveResource, Observed, Value};

const DIMENSION: ScalableDimension = ScalableDimension::RdsClusterReadReplicaCount;

fn policy_name(resource_id: &str) -> String {
    format!("{}-readers-cpu", resource_id.trim_start_matches("cluster:"))
}

pub(super) async fn read(aws: &Aws, requests: &[ReadRequest]) -> Result<Vec<(Address, Observed)>, AwsError> {
    let ids: Vec<String> =
        requests.iter().filter_map(|r| r.id.clone().or(str_attr(&r.attrs, "resource_id").map(str::to_owned))).collect();
    let targets = aws
        .autoscaling
        .describe_scalable_targets()
        .service_namespace(ServiceNamespace::Rds)
        .set_resource_ids(Some(ids.clone()))
        .scalable_dimension(DIMENSION)
        .send()
        .await
        .map_err(|e| AwsError::from_sdk("DescribeScalableTargets", e))?;
    let policies = aws
        .autoscaling
        .describe_scaling_policies()
        .service_namespace(ServiceNamespace::Rds)
        .set_policy_names(Some(ids.iter().map(|id| policy_name(id)).collect()))
        .send()
        .await
        .map_err(|e| AwsError::from_sdk("DescribeScalingPolicies", e))?;
    Ok(requests
        .iter()
        .map(|r| {
            let id = r.id.clone().or(str_attr(&r.attrs, "resource_id").map(str::to_owned)).unwrap_or_default();
            let Some(target) = targets.scalable_targets().iter().find(|t| t.resource_id() == id) else {
                return (r.address.clone(), Observed::Absent);
            };
            let cpu = policies
                .scaling_policies()
                .iter()
                .find(|p| p.resource_id() == id && p.policy_name() == policy_name(&id))
                .and_then(|p| p.target_tracking_scaling_policy_configuration())
                .map_or(Value::Null, |c| Value::Int(c.target_value().round() as i64));
            let attrs = Attrs::from([
                ("resource_id".into(), Value::str(&id)),
                ("min".into(), Value::Int(i64::from(target.min_capacity()))),
                ("max".into(), Value::Int(i64::from(target.max_capacity()))),
                ("target_cpu_percent".into(), cpu),
            ]);
            let outputs = Attrs::from([("policy_name".into(), Value::str(policy_name(&id)))]);
            (r.address.clone(), Observed::Present(LiveResource { id, attrs, ready: true, outputs }))
        })
        .collect())
}

/// Registers the target and puts the policy; returns the resource id.
pub(super) async fn put(aws: &Aws, attrs: &Attrs) -> Result<String, AwsError> {
    let id = str_attr(attrs, "resource_id").unwrap_or_default();
    aws.autoscaling
        .register_scalable_target()
        .service_namespace(ServiceNamespace::Rds)
        .resource_id(id)
        .scalable_dimension(DIMENSION)
        .set_min_capacity(int_attr(attrs, "min"))
        .set_max_capacity(int_attr(attrs, "max"))
        .send()
        .await
        .map_err(|e| AwsError::from_sdk("RegisterScalableTarget", e))?;
    let metric = PredefinedMetricSpecification::builder()
        .predefined_metric_type(MetricType::RdsReaderAverageCpuUtilization)
        .build()
        .map_err(|e| AwsError::local("PutScalingPolicy", e.to_string()))?;
    let config = TargetTrackingScalingPolicyConfiguration::builder()
        .target_value(f64::from(int_attr(attrs, "target_cpu_percent").unwrap_or(60)))
        .predefined_metric_specification(metric)
        .build()
        .map_err(|e| AwsError::local("PutScalingPolicy", e.to_string()))?;
    aws.autoscaling
        .put_scaling_policy()
        .policy_name(policy_name(id))
        .service_namespace(ServiceNamespace::Rds)
        .resource_id(id)
        .scalable_dimension(DIMENSION)
        .policy_type(PolicyType::TargetTrackingScaling)
        .target_tracking_scaling_policy_configuration(config)
        .send()
        .await
        .map_err(|e| AwsError::from_sdk("PutScalingPolicy", e))?;
    Ok(id.to_owned())
}

pub(super) async fn delete(aws: &Aws, id: &str) -> Result<(), AwsError> {
    let policy = aws
        .autoscaling
        .delete_scaling_policy()
        .policy_name(policy_name(id))
        .service_namespace(ServiceNamespace::Rds)
        .resource_id(id)
        .scalable_dimension(DIMENSION)
        .send()
        .await
        .map_err(|e| AwsError::from_sdk("DeleteScalingPolicy", e));
    if let Err(e) = policy
        && !e.is_not_found()
    {
        return Err(e);
    }
    aws.autoscaling
        .deregister_scalable_target()
        .service_namespace(ServiceNamespace::Rds)
        .resource_id(id)
        .scalable_dimension(DIMENSION)
        .send()
        .await
        .map_err(|e| AwsError::from_sdk("DeregisterScalableTarget", e))?;
    Ok(())
}
