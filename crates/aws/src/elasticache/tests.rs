//! How a replication group's tags are read when ListTagsForResource fails: only an endpoint
//! without the operation leaves them as applied; a denied or unreadable answer is an error.
//! The SDK client on aws-smithy-mocks rules (both emulators answer the call, so the failures
//! are made here).

use aws_sdk_elasticache::Client;
use aws_smithy_mocks::{Rule, mock};
use platformctl_core::resource::{Address, Attrs, Value};

use crate::test_mocks::answer;
use crate::{Aws, ReadRequest};

const ARN: &str = "arn:aws:elasticache:eu-west-1:123456789012:replicationgroup:user-service-sessions";

fn client(rules: &[&Rule]) -> Client {
    crate::test_mocks::client!(aws_sdk_elasticache, rules)
}

fn request() -> ReadRequest {
    let applied = Value::Map([("team".to_owned(), Value::str("platform"))].into());
    ReadRequest::new(
        &Address::new("redis.sessions"),
        Some("user-service-sessions"),
        Attrs::from([("tags".into(), applied)]),
    )
}

#[tokio::test]
async fn a_denied_tag_read_is_an_error_not_tags_as_applied() {
    let denied = mock!(Client::list_tags_for_resource).then_http_response(|| {
        answer(
            403,
            "<ErrorResponse><Error><Type>Sender</Type><Code>AccessDenied</Code><Message>not allowed</Message></Error></ErrorResponse>",
        )
    });
    let aws = Aws::with_elasticache(client(&[&denied]));
    let err = super::replication_group::read_tags(&aws, Some(ARN), &request()).await.unwrap_err();
    assert_eq!(err.code(), Some("AccessDenied"), "{err:?}");
}

#[tokio::test]
async fn an_endpoint_without_the_operation_leaves_the_tags_as_applied() {
    let missing = mock!(Client::list_tags_for_resource)
        .then_http_response(|| answer(404, "<!doctype html><title>404 Not Found</title>"));
    let aws = Aws::with_elasticache(client(&[&missing]));
    let tags = super::replication_group::read_tags(&aws, Some(ARN), &request()).await.unwrap();
    assert_eq!(tags, Value::Map([("team".to_owned(), Value::str("platform"))].into()));
}

fn group_of(
    shards: &[&str],
) -> aws_sdk_elasticache::operation::describe_replication_groups::DescribeReplicationGroupsOutput {
    use aws_sdk_elasticache::types::{NodeGroup, ReplicationGroup};
    let group = ReplicationGroup::builder()
        .replication_group_id("user-service-sessions")
        .set_node_groups(Some(shards.iter().map(|s| NodeGroup::builder().node_group_id(*s).build()).collect()))
        .build();
    aws_sdk_elasticache::operation::describe_replication_groups::DescribeReplicationGroupsOutput::builder()
        .replication_groups(group)
        .build()
}

/// Shrinking a cluster-mode group names the shards to keep, as AWS requires
/// (NodeGroupsToRetain); growing does not. Neither emulator reshards (moto's answer is broken,
/// ministack has no such action), so the requests are checked here.
#[tokio::test]
async fn resharding_names_the_shards_to_keep_when_shrinking() {
    use aws_sdk_elasticache::operation::modify_replication_group_shard_configuration::ModifyReplicationGroupShardConfigurationOutput;
    let described = mock!(Client::describe_replication_groups).then_output(|| group_of(&["0003", "0001", "0002"]));
    let shrink = mock!(Client::modify_replication_group_shard_configuration)
        .match_requests(|r| {
            r.node_group_count() == Some(2)
                && r.node_groups_to_retain() == ["0001".to_owned(), "0002".to_owned()]
                && r.apply_immediately() == Some(true)
        })
        .then_output(|| ModifyReplicationGroupShardConfigurationOutput::builder().build());
    let aws = Aws::with_elasticache(client(&[&described, &shrink]));
    super::replication_group::reshard(&aws.elasticache, "user-service-sessions", 2).await.unwrap();
    assert_eq!(shrink.num_calls(), 1);

    let described = mock!(Client::describe_replication_groups).then_output(|| group_of(&["0001", "0002"]));
    let grow = mock!(Client::modify_replication_group_shard_configuration)
        .match_requests(|r| r.node_group_count() == Some(4) && r.node_groups_to_retain().is_empty())
        .then_output(|| ModifyReplicationGroupShardConfigurationOutput::builder().build());
    let aws = Aws::with_elasticache(client(&[&described, &grow]));
    super::replication_group::reshard(&aws.elasticache, "user-service-sessions", 4).await.unwrap();
    assert_eq!(grow.num_calls(), 1);
}
