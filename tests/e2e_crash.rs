//! Killed at any moment, throttled, interrupted: nothing lost, nothing duplicated. The real
//! binary applies seed 000's whole platform (`stacks/user-service.yaml`: network, KMS key,
//! data tier, EKS, ECR, log groups, alarms and their topic) on ministack — the emulator that answers every kind of it — through
//! the fault-injecting proxy (tests/support/proxy.rs).
//!
//! - SIGKILL at 20+ points from the first request to the last, including right after a create
//!   reached AWS and before platformctl heard back: the next apply converges with exactly one
//!   of every resource (counted through the AWS API), a state listing each, then no changes.
//! - 20 % of requests throttled or failed with 503: the apply completes without duplicates and
//!   says how many requests were retried.
//! - Ctrl-C once: in-flight operations finish, the state is saved, exit 1 naming what was left;
//!   twice: exit at once (130), and the next apply converges.
//! - A destroy killed half-way, run again, finishes with nothing left.
//! - A no-change plan reads no secret value (zero `GetSecretValue`, counted by the proxy), and
//!   still sees a connection field someone changed in the database secret; apply repairs it.

mod support;

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::process::Child;
use std::time::Duration;

use support::inspect::{id, inventory, read_state};
use support::proxy::{Faults, Proxy};
use support::{Emulator, Kind, Run, finish, signal, workdir_with};

const STACK: &str = "user-service";

/// Waits for the proxy's signal that a request was answered, failing the test (instead of
/// hanging CI) when it never comes — a run that makes fewer requests than the test expects.
async fn arrives(forwarded: tokio::sync::oneshot::Receiver<()>, what: &str) {
    match tokio::time::timeout(Duration::from_secs(120), forwarded).await {
        Ok(Ok(())) => {}
        Ok(Err(_)) => panic!("the proxy stopped before {what}"),
        Err(_) => panic!("{what} never came within 120 s"),
    }
}

/// One emulator, a proxy in front of it, and a copy of the seed stack.
struct Rig {
    emu: Emulator,
    proxy: Proxy,
    _dir: tempfile::TempDir,
    dir: PathBuf,
}

impl Rig {
    async fn new(faults: Faults) -> Rig {
        let emu = Emulator::start(Kind::Ministack);
        let proxy = Proxy::start(&emu.endpoint, faults).await;
        let (dir, file) = workdir_with("stacks/user-service.yaml");
        support::fit_to_emulator(Kind::Ministack, &file);
        let d = dir.path().to_owned();
        Rig { emu, proxy, _dir: dir, dir: d }
    }

    fn spawn(&self, args: &[&str]) -> Child {
        support::spawn(&self.dir, &self.proxy.endpoint, args)
    }

    fn run(&self, args: &[&str], code: i32, what: &str) -> Run {
        finish(self.spawn(args)).expect(code, what)
    }

    /// Deletion protection off: destroys in these tests must be allowed to finish.
    fn unprotected(self) -> Rig {
        let file = self.dir.join("user-service.yaml");
        let yaml = std::fs::read_to_string(&file).unwrap();
        std::fs::write(&file, yaml.replace("deletion_protection: true", "deletion_protection: false")).unwrap();
        self
    }

