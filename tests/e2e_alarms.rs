//! `notifications` (SNS topics) and `alarms` (CloudWatch metric alarms) through the real binary.
//! Topics on moto and ministack: created with their subscriptions and tags, a subscription
//! added and one removed in place, one added behind platformctl's back shown as drift and
//! removed, nothing left after destroy. Alarms on ministack only — aws-sdk-cloudwatch speaks the
//! Smithy RPC v2 CBOR protocol, which moto does not answer (getmoto/moto#9195): the NAT gateway
//! preset (its dimension the gateway's id) and a raw alarm, both notifying the topic; thresholds
//! and comparisons changed in place; a threshold changed by hand repaired; a renamed entry
//! replaced; the topic encrypted in place with a key of the stack whose policy lets CloudWatch
//! use it; nothing left after destroy.

mod support;

use aws_sdk_cloudwatch::types::MetricAlarm;
use support::proxy::{Faults, Proxy};
use support::{Emulator, Kind, edit_file, plan_changes, workdir_with_text};

const TOPIC_ONLY: &str = "\
stack: alarm-test
region: eu-west-1
notifications:
  oncall:
    email: [oncall@example.com]
    https: [https://hooks.example.com/oncall]
";

const WITH_ALARMS: &str = "\
network:
  cidr: 10.40.0.0/16
  azs: [eu-west-1a, eu-west-1b]
  public_subnets: [10.40.0.0/20, 10.40.16.0/20]
  private_subnets: [10.40.128.0/20, 10.40.144.0/20]
  nat_gateways: single
alarms:
  egress:
    nat_gateways: true
    notify: oncall
    thresholds: { packets_dropped: 500 }
  queue:
    metric: { namespace: AWS/SQS, name: ApproximateNumberOfMessagesVisible, dimensions: { QueueName: jobs } }
    statistic: Maximum
    period: 60
    threshold: 1000
    comparison: '>'
    evaluation_periods: 5
    datapoints_to_alarm: 3
    treat_missing_data: notBreaching
    notify: oncall
";

/// The topic's ARN and its subscriptions' endpoints, sorted.
async fn topic(sns: &aws_sdk_sns::Client) -> Option<(String, Vec<String>)> {
    let topics = sns.list_topics().send().await.unwrap();
    let arn = topics.topics().iter().filter_map(|t| t.topic_arn()).find(|a| a.ends_with(":alarm-test-oncall"))?;
    let listed = sns.list_subscriptions_by_topic().topic_arn(arn).send().await.unwrap();
    let mut endpoints: Vec<String> =
        listed.subscriptions().iter().map(|s| format!("{}:{}", s.protocol().unwrap(), s.endpoint().unwrap())).collect();
    endpoints.sort();
    Some((arn.to_owned(), endpoints))
}

/// The topic's life: created, changed in place, drift repaired. Returns the topic's ARN.
async fn topic_lifecycle(emu: &Emulator, d: &std::path::Path, file: &std::path::Path) -> String {
    // Through a counting proxy: apply records an alarm's ARN from DescribeAlarms alone, without
    // reading back the tags it has just written (`Provider::outputs`).
    let counting = Proxy::start(&emu.endpoint, Faults::default()).await;
    let env = [("AWS_ENDPOINT_URL", counting.endpoint.as_str())];
    support::platformctl_with_env(d, &["apply", "stack.yaml", "--auto-approve"], &env).expect(0, "apply");
    let applied = counting.service_counts();
    assert_eq!(applied.get("monitoring ListTagsForResource"), None, "{applied:#?}");
    emu.platformctl(d, &["plan", "stack.yaml", "--detailed-exitcode"]).expect(0, "converged");
    let config = emu.sdk_config().await;
    let sns = aws_sdk_sns::Client::new(&config);
    let (arn, endpoints) = topic(&sns).await.expect("the topic exists");
    assert_eq!(endpoints, ["email:oncall@example.com", "https:https://hooks.example.com/oncall"]);
    let tags = sns.list_tags_for_resource().resource_arn(&arn).send().await.unwrap();
    assert!(tags.tags().iter().any(|t| t.key() == "platformctl:stack" && t.value() == "alarm-test"), "{tags:?}");

    // In place: one address replaced by another.
    edit_file(file, "email: [oncall@example.com]", "email: [platform@example.com]");
    let plan = emu.platformctl(d, &["plan", "stack.yaml", "--json", "--detailed-exitcode"]).expect(2, "changes");
    let topic_changes: Vec<_> = plan_changes(&plan).into_iter().filter(|c| c.0 == "notifications.oncall").collect();
    assert_eq!(topic_changes, [("notifications.oncall".into(), "update".into(), vec!["subscriptions".into()])]);
    emu.platformctl(d, &["apply", "stack.yaml", "--auto-approve"]).expect(0, "apply the change");
    let (same_arn, endpoints) = topic(&sns).await.unwrap();
    assert_eq!(same_arn, arn, "the same topic");
    assert_eq!(endpoints, ["email:platform@example.com", "https:https://hooks.example.com/oncall"]);

    // Drift: a subscription added by hand is named and removed.
    sns.subscribe().topic_arn(&arn).protocol("email").endpoint("someone@example.com").send().await.unwrap();
    let drift = emu.platformctl(d, &["plan", "stack.yaml", "--json", "--detailed-exitcode"]).expect(2, "drift");
    assert_eq!(plan_changes(&drift), [("notifications.oncall".into(), "update".into(), vec!["subscriptions".into()])]);
    emu.platformctl(d, &["apply", "stack.yaml", "--auto-approve"]).expect(0, "repair");
    assert_eq!(topic(&sns).await.unwrap().1, ["email:platform@example.com", "https:https://hooks.example.com/oncall"]);
    emu.platformctl(d, &["plan", "stack.yaml", "--detailed-exitcode"]).expect(0, "converged again");
    arn
}

#[tokio::test(flavor = "multi_thread")]
async fn notifications_on_moto() {
    let emu = Emulator::start(Kind::Moto);
    let (dir, file) = workdir_with_text(TOPIC_ONLY);
    topic_lifecycle(&emu, dir.path(), &file).await;
    emu.platformctl(dir.path(), &["destroy", "stack.yaml", "--auto-approve"]).expect(0, "destroy");
    let sns = aws_sdk_sns::Client::new(&emu.sdk_config().await);
    assert_eq!(topic(&sns).await, None, "the topic is deleted");
}

/// The stack's alarms by name.
async fn alarms(cloudwatch: &aws_sdk_cloudwatch::Client) -> Vec<MetricAlarm> {
    let found = cloudwatch.describe_alarms().alarm_name_prefix("alarm-test-").send().await.unwrap();
    let mut alarms = found.metric_alarms().to_vec();
    alarms.sort_by(|a, b| a.alarm_name().cmp(&b.alarm_name()));
    alarms
}

fn named<'a>(alarms: &'a [MetricAlarm], name: &str) -> &'a MetricAlarm {
    alarms.iter().find(|a| a.alarm_name() == Some(name)).unwrap_or_else(|| panic!("no alarm {name}: {alarms:?}"))
}

