//! Parameter groups end to end. On ministack (which resets parameters and reports their apply
//! types): a PostgreSQL 14 instance gets a group of its family with TLS required
//! (`rds.force_ssl`, off by default before 15) and the stack's parameters; a parameter changed
//! in place; one changed through the API shown as drift and repaired; a static one applied with
//! the instance rebooted (`reboot: allowed`); a major upgrade 14 → 16 in place, onto a new group
//! of the new family (the old one deleted, TLS now RDS's default); a downgrade refused; the
//! parameters removed (the instance back on RDS's default group, the group deleted); destroy
//! leaves no group. On moto: an Aurora cluster's group (TLS required: Aurora's default is off)
//! and its instances' group, created, changed in place, destroyed. (moto fails ResetDBParameterGroup
//! with a 500, so removing a parameter is exercised on ministack only.)

mod support;

use std::collections::BTreeMap;

use support::{Emulator, Kind, edit_file, plan_changes};

const NETWORK: &str = "\
region: eu-west-1
network:
  cidr: 10.76.0.0/16
  azs: [eu-west-1a, eu-west-1b]
  public_subnets:  [10.76.0.0/20, 10.76.16.0/20]
  private_subnets: [10.76.128.0/18, 10.76.192.0/18]
  nat_gateways: none
secrets:
  master: { generate: { length: 32, punctuation: false } }
";

fn stack(name: &str, body: &str) -> (tempfile::TempDir, std::path::PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("stack.yaml");
    std::fs::write(&file, format!("stack: {name}\n{NETWORK}{body}")).unwrap();
    (dir, file)
}

/// The parameters a group has set (`Source=user`), by name.
async fn user_parameters(rds: &aws_sdk_rds::Client, group: &str) -> BTreeMap<String, String> {
    let out = rds.describe_db_parameters().db_parameter_group_name(group).source("user").send().await.unwrap();
    out.parameters()
        .iter()
        .map(|p| (p.parameter_name().unwrap().to_owned(), p.parameter_value().unwrap_or_default().to_owned()))
        .collect()
}

async fn group_names(rds: &aws_sdk_rds::Client) -> Vec<String> {
    let out = rds.describe_db_parameter_groups().send().await.unwrap();
    out.db_parameter_groups().iter().filter_map(|g| g.db_parameter_group_name()).map(str::to_owned).collect()
}

async fn instance_group(rds: &aws_sdk_rds::Client, id: &str) -> (String, String) {
    let out = rds.describe_db_instances().db_instance_identifier(id).send().await.unwrap();
    let db = &out.db_instances()[0];
    let group = db.db_parameter_groups()[0].db_parameter_group_name().unwrap().to_owned();
    (group, db.engine_version().unwrap().to_owned())
}

fn pairs(list: &[(&str, &str)]) -> BTreeMap<String, String> {
    list.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())).collect()
}

