//! Kubernetes version upgrades (UpdateClusterVersion, UpdateNodegroupVersion) and the
//! DescribeUpdate polling behind every EKS change. Neither emulator implements these
//! operations (moto answers 404, ministack "No route"), so these tests run the real SDK client
//! against aws-smithy-mocks rules: the request platformctl sends is checked, and the answers
//! are AWS's documented shapes.

use aws_sdk_eks::Client;
use aws_sdk_eks::operation::describe_update::DescribeUpdateOutput;
use aws_sdk_eks::operation::update_cluster_version::UpdateClusterVersionOutput;
use aws_sdk_eks::operation::update_nodegroup_config::UpdateNodegroupConfigOutput;
use aws_sdk_eks::operation::update_nodegroup_version::UpdateNodegroupVersionOutput;
use aws_sdk_eks::types::{ErrorCode, ErrorDetail, Update, UpdateStatus, UpdateType};
use aws_smithy_mocks::{RuleMode, mock, mock_client};

use crate::Aws;
use platformctl_core::resource::{Attrs, Kind, Value};

fn update(status: UpdateStatus, kind: UpdateType) -> Update {
    Update::builder().id("upd-1").status(status).r#type(kind).build()
}

fn versions(before: &str, after: &str) -> (Attrs, Attrs) {
    (Attrs::from([("version".into(), Value::str(before))]), Attrs::from([("version".into(), Value::str(after))]))
}

#[tokio::test]
async fn cluster_upgrade_waits_for_its_update_to_succeed() {
    let start = mock!(Client::update_cluster_version)
        .match_requests(|r| r.name() == Some("user-service-main") && r.version() == Some("1.31"))
        .then_output(|| {
            UpdateClusterVersionOutput::builder()
                .update(update(UpdateStatus::InProgress, UpdateType::VersionUpdate))
                .build()
        });
    let poll = mock!(Client::describe_update)
        .match_requests(|r| r.name() == Some("user-service-main") && r.update_id() == Some("upd-1"))
        .sequence()
        .output(|| {
            DescribeUpdateOutput::builder().update(update(UpdateStatus::InProgress, UpdateType::VersionUpdate)).build()
        })
        .output(|| {
            DescribeUpdateOutput::builder().update(update(UpdateStatus::Successful, UpdateType::VersionUpdate)).build()
        })
        .build();
    let aws = Aws::with_eks(mock_client!(aws_sdk_eks, RuleMode::Sequential, [&start, &poll]));
    let (before, after) = versions("1.30", "1.31");
    crate::update(&aws, Kind::EksCluster, "user-service-main", &before, &after).await.unwrap();
    assert_eq!(start.num_calls(), 1);
    assert_eq!(poll.num_calls(), 2, "polled until Successful");
}

#[tokio::test]
async fn a_failed_upgrade_reports_aws_reasons() {
    let start = mock!(Client::update_cluster_version).then_output(|| {
        UpdateClusterVersionOutput::builder()
            .update(update(UpdateStatus::InProgress, UpdateType::VersionUpdate))
            .build()
    });
    let poll = mock!(Client::describe_update).then_output(|| {
        let failed = Update::builder()
            .id("upd-1")
            .status(UpdateStatus::Failed)
            .errors(
                ErrorDetail::builder()
                    .error_code(ErrorCode::from("ClusterUnreachable"))
                    .error_message("the API server did not answer")
                    .build(),
            )
            .build();
        DescribeUpdateOutput::builder().update(failed).build()
    });
    let aws = Aws::with_eks(mock_client!(aws_sdk_eks, RuleMode::Sequential, [&start, &poll]));
    let (before, after) = versions("1.30", "1.31");
    let err =
        crate::update(&aws, Kind::EksCluster, "user-service-main", &before, &after).await.unwrap_err().to_string();
    assert!(err.contains("UpdateClusterVersion"), "{err}");
    assert!(err.contains("ClusterUnreachable: the API server did not answer"), "{err}");
}

#[tokio::test]
async fn node_groups_follow_the_cluster_version() {
    let start = mock!(Client::update_nodegroup_version)
        .match_requests(|r| {
            r.cluster_name() == Some("user-service-main")
                && r.nodegroup_name() == Some("apps-5ddd3d99")
                && r.version() == Some("1.31")
        })
        .then_output(|| {
            UpdateNodegroupVersionOutput::builder()
                .update(update(UpdateStatus::InProgress, UpdateType::VersionUpdate))
                .build()
        });
    let poll = mock!(Client::describe_update)
        .match_requests(|r| r.nodegroup_name() == Some("apps-5ddd3d99") && r.update_id() == Some("upd-1"))
        .then_output(|| {
            DescribeUpdateOutput::builder().update(update(UpdateStatus::Successful, UpdateType::VersionUpdate)).build()
        });
    let aws = Aws::with_eks(mock_client!(aws_sdk_eks, RuleMode::Sequential, [&start, &poll]));
    let (before, after) = versions("1.30", "1.31");
    crate::update(&aws, Kind::NodeGroup, "user-service-main:apps-5ddd3d99", &before, &after).await.unwrap();
    assert_eq!((start.num_calls(), poll.num_calls()), (1, 1));
}

