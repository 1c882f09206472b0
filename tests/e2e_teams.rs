//! End to end, on both emulators' S3: how teams and CI run platformctl. A stack whose state
//! lives in S3 (`state: { backend: s3 }`):
//! - a local state pushed to S3, then a plan from S3 has no changes;
//! - drift made through the AWS SDK is reported (exit 2) and apply repairs it;
//! - a saved plan applies; one made stale by another apply, or by an edit of the stack file,
//!   is refused;
//! - two applies at once: the one holding the lock runs, the other exits 1 naming the holder;
//! - an apply killed with SIGKILL leaves its lock: the next run names it, `force-unlock` clears
//!   it, and the next apply converges;
//! - the state deleted, `state recover` rebuilds it from AWS and the plan has no changes.

mod support;

use std::path::{Path, PathBuf};
use std::process::Child;
use std::time::{Duration, Instant};

use support::inspect::id;
use support::proxy::{Faults, Proxy};
use support::{Emulator, Kind, Run, finish, signal};

const BUCKET: &str = "platformctl-team-state";
const KEY: &str = "team/app.json";

const STACK_FILE: &str = "\
stack: app
region: eu-west-1
tags: { team: platform }
state:
  backend: s3
  bucket: platformctl-team-state
  key: team/app.json
network:
  cidr: 10.40.0.0/16
  azs: [eu-west-1a, eu-west-1b]
  public_subnets:  [10.40.0.0/20, 10.40.16.0/20]
  private_subnets: [10.40.128.0/18, 10.40.192.0/18]
  nat_gateways: single
security_groups:
  web:
    description: HTTPS from anywhere
    ingress:
      - { protocol: tcp, port: 443, from: 0.0.0.0/0 }
";