#[tokio::test(flavor = "multi_thread")]
async fn postgres_parameters_reboots_and_a_major_upgrade_on_ministack() {
    let emu = Emulator::start(Kind::Ministack);
    let (dir, file) = stack(
        "params",
        "postgres:\n  db:\n    engine_version: \"14.12\"\n    instance_class: db.t4g.micro\n    storage_gb: 20\n    database: app\n    username: app\n    password_secret: master\n    deletion_protection: false\n    parameters:\n      log_min_duration_statement: 500\n      log_connections: true\n",
    );
    let d = dir.path();
    emu.platformctl(d, &["apply", "stack.yaml", "--auto-approve"]).expect(0, "apply");
    emu.platformctl(d, &["plan", "stack.yaml", "--detailed-exitcode"]).expect(0, "converged");
    let rds = aws_sdk_rds::Client::new(&emu.sdk_config().await);
    let expected = pairs(&[("log_connections", "1"), ("log_min_duration_statement", "500"), ("rds.force_ssl", "1")]);
    assert_eq!(user_parameters(&rds, "params-db-postgres14").await, expected, "TLS required below 15");
    assert_eq!(instance_group(&rds, "params-db").await, ("params-db-postgres14".into(), "14.12".into()));

    // In place; then a change made through the API is drift, repaired.
    edit_file(&file, "log_min_duration_statement: 500", "log_min_duration_statement: 250");
    let plan = emu.platformctl(d, &["plan", "stack.yaml", "--json", "--detailed-exitcode"]).expect(2, "in place");
    assert_eq!(plan_changes(&plan), [("postgres.db.parameters".into(), "update".into(), vec!["parameters".into()])]);
    emu.platformctl(d, &["apply", "stack.yaml", "--auto-approve"]).expect(0, "in place");
    assert_eq!(user_parameters(&rds, "params-db-postgres14").await["log_min_duration_statement"], "250");
    let by_hand = aws_sdk_rds::types::Parameter::builder()
        .parameter_name("log_connections")
        .parameter_value("0")
        .apply_method(aws_sdk_rds::types::ApplyMethod::Immediate)
        .build();
    rds.modify_db_parameter_group()
        .db_parameter_group_name("params-db-postgres14")
        .parameters(by_hand)
        .send()
        .await
        .unwrap();
    let plan = emu.platformctl(d, &["plan", "stack.yaml", "--json", "--detailed-exitcode"]).expect(2, "drift");
    let json: serde_json::Value = serde_json::from_str(&plan.stdout).unwrap();
    assert_eq!(json["changes"][0]["drift"], true, "{}", plan.stdout);
    emu.platformctl(d, &["apply", "stack.yaml", "--auto-approve"]).expect(0, "repair");
    assert_eq!(user_parameters(&rds, "params-db-postgres14").await["log_connections"], "1");

    // A parameter only a restart applies, with the reboot allowed: named in the plan, applied.
    edit_file(
        &file,
        "      log_connections: true\n",
        "      log_connections: true\n      shared_buffers: \"32768\"\n    reboot: allowed\n",
    );
    let plan = emu.platformctl(d, &["plan", "stack.yaml"]).expect(0, "static");
    assert!(
        plan.stdout.contains("`shared_buffers` applies only after a restart: platformctl reboots params-db"),
        "{}",
        plan.stdout
    );
    let applied = emu.platformctl(d, &["apply", "stack.yaml", "--auto-approve"]).expect(0, "static, rebooted");
    assert!(applied.stderr.contains("update postgres.db.parameters: done"), "{}", applied.stderr);
    assert_eq!(user_parameters(&rds, "params-db-postgres14").await["shared_buffers"], "32768");
    emu.platformctl(d, &["plan", "stack.yaml", "--detailed-exitcode"]).expect(0, "converged after the reboot");

    // A major upgrade, in place, onto a group of the new family; the old group deleted.
    edit_file(&file, "\"14.12\"", "\"16.4\"");
    let plan = emu.platformctl(d, &["plan", "stack.yaml"]).expect(0, "upgrade");
    assert!(plan.stdout.contains("major version upgrade 14.12 → 16.4, in place"), "{}", plan.stdout);
    assert!(!plan.stdout.contains("DATA LOSS"), "{}", plan.stdout);
    emu.platformctl(d, &["apply", "stack.yaml", "--auto-approve"]).expect(0, "upgrade");
    assert_eq!(instance_group(&rds, "params-db").await, ("params-db-postgres16".into(), "16.4".into()));
    let names = group_names(&rds).await;
    assert!(
        names.contains(&"params-db-postgres16".into()) && !names.contains(&"params-db-postgres14".into()),
        "{names:?}"
    );
    let upgraded = user_parameters(&rds, "params-db-postgres16").await;
    assert_eq!(upgraded.get("rds.force_ssl"), None, "PostgreSQL 16 requires TLS by default: {upgraded:?}");
    emu.platformctl(d, &["plan", "stack.yaml", "--detailed-exitcode"]).expect(0, "converged after the upgrade");

    edit_file(&file, "\"16.4\"", "\"15.7\"");
    let refused = emu.platformctl(d, &["plan", "stack.yaml"]).expect(1, "downgrade");
    assert!(refused.stderr.contains("RDS cannot downgrade PostgreSQL from 16.4 to 15.7"), "{}", refused.stderr);
    edit_file(&file, "\"15.7\"", "\"16.4\"");

    // No parameters: RDS's default group again, the stack's deleted.
    edit_file(
        &file,
        "    parameters:\n      log_min_duration_statement: 250\n      log_connections: true\n      shared_buffers: \"32768\"\n",
        "",
    );
    emu.platformctl(d, &["apply", "stack.yaml", "--auto-approve"]).expect(0, "back to the default group");
    assert_eq!(instance_group(&rds, "params-db").await.0, "default.postgres16");
    assert!(!group_names(&rds).await.iter().any(|g| g.starts_with("params-")), "the stack's group is deleted");
    emu.platformctl(d, &["plan", "stack.yaml", "--detailed-exitcode"]).expect(0, "converged on the default group");
    emu.platformctl(d, &["destroy", "stack.yaml", "--auto-approve", "--allow-data-loss"]).expect(0, "destroy");
}

