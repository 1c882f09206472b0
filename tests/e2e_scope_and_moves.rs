//! End to end, on both emulators, issue 21's second and third parts:
//! - `--target` / `--exclude` on plan, apply and destroy: exactly the expected addresses planned
//!   (the partial plan's text is a snapshot), the plan marked partial in text and JSON, the
//!   remainder untouched (a later full plan still shows its changes), a misspelt address refused
//!   with a suggestion;
//! - `moved:` of a database and of a node group (its launch template along): no delete, no create,
//!   the AWS names kept, the tags following the new address; `state mv OLD NEW` likewise; a
//!   `moved:` entry naming nothing is a warning;
//! - `state mv --to-stack`: entries carried to another stack's state (S3 states on moto, local
//!   ones on ministack), both stacks re-plan clean, the resources' `platformctl:stack` and
//!   `platformctl:address` tags updated, both locks released.
//!
//! Emulator gaps, each said where it bites: moto answers no EKS add-on call (its stack has none),
//! never finishes deleting a Redis group (no Redis destroy there), and refuses EKS TagResource on
//! a node group's ARN (NotFound) while ministack accepts it and changes nothing — so a moved node
//! group's new tags are planned on both but cannot be seen applied on either.

mod support;

use std::path::Path;

use serde_json::Value as Json;
use support::inspect::{addresses, read_state, set};
use support::{Emulator, Kind, edit_file, workdir_with_text};

const SHOP: &str = "\
stack: shop
region: eu-west-1
network:
  cidr: 10.60.0.0/16
  azs: [eu-west-1a, eu-west-1b]
  public_subnets:  [10.60.0.0/20, 10.60.16.0/20]
  private_subnets: [10.60.128.0/18, 10.60.192.0/18]
  nat_gateways: none
security_groups:
  postgres:
    description: Postgres from the private subnets
    ingress:
      - { protocol: tcp, port: 5432, from: private_subnets }
  redis:
    description: Redis from the private subnets
    ingress:
      - { protocol: tcp, port: 6379, from: private_subnets }
secrets:
  postgres-master: { generate: { length: 32 } }
  redis-auth: { generate: { length: 64, punctuation: false } }
postgres:
  users:
    engine_version: \"16.4\"
    instance_class: db.t4g.micro
    storage_gb: 20
    database: users
    username: app
    password_secret: postgres-master
    security_groups: [postgres]
    deletion_protection: false
    final_snapshot: false
redis:
  sessions:
    engine_version: \"7.1\"
    node_type: cache.t4g.small
    replicas_per_shard: 1
    security_groups: [redis]
    auth_token_secret: redis-auth
eks:
  main:
    version: \"1.32\"
    node_groups:
      apps:
        instance_types: [m6i.large]
        min_size: 1
        max_size: 3
        desired_size: 1
ecr:
  shop-api: {}
log_groups:
  /shop/app: { retention_days: 30 }
";

const ADDONS: &str = "    addons:\n      vpc-cni: {}\n      coredns: {}\n";

/// The shop stack on `kind`, applied: add-ons only where the emulator answers them.
fn applied(kind: Kind) -> (Emulator, tempfile::TempDir) {
    applied_with(Emulator::start(kind), "")
}

/// The shop stack applied on `emu`, with `extra` YAML (a `state:` section) at its end.
fn applied_with(emu: Emulator, extra: &str) -> (Emulator, tempfile::TempDir) {
    let yaml = match emu.kind {
        Kind::Ministack => SHOP.replace("    version: \"1.32\"\n", &format!("    version: \"1.32\"\n{ADDONS}")),
        Kind::Moto => SHOP.to_owned(),
    } + extra;
    let (dir, _) = workdir_with_text(&yaml);
    std::fs::rename(dir.path().join("stack.yaml"), dir.path().join("shop.yaml")).unwrap();
    emu.platformctl(dir.path(), &["apply", "shop.yaml", "--auto-approve"]).expect(0, "apply");
    emu.platformctl(dir.path(), &["plan", "shop.yaml", "--detailed-exitcode"]).expect(0, "converged");
    (emu, dir)
}