#[tokio::test(flavor = "multi_thread")]
async fn teams_on_moto() {
    teams(Kind::Moto).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn teams_on_ministack() {
    teams(Kind::Ministack).await;
}

struct Team {
    emu: Emulator,
    _dir: tempfile::TempDir,
    dir: PathBuf,
    s3: aws_sdk_s3::Client,
}

impl Team {
    fn run(&self, args: &[&str], code: i32, what: &str) -> Run {
        self.emu.platformctl(&self.dir, args).expect(code, what)
    }

    /// Starts `platformctl` without waiting for it.
    fn spawn(&self, args: &[&str]) -> Child {
        support::spawn(&self.dir, &self.emu.endpoint, args)
    }

    async fn lock_exists(&self) -> bool {
        self.s3.head_object().bucket(BUCKET).key(format!("{KEY}.lock")).send().await.is_ok()
    }

    /// Waits until a run holds the S3 lock.
    async fn wait_for_lock(&self, child: &mut Child) {
        let started = Instant::now();
        while !self.lock_exists().await {
            assert!(child.try_wait().unwrap().is_none(), "the run ended before it was seen holding the lock");
            assert!(started.elapsed() < Duration::from_secs(30), "no lock appeared");
            tokio::time::sleep(Duration::from_millis(2)).await;
        }
    }

    fn edit(&self, from: &str, to: &str) {
        let path = self.dir.join("app.yaml");
        let yaml = std::fs::read_to_string(&path).unwrap();
        assert!(yaml.contains(from), "the stack file has no `{from}`");
        std::fs::write(&path, yaml.replacen(from, to, 1)).unwrap();
    }

    async fn s3_state(&self) -> serde_json::Value {
        let out = self.s3.get_object().bucket(BUCKET).key(KEY).send().await.unwrap();
        serde_json::from_slice(&out.body.collect().await.unwrap().into_bytes()).unwrap()
    }
}

/// An S3 client for the emulator (path-style: the emulator is an IP).
async fn state_client(emu: &Emulator) -> aws_sdk_s3::Client {
    let config = emu.sdk_config().await;
    aws_sdk_s3::Client::from_conf(aws_sdk_s3::config::Builder::from(&config).force_path_style(true).build())
}

/// The team's state bucket, and a client for it.
async fn state_bucket(emu: &Emulator) -> aws_sdk_s3::Client {
    let s3 = state_client(emu).await;
    let location = aws_sdk_s3::types::CreateBucketConfiguration::builder()
        .location_constraint(aws_sdk_s3::types::BucketLocationConstraint::EuWest1)
        .build();
    s3.create_bucket().bucket(BUCKET).create_bucket_configuration(location).send().await.unwrap();
    s3
}

async fn teams(kind: Kind) {
    let emu = Emulator::start(kind);
    let s3 = state_bucket(&emu).await;
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("app.yaml"), STACK_FILE).unwrap();
    let t = Team { emu, dir: dir.path().to_owned(), _dir: dir, s3 };

    // A state made locally moves to S3; S3 then answers the plan.
    t.run(&["apply", "app.yaml", "--auto-approve", "--backend-config", "backend=local"], 0, "local apply");
    let local = Path::new(".platformctl").join("app.state.json");
    t.run(&["state", "push", "app.yaml", local.to_str().unwrap()], 0, "state push");
    assert_eq!(t.s3_state().await["stack"], "app");
    t.run(&["plan", "app.yaml", "--detailed-exitcode"], 0, "plan from S3 after the push");
    // Pushing it again would take S3 back a serial: refused without --force.
    let again = t.run(&["state", "push", "app.yaml", local.to_str().unwrap()], 1, "the same push again");
    assert!(again.stderr.contains("is older"), "{}", again.stderr);
    let listed = t.run(&["state", "list", "app.yaml"], 0, "state list");
    assert!(listed.stdout.contains("network.vpc\tvpc\tvpc-"), "{}", listed.stdout);

    // Drift made behind platformctl's back is reported, then repaired by apply.
    let state = t.s3_state().await;
    let subnet = id(&state, "network.subnet.public[eu-west-1a]");
    let ec2 = t.emu.ec2().await;
    ec2.modify_subnet_attribute()
        .subnet_id(&subnet)
        .map_public_ip_on_launch(aws_sdk_ec2::types::AttributeBooleanValue::builder().value(false).build())
        .send()
        .await
        .unwrap();
    let drift = t.run(&["drift", "app.yaml", "--detailed-exitcode"], 2, "drift");
    assert!(drift.stdout.contains("network.subnet.public[eu-west-1a]"), "{}", drift.stdout);
    assert!(drift.stdout.contains("map_public_ip_on_launch: expected true, actual false"), "{}", drift.stdout);
    let json: serde_json::Value =
        serde_json::from_str(&t.run(&["drift", "app.yaml", "--json"], 0, "drift --json").stdout).unwrap();
    assert_eq!(json["drift"][0]["attributes"][0]["name"], "map_public_ip_on_launch");
    t.run(&["apply", "app.yaml", "--auto-approve"], 0, "apply repairs the drift");
    t.run(&["drift", "app.yaml", "--detailed-exitcode"], 0, "no drift after the repair");

    // Saved plans: applied as saved; refused once stale or once the stack file changed.
    t.edit("team: platform", "team: payments");
    t.run(&["plan", "app.yaml", "--out", "tags.plan"], 0, "plan --out");
    let applied = t.run(&["apply", "tags.plan"], 0, "apply the saved plan");
    assert!(applied.stderr.contains("Apply complete"), "{}", applied.stderr);
    t.run(&["plan", "app.yaml", "--detailed-exitcode"], 0, "nothing left after the saved plan");
    t.edit("team: payments", "team: platform");
    t.run(&["plan", "app.yaml", "--out", "stale.plan"], 0, "plan --out");
    t.run(&["apply", "app.yaml", "--auto-approve"], 0, "another apply first");
    let stale = t.run(&["apply", "stale.plan"], 1, "apply a stale plan");
    assert!(stale.stderr.contains("moved since the plan was made"), "{}", stale.stderr);
    t.edit("port: 443", "port: 8443");
    t.run(&["plan", "app.yaml", "--out", "edited.plan"], 0, "plan --out");
    t.edit("port: 8443", "port: 9443");
    let edited = t.run(&["apply", "edited.plan"], 1, "apply a plan whose stack file changed");
    assert!(edited.stderr.contains("stack file") && edited.stderr.contains("changed"), "{}", edited.stderr);
    t.edit("port: 9443", "port: 443");

    // Two applies at once: the first holds the lock (frozen with SIGSTOP while it does), the
    // second exits 1 naming it; the first then finishes.
    t.edit("team: platform", "team: web");
    let mut first = t.spawn(&["apply", "app.yaml", "--auto-approve", "--parallelism", "1"]);
    t.wait_for_lock(&mut first).await;
    signal(&first, "-STOP");
    let second = t.run(&["apply", "app.yaml", "--auto-approve"], 1, "second apply");
    assert!(second.stderr.contains("is locked by"), "{}", second.stderr);
    assert!(second.stderr.contains(&format!("pid {}", first.id())), "{}", second.stderr);
    signal(&first, "-CONT");
    let first = finish(first);
    assert_eq!(first.code, 0, "{}", first.stderr);
    assert!(!t.lock_exists().await, "the lock is released at the end");
    t.run(&["plan", "app.yaml", "--detailed-exitcode"], 0, "converged");

    // SIGKILL leaves the lock behind; force-unlock with the id the next run names clears it.
    t.edit("team: web", "team: api");
    let mut killed = t.spawn(&["apply", "app.yaml", "--auto-approve", "--parallelism", "1"]);
    t.wait_for_lock(&mut killed).await;
    killed.kill().unwrap();
    let _ = killed.wait();
    assert!(t.lock_exists().await, "a killed run cannot release its lock");
    let blocked = t.run(&["plan", "app.yaml"], 1, "plan while a dead run holds the lock");
    let lock_id = blocked
        .stderr
        .split("lock id ")
        .nth(1)
        .and_then(|rest| rest.split_whitespace().next())
        .unwrap_or_else(|| panic!("no lock id in:\n{}", blocked.stderr))
        .to_owned();
    let wrong = t.run(&["force-unlock", "app.yaml", "not-the-id"], 1, "force-unlock with a wrong id");
    assert!(wrong.stderr.contains("nothing was unlocked"), "{}", wrong.stderr);
    t.run(&["force-unlock", "app.yaml", &lock_id], 0, "force-unlock");
    t.run(&["apply", "app.yaml", "--auto-approve"], 0, "apply after the unlock");
    t.run(&["plan", "app.yaml", "--detailed-exitcode"], 0, "converged after the kill");

    // Ctrl-C (SIGINT) while a run holds the lock: the run stops and releases it. Through a
    // proxy that makes every AWS call take 300 ms, so the plan is still reading when the
    // signal lands (not done, which would let it finish with 0).
    let slow = Proxy::start(
        &t.emu.endpoint,
        Faults { latency: Duration::from_millis(300), error_rate: 0.0, ..Default::default() },
    )
    .await;
    let mut interrupted = support::spawn(&t.dir, &slow.endpoint, &["plan", "app.yaml"]);
    t.wait_for_lock(&mut interrupted).await;
    signal(&interrupted, "-INT");
    let interrupted = finish(interrupted);
    assert_eq!(interrupted.code, 1, "{}", interrupted.stderr);
    assert!(interrupted.stderr.contains("interrupted; nothing was changed"), "{}", interrupted.stderr);
    assert!(!t.lock_exists().await, "Ctrl-C released the lock");

    // The state lost: recovered from AWS's tags and names, the plan has no changes.
    let before = t.s3_state().await;
    t.s3.delete_object().bucket(BUCKET).key(KEY).send().await.unwrap();
    let recovered = t.run(&["state", "recover", "app.yaml"], 0, "state recover");
    assert!(recovered.stdout.contains("Recovered"), "{}", recovered.stdout);
    t.run(&["plan", "app.yaml", "--detailed-exitcode"], 0, "plan after recover");
    let after = t.s3_state().await;
    for address in ["network.vpc", "network.nat[eu-west-1a]", "security_group.web.ingress[tcp:443:0.0.0.0/0]"] {
        assert_eq!(after["resources"][address]["id"], before["resources"][address]["id"], "{address}");
    }
    let refused = t.run(&["state", "recover", "app.yaml"], 1, "recover over a live state");
    assert!(refused.stderr.contains("is not lost"), "{}", refused.stderr);

    // Forgotten, then imported by its id: managed again, and nothing differs from the stack.
    let group = id(&after, "security_group.web");
    t.run(&["state", "rm", "app.yaml", "security_group.web"], 0, "state rm");
    let plan = t.run(&["plan", "app.yaml", "--detailed-exitcode"], 2, "plan after state rm");
    assert!(plan.stdout.contains("+ security_group.web (security_group)"), "{}", plan.stdout);
    let unknown = t.run(&["import", "app.yaml", "security_group.nope", &group], 1, "import to an unknown address");
    assert!(unknown.stderr.contains("not a resource of this stack"), "{}", unknown.stderr);
    t.run(&["import", "app.yaml", "security_group.web", &group], 0, "import");
    t.run(&["plan", "app.yaml", "--detailed-exitcode"], 0, "plan after import");
    let shown = t.run(&["state", "show", "app.yaml", "security_group.web"], 0, "state show");
    assert!(shown.stdout.contains(&group), "{}", shown.stdout);

    t.run(&["destroy", "app.yaml", "--auto-approve"], 0, "destroy");
    assert!(read_state_is_empty(&t.s3_state().await));
}