#[tokio::test(flavor = "multi_thread")]
async fn aurora_cluster_and_instance_parameter_groups_on_moto() {
    let emu = Emulator::start(Kind::Moto);
    let (dir, file) = stack(
        "cparams",
        "aurora:\n  api:\n    engine_version: \"16.8\"\n    instance_class: db.r6g.large\n    instances: 2\n    database: api\n    username: app\n    managed_password: true\n    deletion_protection: false\n    parameters:\n      log_min_duration_statement: 500\n    instance_parameters:\n      shared_preload_libraries: pg_stat_statements\n",
    );
    let d = dir.path();
    emu.platformctl(d, &["apply", "stack.yaml", "--auto-approve"]).expect(0, "apply");
    emu.platformctl(d, &["plan", "stack.yaml", "--detailed-exitcode"]).expect(0, "converged");
    let rds = aws_sdk_rds::Client::new(&emu.sdk_config().await);
    let cluster_parameters = async || -> BTreeMap<String, String> {
        let out = rds
            .describe_db_cluster_parameters()
            .db_cluster_parameter_group_name("cparams-api-cluster-aurora-postgresql16")
            .source("user")
            .send()
            .await
            .unwrap();
        out.parameters()
            .iter()
            .map(|p| (p.parameter_name().unwrap().to_owned(), p.parameter_value().unwrap_or_default().to_owned()))
            .collect()
    };
    assert_eq!(cluster_parameters().await, pairs(&[("log_min_duration_statement", "500"), ("rds.force_ssl", "1")]));
    let cluster = rds.describe_db_clusters().db_cluster_identifier("cparams-api").send().await.unwrap();
    let cluster_group = cluster.db_clusters()[0].db_cluster_parameter_group().map(str::to_owned);
    assert_eq!(cluster_group.as_deref(), Some("cparams-api-cluster-aurora-postgresql16"));
    assert_eq!(instance_group(&rds, "cparams-api-2").await.0, "cparams-api-aurora-postgresql16");
    assert_eq!(
        user_parameters(&rds, "cparams-api-aurora-postgresql16").await,
        pairs(&[("shared_preload_libraries", "pg_stat_statements")])
    );

    edit_file(&file, "log_min_duration_statement: 500", "log_min_duration_statement: 1000");
    let plan = emu.platformctl(d, &["plan", "stack.yaml", "--json", "--detailed-exitcode"]).expect(2, "in place");
    assert_eq!(
        plan_changes(&plan),
        [("aurora.api.cluster_parameters".into(), "update".into(), vec!["parameters".into()])]
    );
    emu.platformctl(d, &["apply", "stack.yaml", "--auto-approve"]).expect(0, "in place");
    assert_eq!(cluster_parameters().await["log_min_duration_statement"], "1000");
    emu.platformctl(d, &["plan", "stack.yaml", "--detailed-exitcode"]).expect(0, "converged again");
    emu.platformctl(d, &["destroy", "stack.yaml", "--auto-approve", "--allow-data-loss"]).expect(0, "destroy");
    assert!(!group_names(&rds).await.iter().any(|g| g.starts_with("cparams-")), "no instance group left");
    let left = rds.describe_db_cluster_parameter_groups().send().await.unwrap();
    let left: Vec<_> =
        left.db_cluster_parameter_groups().iter().filter_map(|g| g.db_cluster_parameter_group_name()).collect();
    assert!(!left.iter().any(|g| g.starts_with("cparams-")), "no cluster group left: {left:?}");
}
