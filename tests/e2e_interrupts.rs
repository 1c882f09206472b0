//! End to end on moto, with the state in its S3: an apply or destroy that is stopped — by CI's
//! SIGTERM or Ctrl-C while it waits for AWS, by a bug in one operation, by a state it cannot
//! save — ends within seconds, saves a state that tells the truth, and releases its lock.
//!
//! - A destroy waiting for a Redis group to go (moto keeps a deleted group `deleting` for
//!   ever: a wait that never ends by itself) gets SIGTERM, then, run again, SIGINT: each time
//!   it exits within seconds, the lock object is gone, the state still lists the group, and the
//!   second run sent its delete again without failing on "already being deleted".
//! - An operation that panics (a debug-build fail point, `PLATFORMCTL_FAIL_POINT`) is reported
//!   as a crash; what finished is in the state, the lock is released, the next apply converges.
//! - A state that cannot be saved after AWS changes (fail point) is written to
//!   `<stack>.errored.state.json` beside the stack file, private; `state push` of it, then
//!   apply, converge without a duplicate.

mod support;

use std::path::PathBuf;
use std::time::{Duration, Instant};

use support::{Emulator, Kind, Run, finish, platformctl_with_env, signal};

const BUCKET: &str = "platformctl-interrupts";

fn stack_file(name: &str, key: &str, extra: &str) -> String {
    format!(
        "\
stack: {name}
region: eu-west-1
state: {{ backend: s3, bucket: {BUCKET}, key: {key} }}
network:
  cidr: 10.70.0.0/16
  azs: [eu-west-1a, eu-west-1b]
  public_subnets:  [10.70.0.0/20, 10.70.16.0/20]
  private_subnets: [10.70.128.0/18, 10.70.192.0/18]
  nat_gateways: none
security_groups:
  web:
    description: HTTPS in
    ingress:
      - {{ protocol: tcp, port: 443, from: 0.0.0.0/0 }}
{extra}"
    )
}

struct Rig {
    emu: Emulator,
    _dir: tempfile::TempDir,
    dir: PathBuf,
    s3: aws_sdk_s3::Client,
}

impl Rig {
    async fn new() -> Rig {
        let emu = Emulator::start(Kind::Moto);
        let config = emu.sdk_config().await;
        let s3 =
            aws_sdk_s3::Client::from_conf(aws_sdk_s3::config::Builder::from(&config).force_path_style(true).build());
        let location = aws_sdk_s3::types::CreateBucketConfiguration::builder()
            .location_constraint(aws_sdk_s3::types::BucketLocationConstraint::EuWest1)
            .build();
        s3.create_bucket().bucket(BUCKET).create_bucket_configuration(location).send().await.unwrap();
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path().to_owned();
        Rig { emu, _dir: dir, dir: d, s3 }
    }

    fn run(&self, args: &[&str], env: &[(&str, &str)], code: i32, what: &str) -> Run {
        let mut all = vec![("AWS_ENDPOINT_URL", self.emu.endpoint.as_str())];
        all.extend_from_slice(env);
        platformctl_with_env(&self.dir, args, &all).expect(code, what)
    }

    async fn lock_held(&self, key: &str) -> bool {
        self.s3.head_object().bucket(BUCKET).key(format!("{key}.lock")).send().await.is_ok()
    }

    async fn state(&self, key: &str) -> serde_json::Value {
        let out = self.s3.get_object().bucket(BUCKET).key(key).send().await.unwrap();
        serde_json::from_slice(&out.body.collect().await.unwrap().into_bytes()).unwrap()
    }
}