    /// How many of each kind of thing the account holds for the stack, through the AWS API.
    async fn census(&self) -> BTreeMap<String, usize> {
        let mut census: BTreeMap<String, usize> = BTreeMap::new();
        for entry in inventory(&self.emu, STACK).await {
            *census.entry(entry.split(' ').next().unwrap().to_owned()).or_default() += 1;
        }
        let config = self.emu.sdk_config().await;
        let rds = aws_sdk_rds::Client::new(&config);
        let instances = rds.describe_db_instances().send().await.unwrap();
        census.insert("db instance".into(), instances.db_instances().len());
        let elasticache = aws_sdk_elasticache::Client::new(&config);
        let groups = elasticache.describe_replication_groups().send().await.unwrap();
        census.insert("replication group".into(), groups.replication_groups().len());
        let secrets = aws_sdk_secretsmanager::Client::new(&config);
        let listed = secrets.list_secrets().send().await.unwrap();
        census.insert("secret".into(), listed.secret_list().iter().filter(|s| s.deleted_date().is_none()).count());
        let ssm = aws_sdk_ssm::Client::new(&config);
        let params = ssm.get_parameters_by_path().path("/user-service").recursive(true).send().await.unwrap();
        census.insert("ssm parameter".into(), params.parameters().len());
        let iam = aws_sdk_iam::Client::new(&config);
        let roles = iam.list_roles().send().await.unwrap();
        census
            .insert("role".into(), roles.roles().iter().filter(|r| r.role_name().starts_with("user-service-")).count());
        let providers = iam.list_open_id_connect_providers().send().await.unwrap();
        census.insert("oidc provider".into(), providers.open_id_connect_provider_list().len());
        let eks = aws_sdk_eks::Client::new(&config);
        let clusters = eks.list_clusters().send().await.unwrap();
        census.insert("cluster".into(), clusters.clusters().len());
        let mut node_groups = 0;
        let mut addons = 0;
        for cluster in clusters.clusters() {
            node_groups += eks.list_nodegroups().cluster_name(cluster).send().await.unwrap().nodegroups().len();
            addons += eks.list_addons().cluster_name(cluster).send().await.unwrap().addons().len();
        }
        census.insert("node group".into(), node_groups);
        census.insert("addon".into(), addons);
        let ecr = aws_sdk_ecr::Client::new(&config);
        census.insert("repository".into(), ecr.describe_repositories().send().await.unwrap().repositories().len());
        let logs = aws_sdk_cloudwatchlogs::Client::new(&config);
        census.insert("log group".into(), logs.describe_log_groups().send().await.unwrap().log_groups().len());
        // Keys in use (a destroyed stack's wait out their deletion window) and aliases.
        let kms = aws_sdk_kms::Client::new(&config);
        let mut keys = 0;
        for key in kms.list_keys().send().await.unwrap().keys() {
            let key = kms.describe_key().key_id(key.key_id().unwrap()).send().await.unwrap();
            let state = key.key_metadata().and_then(|m| m.key_state()).cloned();
            keys += usize::from(state != Some(aws_sdk_kms::types::KeyState::PendingDeletion));
        }
        census.insert("kms key".into(), keys);
        let aliases = kms.list_aliases().send().await.unwrap();
        let ours =
            aliases.aliases().iter().filter(|a| a.alias_name().is_some_and(|n| n.starts_with("alias/user-service")));
        census.insert("kms alias".into(), ours.count());
        let sns = aws_sdk_sns::Client::new(&config);
        let topics = sns.list_topics().send().await.unwrap();
        census.insert("topic".into(), topics.topics().len());
        let mut subscriptions = 0;
        for topic in topics.topics() {
            let listed = sns.list_subscriptions_by_topic().topic_arn(topic.topic_arn().unwrap()).send().await.unwrap();
            subscriptions += listed.subscriptions().len();
        }
        census.insert("subscription".into(), subscriptions);
        let cloudwatch = aws_sdk_cloudwatch::Client::new(&config);
        let alarms = cloudwatch.describe_alarms().alarm_name_prefix("user-service-").max_records(100).send().await;
        census.insert("alarm".into(), alarms.unwrap().metric_alarms().len());
        census.retain(|_, n| *n > 0);
        census
    }

    /// The state lists every resource of the stack, each with an id, nothing pending.
    fn assert_state_complete(&self, expected: usize, what: &str) {
        let state = read_state(&self.dir, STACK);
        let resources = state["resources"].as_object().unwrap();
        assert_eq!(resources.len(), expected, "{what}: state entries");
        for (address, r) in resources {
            assert!(r["id"].is_string(), "{what}: {address} has no id");
            assert!(r.get("pending").is_none(), "{what}: {address} still pending");
        }
    }
}

/// A clean apply: the census to expect, the number of state entries, and the requests made, in
/// order.
async fn reference() -> (BTreeMap<String, usize>, usize, Vec<String>) {
    let rig = Rig::new(Faults::default()).await;
    rig.run(&["apply", "user-service.yaml", "--auto-approve"], 0, "reference apply");
    let census = rig.census().await;
    let entries = read_state(&rig.dir, STACK)["resources"].as_object().unwrap().len();
    (census, entries, rig.proxy.log())
}

/// Kill points: 20 spread over the whole apply, and right after the first create of each kind
/// of resource that is slow or costly to duplicate.
fn kill_points(log: &[String]) -> Vec<u64> {
    let n = log.len() as u64;
    let mut points: Vec<u64> = (1..=20).map(|i| (n * i / 21).max(1)).collect();
    for create in [
        "CreateVpc",
        "CreateNatGateway",
        "CreateDBInstance",
        "CreateDBInstanceReadReplica",
        "CreateReplicationGroup",
        "CreateSecret",
        "CreateRole",
        "POST /clusters",
        "CreateRepository",
    ] {
        if let Some(i) = log.iter().position(|op| op == create) {
            points.push(i as u64 + 1);
        }
    }
    points.sort_unstable();
    points.dedup();
    points
}

