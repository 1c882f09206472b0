//! VPC flow logs to CloudWatch Logs: created with their tags, never modified (AWS has no call
//! for it: the declaration makes every change a replacement), deleted by id.

use async_trait::async_trait;
use aws_sdk_ec2::Client;
use aws_sdk_ec2::types::{Filter, FlowLogsResourceType, LogDestinationType, ResourceType, TrafficType};
use platformctl_core::kinds::flow_log::{LOG_GROUP, RESOURCE_ID, ROLE_ARN, TAGS, TRAFFIC_TYPE};
use platformctl_core::resource::{Attrs, LiveResource};

use super::{Tagged, opt_str, tag_spec, tags_value};
use crate::error::SdkResultExt;
use crate::registry::NewResource;
use crate::{Aws, AwsError};

pub(crate) struct FlowLog;

#[async_trait]
impl Tagged for FlowLog {
    const ID_FILTER: &'static str = "flow-log-id";

    async fn describe(ec2: &Client, filters: Vec<Filter>) -> Result<Vec<LiveResource>, AwsError> {
        let logs: Vec<_> = super::all_pages!(ec2.describe_flow_logs().set_filter(Some(filters)), "DescribeFlowLogs")?;
        Ok(logs
            .iter()
            .map(|f| LiveResource {
                id: f.flow_log_id().unwrap_or_default().to_owned(),
                attrs: Attrs::from([
                    RESOURCE_ID.to(opt_str(f.resource_id())),
                    TRAFFIC_TYPE.to(opt_str(f.traffic_type().map(TrafficType::as_str))),
                    LOG_GROUP.to(opt_str(f.log_group_name())),
                    ROLE_ARN.to(opt_str(f.deliver_logs_permission_arn())),
                    TAGS.to(tags_value(f.tags())),
                ]),
                ready: true,
                outputs: Attrs::new(),
            })
            .collect())
    }

    async fn create(aws: &Aws, new: &NewResource<'_>) -> Result<String, AwsError> {
        let attrs = new.attrs;
        let out = aws
            .ec2
            .create_flow_logs()
            .resource_type(FlowLogsResourceType::Vpc)
            .resource_ids(RESOURCE_ID.str(attrs).unwrap_or_default())
            .traffic_type(TrafficType::from(TRAFFIC_TYPE.str(attrs).unwrap_or("ALL")))
            .log_destination_type(LogDestinationType::CloudWatchLogs)
            .set_log_group_name(LOG_GROUP.str(attrs).map(str::to_owned))
            .set_deliver_logs_permission_arn(ROLE_ARN.str(attrs).map(str::to_owned))
            .tag_specifications(tag_spec(ResourceType::VpcFlowLog, attrs))
            .send()
            .await
            .aws("CreateFlowLogs")?;
        // EC2 answers 200 with the failure per resource inside.
        if let Some(failed) = out.unsuccessful().first() {
            return Err(unsuccessful("CreateFlowLogs", failed.error()));
        }
        out.flow_log_ids()
            .first()
            .cloned()
            .ok_or_else(|| AwsError::local("CreateFlowLogs", "EC2 returned no flow log id"))
    }

    async fn delete(ec2: &Client, id: &str) -> Result<(), AwsError> {
        let out = ec2.delete_flow_logs().flow_log_ids(id).send().await.aws("DeleteFlowLogs")?;
        match out.unsuccessful().first() {
            // Gone already (an interrupted destroy run again): nothing left to delete.
            Some(failed) => match unsuccessful("DeleteFlowLogs", failed.error()) {
                e if e.is_not_found() => Ok(()),
                e => Err(e),
            },
            None => Ok(()),
        }
    }
}

/// The error EC2 reports for one resource of a flow log call that itself succeeded.
fn unsuccessful(operation: &'static str, error: Option<&aws_sdk_ec2::types::UnsuccessfulItemError>) -> AwsError {
    AwsError {
        operation,
        code: error.and_then(|e| e.code()).map(str::to_owned),
        message: error.and_then(|e| e.message()).unwrap_or("refused without a reason").to_owned(),
        request_id: None,
        status: None,
    }
}
