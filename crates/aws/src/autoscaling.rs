//! Application Auto Scaling for Aurora readers: a scalable target on the cluster's replica
//! count and a target-tracking policy on the readers' average CPU. Both calls are idempotent
//! puts, so create and update are the same; the id is the target's resource id
//! (`cluster:<identifier>`).

use aws_sdk_applicationautoscaling::types::{
    MetricType, PolicyType, PredefinedMetricSpecification, ScalableDimension, ServiceNamespace,
    TargetTrackingScalingPolicyConfiguration,
};

use async_trait::async_trait;
use platformctl_core::kinds::reader_scaling::{MAX, MIN, RESOURCE_ID, TARGET_CPU_PERCENT, out};
use platformctl_core::resource::{Address, Attrs, LiveResource, Observed, Value};

use crate::error::SdkResultExt;
use crate::registry::{NewResource, Provider};
use crate::{Aws, AwsError, ReadRequest};

pub(crate) struct ReaderScaling;

#[async_trait]
impl Provider for ReaderScaling {
    async fn read(&self, aws: &Aws, requests: &[ReadRequest]) -> Result<Vec<(Address, Observed)>, AwsError> {
        let ids: Vec<String> = requests.iter().filter_map(|r| r.id.clone()).collect();
        let targets = aws
            .autoscaling
            .describe_scalable_targets()
            .service_namespace(ServiceNamespace::Rds)
            .set_resource_ids(Some(ids.clone()))
            .scalable_dimension(DIMENSION)
            .send()
            .await
            .aws("DescribeScalableTargets")?;
        let policies = aws
            .autoscaling
            .describe_scaling_policies()
            .service_namespace(ServiceNamespace::Rds)
            .set_policy_names(Some(ids.iter().map(|id| policy_name(id)).collect()))
            .send()
            .await
            .aws("DescribeScalingPolicies")?;
        Ok(requests
            .iter()
            .map(|r| {
                let id = r.id.clone().unwrap_or_default();
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
                    RESOURCE_ID.to(&id),
                    MIN.to(target.min_capacity()),
                    MAX.to(target.max_capacity()),
                    TARGET_CPU_PERCENT.to(cpu),
                ]);
                let outputs = Attrs::from([out::POLICY_NAME.to(policy_name(&id))]);
                (r.address.clone(), Observed::Present(LiveResource { id, attrs, ready: true, outputs }))
            })
            .collect())
    }

    async fn create(&self, aws: &Aws, new: &NewResource<'_>) -> Result<String, AwsError> {
        put(aws, new.attrs).await
    }

    /// Both calls are puts: an update is the create again.
    async fn update(&self, aws: &Aws, _: &str, _: &Attrs, after: &Attrs) -> Result<(), AwsError> {
        put(aws, after).await.map(drop)
    }

    async fn delete(&self, aws: &Aws, id: &str, _: &Attrs) -> Result<(), AwsError> {
        let policy = aws
            .autoscaling
            .delete_scaling_policy()
            .policy_name(policy_name(id))
            .service_namespace(ServiceNamespace::Rds)
            .resource_id(id)
            .scalable_dimension(DIMENSION)
            .send()
            .await
            .aws("DeleteScalingPolicy");
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
            .aws("DeregisterScalableTarget")?;
        Ok(())
    }
}

const DIMENSION: ScalableDimension = ScalableDimension::RdsClusterReadReplicaCount;

fn policy_name(resource_id: &str) -> String {
    format!("{}-readers-cpu", resource_id.trim_start_matches("cluster:"))
}

/// Registers the target and puts the policy; returns the resource id.
async fn put(aws: &Aws, attrs: &Attrs) -> Result<String, AwsError> {
    let id = RESOURCE_ID.str(attrs).unwrap_or_default();
    aws.autoscaling
        .register_scalable_target()
        .service_namespace(ServiceNamespace::Rds)
        .resource_id(id)
        .scalable_dimension(DIMENSION)
        .set_min_capacity(MIN.i32(attrs))
        .set_max_capacity(MAX.i32(attrs))
        .send()
        .await
        .aws("RegisterScalableTarget")?;
    let metric = PredefinedMetricSpecification::builder()
        .predefined_metric_type(MetricType::RdsReaderAverageCpuUtilization)
        .build()
        .map_err(|e| AwsError::local("PutScalingPolicy", e.to_string()))?;
    let config = TargetTrackingScalingPolicyConfiguration::builder()
        .target_value(f64::from(TARGET_CPU_PERCENT.i32(attrs).unwrap_or(60)))
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
        .aws("PutScalingPolicy")?;
    Ok(id.to_owned())
}

/// The scaling policies on an Aurora cluster's readers, whoever made them (`generate`): their
/// names; `None` where the endpoint has no Application Auto Scaling (ministack).
pub(crate) async fn reader_policies(aws: &Aws, cluster: &str) -> Result<Option<Vec<String>>, AwsError> {
    let listed = aws
        .autoscaling
        .describe_scaling_policies()
        .service_namespace(ServiceNamespace::Rds)
        .resource_id(format!("cluster:{cluster}"))
        .scalable_dimension(DIMENSION)
        .send()
        .await
        .aws("DescribeScalingPolicies");
    match listed {
        Ok(out) => Ok(Some(out.scaling_policies().iter().map(|p| p.policy_name().to_owned()).collect())),
        Err(e) if e.is_unsupported() || e.status == Some(400) && e.code.is_none() => Ok(None),
        Err(e) => Err(e),
    }
}