/// Sends `sig` once the replication group is being deleted, and how long the run then took.
async fn interrupt_the_wait(rig: &Rig, sig: &str) -> (Run, Duration) {
    let elasticache = aws_sdk_elasticache::Client::new(&rig.emu.sdk_config().await);
    let child =
        support::spawn(&rig.dir, &rig.emu.endpoint, &["destroy", "app.yaml", "--auto-approve", "--allow-data-loss"]);
    let started = Instant::now();
    loop {
        let groups = elasticache.describe_replication_groups().send().await.unwrap();
        if groups.replication_groups().iter().any(|g| g.status() == Some("deleting")) {
            break;
        }
        assert!(started.elapsed() < Duration::from_secs(60), "the destroy never deleted the group");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    // Into its wait for the group to go.
    tokio::time::sleep(Duration::from_millis(1500)).await;
    signal(&child, sig);
    let signalled = Instant::now();
    let run = tokio::task::spawn_blocking(move || finish(child));
    let run = tokio::time::timeout(Duration::from_secs(30), run)
        .await
        .unwrap_or_else(|_| panic!("the destroy still runs 30 s after {sig}"))
        .unwrap();
    (run, signalled.elapsed())
}

#[tokio::test(flavor = "multi_thread")]
async fn a_signal_during_a_wait_saves_the_state_and_releases_the_lock() {
    let rig = Rig::new().await;
    let redis = "redis:\n  cache:\n    engine_version: \"7.1\"\n    node_type: cache.t4g.small\n    replicas_per_shard: 0\n    final_snapshot: false\n    transit_encryption: false\n    checks: { skip: { CKV_AWS_30: \"a throwaway cache of this test\", CKV_AWS_31: \"a throwaway cache of this test\" } }\n";
    std::fs::write(rig.dir.join("app.yaml"), stack_file("app", "sig/app.json", redis)).unwrap();
    rig.run(&["apply", "app.yaml", "--auto-approve"], &[], 0, "apply");

    for sig in ["-TERM", "-INT"] {
        let (run, took) = interrupt_the_wait(&rig, sig).await;
        assert_eq!(run.code, 1, "{sig}: {}\n{}", run.stdout, run.stderr);
        assert!(!run.stderr.contains("panicked"), "{}", run.stderr);
        assert!(took < Duration::from_secs(5), "{sig}: the run took {took:?} to end");
        assert!(run.stderr.contains("still in progress there") && run.stderr.contains("redis.cache"), "{}", run.stderr);
        assert!(!rig.lock_held("sig/app.json").await, "{sig}: the S3 lock was left behind");
        let state = rig.state("sig/app.json").await;
        assert!(state["resources"]["redis.cache"]["id"].is_string(), "the group is not gone: the state says so");
        assert!(state["resources"]["network.vpc"]["id"].is_string(), "what was not deleted is still recorded");
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_crashed_operation_still_saves_the_state_and_releases_the_lock() {
    let rig = Rig::new().await;
    std::fs::write(rig.dir.join("app.yaml"), stack_file("crash", "crash/app.json", "")).unwrap();
    // Not `Run::expect`, which refuses any panic: this one is on purpose.
    let env = [("AWS_ENDPOINT_URL", rig.emu.endpoint.as_str()), ("PLATFORMCTL_FAIL_POINT", "panic:security_group.web")];
    let crashed = platformctl_with_env(&rig.dir, &["apply", "app.yaml", "--auto-approve"], &env);
    assert_eq!(crashed.code, 1, "{}", crashed.stderr);
    assert!(crashed.stderr.contains("crashed") && crashed.stderr.contains("security_group.web"), "{}", crashed.stderr);
    assert!(!rig.lock_held("crash/app.json").await, "the S3 lock was left behind");
    let state = rig.state("crash/app.json").await;
    assert!(state["resources"]["network.vpc"]["id"].is_string(), "what finished is recorded: {state:#}");
    assert!(state["resources"].get("security_group.web").is_none(), "{state:#}");
    rig.run(&["apply", "app.yaml", "--auto-approve"], &[], 0, "the next apply");
    rig.run(&["plan", "app.yaml", "--detailed-exitcode"], &[], 0, "converged");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_state_that_cannot_be_saved_is_kept_beside_the_stack_file() {
    let rig = Rig::new().await;
    let local = stack_file("lost", "unused.json", "")
        .replace(&format!("state: {{ backend: s3, bucket: {BUCKET}, key: unused.json }}\n"), "");
    std::fs::write(rig.dir.join("app.yaml"), local).unwrap();
    let failed = rig.run(
        &["apply", "app.yaml", "--auto-approve"],
        &[("PLATFORMCTL_FAIL_POINT", "lose-state:network.vpc")],
        1,
        "the state cannot be saved",
    );
    let errored = rig.dir.join("lost.errored.state.json");
    assert!(failed.stderr.contains("lost.errored.state.json"), "{}", failed.stderr);
    assert!(failed.stderr.contains("state push"), "{}", failed.stderr);
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        assert_eq!(std::fs::metadata(&errored).unwrap().permissions().mode() & 0o777, 0o600);
    }
    let kept: serde_json::Value = serde_json::from_slice(&std::fs::read(&errored).unwrap()).unwrap();
    let vpc = kept["resources"]["network.vpc"]["id"].as_str().expect("the VPC created is in the errored state");
    let ec2 = rig.emu.ec2().await;
    assert_eq!(ec2.describe_vpcs().vpc_ids(vpc).send().await.unwrap().vpcs().len(), 1);

    rig.run(&["state", "push", "app.yaml", "lost.errored.state.json"], &[], 0, "push the errored state");
    rig.run(&["apply", "app.yaml", "--auto-approve"], &[], 0, "apply continues");
    rig.run(&["plan", "app.yaml", "--detailed-exitcode"], &[], 0, "converged");
    let tagged = aws_sdk_ec2::types::Filter::builder().name("tag:platformctl:stack").values("lost").build();
    assert_eq!(ec2.describe_vpcs().filters(tagged).send().await.unwrap().vpcs().len(), 1, "one VPC, not two");
}
