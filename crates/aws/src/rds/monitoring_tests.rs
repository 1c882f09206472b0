//! Enhanced Monitoring's role right after IAM created it: RDS refuses it until IAM has
//! propagated it (InvalidParameterValue naming ENHANCED_MONITORING), which no emulator does —
//! both accept any role at once. The real SDK client on aws-smithy-mocks: the create is retried
//! through the refusal, and another InvalidParameterValue is not.

use aws_sdk_rds::Client;
use aws_sdk_rds::operation::create_db_instance::{CreateDBInstanceError, CreateDbInstanceOutput};
use aws_smithy_mocks::{Rule, mock};
use aws_smithy_types::error::ErrorMetadata;

use crate::Aws;
use platformctl_core::kinds::db_cluster_instance as member;
use platformctl_core::resource::{Address, Attrs, Kind};

const ROLE: &str = "arn:aws:iam::123456789012:role/user-service-rds-monitoring";

fn client(rules: &[&Rule]) -> Client {
    crate::test_mocks::client!(aws_sdk_rds, rules)
}

fn refused(message: &'static str) -> CreateDBInstanceError {
    CreateDBInstanceError::generic(ErrorMetadata::builder().code("InvalidParameterValue").message(message).build())
}

fn member_attrs() -> Attrs {
    Attrs::from([
        member::IDENTIFIER.to("orders-1"),
        member::CLUSTER.to("orders"),
        member::INSTANCE_CLASS.to("db.r6g.large"),
        member::MONITORING_INTERVAL.to(30),
        member::MONITORING_ROLE_ARN.to(ROLE),
    ])
}

async fn create(rds: Client) -> Result<String, crate::AwsError> {
    let address = Address::new("aurora.orders.instance[1]");
    crate::registry::create(&Aws::with_rds(rds), Kind::DbClusterInstance, &address, &member_attrs(), "token").await
}

#[tokio::test]
async fn a_monitoring_role_not_yet_propagated_is_waited_for() {
    let calls = mock!(Client::create_db_instance)
        .match_requests(|r| r.monitoring_role_arn() == Some(ROLE) && r.monitoring_interval() == Some(30))
        .sequence()
        .error(|| {
            refused(
                "IAM role ARN value is invalid or does not include the required permissions for: ENHANCED_MONITORING",
            )
        })
        .output(|| CreateDbInstanceOutput::builder().build())
        .build();
    assert_eq!(create(client(&[&calls])).await.unwrap(), "orders-1");
    assert_eq!(calls.num_calls(), 2, "refused once, then created");
}

#[tokio::test]
async fn other_invalid_values_are_not_retried() {
    let calls = mock!(Client::create_db_instance)
        .then_error(|| refused("Invalid DB instance class: db.r6g.large for engine aurora-postgresql"));
    let e = create(client(&[&calls])).await.unwrap_err();
    assert!(e.message.contains("Invalid DB instance class"), "{e}");
    assert_eq!(calls.num_calls(), 1);
}