/// A launch template setting changed (the template's update made version 3 its default): the
/// group rolls onto that version in one UpdateNodegroupVersion, without a Kubernetes version;
/// the update config goes with UpdateNodegroupConfig. (The template itself is tested on both
/// emulators, tests/e2e_eks.rs; neither has UpdateNodegroupVersion or ministack
/// UpdateNodegroupConfig.)
#[tokio::test]
async fn a_launch_template_change_rolls_the_group_onto_the_new_default_version() {
    let roll = mock!(Client::update_nodegroup_version)
        .match_requests(|r| {
            r.launch_template().is_some_and(|t| t.id() == Some("lt-0abc") && t.version() == Some("3"))
                && r.version().is_none()
                && r.release_version().is_none()
        })
        .then_output(|| {
            UpdateNodegroupVersionOutput::builder()
                .update(update(UpdateStatus::InProgress, UpdateType::VersionUpdate))
                .build()
        });
    let poll = mock!(Client::describe_update).then_output(|| {
        DescribeUpdateOutput::builder().update(update(UpdateStatus::Successful, UpdateType::VersionUpdate)).build()
    });
    let config = mock!(Client::update_nodegroup_config)
        .match_requests(|r| r.update_config().is_some_and(|u| u.max_unavailable_percentage() == Some(33)))
        .then_output(|| {
            UpdateNodegroupConfigOutput::builder()
                .update(update(UpdateStatus::Successful, UpdateType::ConfigUpdate))
                .build()
        });
    let aws = Aws::with_eks(mock_client!(aws_sdk_eks, RuleMode::Sequential, [&roll, &poll, &config]));
    let settings = |gb: i64| Value::Map([("root_volume_gb".to_owned(), Value::Int(gb))].into());
    let group = |version: &str, gb: i64, percent: Value| {
        Attrs::from([
            ("version".into(), Value::str("1.31")),
            ("launch_template_id".into(), Value::str("lt-0abc")),
            ("launch_template_version".into(), Value::str(version)),
            ("launch_template".into(), settings(gb)),
            ("max_unavailable_percent".into(), percent),
        ])
    };
    let (before, after) = (group("2", 50, Value::Null), group("3", 60, Value::Int(33)));
    crate::update(&aws, Kind::NodeGroup, "user-service-main:apps-523760fa", &before, &after).await.unwrap();
    assert_eq!((roll.num_calls(), poll.num_calls(), config.num_calls()), (1, 1, 1));
}

/// A version upgrade whose first DescribeUpdate poll gets the answer `status`, `body`.
async fn upgrade_polled_with(status: u16, body: &'static str) -> Result<(), crate::AwsError> {
    let start = mock!(Client::update_cluster_version).then_output(|| {
        UpdateClusterVersionOutput::builder()
            .update(update(UpdateStatus::InProgress, UpdateType::VersionUpdate))
            .build()
    });
    let poll = mock!(Client::describe_update).then_http_response(move || crate::test_mocks::answer(status, body));
    let aws = Aws::with_eks(mock_client!(aws_sdk_eks, RuleMode::Sequential, [&start, &poll]));
    let (before, after) = versions("1.30", "1.31");
    crate::update(&aws, Kind::EksCluster, "user-service-main", &before, &after).await
}

/// A DescribeUpdate that fails otherwise than "this endpoint has no such operation" is an
/// error: an answer that cannot be read (here a 200 with a body that is no JSON) once counted
/// as "unsupported" and the update as done.
#[tokio::test]
async fn an_unreadable_update_poll_is_an_error_not_success() {
    let err = upgrade_polled_with(200, "<html>captive portal</html>").await.unwrap_err();
    assert_eq!(err.operation, "DescribeUpdate", "{err}");
    assert!(!err.is_unsupported(), "{err:?}");
}

/// An endpoint without DescribeUpdate (an emulator's HTML 404) leaves the wait to the status
/// poll: the update is taken as started, not failed.
#[tokio::test]
async fn an_endpoint_without_describe_update_falls_back_to_the_status_wait() {
    upgrade_polled_with(404, "<!doctype html><title>404 Not Found</title>").await.unwrap();
}

/// An add-on without a version gets the newest one AWS lists for the cluster's Kubernetes
/// version (whatever order AWS lists them in). Neither emulator answers DescribeAddonVersions.
#[tokio::test]
async fn an_addon_without_a_version_gets_the_newest_for_the_cluster() {
    use aws_sdk_eks::operation::describe_addon_versions::DescribeAddonVersionsOutput;
    use aws_sdk_eks::operation::describe_cluster::DescribeClusterOutput;
    use aws_sdk_eks::types::{AddonInfo, AddonVersionInfo, Cluster};
    let cluster = mock!(Client::describe_cluster)
        .match_requests(|r| r.name() == Some("user-service-main"))
        .then_output(|| DescribeClusterOutput::builder().cluster(Cluster::builder().version("1.31").build()).build());
    let listed = mock!(Client::describe_addon_versions)
        .match_requests(|r| r.addon_name() == Some("coredns") && r.kubernetes_version() == Some("1.31"))
        .then_output(|| {
            let versions = ["v1.11.1-eksbuild.8", "v1.11.3-eksbuild.2", "v1.10.1-eksbuild.13", "v1.11.3-eksbuild.1"];
            DescribeAddonVersionsOutput::builder()
                .addons(
                    AddonInfo::builder()
                        .addon_name("coredns")
                        .set_addon_versions(Some(
                            versions.iter().map(|v| AddonVersionInfo::builder().addon_version(*v).build()).collect(),
                        ))
                        .build(),
                )
                .build()
        });
    let aws = Aws::with_eks(mock_client!(aws_sdk_eks, RuleMode::Sequential, [&cluster, &listed]));
    let newest = super::addon::newest_version(&aws, "user-service-main", "coredns").await.unwrap();
    assert_eq!(newest.as_deref(), Some("v1.11.3-eksbuild.2"));
}
