//! End to end, on both emulators: seed 000's data tier (`stacks/user-service.yaml`) — a
//! multi-AZ PostgreSQL with a read replica and SSM parameters, a Redis group, two generated
//! secrets — is applied, converges, takes in-place changes, refuses data loss, sees and
//! repairs drift, and is destroyed with a final snapshot. Every run is at `-vvv` (trace logging)
//! with a session token in its credentials; every generated value is then read back from
//! Secrets Manager and, with the token, searched for in everything platformctl wrote: the
//! state, the JSON plans, and all stdout and stderr of the whole run. The Aurora example is
//! applied and destroyed the same way.

mod support;

use std::collections::BTreeSet;
use std::path::PathBuf;

use serde_json::Value as Json;
use support::inspect::{addresses, find, inventory, read_state, set};
use support::{Emulator, Kind, Run, platformctl_with_env, workdir_with};

#[tokio::test(flavor = "multi_thread")]
async fn data_tier_lifecycle_on_moto() {
    data_tier(Kind::Moto).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn data_tier_lifecycle_on_ministack() {
    data_tier(Kind::Ministack).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn aurora_example_on_moto() {
    aurora(Kind::Moto, false).await;
}

/// ministack does not implement Application Auto Scaling (RegisterScalableTarget answers an
/// empty HTTP 400), so there the example runs without `reader_autoscaling`; moto covers it.
#[tokio::test(flavor = "multi_thread")]
async fn aurora_example_without_reader_scaling_on_ministack() {
    aurora(Kind::Ministack, true).await;
}

/// One stack file in a temporary directory, and the transcript of every run against it.
struct Stack {
    emu: Emulator,
    _dir: tempfile::TempDir,
    dir: PathBuf,
    file: PathBuf,
    name: &'static str,
    transcript: String,
    /// The session token of every run's credentials: it must appear in no output.
    session_token: String,
}

impl Stack {
    fn new(kind: Kind, path: &str, name: &'static str) -> Stack {
        let (dir, file) = workdir_with(path);
        support::fit_to_emulator(kind, &file);
        let d = dir.path().to_owned();
        let session_token = format!("FwoGZXIvYXdzE-session-{}", std::process::id());
        Stack { emu: Emulator::start(kind), _dir: dir, dir: d, file, name, transcript: String::new(), session_token }
    }

    fn run(&mut self, args: &[&str], code: i32, what: &str) -> Run {
        let file = self.file.file_name().unwrap().to_str().unwrap().to_owned();
        // Trace logging, as someone debugging a CI job would turn on.
        let mut full = vec!["-vvv", args[0], file.as_str()];
        full.extend(&args[1..]);
        let env =
            [("AWS_ENDPOINT_URL", self.emu.endpoint.as_str()), ("AWS_SESSION_TOKEN", self.session_token.as_str())];
        let run = platformctl_with_env(&self.dir, &full, &env);
        self.transcript.push_str(&run.stdout);
        self.transcript.push_str(&run.stderr);
        run.expect(code, what)
    }

    fn plan_json(&mut self, code: i32) -> Json {
        let run = self.run(&["plan", "--json", "--detailed-exitcode"], code, "plan --json");
        serde_json::from_str(&run.stdout).unwrap_or_else(|e| panic!("plan --json is not JSON ({e}):\n{}", run.stdout))
    }

    fn edit(&self, from: &str, to: &str) {
        let yaml = std::fs::read_to_string(&self.file).unwrap();
        assert!(yaml.contains(from), "the stack file has no `{from}`");
        std::fs::write(&self.file, yaml.replacen(from, to, 1)).unwrap();
    }

    /// Drops the EKS cluster, repositories and log groups (tests/e2e_eks.rs covers them).
    fn without_compute(&self) {
        let yaml = std::fs::read_to_string(&self.file).unwrap();
        let cut = yaml.find("\neks:\n").expect("the stack has an eks section");
        std::fs::write(&self.file, &yaml[..=cut]).unwrap();
    }

    /// Drops the Redis group from the stack file; its token's secret stays (a generated value
    /// of its own, searched for like the group's would be).
    fn without_redis(&self) {
        let yaml = std::fs::read_to_string(&self.file).unwrap();
        let cut = yaml.find("\nredis:\n").expect("the stack has a redis section");
        std::fs::write(&self.file, &yaml[..=cut]).unwrap();
    }

    fn state(&self) -> Json {
        read_state(&self.dir, self.name)
    }

    fn state_text(&self) -> String {
        std::fs::read_to_string(self.dir.join(".platformctl").join(format!("{}.state.json", self.name))).unwrap()
    }
}

async fn data_tier(kind: Kind) {
    let mut s = Stack::new(kind, "stacks/user-service.yaml", "user-service");
    s.without_compute();
    // moto never finishes deleting a replication group (it stays `deleting`), so a destroy
    // would wait for it until the timeout: on moto the stack runs without Redis, which
    // ministack covers end to end.
    let with_redis = matches!(kind, Kind::Ministack);
    if !with_redis {
        s.without_redis();
    }
    let config = s.emu.sdk_config().await;
    let rds = aws_sdk_rds::Client::new(&config);
    let secrets = aws_sdk_secretsmanager::Client::new(&config);
    let ssm = aws_sdk_ssm::Client::new(&config);
    let elasticache = aws_sdk_elasticache::Client::new(&config);

    let first = s.plan_json(2);
    let creates = addresses(&first, "create");
    for a in ["secret.postgres-master", "postgres.users", "postgres.users.replica[1]", "postgres.users.ssm[password]"] {
        assert!(creates.contains(a), "{a} missing from the first plan: {creates:?}");
    }
    assert_eq!(creates.contains("redis.sessions"), with_redis);
    let human = s.run(&["plan"], 0, "human plan");
    assert!(human.stdout.contains("value = (sensitive"), "{}", human.stdout);
    s.run(&["apply", "--auto-approve"], 0, "apply");
    s.run(&["plan", "--detailed-exitcode"], 0, "plan after apply");

    // The generated values went to AWS, and only there.
    let state = s.state();
    let password_arn = state["resources"]["secret.postgres-master"]["id"].as_str().unwrap().to_owned();
    let token_arn = state["resources"]["secret.redis-auth"]["id"].as_str().unwrap().to_owned();
    let db_secret = secret_json(&secrets, &password_arn).await;
    let password = db_secret["password"].as_str().unwrap().to_owned();
    assert_eq!(password.len(), 32);
    let endpoint = state["resources"]["postgres.users"]["outputs"]["address"].as_str().unwrap();
    assert_eq!(db_secret["host"], endpoint, "the secret's host is the instance's endpoint: {db_secret}");
    assert_eq!((db_secret["port"].clone(), db_secret["username"].clone()), (5432.into(), "app".into()));
    assert_eq!((db_secret["engine"].clone(), db_secret["dbname"].clone()), ("postgres".into(), "users".into()));
    let token = if with_redis {
        let redis_secret = secret_json(&secrets, &token_arn).await;
        let endpoint = &state["resources"]["redis.sessions"]["outputs"]["endpoint"];
        assert_eq!(&redis_secret["host"], endpoint, "the secret's host is the group's endpoint");
        let token = redis_secret["auth_token"].as_str().unwrap().to_owned();
        assert_eq!(token.len(), 64);
        assert!(token.chars().all(|c| c.is_ascii_alphanumeric()), "punctuation: false");
        token
    } else {
        // Without its group the secret holds the bare generated value.
        let value = secrets.get_secret_value().secret_id(&token_arn).send().await.unwrap();
        let token = value.secret_string().unwrap().to_owned();
        assert_eq!(token.len(), 64, "the generated token");
        token
    };
    let published = ssm.get_parameter().name("/user-service/db/password").with_decryption(true).send().await.unwrap();
    assert_eq!(published.parameter().unwrap().value(), Some(password.as_str()), "SSM holds the secret's password");
    let ssm_endpoint = ssm.get_parameter().name("/user-service/db/endpoint").send().await.unwrap();
    assert_eq!(ssm_endpoint.parameter().unwrap().value(), Some(endpoint));
    // The password's parameter is encrypted with the key of the secret it copies (the stack's).
    let filter = aws_sdk_ssm::types::ParameterStringFilter::builder()
        .key("Name")
        .values("/user-service/db/password")
        .build()
        .unwrap();
    let described = ssm.describe_parameters().parameter_filters(filter).send().await.unwrap();
    let key = aws_sdk_kms::Client::new(&config).describe_key().key_id("alias/user-service-data").send().await.unwrap();
    assert_eq!(described.parameters()[0].key_id(), key.key_metadata().unwrap().arn(), "{described:?}");
    let secret = secrets.describe_secret().secret_id(&password_arn).send().await.unwrap();
    assert_eq!(secret.kms_key_id(), key.key_metadata().unwrap().arn(), "the secret is encrypted with the stack's key");
    let db = describe_db(&rds, "user-service-users").await;
    assert_eq!(db.kms_key_id(), key.key_metadata().unwrap().arn(), "the storage is encrypted with the stack's key");
    let output = s.run(&["output", "--json"], 0, "output");
    let output: Json = serde_json::from_str(&output.stdout).unwrap();
    assert_eq!(output["postgres.users"]["endpoint"], endpoint);
    assert_eq!(output["postgres.users"]["secret_arn"], password_arn.as_str());
    assert_eq!(output["redis.sessions"]["endpoint"].is_string(), with_redis, "{output:#}");

    // In place: a bigger instance class, a second replica, a second Redis replica (moto does
    // not implement IncreaseReplicaCount — an HTML 500 — so that part runs on ministack).
    let redis_replicas = with_redis;
    s.edit("instance_class: db.t4g.medium", "instance_class: db.t4g.large");
    s.edit("read_replicas: 1", "read_replicas: 2");
    if redis_replicas {
        s.edit("replicas_per_shard: 1", "replicas_per_shard: 2");
    }
    let plan = s.plan_json(2);
    assert_eq!(addresses(&plan, "create"), set(&["postgres.users.replica[2]"]), "{plan:#}");
    assert!(addresses(&plan, "replace").is_empty() && addresses(&plan, "delete").is_empty(), "{plan:#}");
    let mut updated = set(&["postgres.users", "postgres.users.replica[1]"]);
    if redis_replicas {
        updated.insert("redis.sessions".into());
        assert_eq!(attribute_names(find(&plan, "redis.sessions").unwrap()), ["replicas_per_shard"]);
    }
    assert_eq!(addresses(&plan, "update"), updated, "{plan:#}");
    assert_eq!(attribute_names(find(&plan, "postgres.users").unwrap()), ["instance_class"]);
    s.run(&["apply", "--auto-approve"], 0, "apply in-place changes");
    s.run(&["plan", "--detailed-exitcode"], 0, "plan after in-place changes");
    let class = describe_db(&rds, "user-service-users").await;
    assert_eq!(class.db_instance_class(), Some("db.t4g.large"));

    // Encryption cannot change in place: the plan says replace, and why; apply refuses while
    // deletion protection is on, and without --allow-data-loss once it is off. (The stack's
    // key goes with encryption: a key needs it.)
    const ENCRYPTED: &str = "storage_encrypted: true\n    kms_key: data";
    const UNENCRYPTED: &str = "storage_encrypted: false";
    s.edit(ENCRYPTED, UNENCRYPTED);
    let plan = s.plan_json(2);
    let change = find(&plan, "postgres.users").unwrap();
    assert_eq!(change["action"], "replace", "{change:#}");
    let reasons = change["reasons"].as_array().unwrap();
    assert!(
        reasons.iter().any(|r| r.as_str().unwrap().contains("`storage_encrypted` forces replacement")),
        "{change:#}"
    );
    assert_eq!(plan["data_loss"][0]["address"], "postgres.users");
    assert_eq!(plan["data_loss"][0]["deletion_protection"], true);
    let refused = s.run(&["apply", "--auto-approve", "--allow-data-loss"], 1, "apply refuses: protected");
    assert!(refused.stderr.contains("deletion protection is on"), "{}", refused.stderr);
    let human = s.run(&["plan"], 0, "plan shows the data loss");
    assert!(human.stdout.contains("DATA LOSS"), "{}", human.stdout);
    s.edit(UNENCRYPTED, ENCRYPTED);
    s.edit("deletion_protection: true", "deletion_protection: false");
    s.run(&["apply", "--auto-approve"], 0, "turn deletion protection off");
    s.edit(ENCRYPTED, UNENCRYPTED);
    let refused = s.run(&["apply", "--auto-approve"], 1, "apply refuses: data loss not allowed");
    assert!(refused.stderr.contains("--allow-data-loss"), "{}", refused.stderr);
    assert_eq!(describe_db(&rds, "user-service-users").await.storage_encrypted(), Some(true), "nothing changed");
    s.edit(UNENCRYPTED, ENCRYPTED);
    s.run(&["plan", "--detailed-exitcode"], 0, "back to no changes");

    // Drift: backups shortened behind platformctl's back.
    rds.modify_db_instance()
        .db_instance_identifier("user-service-users")
        .backup_retention_period(1)
        .apply_immediately(true)
        .send()
        .await
        .unwrap();
    let plan = s.plan_json(2);
    let change = find(&plan, "postgres.users").unwrap();
    assert_eq!(change["action"], "update", "{change:#}");
    assert_eq!(change["drift"], true, "{change:#}");
    assert_eq!(change["attributes"][0]["name"], "backup_retention_days");
    assert_eq!(
        (change["attributes"][0]["before"].clone(), change["attributes"][0]["after"].clone()),
        (1.into(), 7.into())
    );
    s.run(&["apply", "--auto-approve"], 0, "repair drift");
    s.run(&["plan", "--detailed-exitcode"], 0, "plan after repair");
    assert_eq!(describe_db(&rds, "user-service-users").await.backup_retention_period(), Some(7));

    // Destroy: refused without --allow-data-loss, then everything goes, a final snapshot stays.
    let refused = s.run(&["destroy", "--auto-approve"], 1, "destroy refuses without --allow-data-loss");
    assert!(refused.stderr.contains("postgres.users"), "{}", refused.stderr);
    let json_plans = s.transcript.clone();
    let state_before_destroy = s.state_text();
    // Saved plans (`plan --out`) of an apply and of a destroy hold every attribute and every
    // live read: searched below too.
    s.run(&["plan", "--out", "apply.plan"], 0, "plan --out");
    s.run(&["plan", "--destroy", "--out", "destroy.plan"], 0, "plan --destroy --out");
    let saved_plans =
        ["apply.plan", "destroy.plan"].map(|f| std::fs::read_to_string(s.dir.join(f)).unwrap()).join("\n");
    assert!(saved_plans.contains("postgres.users"), "the saved plans cover the database");
    s.run(&["destroy", "--auto-approve", "--allow-data-loss"], 0, "destroy");
    let snapshots = rds.describe_db_snapshots().db_instance_identifier("user-service-users").send().await.unwrap();
    assert!(
        snapshots.db_snapshots().iter().any(|x| x.db_snapshot_identifier().unwrap_or_default().contains("-final-")),
        "no final snapshot: {:?}",
        snapshots.db_snapshots()
    );
    assert_eq!(inventory(&s.emu, "user-service").await, Vec::<String>::new(), "EC2 resources remain");
    let instances = rds.describe_db_instances().send().await.unwrap();
    let left: Vec<_> = instances.db_instances().iter().filter_map(|d| d.db_instance_identifier()).collect();
    assert!(left.iter().all(|id| !id.starts_with("user-service-")), "instances remain: {left:?}");
    let groups = elasticache.describe_replication_groups().send().await.unwrap();
    assert!(groups.replication_groups().is_empty(), "{:?}", groups.replication_groups());
    let params = ssm.get_parameters_by_path().path("/user-service").recursive(true).send().await.unwrap();
    assert!(params.parameters().is_empty(), "{:?}", params.parameters());
    for arn in [&password_arn, &token_arn] {
        // Scheduled for deletion (the recovery window), or already gone: nothing else.
        match secrets.describe_secret().secret_id(arn).send().await {
            Ok(d) => assert!(d.deleted_date().is_some(), "{arn} is neither deleted nor scheduled for deletion"),
            Err(e) => assert!(
                e.as_service_error().is_some_and(|s| s.is_resource_not_found_exception()),
                "describing {arn} failed: {e:?}"
            ),
        }
    }
    assert!(s.state()["resources"].as_object().unwrap().is_empty());

    // Nowhere but AWS: not in the state (at any point), plans, stdout or stderr.
    for (what, text) in [
        ("state", &state_before_destroy),
        ("output", &json_plans),
        ("saved plans", &saved_plans),
        ("transcript", &s.transcript),
    ] {
        assert!(!text.contains(&password), "the generated password leaked into the {what}");
        assert!(!text.contains(&token), "the generated auth token leaked into the {what}");
        assert!(!text.contains(&s.session_token), "the session token leaked into the {what}");
    }
    assert!(s.transcript.contains("DEBUG"), "the runs logged at -vvv");
}

async fn aurora(kind: Kind, without_scaling: bool) {
    let mut s = Stack::new(kind, "examples/aurora.yaml", "orders");
    if without_scaling {
        s.edit("    reader_autoscaling: { min: 2, max: 5, target_cpu_percent: 60 }\n", "");
    }
    let config = s.emu.sdk_config().await;
    let rds = aws_sdk_rds::Client::new(&config);
    let secrets = aws_sdk_secretsmanager::Client::new(&config);
    s.run(&["apply", "--auto-approve"], 0, "apply");
    s.run(&["plan", "--detailed-exitcode"], 0, "plan after apply");
    let clusters = rds.describe_db_clusters().db_cluster_identifier("orders-orders").send().await.unwrap();
    let cluster = &clusters.db_clusters()[0];
    assert_eq!(cluster.engine(), Some("aurora-postgresql"));
    let members = rds.describe_db_instances().send().await.unwrap();
    let zones: std::collections::BTreeSet<_> = members
        .db_instances()
        .iter()
        .filter(|d| d.db_cluster_identifier() == Some("orders-orders"))
        .filter_map(|d| d.availability_zone())
        .collect();
    assert_eq!(zones.len(), 3, "three instances over three AZs: {zones:?}");
    let state = s.state();
    if !without_scaling {
        assert!(state["resources"]["aurora.orders.reader_scaling"]["id"].is_string());
    }
    let arn = state["resources"]["secret.orders-master"]["id"].as_str().unwrap().to_owned();
    let secret = secret_json(&secrets, &arn).await;
    assert_eq!(secret["host"], cluster.endpoint().unwrap(), "the secret points at the writer endpoint");
    let password = secret["password"].as_str().unwrap().to_owned();
    let output = s.run(&["output", "--json"], 0, "output");
    let output: Json = serde_json::from_str(&output.stdout).unwrap();
    assert!(output["aurora.orders"]["reader_endpoint"].is_string(), "{output:#}");

    s.run(&["destroy", "--auto-approve", "--allow-data-loss"], 1, "destroy refuses: deletion protection");
    s.edit("deletion_protection: true", "deletion_protection: false");
    s.run(&["apply", "--auto-approve"], 0, "turn deletion protection off");
    let state_text = s.state_text();
    s.run(&["destroy", "--auto-approve", "--allow-data-loss"], 0, "destroy");
    match rds.describe_db_clusters().db_cluster_identifier("orders-orders").send().await {
        Ok(out) => panic!("the cluster remains: {:?}", out.db_clusters()),
        Err(e) => assert!(
            e.as_service_error().is_some_and(|s| s.is_db_cluster_not_found_fault()),
            "the cluster's describe failed otherwise than not found: {e:?}"
        ),
    }
    assert_eq!(inventory(&s.emu, "orders").await, Vec::<String>::new());
    assert!(!state_text.contains(&password) && !s.transcript.contains(&password), "the password leaked");
    assert!(!s.transcript.contains(&s.session_token), "the session token leaked");
}

fn attribute_names(change: &Json) -> Vec<&str> {
    change["attributes"].as_array().unwrap().iter().map(|a| a["name"].as_str().unwrap()).collect()
}

async fn secret_json(client: &aws_sdk_secretsmanager::Client, arn: &str) -> Json {
    let value = client.get_secret_value().secret_id(arn).send().await.unwrap();
    serde_json::from_str(value.secret_string().unwrap()).unwrap()
}

async fn describe_db(rds: &aws_sdk_rds::Client, id: &str) -> aws_sdk_rds::types::DbInstance {
    let out = rds.describe_db_instances().db_instance_identifier(id).send().await.unwrap();
    out.db_instances()[0].clone()
}

#[tokio::test(flavor = "multi_thread")]
async fn a_destroyed_secret_comes_back_with_its_value_on_moto() {
    secret_restore(Kind::Moto).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_destroyed_secret_comes_back_with_its_value_on_ministack() {
    secret_restore(Kind::Ministack).await;
}

/// A stack destroyed and applied again within the secret's recovery window: Secrets Manager
/// refuses a new secret of that name, so platformctl restores the old one — same ARN, same
/// generated value (databases reading it keep working), no longer scheduled for deletion.
async fn secret_restore(kind: Kind) {
    let emu = Emulator::start(kind);
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("tokens.yaml"),
        "stack: tokens\nregion: eu-west-1\nsecrets:\n  api-token: { generate: { length: 40, punctuation: false } }\n",
    )
    .unwrap();
    let run = |args: &[&str], code: i32, what: &str| emu.platformctl(dir.path(), args).expect(code, what);
    let secrets = aws_sdk_secretsmanager::Client::new(&emu.sdk_config().await);
    run(&["apply", "tokens.yaml", "--auto-approve"], 0, "apply");
    let arn = read_state(dir.path(), "tokens")["resources"]["secret.api-token"]["id"].as_str().unwrap().to_owned();
    let value = secrets.get_secret_value().secret_id(&arn).send().await.unwrap().secret_string().unwrap().to_owned();
    run(&["destroy", "tokens.yaml", "--auto-approve"], 0, "destroy");
    let described = secrets.describe_secret().secret_id(&arn).send().await.unwrap();
    assert!(described.deleted_date().is_some(), "the destroy scheduled the secret for deletion");

    run(&["apply", "tokens.yaml", "--auto-approve"], 0, "apply again within the recovery window");
    let again = read_state(dir.path(), "tokens")["resources"]["secret.api-token"]["id"].as_str().unwrap().to_owned();
    assert_eq!(again, arn, "the same secret, restored");
    let described = secrets.describe_secret().secret_id(&arn).send().await.unwrap();
    assert!(described.deleted_date().is_none(), "no longer scheduled for deletion");
    let restored = secrets.get_secret_value().secret_id(&arn).send().await.unwrap();
    assert_eq!(restored.secret_string(), Some(value.as_str()), "its value kept");
    run(&["plan", "tokens.yaml", "--detailed-exitcode"], 0, "no changes");
}

/// Redis on ministack beyond the seed's group: replicas taken away (DecreaseReplicaCount), and
/// a cluster-mode group of three shards (ministack wants at least three; AWS two) created with
/// its configuration endpoint as the address applications use. Resharding has no emulator:
/// crates/aws/src/elasticache/tests.rs checks its requests.
#[tokio::test(flavor = "multi_thread")]
async fn redis_replicas_down_and_cluster_mode_on_ministack() {
    let emu = Emulator::start(Kind::Ministack);
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("cache.yaml");
    std::fs::write(
        &file,
        "stack: cache\nregion: eu-west-1\nchecks:\n  skip: { CKV_AWS_30: \"a throwaway cache of this test\", CKV_AWS_31: \"a throwaway cache of this test\" }\nnetwork:\n  cidr: 10.80.0.0/16\n  azs: [eu-west-1a, eu-west-1b]\n  public_subnets: [10.80.0.0/20, 10.80.16.0/20]\n  private_subnets: [10.80.128.0/18, 10.80.192.0/18]\n  nat_gateways: none\nredis:\n  sessions:\n    engine_version: \"7.1\"\n    node_type: cache.t4g.small\n    replicas_per_shard: 2\n    transit_encryption: false\n  sharded:\n    engine_version: \"7.1\"\n    node_type: cache.t4g.small\n    shards: 3\n    replicas_per_shard: 1\n    transit_encryption: false\n",
    )
    .unwrap();
    let run = |args: &[&str], code: i32, what: &str| emu.platformctl(dir.path(), args).expect(code, what);
    let elasticache = aws_sdk_elasticache::Client::new(&emu.sdk_config().await);
    let describe = |id: &'static str| {
        let client = elasticache.clone();
        async move {
            let out = client.describe_replication_groups().replication_group_id(id).send().await.unwrap();
            out.replication_groups()[0].clone()
        }
    };
    run(&["apply", "cache.yaml", "--auto-approve"], 0, "apply");
    run(&["plan", "cache.yaml", "--detailed-exitcode"], 0, "converged");
    let sharded = describe("cache-sharded").await;
    assert_eq!(sharded.node_groups().len(), 3, "three shards");
    assert_eq!(sharded.cluster_enabled(), Some(true));
    let output: Json = serde_json::from_str(&run(&["output", "cache.yaml", "--json"], 0, "output").stdout).unwrap();
    let configuration = sharded.configuration_endpoint().and_then(|e| e.address()).expect("a configuration endpoint");
    assert_eq!(output["redis.sharded"]["endpoint"], configuration, "applications use the configuration endpoint");
    assert_eq!(describe("cache-sessions").await.node_groups()[0].node_group_members().len(), 3, "primary and 2");

    support::edit_file(&file, "replicas_per_shard: 2", "replicas_per_shard: 1");
    let plan: Json = serde_json::from_str(
        &run(&["plan", "cache.yaml", "--json", "--detailed-exitcode"], 2, "fewer replicas").stdout,
    )
    .unwrap();
    assert_eq!(addresses(&plan, "update"), set(&["redis.sessions"]), "{plan:#}");
    assert_eq!(attribute_names(find(&plan, "redis.sessions").unwrap()), ["replicas_per_shard"]);
    run(&["apply", "cache.yaml", "--auto-approve"], 0, "decrease");
    run(&["plan", "cache.yaml", "--detailed-exitcode"], 0, "converged after the decrease");
    assert_eq!(describe("cache-sessions").await.node_groups()[0].node_group_members().len(), 2, "primary and 1");

    support::edit_file(&file, "shards: 3", "shards: 1");
    let refused = run(&["plan", "cache.yaml"], 1, "cluster mode off in place");
    assert!(refused.stderr.contains("cluster mode off"), "{}", refused.stderr);
}

/// A cache stack with one group, `redis_body` its fields.
fn cache_stack(name: &str, redis_body: &str) -> (tempfile::TempDir, PathBuf) {
    support::workdir_with_text(&format!(
        "stack: {name}\nregion: eu-west-1\nchecks:\n  skip: {{ CKV_AWS_30: \"a throwaway cache of this test\", CKV_AWS_31: \"a throwaway cache of this test\" }}\nnetwork:\n  cidr: 10.81.0.0/16\n  azs: [eu-west-1a, eu-west-1b]\n  public_subnets: [10.81.0.0/20, 10.81.16.0/20]\n  private_subnets: [10.81.128.0/18, 10.81.192.0/18]\n  nat_gateways: none\nredis:\n  sessions:\n    node_type: cache.t4g.small\n    transit_encryption: false\n{redis_body}"
    ))
}

/// Valkey with cluster mode on and a single shard (seed 000's configuration endpoint) on
/// ministack: created so, read back so, no changes, destroyed.
#[tokio::test(flavor = "multi_thread")]
async fn valkey_with_cluster_mode_and_one_shard_on_ministack() {
    let emu = Emulator::start(Kind::Ministack);
    let (dir, _) = cache_stack("valkey", "    engine: valkey\n    engine_version: \"8.0\"\n    cluster_mode: true\n");
    let d = dir.path();
    emu.platformctl(d, &["apply", "stack.yaml", "--auto-approve"]).expect(0, "apply");
    emu.platformctl(d, &["plan", "stack.yaml", "--detailed-exitcode"]).expect(0, "converged");
    let elasticache = aws_sdk_elasticache::Client::new(&emu.sdk_config().await);
    let out = elasticache.describe_replication_groups().replication_group_id("valkey-sessions").send().await.unwrap();
    let group = &out.replication_groups()[0];
    assert_eq!(group.engine(), Some("valkey"));
    assert_eq!(group.cluster_mode(), Some(&aws_sdk_elasticache::types::ClusterMode::Enabled), "{group:?}");
    assert_eq!(group.node_groups().len(), 1, "one shard");
    emu.platformctl(d, &["destroy", "stack.yaml", "--auto-approve", "--allow-data-loss"]).expect(0, "destroy");
}

/// Redis OSS with cluster mode on and one shard becomes Valkey in place on moto (ministack
/// ignores an engine change): the plan updates `engine` and `engine_version`, AWS reports
/// Valkey after, and the way back is refused. (moto never finishes deleting a replication
/// group: the test ends without a destroy; the emulator goes with it.)
#[tokio::test(flavor = "multi_thread")]
async fn redis_becomes_valkey_in_place_on_moto() {
    let emu = Emulator::start(Kind::Moto);
    let (dir, file) = cache_stack("engines", "    engine_version: \"7.1\"\n    cluster_mode: true\n");
    let d = dir.path();
    emu.platformctl(d, &["apply", "stack.yaml", "--auto-approve"]).expect(0, "apply");
    emu.platformctl(d, &["plan", "stack.yaml", "--detailed-exitcode"]).expect(0, "converged");
    let elasticache = aws_sdk_elasticache::Client::new(&emu.sdk_config().await);
    let describe = async || {
        let out = elasticache.describe_replication_groups().replication_group_id("engines-sessions").send().await;
        out.unwrap().replication_groups()[0].clone()
    };
    let group = describe().await;
    assert_eq!((group.engine(), group.cluster_enabled()), (Some("redis"), Some(true)));
    let output = emu.platformctl(d, &["output", "stack.yaml", "--json"]).expect(0, "output");
    let output: Json = serde_json::from_str(&output.stdout).unwrap();
    let configuration = group.configuration_endpoint().and_then(|e| e.address()).expect("a configuration endpoint");
    assert_eq!(output["redis.sessions"]["endpoint"], configuration, "clients use the configuration endpoint");

    support::edit_file(&file, "    engine_version: \"7.1\"\n", "    engine: valkey\n    engine_version: \"8.0\"\n");
    let plan = emu.platformctl(d, &["plan", "stack.yaml", "--json", "--detailed-exitcode"]).expect(2, "engine change");
    let plan: Json = serde_json::from_str(&plan.stdout).unwrap();
    let change = find(&plan, "redis.sessions").unwrap();
    assert_eq!(change["action"], "update", "{change:#}");
    assert_eq!(attribute_names(change), ["engine", "engine_version"]);
    emu.platformctl(d, &["apply", "stack.yaml", "--auto-approve"]).expect(0, "apply the engine change");
    assert_eq!(describe().await.engine(), Some("valkey"));
    emu.platformctl(d, &["plan", "stack.yaml", "--detailed-exitcode"]).expect(0, "converged on valkey");

    support::edit_file(&file, "    engine: valkey\n    engine_version: \"8.0\"\n", "    engine_version: \"7.1\"\n");
    let refused = emu.platformctl(d, &["plan", "stack.yaml"]).expect(1, "back to redis");
    assert!(refused.stderr.contains("Valkey back to Redis OSS"), "{}", refused.stderr);
}

/// `managed_password: true` on a PostgreSQL instance (moto reports its MasterUserSecret;
/// ministack does not for instances) and on an Aurora cluster (both report it).
#[tokio::test(flavor = "multi_thread")]
async fn an_rds_managed_password_on_moto() {
    managed_password(
        Kind::Moto,
        "postgres",
        "    instance_class: db.t4g.medium\n    storage_gb: 20\n    publish_ssm: /managed/db\n",
    )
    .await;
}

#[tokio::test(flavor = "multi_thread")]
async fn an_rds_managed_password_for_aurora_on_ministack() {
    managed_password(Kind::Ministack, "aurora", "    instance_class: db.r6g.large\n    instances: 1\n").await;
}

/// RDS generates the master password and keeps it in its own secret (ManageMasterUserPassword);
/// platformctl creates no secret, sends no password, publishes none to SSM, and shows the
/// secret's ARN as an output.
async fn managed_password(kind: Kind, section: &str, extra: &str) {
    let emu = Emulator::start(kind);
    let dir = tempfile::tempdir().unwrap();
    let version = if section == "aurora" { "16.8" } else { "16.4" };
    std::fs::write(
        dir.path().join("db.yaml"),
        format!(
            "stack: managed\nregion: eu-west-1\nnetwork:\n  cidr: 10.90.0.0/16\n  azs: [eu-west-1a, eu-west-1b]\n  public_subnets: [10.90.0.0/20, 10.90.16.0/20]\n  private_subnets: [10.90.128.0/18, 10.90.192.0/18]\n  nat_gateways: none\nsecurity_groups:\n  db:\n    description: Postgres\n    ingress:\n      - {{ protocol: tcp, port: 5432, from: private_subnets }}\n{section}:\n  orders:\n    engine_version: \"{version}\"\n    database: orders\n    username: app\n    managed_password: true\n    security_groups: [db]\n{extra}"
        ),
    )
    .unwrap();
    let run = |args: &[&str], code: i32, what: &str| emu.platformctl(dir.path(), args).expect(code, what);
    let config = emu.sdk_config().await;
    let plan = run(&["plan", "db.yaml"], 0, "plan");
    assert!(!plan.stdout.contains("secret."), "no secret of the stack: {}", plan.stdout);
    assert!(!plan.stdout.contains("ssm[password]"), "no password in SSM: {}", plan.stdout);
    run(&["apply", "db.yaml", "--auto-approve"], 0, "apply");
    run(&["plan", "db.yaml", "--detailed-exitcode"], 0, "converged");
    let rds = aws_sdk_rds::Client::new(&config);
    let secret = if section == "aurora" {
        let out = rds.describe_db_clusters().db_cluster_identifier("managed-orders").send().await.unwrap();
        out.db_clusters()[0].master_user_secret().and_then(|s| s.secret_arn()).map(str::to_owned)
    } else {
        describe_db(&rds, "managed-orders").await.master_user_secret().and_then(|s| s.secret_arn()).map(str::to_owned)
    }
    .expect("RDS keeps the password");
    let output: Json = serde_json::from_str(&run(&["output", "db.yaml", "--json"], 0, "output").stdout).unwrap();
    assert_eq!(output[format!("{section}.orders")]["managed_secret_arn"], secret.as_str(), "{output:#}");
    let state = read_state(dir.path(), "managed");
    assert!(state["resources"].as_object().unwrap().keys().all(|a| !a.starts_with("secret.")), "{state:#}");
    if section == "postgres" {
        let ssm = aws_sdk_ssm::Client::new(&config);
        let published = ssm.get_parameters_by_path().path("/managed/db").send().await.unwrap();
        let names: BTreeSet<&str> = published.parameters().iter().filter_map(|p| p.name()).collect();
        assert!(names.contains("/managed/db/endpoint") && !names.contains("/managed/db/password"), "{names:?}");
    }
}