#[tokio::test(flavor = "multi_thread")]
async fn killed_at_any_point_the_next_apply_converges_without_duplicates() {
    let (expected, entries, log) = reference().await;
    assert!(log.len() > 100, "the seed platform takes many requests: {}", log.len());
    let points = kill_points(&log);
    assert!(points.len() >= 20, "{points:?}");
    for k in points {
        let rig = Rig::new(Faults::default()).await;
        let forwarded = rig.proxy.when_forwarded(k);
        let mut child = rig.spawn(&["apply", "user-service.yaml", "--auto-approve"]);
        let op = log.get(k as usize - 1).cloned().unwrap_or_default();
        arrives(forwarded, &format!("request {k} ({op})")).await;
        child.kill().unwrap();
        let _ = child.wait();
        // What the killed run had sent, AWS finishes: the next run starts after that.
        rig.proxy.settled().await;
        let what = format!("killed after request {k} ({op})");
        let again = rig.run(&["apply", "user-service.yaml", "--auto-approve"], 0, &what);
        assert!(!again.stderr.contains("already exists"), "{what}: {}", again.stderr);
        rig.run(&["plan", "user-service.yaml", "--detailed-exitcode"], 0, &what);
        assert_eq!(rig.census().await, expected, "{what}: duplicates or missing resources");
        rig.assert_state_complete(entries, &what);
        eprintln!("{what}: converged");
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn throttling_and_server_errors_are_retried_without_duplicates() {
    let (expected, entries, _) = reference().await;
    let rig = Rig::new(Faults { latency: Duration::ZERO, error_rate: 0.2, ..Default::default() }).await;
    let applied = rig.run(
        &["apply", "user-service.yaml", "--auto-approve", "--max-attempts", "12", "--retry-mode", "standard"],
        0,
        "apply with 20 % of requests failing",
    );
    assert!(rig.proxy.injected() > 20, "faults were injected: {}", rig.proxy.injected());
    assert!(applied.stderr.contains("AWS requests retried"), "{}", applied.stderr);
    rig.proxy.set_faults(Faults::default());
    rig.run(&["plan", "user-service.yaml", "--detailed-exitcode"], 0, "plan after the throttled apply");
    assert_eq!(rig.census().await, expected, "duplicates after retries");
    rig.assert_state_complete(entries, "throttled apply");
}

#[tokio::test(flavor = "multi_thread")]
async fn ctrl_c_once_finishes_in_flight_work_and_twice_exits_at_once() {
    let (expected, entries, log) = reference().await;

    // Once: stop starting operations, finish those in flight, save, exit 1 saying what is left.
    let rig = Rig::new(Faults { latency: Duration::from_millis(20), error_rate: 0.0, ..Default::default() }).await;
    let forwarded = rig.proxy.when_forwarded(log.len() as u64 / 3);
    let child = rig.spawn(&["apply", "user-service.yaml", "--auto-approve"]);
    arrives(forwarded, "the request to interrupt at").await;
    signal(&child, "-INT");
    let once = finish(child);
    assert_eq!(once.code, 1, "{}", once.stderr);
    assert!(once.stderr.contains("Apply interrupted"), "{}", once.stderr);
    assert!(once.stderr.contains("Not started:"), "{}", once.stderr);
    let state = read_state(&rig.dir, STACK);
    let saved = state["resources"].as_object().unwrap();
    assert!(!saved.is_empty() && saved.len() < entries, "a partial state: {}", saved.len());
    assert!(saved.values().all(|r| r.get("pending").is_none()), "in-flight creates finished before the exit");
    rig.run(&["apply", "user-service.yaml", "--auto-approve"], 0, "apply after Ctrl-C");
    assert_eq!(rig.census().await, expected);
    rig.assert_state_complete(entries, "after Ctrl-C once");

    // Twice: exit at once with 130; the next apply still converges.
    let rig = Rig::new(Faults { latency: Duration::from_millis(20), error_rate: 0.0, ..Default::default() }).await;
    let forwarded = rig.proxy.when_forwarded(log.len() as u64 / 2);
    let child = rig.spawn(&["apply", "user-service.yaml", "--auto-approve"]);
    arrives(forwarded, "the request to interrupt at").await;
    signal(&child, "-INT");
    tokio::time::sleep(Duration::from_millis(200)).await;
    signal(&child, "-INT");
    let twice = finish(child);
    assert_eq!(twice.code, 130, "{}", twice.stderr);
    assert!(twice.stderr.contains("interrupted again: exiting now"), "{}", twice.stderr);
    rig.run(&["apply", "user-service.yaml", "--auto-approve"], 0, "apply after Ctrl-C twice");
    rig.run(&["plan", "user-service.yaml", "--detailed-exitcode"], 0, "no changes after Ctrl-C twice");
    assert_eq!(rig.census().await, expected);
    rig.assert_state_complete(entries, "after Ctrl-C twice");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_destroy_killed_half_way_finishes_when_run_again() {
    let rig = Rig::new(Faults::default()).await.unprotected();
    rig.run(&["apply", "user-service.yaml", "--auto-approve"], 0, "apply");
    rig.proxy.reset_counts();
    rig.run(&["plan", "user-service.yaml", "--destroy", "--out", "destroy.plan"], 0, "measure the destroy");
    let reads = rig.proxy.forwarded();
    let forwarded = rig.proxy.when_forwarded(reads + 40);
    let mut child = rig.spawn(&["destroy", "user-service.yaml", "--auto-approve", "--allow-data-loss"]);
    arrives(forwarded, "the request to interrupt at").await;
    child.kill().unwrap();
    let _ = child.wait();
    let left = read_state(&rig.dir, STACK)["resources"].as_object().unwrap().len();
    assert!(left > 0, "the kill came before the destroy finished");
    rig.run(&["destroy", "user-service.yaml", "--auto-approve", "--allow-data-loss"], 0, "destroy again");
    assert!(read_state(&rig.dir, STACK)["resources"].as_object().unwrap().is_empty());
    let census = rig.census().await;
    // A destroyed secret is only scheduled for deletion (recovery window), and a final snapshot
    // is kept on purpose; neither is counted. Nothing else may remain.
    assert_eq!(census, BTreeMap::new(), "left behind: {census:?}");
}

/// What the plan role may do: plan seed 000's platform without reading a secret value, yet see
/// the database secret's `host` rewritten outside platformctl (a new secret version), name it in
/// `drift`, and have apply write it back — the password kept as it was.
#[tokio::test(flavor = "multi_thread")]
async fn a_plan_reads_no_secret_value_and_still_sees_its_fields_change() {
    let rig = Rig::new(Faults::default()).await;
    rig.run(&["apply", "user-service.yaml", "--auto-approve"], 0, "apply");
    rig.proxy.reset_counts();
    rig.run(&["plan", "user-service.yaml", "--detailed-exitcode"], 0, "no changes");
    let counts = rig.proxy.counts();
    // (ListSecrets: the current versions of all the stack's secrets, ten a call.)
    assert!(counts.contains_key("ListSecrets"), "the plan looked at the secrets: {counts:?}");
    assert_eq!(counts.get("GetSecretValue"), None, "a plan read a secret value: {counts:?}");

    let secret = id(&read_state(&rig.dir, STACK), "secret.postgres-master");
    let secrets = aws_sdk_secretsmanager::Client::new(&rig.emu.sdk_config().await);
    let value = |text: Option<&str>| serde_json::from_str::<serde_json::Value>(text.unwrap()).unwrap();
    let before = value(secrets.get_secret_value().secret_id(&secret).send().await.unwrap().secret_string());
    let mut changed = before.clone();
    changed["host"] = "db.elsewhere.example".into();
    secrets.put_secret_value().secret_id(&secret).secret_string(changed.to_string()).send().await.unwrap();

    rig.proxy.reset_counts();
    let plan = rig.run(&["plan", "user-service.yaml", "--json", "--detailed-exitcode"], 2, "the changed field");
    assert_eq!(rig.proxy.counts().get("GetSecretValue"), None, "the drifted plan read a secret value");
    let plan: serde_json::Value = serde_json::from_str(&plan.stdout).unwrap();
    let changes: Vec<(&str, &str)> = plan["changes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| (c["address"].as_str().unwrap(), c["action"].as_str().unwrap()))
        .collect();
    assert_eq!(changes, [("secret.postgres-master.fields", "update")], "{plan:#}");
    let drift = rig.run(&["drift", "user-service.yaml", "--detailed-exitcode"], 2, "drift names it");
    assert!(drift.stdout.contains("secret.postgres-master.fields"), "{}", drift.stdout);
    assert_eq!(rig.proxy.counts().get("GetSecretValue"), None, "drift read a secret value");

    rig.run(&["apply", "user-service.yaml", "--auto-approve"], 0, "apply writes the fields back");
    rig.run(&["plan", "user-service.yaml", "--detailed-exitcode"], 0, "no changes after the repair");
    let after = value(secrets.get_secret_value().secret_id(&secret).send().await.unwrap().secret_string());
    assert_eq!(after["host"], before["host"]);
    assert_eq!(after["password"], before["password"], "the password is kept");
}