fn read_state_is_empty(state: &serde_json::Value) -> bool {
    state["resources"].as_object().is_some_and(|r| r.is_empty())
}

const NETWORKING: &str = "\
stack: networking
region: eu-west-1
state: { backend: s3, bucket: platformctl-team-state, key: team/networking.json }
network:
  cidr: 10.50.0.0/16
  azs: [eu-west-1a, eu-west-1b]
  public_subnets:  [10.50.0.0/20, 10.50.16.0/20]
  private_subnets: [10.50.128.0/18, 10.50.192.0/18]
  nat_gateways: single
log_groups:
  /networking/audit: { retention_days: 30 }
";

const USES_NETWORKING: &str = "\
stack: orders
region: eu-west-1
state: { backend: s3, bucket: platformctl-team-state, key: team/orders.json }
network: { from_stack: networking }
security_groups:
  api:
    description: API from the private subnets
    ingress:
      - { protocol: tcp, port: 8080, from: private_subnets }
";

/// Seed 003's split states: `orders` uses the network `networking` created, through its state
/// beside its own (S3 on moto, local files on ministack), and `networking` cannot be destroyed
/// while `orders` still uses it.
#[tokio::test(flavor = "multi_thread")]
async fn cross_stack_network_on_moto() {
    cross_stack(Kind::Moto, true).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn cross_stack_network_on_ministack() {
    cross_stack(Kind::Ministack, false).await;
}

async fn cross_stack(kind: Kind, s3_backend: bool) {
    let emu = Emulator::start(kind);
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let local = |yaml: &str| yaml.lines().filter(|l| !l.starts_with("state:")).collect::<Vec<_>>().join("\n") + "\n";
    if s3_backend {
        state_bucket(&emu).await;
        std::fs::write(d.join("networking.yaml"), NETWORKING).unwrap();
        std::fs::write(d.join("orders.yaml"), USES_NETWORKING).unwrap();
    } else {
        std::fs::write(d.join("networking.yaml"), local(NETWORKING)).unwrap();
        std::fs::write(d.join("orders.yaml"), local(USES_NETWORKING)).unwrap();
    }
    let run = |args: &[&str], code: i32, what: &str| emu.platformctl(d, args).expect(code, what);

    let early = run(&["plan", "orders.yaml"], 1, "plan before the network exists");
    assert!(early.stderr.contains("stack `networking` has no applied network"), "{}", early.stderr);
    run(&["apply", "networking.yaml", "--auto-approve"], 0, "apply networking");
    let plan = run(&["plan", "orders.yaml", "--detailed-exitcode"], 2, "plan orders");
    assert!(!plan.stdout.contains("network.vpc ("), "orders must not plan the network:\n{}", plan.stdout);
    assert!(plan.stdout.contains("10.50.128.0/18"), "rules from the other stack's private subnets:\n{}", plan.stdout);
    run(&["apply", "orders.yaml", "--auto-approve"], 0, "apply orders");
    run(&["plan", "orders.yaml", "--detailed-exitcode"], 0, "orders converged");

    let ec2 = emu.ec2().await;
    let groups = ec2.describe_security_groups().send().await.unwrap();
    let api = groups.security_groups().iter().find(|g| g.group_name() == Some("orders-api")).expect("orders-api");
    let vpcs = ec2.describe_vpcs().send().await.unwrap();
    let networking_vpc = vpcs
        .vpcs()
        .iter()
        .find(|v| v.cidr_block() == Some("10.50.0.0/16"))
        .and_then(|v| v.vpc_id())
        .expect("networking's VPC");
    assert_eq!(api.vpc_id(), Some(networking_vpc), "the group lives in the other stack's VPC");

    // The using stack's state lost: recovered with the lent network's ids, no changes after.
    if s3_backend {
        state_client(&emu).await.delete_object().bucket(BUCKET).key("team/orders.json").send().await.unwrap();
    } else {
        std::fs::remove_file(d.join(".platformctl/orders.state.json")).unwrap();
    }
    run(&["state", "recover", "orders.yaml"], 0, "recover orders");
    run(&["plan", "orders.yaml", "--detailed-exitcode"], 0, "orders after recover");

    let refused = run(&["destroy", "networking.yaml", "--auto-approve"], 1, "destroy networking first");
    assert!(refused.stderr.contains("orders still uses its outputs"), "{}", refused.stderr);
    // A part of it that no other stack can use goes; a part of the network does not.
    let part = ["destroy", "networking.yaml", "--auto-approve", "--target", "log_group[/networking/audit]"];
    run(&part, 0, "destroy what orders does not use");
    let nat = ["destroy", "networking.yaml", "--auto-approve", "--target", "network.nat"];
    let refused = run(&nat, 1, "destroy a part of the network");
    assert!(refused.stderr.contains("orders still uses its outputs"), "{}", refused.stderr);
    run(&["apply", "networking.yaml", "--auto-approve"], 0, "the log group back");
    // With networking's state gone, orders is still destroyed from its own state; networking's
    // state is then put back (state pull/push) and destroyed.
    let saved = run(&["state", "pull", "networking.yaml"], 0, "state pull networking").stdout;
    std::fs::write(d.join("networking.saved.json"), saved).unwrap();
    if s3_backend {
        state_client(&emu).await.delete_object().bucket(BUCKET).key("team/networking.json").send().await.unwrap();
    } else {
        std::fs::remove_file(d.join(".platformctl/networking.state.json")).unwrap();
    }
    run(&["destroy", "orders.yaml", "--auto-approve"], 0, "destroy orders without networking's state");
    run(&["state", "push", "networking.yaml", "networking.saved.json"], 0, "put networking's state back");
    run(&["destroy", "networking.yaml", "--auto-approve"], 0, "destroy networking");
}