#[tokio::test(flavor = "multi_thread")]
async fn notifications_and_alarms_on_ministack() {
    let emu = Emulator::start(Kind::Ministack);
    let (dir, file) = workdir_with_text(&format!("{TOPIC_ONLY}{WITH_ALARMS}"));
    let d = dir.path();
    let topic_arn = topic_lifecycle(&emu, d, &file).await;

    let config = emu.sdk_config().await;
    let cloudwatch = aws_sdk_cloudwatch::Client::new(&config);
    let ec2 = aws_sdk_ec2::Client::new(&config);
    let nats = ec2.describe_nat_gateways().send().await.unwrap();
    let nat_id = nats.nat_gateways()[0].nat_gateway_id().unwrap().to_owned();
    let found = alarms(&cloudwatch).await;
    let names: Vec<&str> = found.iter().filter_map(|a| a.alarm_name()).collect();
    assert_eq!(
        names,
        [
            "alarm-test-egress-packets-dropped-eu-west-1a",
            "alarm-test-egress-port-allocation-errors-eu-west-1a",
            "alarm-test-queue"
        ]
    );
    let dropped = named(&found, "alarm-test-egress-packets-dropped-eu-west-1a");
    assert_eq!((dropped.namespace(), dropped.metric_name()), (Some("AWS/NATGateway"), Some("PacketsDropCount")));
    let dimension = &dropped.dimensions()[0];
    assert_eq!((dimension.name(), dimension.value()), (Some("NatGatewayId"), Some(nat_id.as_str())));
    assert_eq!(dropped.threshold(), Some(500.0), "the entry's threshold, not the preset's");
    assert_eq!(dropped.alarm_actions(), std::slice::from_ref(&topic_arn));
    assert_eq!(dropped.ok_actions(), std::slice::from_ref(&topic_arn), "told when it recovers too");
    let queue = named(&found, "alarm-test-queue");
    assert_eq!(
        (queue.statistic().map(|s| s.as_str()), queue.period(), queue.evaluation_periods(), queue.threshold()),
        (Some("Maximum"), Some(60), Some(5), Some(1000.0))
    );
    assert_eq!(queue.comparison_operator().map(|c| c.as_str()), Some("GreaterThanThreshold"));
    assert_eq!(queue.treat_missing_data(), Some("notBreaching"));
    assert_eq!(queue.datapoints_to_alarm(), Some(3), "3 out of 5");
    let arn = queue.alarm_arn().unwrap();
    let tags = cloudwatch.list_tags_for_resource().resource_arn(arn).send().await.unwrap();
    assert!(tags.tags().iter().any(|t| t.key() == Some("platformctl:address") && t.value() == Some("alarms.queue")));

    // In place: a preset threshold and a raw comparison.
    edit_file(&file, "thresholds: { packets_dropped: 500 }", "thresholds: { packets_dropped: 800 }");
    edit_file(&file, "comparison: '>'", "comparison: '>='");
    let plan = emu.platformctl(d, &["plan", "stack.yaml", "--json", "--detailed-exitcode"]).expect(2, "changes");
    let mut changes = plan_changes(&plan);
    changes.iter_mut().for_each(|c| c.2.sort());
    assert_eq!(
        changes,
        [
            (
                "alarms.egress.packets_dropped[eu-west-1a]".into(),
                "update".into(),
                vec!["description".into(), "threshold".into()]
            ),
            ("alarms.queue".into(), "update".into(), vec!["comparison".into()]),
        ]
    );
    emu.platformctl(d, &["apply", "stack.yaml", "--auto-approve"]).expect(0, "apply the change");
    let found = alarms(&cloudwatch).await;
    assert_eq!(named(&found, "alarm-test-egress-packets-dropped-eu-west-1a").threshold(), Some(800.0));
    let queue = named(&found, "alarm-test-queue");
    assert_eq!(queue.comparison_operator().map(|c| c.as_str()), Some("GreaterThanOrEqualToThreshold"));

    // Drift: the threshold changed by hand (PutMetricAlarm rewrites the whole alarm).
    cloudwatch
        .put_metric_alarm()
        .alarm_name("alarm-test-queue")
        .namespace("AWS/SQS")
        .metric_name("ApproximateNumberOfMessagesVisible")
        .dimensions(aws_sdk_cloudwatch::types::Dimension::builder().name("QueueName").value("jobs").build())
        .statistic(aws_sdk_cloudwatch::types::Statistic::Maximum)
        .period(60)
        .evaluation_periods(5)
        .datapoints_to_alarm(3)
        .threshold(5.0)
        .comparison_operator(aws_sdk_cloudwatch::types::ComparisonOperator::GreaterThanOrEqualToThreshold)
        .treat_missing_data("notBreaching")
        .alarm_actions(&topic_arn)
        .ok_actions(&topic_arn)
        .alarm_description(queue.alarm_description().unwrap_or_default())
        .send()
        .await
        .unwrap();
    let drift = emu.platformctl(d, &["plan", "stack.yaml", "--json", "--detailed-exitcode"]).expect(2, "drift");
    assert_eq!(plan_changes(&drift), [("alarms.queue".into(), "update".into(), vec!["threshold".into()])]);
    emu.platformctl(d, &["apply", "stack.yaml", "--auto-approve"]).expect(0, "repair");
    assert_eq!(named(&alarms(&cloudwatch).await, "alarm-test-queue").threshold(), Some(1000.0));

    // The topic encrypted with a key of the stack, in place: the key's policy lets CloudWatch
    // alarms publish to it.
    edit_file(&file, "notifications:\n", "kms_keys:\n  alerts: {}\nnotifications:\n");
    edit_file(
        &file,
        "    https: [https://hooks.example.com/oncall]\n",
        "    https: [https://hooks.example.com/oncall]\n    kms_key: alerts\n",
    );
    let plan = emu.platformctl(d, &["plan", "stack.yaml", "--json", "--detailed-exitcode"]).expect(2, "encryption");
    let changes = plan_changes(&plan);
    assert!(changes.contains(&("notifications.oncall".into(), "update".into(), vec!["kms_key".into()])), "{changes:?}");
    emu.platformctl(d, &["apply", "stack.yaml", "--auto-approve"]).expect(0, "encrypted");
    let kms = aws_sdk_kms::Client::new(&config);
    let keys = kms.list_keys().send().await.unwrap();
    assert_eq!(keys.keys().len(), 1, "the stack's key is the emulator's only one");
    let key_arn = keys.keys()[0].key_arn().unwrap().to_owned();
    let sns = aws_sdk_sns::Client::new(&config);
    let attributes = sns.get_topic_attributes().topic_arn(&topic_arn).send().await.unwrap();
    assert_eq!(attributes.attributes().unwrap().get("KmsMasterKeyId"), Some(&key_arn));
    let policy = kms.get_key_policy().key_id(&key_arn).policy_name("default").send().await.unwrap();
    let policy: serde_json::Value = serde_json::from_str(policy.policy().unwrap()).unwrap();
    let statements = policy["Statement"].as_array().unwrap();
    assert!(statements.iter().any(|s| s["Principal"]["Service"] == "cloudwatch.amazonaws.com"), "{policy:#}");
    emu.platformctl(d, &["plan", "stack.yaml", "--detailed-exitcode"]).expect(0, "converged with the key");

    // A renamed entry is another alarm: the old one deleted, the new one created.
    edit_file(&file, "  queue:\n", "  jobs-queue:\n");
    let plan = emu.platformctl(d, &["plan", "stack.yaml", "--json", "--detailed-exitcode"]).expect(2, "rename");
    let actions: Vec<(String, String)> = plan_changes(&plan).into_iter().map(|c| (c.0, c.1)).collect();
    assert_eq!(actions, [("alarms.jobs-queue".into(), "create".into()), ("alarms.queue".into(), "delete".into())]);
    emu.platformctl(d, &["apply", "stack.yaml", "--auto-approve"]).expect(0, "apply the rename");
    let names: Vec<String> =
        alarms(&cloudwatch).await.iter().filter_map(|a| a.alarm_name().map(str::to_owned)).collect();
    assert!(names.contains(&"alarm-test-jobs-queue".to_owned()) && !names.contains(&"alarm-test-queue".to_owned()));
    emu.platformctl(d, &["plan", "stack.yaml", "--detailed-exitcode"]).expect(0, "converged after the rename");

    emu.platformctl(d, &["destroy", "stack.yaml", "--auto-approve"]).expect(0, "destroy");
    assert!(alarms(&cloudwatch).await.is_empty(), "no alarm left");
    assert_eq!(topic(&aws_sdk_sns::Client::new(&config)).await, None, "the topic is deleted");
}
