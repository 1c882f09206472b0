//! PromoteReadReplica and the wait behind `platformctl promote`. ministack does not implement
//! PromoteReadReplica ("Unknown RDS action") and moto accepts it but keeps reporting
//! ReadReplicaSourceDBInstanceIdentifier afterwards, so what platformctl waits for (available,
//! no source) is only seen here: the real SDK client on aws-smithy-mocks rules, with AWS's
//! documented answers. (The e2e test runs the request itself on moto.)

use aws_sdk_rds::Client;
use aws_sdk_rds::operation::describe_db_instances::DescribeDbInstancesOutput;
use aws_sdk_rds::operation::promote_read_replica::PromoteReadReplicaOutput;
use aws_sdk_rds::types::{DbInstance, Endpoint};
use aws_smithy_mocks::{Rule, mock};

use crate::Aws;
use platformctl_core::resource::{Address, Value, attr};

const ID: &str = "user-service-dr-users-replica";
const SOURCE: &str = "arn:aws:rds:eu-west-1:123456789012:db:user-service-users";

fn instance(status: &str, source: Option<&str>) -> DescribeDbInstancesOutput {
    let db = DbInstance::builder()
        .db_instance_identifier(ID)
        .db_instance_status(status)
        .set_read_replica_source_db_instance_identifier(source.map(str::to_owned))
        .endpoint(Endpoint::builder().address(format!("{ID}.abc.eu-central-1.rds.amazonaws.com")).port(5432).build())
        .build();
    DescribeDbInstancesOutput::builder().db_instances(db).build()
}

/// An RDS client answering from `rules` in order.
fn client(rules: &[&Rule]) -> Client {
    crate::test_mocks::client!(aws_sdk_rds, rules)
}

async fn promote(rds: Client) -> Result<(bool, platformctl_core::resource::LiveResource), crate::AwsError> {
    let address = Address::new("postgres.users-replica");
    let timeout = std::time::Duration::from_secs(30);
    super::promote_read_replica(&Aws::with_rds(rds), &address, ID, 7, timeout).await
}

#[tokio::test]
async fn promote_waits_until_available_without_a_source() {
    let before = mock!(Client::describe_db_instances)
        .match_requests(|r| r.db_instance_identifier() == Some(ID))
        .then_output(|| instance("available", Some(SOURCE)));
    let request = mock!(Client::promote_read_replica)
        .match_requests(|r| r.db_instance_identifier() == Some(ID) && r.backup_retention_period() == Some(7))
        .then_output(|| PromoteReadReplicaOutput::builder().build());
    let polls = mock!(Client::describe_db_instances)
        .sequence()
        .output(|| instance("modifying", None))
        .output(|| instance("backing-up", None))
        .output(|| instance("available", None))
        .build();
    let (sent, live) = promote(client(&[&before, &request, &polls])).await.unwrap();
    assert!(sent);
    assert_eq!(request.num_calls(), 1);
    assert_eq!(polls.num_calls(), 3, "polled through modifying and backing-up until available");
    assert_eq!(attr(&live.attrs, "source"), &Value::Null);
    assert_eq!(live.outputs["address"], Value::str(format!("{ID}.abc.eu-central-1.rds.amazonaws.com")));
}

#[tokio::test]
async fn an_instance_already_promoted_is_not_promoted_again() {
    let describe = mock!(Client::describe_db_instances)
        .match_requests(|r| r.db_instance_identifier() == Some(ID))
        .sequence()
        .output(|| instance("available", None))
        .output(|| instance("available", None))
        .build();
    let request = mock!(Client::promote_read_replica).then_output(|| PromoteReadReplicaOutput::builder().build());
    let (sent, _) = promote(client(&[&describe, &request])).await.unwrap();
    assert!(!sent, "a second promote only finishes the wait and the updates");
    assert_eq!(request.num_calls(), 0);
}