fn plan_json(emu: &Emulator, dir: &Path, extra: &[&str], code: i32) -> Json {
    let mut args = vec!["plan", "shop.yaml", "--json", "--detailed-exitcode"];
    args.extend_from_slice(extra);
    let run = emu.platformctl(dir, &args).expect(code, &format!("plan {extra:?}"));
    serde_json::from_str(&run.stdout).unwrap()
}

/// Every change's address and action.
fn planned(plan: &Json) -> Vec<(String, String)> {
    let changes = plan["changes"].as_array().unwrap();
    changes
        .iter()
        .map(|c| (c["address"].as_str().unwrap().to_owned(), c["action"].as_str().unwrap().to_owned()))
        .collect()
}

fn updates(addresses: &[&str]) -> Vec<(String, String)> {
    addresses.iter().map(|a| (a.to_string(), "update".to_owned())).collect()
}

async fn parts(kind: Kind) {
    let (emu, dir) = applied(kind);
    let d = dir.path();
    let file = d.join("shop.yaml");
    edit_file(&file, "db.t4g.micro", "db.t4g.small");
    edit_file(&file, "cache.t4g.small", "cache.t4g.medium");
    // (Not the node group: ministack has no UpdateNodegroupConfig.)
    edit_file(&file, "shop-api: {}", "shop-api: { keep_images: 30 }");
    edit_file(&file, "retention_days: 30", "retention_days: 60");
    let everything = ["ecr.shop-api", "log_group[/shop/app]", "postgres.users", "redis.sessions"];
    assert_eq!(planned(&plan_json(&emu, d, &[], 2)), updates(&everything));

    // A target plans it and what it depends on; nothing else is read or planned.
    let target = emu.platformctl(d, &["plan", "shop.yaml", "--target", "postgres.users"]).expect(0, "partial plan");
    let snapshot = format!("plan_target_postgres_{kind:?}").to_lowercase();
    // The plan, without the stack's check findings that follow it.
    let plan_text = target.stdout.split("\nshop: ").next().unwrap();
    insta::assert_snapshot!(snapshot, plan_text);
    let partial = plan_json(&emu, d, &["--target", "postgres.users"], 2);
    assert_eq!(planned(&partial), updates(&["postgres.users"]));
    let state = read_state(d, "shop");
    let recorded = state["resources"].as_object().unwrap().len() as u64;
    assert_eq!(partial["partial"]["targets"], serde_json::json!(["postgres.users"]));
    let left_out = partial["partial"]["left_out"].as_u64().unwrap();
    assert!(left_out > 0 && left_out < recorded, "{left_out} of {recorded} left out");
    // Exclusions take what depends on them along (the add-ons with the cluster).
    let without = plan_json(&emu, d, &["--exclude", "redis", "--exclude", "eks", "--exclude", "ecr"], 2);
    assert_eq!(planned(&without), updates(&["log_group[/shop/app]", "postgres.users"]));
    assert_eq!(without["partial"]["excludes"], serde_json::json!(["redis", "eks", "ecr"]));
    // A misspelt address plans nothing and says what it meant.
    let typo = emu.platformctl(d, &["plan", "shop.yaml", "--target", "postgres.user"]).expect(1, "typo");
    assert!(typo.stderr.contains("did you mean `postgres.users`?"), "{}", typo.stderr);
    // A saved plan carries its part: apply takes no other.
    let saved = ["plan", "shop.yaml", "--target", "postgres.users", "--out", "part.plan"];
    emu.platformctl(d, &saved).expect(0, "saved partial plan");
    let file: Json = serde_json::from_str(&std::fs::read_to_string(d.join("part.plan")).unwrap()).unwrap();
    assert_eq!(file["plan"]["partial"]["targets"], serde_json::json!(["postgres.users"]), "the plan file says so");
    let both = emu.platformctl(d, &["apply", "part.plan", "--exclude", "redis"]).expect(1, "a part of a part");
    assert!(both.stderr.contains("do not apply to a saved plan"), "{}", both.stderr);

    // Apply a part: the rest is untouched and still planned.
    let run = emu.platformctl(d, &["apply", "shop.yaml", "--target", "postgres.users", "--auto-approve"]);
    let run = run.expect(0, "apply a target");
    assert!(run.stdout.contains("Warning: This plan is partial (--target postgres.users)"), "{}", run.stdout);
    let rest = ["ecr.shop-api", "log_group[/shop/app]", "redis.sessions"];
    assert_eq!(planned(&plan_json(&emu, d, &[], 2)), updates(&rest));
    let run = emu.platformctl(d, &["apply", "shop.yaml", "--exclude", "redis", "--auto-approve"]);
    run.expect(0, "apply without redis");
    assert_eq!(planned(&plan_json(&emu, d, &[], 2)), updates(&["redis.sessions"]));
    emu.platformctl(d, &["apply", "shop.yaml", "--auto-approve"]).expect(0, "the rest");

    // Destroy a part: what stands on the target goes with it, nothing else.
    let destroy = ["destroy", "shop.yaml", "--target", "ecr", "--target", "log_group", "--auto-approve"];
    emu.platformctl(d, &destroy).expect(0, "destroy a part");
    let plan = plan_json(&emu, d, &[], 2);
    assert_eq!(addresses(&plan, "create"), set(&["ecr.shop-api", "log_group[/shop/app]"]));
    assert_eq!(planned(&plan).len(), 2, "{plan:#}");
    let ecr = aws_sdk_ecr::Client::new(&emu.sdk_config().await);
    let gone = ecr.describe_repositories().repository_names("shop-api").send().await;
    assert!(gone.is_err(), "the repository was destroyed: {gone:?}");
    emu.platformctl(d, &["apply", "shop.yaml", "--auto-approve"]).expect(0, "back");
    emu.platformctl(d, &["plan", "shop.yaml", "--detailed-exitcode"]).expect(0, "whole again");
}

