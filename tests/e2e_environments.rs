//! End to end, on both emulators: one platform as environments, and the CI path's guards.
//!
//! - A base stack file and `staging/` and `prod/` environment files extending it, with S3
//!   states, applied side by side: distinct stacks, names, tags and state keys; an edit of the
//!   base changes both plans, an edit of prod only prod's (and `affected` says the same); a
//!   wrong `account_id` is refused before any other call; `assume_role` is assumed (the proxy
//!   counts the STS calls); a mistake in an environment file is reported at its line there;
//!   `plan --lock=false` reads the S3 state and writes nothing.
//! - `CI=true`: an apply with a local state is refused, nothing created; `--allow-local-state`
//!   lets it through.
//! - A state lost (the local file, the S3 object): apply refuses, naming `state recover`, and
//!   creates nothing; `state recover` rebuilds it and the plan has no changes. The check uses
//!   the Resource Groups Tagging API, which on ministack answers for ECR repositories and not
//!   for EC2: the stacks here hold one, so the check has something to find on both.

mod support;

use std::path::PathBuf;

use support::inspect::inventory;
use support::proxy::{Faults, Proxy};
use support::{Emulator, Kind, Run, platformctl_with_env};

const BUCKET: &str = "platformctl-environments";

const BASE: &str = "\
stack: app
region: eu-west-1
tags: { team: platform }
network:
  cidr: 10.60.0.0/16
  azs: [eu-west-1a, eu-west-1b]
  public_subnets:  [10.60.0.0/20, 10.60.16.0/20]
  private_subnets: [10.60.128.0/18, 10.60.192.0/18]
  nat_gateways: none
security_groups:
  web:
    description: HTTPS in
    ingress:
      - { protocol: tcp, port: 443, from: 0.0.0.0/0 }
";

/// The emulator's fixed account (what GetCallerIdentity answers).
fn account(kind: Kind) -> &'static str {
    match kind {
        Kind::Moto => "123456789012",
        Kind::Ministack => "000000000000",
    }
}

fn staging(account: &str) -> String {
    format!(
        "\
# staging: the base as it is, in its own state
extends: ../base.yaml
stack: app-staging
account_id: \"{account}\"
state: {{ backend: s3, bucket: {BUCKET}, key: envs/app-staging.json }}
tags: {{ environment: staging }}
"
    )
}

fn prod(account: &str) -> String {
    format!(
        "\
extends: ../base.yaml
stack: app-prod
account_id: [\"999999999999\", \"{account}\"]
assume_role: {{ arn: \"arn:aws:iam::{account}:role/platformctl-apply\", session_name: prod-apply, external_id: e2e }}
state: {{ backend: s3, bucket: {BUCKET}, key: envs/app-prod.json }}
tags: {{ environment: prod }}
security_groups:
  web:
    ingress:
      - {{ protocol: tcp, port: 443, from: 10.0.0.0/8 }}
"
    )
}

/// One emulator behind a counting proxy, and a folder of stack files.
struct Rig {
    emu: Emulator,
    proxy: Proxy,
    _dir: tempfile::TempDir,
    dir: PathBuf,
}

impl Rig {
    async fn new(kind: Kind) -> Rig {
        let emu = Emulator::start(kind);
        let proxy = Proxy::start(&emu.endpoint, Faults::default()).await;
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path().to_owned();
        Rig { emu, proxy, _dir: dir, dir: d }
    }

    fn write(&self, file: &str, text: &str) {
        let path = self.dir.join(file);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, text).unwrap();
    }

    fn edit(&self, file: &str, from: &str, to: &str) {
        let path = self.dir.join(file);
        let text = std::fs::read_to_string(&path).unwrap();
        assert!(text.contains(from), "{file} has no `{from}`");
        std::fs::write(path, text.replacen(from, to, 1)).unwrap();
    }

    /// platformctl through the proxy, with extra environment variables.
    fn run_with(&self, args: &[&str], env: &[(&str, &str)], code: i32, what: &str) -> Run {
        let mut all = vec![("AWS_ENDPOINT_URL", self.proxy.endpoint.as_str())];
        all.extend_from_slice(env);
        platformctl_with_env(&self.dir, args, &all).expect(code, what)
    }

    fn run(&self, args: &[&str], code: i32, what: &str) -> Run {
        self.run_with(args, &[], code, what)
    }

    async fn s3(&self) -> aws_sdk_s3::Client {
        let config = self.emu.sdk_config().await;
        aws_sdk_s3::Client::from_conf(aws_sdk_s3::config::Builder::from(&config).force_path_style(true).build())
    }

    async fn create_bucket(&self) {
        let location = aws_sdk_s3::types::CreateBucketConfiguration::builder()
            .location_constraint(aws_sdk_s3::types::BucketLocationConstraint::EuWest1)
            .build();
        self.s3().await.create_bucket().bucket(BUCKET).create_bucket_configuration(location).send().await.unwrap();
    }

    async fn s3_state(&self, key: &str) -> Option<serde_json::Value> {
        let out = self.s3().await.get_object().bucket(BUCKET).key(key).send().await.ok()?;
        Some(serde_json::from_slice(&out.body.collect().await.unwrap().into_bytes()).unwrap())
    }

    /// The stack's EC2 resources and ECR repositories, found through the AWS API.
    async fn inventory(&self, stack: &str) -> Vec<String> {
        let mut found = inventory(&self.emu, stack).await;
        let ecr = aws_sdk_ecr::Client::new(&self.emu.sdk_config().await);
        for repo in ecr.describe_repositories().send().await.unwrap().repositories() {
            let name = repo.repository_name().unwrap();
            if name.starts_with(&format!("{stack}-")) || name == stack {
                found.push(format!("ecr {name}"));
            }
        }
        found.sort();
        found
    }
}

/// The tags of the stack's VPC.
async fn vpc_tags(emu: &Emulator, stack: &str) -> Vec<(String, String)> {
    let ec2 = emu.ec2().await;
    let filter = aws_sdk_ec2::types::Filter::builder().name("tag:platformctl:stack").values(stack).build();
    let vpcs = ec2.describe_vpcs().filters(filter).send().await.unwrap();
    let [vpc] = vpcs.vpcs() else { panic!("one VPC of {stack}: {vpcs:?}") };
    let mut tags: Vec<(String, String)> =
        vpc.tags().iter().map(|t| (t.key().unwrap().to_owned(), t.value().unwrap().to_owned())).collect();
    tags.sort();
    tags
}

fn tag<'a>(tags: &'a [(String, String)], key: &str) -> Option<&'a str> {
    tags.iter().find(|(k, _)| k == key).map(|(_, v)| v.as_str())
}