#[tokio::test(flavor = "multi_thread")]
async fn moto_plans_applies_and_destroys_parts_of_a_stack() {
    parts(Kind::Moto).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn ministack_plans_applies_and_destroys_parts_of_a_stack() {
    parts(Kind::Ministack).await;
}

async fn moves(kind: Kind) {
    let (emu, dir) = applied(kind);
    let d = dir.path();
    let file = d.join("shop.yaml");
    let before = read_state(d, "shop");
    let node_group_id = before["resources"]["eks.main.node_group[apps]"]["id"].as_str().unwrap().to_owned();
    edit_file(&file, "postgres:\n  users:", "postgres:\n  accounts:");
    edit_file(&file, "      apps:\n", "      workers:\n");
    // The node group's launch template is named after it and moves with it.
    let moved = "moved:\n  postgres.users: postgres.accounts\n  \"eks.main.node_group[apps]\": \"eks.main.node_group[workers]\"\n  redis.old: redis.new\n";
    std::fs::write(&file, std::fs::read_to_string(&file).unwrap() + moved).unwrap();

    let plan = plan_json(&emu, d, &[], 2);
    for action in ["create", "delete", "replace"] {
        assert!(addresses(&plan, action).is_empty(), "no {action}: {plan:#}");
    }
    let pairs: Vec<(&str, &str)> = plan["moved"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| (m["from"].as_str().unwrap(), m["to"].as_str().unwrap()))
        .collect();
    for pair in [
        ("postgres.users", "postgres.accounts"),
        ("eks.main.node_group[apps]", "eks.main.node_group[workers]"),
        ("eks.main.launch_template[apps]", "eks.main.launch_template[workers]"),
    ] {
        assert!(pairs.contains(&pair), "{pair:?} in {pairs:?}");
    }
    // What changes in AWS is the tags, which name the new address; the AWS names stay.
    for change in plan["changes"].as_array().unwrap() {
        assert_eq!(change["attributes"].as_array().unwrap().len(), 1, "{change:#}");
        assert_eq!(change["attributes"][0]["name"], "tags", "{change:#}");
    }
    let notices = plan["notices"].to_string();
    assert!(notices.contains("`redis.old` → `redis.new`: neither address is in the state"), "{notices}");
    // Moves alone are still something to apply — only an apply records them — so
    // `--detailed-exitcode` says 2 for a plan of nothing else.
    let only_moves = plan_json(&emu, d, &["--target", "network.vpc"], 2);
    assert_eq!(planned(&only_moves), vec![], "{only_moves:#}");
    assert!(!only_moves["moved"].as_array().unwrap().is_empty(), "{only_moves:#}");

    // Tags the emulator cannot change are left out of the apply (and of the plan after it):
    // a node group's on both (see the top), a launch template's on moto (CreateTags on an
    // `lt-` id changes nothing there).
    let unchangeable: &[&str] = match kind {
        Kind::Moto => &["--exclude", "eks.main.node_group[workers]", "--exclude", "eks.main.launch_template[workers]"],
        Kind::Ministack => &["--exclude", "eks.main.node_group[workers]"],
    };
    let mut apply = vec!["apply", "shop.yaml", "--auto-approve"];
    apply.extend_from_slice(unchangeable);
    emu.platformctl(d, &apply).expect(0, "apply the moves");
    assert_eq!(planned(&plan_json(&emu, d, unchangeable, 0)), vec![], "converged");
    let state = read_state(d, "shop");
    assert_eq!(state["resources"]["postgres.accounts"]["id"], "shop-users", "the instance kept its identifier");
    assert_eq!(state["resources"]["eks.main.node_group[workers]"]["id"], node_group_id.as_str());
    assert!(state["resources"].get("postgres.users").is_none());
    let rds = aws_sdk_rds::Client::new(&emu.sdk_config().await);
    let instances = rds.describe_db_instances().send().await.unwrap();
    let ids: Vec<&str> = instances.db_instances().iter().filter_map(|i| i.db_instance_identifier()).collect();
    assert_eq!(ids, ["shop-users"], "one instance, never recreated");
    let eks = aws_sdk_eks::Client::new(&emu.sdk_config().await);
    let groups = eks.list_nodegroups().cluster_name("shop-main").send().await.unwrap();
    assert_eq!(groups.nodegroups().len(), 1, "{groups:?}");
    assert!(groups.nodegroups()[0].starts_with("apps-"), "{groups:?}");

    // `state mv` says the same from the command line.
    let mv = emu.platformctl(d, &["state", "mv", "shop.yaml", "redis.sessions", "redis.cache"]).expect(0, "state mv");
    assert!(mv.stdout.contains("redis.sessions → redis.cache"), "{}", mv.stdout);
    edit_file(&file, "redis:\n  sessions:", "redis:\n  cache:");
    let plan = plan_json(&emu, d, unchangeable, 2);
    assert_eq!(planned(&plan), updates(&["redis.cache"]), "only its tags: {plan:#}");
    let unknown = emu.platformctl(d, &["state", "mv", "shop.yaml", "redis.nope", "redis.x"]).expect(1, "unknown");
    assert!(unknown.stderr.contains("`redis.nope` is not in the state"), "{}", unknown.stderr);
    let onto = emu.platformctl(d, &["state", "mv", "shop.yaml", "redis.cache", "postgres.accounts"]).expect(1, "taken");
    assert!(onto.stderr.contains("`postgres.accounts` is already in the state"), "{}", onto.stderr);
    let one = emu.platformctl(d, &["state", "mv", "shop.yaml", "redis.cache"]).expect(1, "one address");
    assert!(one.stderr.contains("state mv takes OLD and NEW"), "{}", one.stderr);
}

#[tokio::test(flavor = "multi_thread")]
async fn moto_moves_a_database_and_a_node_group_without_recreating_them() {
    moves(Kind::Moto).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn ministack_moves_a_database_and_a_node_group_without_recreating_them() {
    moves(Kind::Ministack).await;
}

/// Both states in one S3 bucket (moto) or beside the files (ministack): `--to-stack` locks and
/// writes either kind of backend.
const BUCKET: &str = "shop-states";

fn state_section(stack: &str) -> String {
    format!("state: {{ backend: s3, bucket: {BUCKET}, key: states/{stack}.json }}\n")
}

async fn to_stack(kind: Kind) {
    let emu = Emulator::start(kind);
    let in_s3 = kind == Kind::Moto;
    let s3 = {
        let config = emu.sdk_config().await;
        aws_sdk_s3::Client::from_conf(aws_sdk_s3::config::Builder::from(&config).force_path_style(true).build())
    };
    if in_s3 {
        let location = aws_sdk_s3::types::CreateBucketConfiguration::builder()
            .location_constraint(aws_sdk_s3::types::BucketLocationConstraint::EuWest1)
            .build();
        s3.create_bucket().bucket(BUCKET).create_bucket_configuration(location).send().await.unwrap();
    }
    let section = |stack: &str| if in_s3 { state_section(stack) } else { String::new() };
    let (emu, dir) = applied_with(emu, &section("shop"));
    let d = dir.path();
    let tools =
        "stack: tools\nregion: eu-west-1\necr:\n  shop-api: {}\nlog_groups:\n  /shop/app: { retention_days: 30 }\n";
    std::fs::write(d.join("tools.yaml"), format!("{tools}{}", section("tools"))).unwrap();
    let read_state = async |stack: &str| -> Json {
        if !in_s3 {
            return read_state(d, stack);
        }
        let object = s3.get_object().bucket(BUCKET).key(format!("states/{stack}.json")).send().await.unwrap();
        serde_json::from_slice(&object.body.collect().await.unwrap().into_bytes()).unwrap()
    };
    let args = ["state", "mv", "shop.yaml", "--to-stack", "tools.yaml", "ecr.shop-api", "log_group[/shop/app]"];
    let refused = emu.platformctl(d, &args).expect(1, "still declared here");
    assert!(refused.stderr.contains("`ecr.shop-api` is still in"), "{}", refused.stderr);
    edit_file(&d.join("shop.yaml"), "ecr:\n  shop-api: {}\nlog_groups:\n  /shop/app: { retention_days: 30 }\n", "");
    let moved = emu.platformctl(d, &args).expect(0, "state mv --to-stack");
    assert!(moved.stdout.contains("Tags updated on 2 of them."), "{}", moved.stdout);
    emu.platformctl(d, &["plan", "shop.yaml", "--detailed-exitcode"]).expect(0, "shop re-plans clean");
    emu.platformctl(d, &["plan", "tools.yaml", "--detailed-exitcode"]).expect(0, "tools re-plans clean");
    let tools_state = read_state("tools").await;
    assert_eq!(
        tools_state["resources"].as_object().unwrap().keys().collect::<Vec<_>>(),
        ["ecr.shop-api", "log_group[/shop/app]"]
    );
    assert!(read_state("shop").await["resources"].get("ecr.shop-api").is_none());
    if in_s3 {
        let objects = s3.list_objects_v2().bucket(BUCKET).send().await.unwrap();
        let keys: Vec<&str> = objects.contents().iter().filter_map(|o| o.key()).collect();
        assert_eq!(keys, ["states/shop.json", "states/tools.json"], "both locks released");
    }
    // The tags in AWS name the new stack.
    let config = emu.sdk_config().await;
    let ecr = aws_sdk_ecr::Client::new(&config);
    let repo = ecr.describe_repositories().repository_names("shop-api").send().await.unwrap();
    let arn = repo.repositories()[0].repository_arn().unwrap().to_owned();
    let tags = ecr.list_tags_for_resource().resource_arn(&arn).send().await.unwrap();
    let stack_tag = tags.tags().iter().find(|t| t.key() == "platformctl:stack").map(|t| t.value());
    assert_eq!(stack_tag, Some("tools"), "{tags:?}");
}

#[tokio::test(flavor = "multi_thread")]
async fn moto_moves_entries_to_another_stack_and_retags_them() {
    to_stack(Kind::Moto).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn ministack_moves_entries_to_another_stack_and_retags_them() {
    to_stack(Kind::Ministack).await;
}