#[tokio::test(flavor = "multi_thread")]
async fn environments_side_by_side_on_moto() {
    environments(Kind::Moto).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn environments_side_by_side_on_ministack() {
    environments(Kind::Ministack).await;
}

async fn environments(kind: Kind) {
    let rig = Rig::new(kind).await;
    rig.create_bucket().await;
    let acct = account(kind);
    rig.write("base.yaml", BASE);
    rig.write("staging/app.yaml", &staging(acct));
    rig.write("prod/app.yaml", &prod(acct));

    rig.run(&["validate", "prod/app.yaml"], 0, "the merged prod environment validates");

    // Side by side: each its own stack, state key, names and tags.
    rig.proxy.reset_counts();
    rig.run(&["apply", "staging/app.yaml", "--auto-approve"], 0, "apply staging");
    let counts = rig.proxy.counts();
    assert!(counts.contains_key("GetCallerIdentity"), "staging's account was checked: {counts:?}");
    assert_eq!(counts.get("AssumeRole"), None, "staging names no role: {counts:?}");
    rig.proxy.reset_counts();
    rig.run(&["apply", "prod/app.yaml", "--auto-approve"], 0, "apply prod");
    let counts = rig.proxy.counts();
    assert!(counts.get("AssumeRole").is_some_and(|n| *n >= 1), "prod's role was assumed: {counts:?}");
    // The first call of the run is the role's, then the account check; then the state.
    let log = rig.proxy.log();
    assert_eq!(log.first().map(String::as_str), Some("AssumeRole"), "{log:?}");
    assert_eq!(log.get(1).map(String::as_str), Some("GetCallerIdentity"), "{log:?}");

    let staging_state = rig.s3_state("envs/app-staging.json").await.expect("staging's state in S3");
    let prod_state = rig.s3_state("envs/app-prod.json").await.expect("prod's state in S3");
    assert_eq!(staging_state["stack"], "app-staging");
    assert_eq!(prod_state["stack"], "app-prod");
    assert!(rig.s3_state("envs/app.json").await.is_none(), "the base is no stack of its own here");
    let (staging_vpc, prod_vpc) = (vpc_tags(&rig.emu, "app-staging").await, vpc_tags(&rig.emu, "app-prod").await);
    assert_eq!(tag(&staging_vpc, "environment"), Some("staging"));
    assert_eq!(tag(&prod_vpc, "environment"), Some("prod"));
    assert_eq!(tag(&staging_vpc, "team"), Some("platform"), "the base's tags are merged in");
    assert_eq!(tag(&prod_vpc, "team"), Some("platform"));
    assert_ne!(tag(&staging_vpc, "Name"), tag(&prod_vpc, "Name"), "distinct names");
    let staging_sg = id_of(&staging_state, "security_group.web");
    let prod_sg = id_of(&prod_state, "security_group.web");
    assert_eq!(ingress_cidrs(&rig.emu, &staging_sg).await, ["0.0.0.0/0"]);
    assert_eq!(ingress_cidrs(&rig.emu, &prod_sg).await, ["10.0.0.0/8"], "prod's override of a list");
    for env in ["staging/app.yaml", "prod/app.yaml"] {
        rig.run(&["plan", env, "--detailed-exitcode"], 0, "no changes after apply");
    }
    // `--lock=false`: a plan role may read the state and write nothing beside it.
    rig.proxy.reset_counts();
    rig.run(&["plan", "prod/app.yaml", "--lock=false", "--detailed-exitcode"], 0, "a plan without the lock");
    let writes: Vec<String> =
        rig.proxy.counts().into_keys().filter(|op| op.starts_with("PUT ") || op.starts_with("DELETE ")).collect();
    assert!(writes.is_empty(), "a plan with --lock=false wrote {writes:?}");
    assert!(rig.proxy.counts().contains_key(&format!("GET /{BUCKET}")), "it read the state");

    // An edit of the base: both environments change, and `affected` names both.
    rig.edit("base.yaml", "tags: { team: platform }", "tags: { team: platform, owner: payments }");
    for env in ["staging/app.yaml", "prod/app.yaml"] {
        let plan = rig.run(&["plan", env, "--detailed-exitcode"], 2, "the base changed");
        assert!(plan.stdout.contains("owner"), "{}", plan.stdout);
    }
    let affected = rig.run(&["affected", "staging", "prod", "--changed", "base.yaml"], 0, "affected by the base");
    let waves: serde_json::Value = serde_json::from_str(&affected.stdout).unwrap();
    assert_eq!(
        waves["waves"],
        serde_json::json!([[
            { "stack": "app-prod", "file": "prod/app.yaml", "because": ["extends base.yaml"] },
            { "stack": "app-staging", "file": "staging/app.yaml", "because": ["extends base.yaml"] }
        ]])
    );
    rig.edit("base.yaml", "tags: { team: platform, owner: payments }", "tags: { team: platform }");

    // An edit of prod: only prod changes.
    rig.edit("prod/app.yaml", "port: 443, from: 10.0.0.0/8", "port: 8443, from: 10.0.0.0/8");
    rig.run(&["plan", "staging/app.yaml", "--detailed-exitcode"], 0, "staging untouched by prod's edit");
    rig.run(&["plan", "prod/app.yaml", "--detailed-exitcode"], 2, "prod's edit");
    let affected = rig.run(&["affected", "staging", "prod", "--changed", "prod/app.yaml"], 0, "affected by prod");
    assert!(!affected.stdout.contains("app-staging"), "{}", affected.stdout);
    rig.edit("prod/app.yaml", "port: 8443, from: 10.0.0.0/8", "port: 443, from: 10.0.0.0/8");

    // Credentials of another account: refused before any other call, naming both accounts.
    rig.edit("staging/app.yaml", &format!("account_id: \"{acct}\""), "account_id: \"210987654321\"");
    rig.proxy.reset_counts();
    let wrong = rig.run(&["apply", "staging/app.yaml", "--auto-approve"], 1, "the wrong account");
    assert!(wrong.stderr.contains("210987654321") && wrong.stderr.contains(acct), "{}", wrong.stderr);
    assert!(wrong.stderr.contains("staging/app.yaml"), "{}", wrong.stderr);
    let calls: Vec<String> = rig.proxy.counts().into_keys().collect();
    assert_eq!(calls, ["GetCallerIdentity"], "nothing but the account check was called");
    rig.edit("staging/app.yaml", "account_id: \"210987654321\"", &format!("account_id: \"{acct}\""));

    // A mistake in the environment file: reported there, at its line.
    rig.edit(
        "staging/app.yaml",
        "tags: { environment: staging }",
        "tags: { environment: staging }\nnetwork:\n  nat_gateways: sometimes",
    );
    let bad = rig.run(&["validate", "staging/app.yaml"], 1, "a bad value in the environment file");
    assert!(bad.stderr.contains("staging/app.yaml:8:17"), "{}", bad.stderr);
    assert!(bad.stderr.contains("nat_gateways"), "{}", bad.stderr);
    let plan = rig.run(&["plan", "staging/app.yaml"], 1, "plan refuses it too");
    assert!(plan.stderr.contains("staging/app.yaml:8:17"), "{}", plan.stderr);
}

fn id_of(state: &serde_json::Value, address: &str) -> String {
    state["resources"][address]["id"].as_str().unwrap_or_else(|| panic!("no {address} in {state:#}")).to_owned()
}

async fn ingress_cidrs(emu: &Emulator, group: &str) -> Vec<String> {
    let ec2 = emu.ec2().await;
    let groups = ec2.describe_security_groups().group_ids(group).send().await.unwrap();
    let mut cidrs: Vec<String> = groups
        .security_groups()
        .iter()
        .flat_map(|g| g.ip_permissions())
        .flat_map(|p| p.ip_ranges())
        .filter_map(|r| r.cidr_ip().map(str::to_owned))
        .collect();
    cidrs.sort();
    cidrs
}

const LOST_LOCAL: &str = "\
stack: lost-local
region: eu-west-1
network:
  cidr: 10.61.0.0/16
  azs: [eu-west-1a]
  public_subnets:  [10.61.0.0/20]
  private_subnets: [10.61.128.0/18]
  nat_gateways: none
ecr:
  lost-local-images: {}
";

#[tokio::test(flavor = "multi_thread")]
async fn ci_guards_on_moto() {
    ci_guards(Kind::Moto).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn ci_guards_on_ministack() {
    ci_guards(Kind::Ministack).await;
}

async fn ci_guards(kind: Kind) {
    let rig = Rig::new(kind).await;
    rig.create_bucket().await;
    rig.write("local.yaml", LOST_LOCAL);
    let remote = LOST_LOCAL.replace("lost-local", "lost-remote").replace("10.61.", "10.62.")
        + &format!("state: {{ backend: s3, bucket: {BUCKET}, key: ci/lost-remote.json }}\n");
    rig.write("remote.yaml", &remote);

    // On a CI runner a local state would be gone after the job: refused, nothing created.
    for ci in [("CI", "true"), ("GITHUB_ACTIONS", "true")] {
        let refused = rig.run_with(&["apply", "local.yaml", "--auto-approve"], &[ci], 1, "a local state in CI");
        assert!(
            refused.stderr.contains("backend: s3") && refused.stderr.contains("--allow-local-state"),
            "{}",
            refused.stderr
        );
    }
    assert!(rig.inventory("lost-local").await.is_empty(), "nothing was created");
    assert!(!rig.dir.join(".platformctl").exists(), "no state was written");
    rig.run_with(
        &["plan", "local.yaml", "--detailed-exitcode"],
        &[("CI", "true")],
        2,
        "a plan writes no state: allowed",
    );
    rig.run_with(&["apply", "local.yaml", "--auto-approve", "--allow-local-state"], &[("CI", "true")], 0, "allowed");
    rig.run_with(&["apply", "remote.yaml", "--auto-approve"], &[("CI", "true")], 0, "an S3 state in CI");

    // The state lost: apply refuses, naming `state recover`, and creates nothing.
    let local_state = rig.dir.join(".platformctl/lost-local.state.json");
    assert!(local_state.exists());
    std::fs::remove_file(&local_state).unwrap();
    let _ = std::fs::remove_file(local_state.with_extension("json.backup"));
    rig.s3().await.delete_object().bucket(BUCKET).key("ci/lost-remote.json").send().await.unwrap();
    for (file, stack) in [("local.yaml", "lost-local"), ("remote.yaml", "lost-remote")] {
        let before = rig.inventory(stack).await;
        assert!(before.iter().any(|r| r.starts_with("ecr ")), "{before:?}");
        let refused = rig.run(&["apply", file, "--auto-approve"], 1, "apply over a lost state");
        assert!(refused.stderr.contains("platformctl state recover"), "{}", refused.stderr);
        assert!(refused.stderr.contains(&format!("platformctl:stack={stack}")), "{}", refused.stderr);
        assert_eq!(rig.inventory(stack).await, before, "{stack}: nothing was created");
        rig.run(&["state", "recover", file], 0, "recover");
        rig.run(&["plan", file, "--detailed-exitcode"], 0, "no changes after recover");
    }
    assert_state_has(&rig, "ci/lost-remote.json").await;
}

async fn assert_state_has(rig: &Rig, key: &str) {
    let state = rig.s3_state(key).await.expect("the recovered state was written to S3");
    assert!(state["resources"].as_object().is_some_and(|r| r.len() > 3), "{state:#}");
}
