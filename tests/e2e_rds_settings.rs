//! The RDS settings `platformctl check` asks for (CKV_AWS_161/162/353/129/226), the
//! maintenance and backup windows and Enhanced Monitoring, sent to AWS and read back, on the
//! emulator that answers each: on moto an instance's IAM authentication, log exports, minor
//! version upgrades, windows and Enhanced Monitoring (with its role), created and then changed
//! in place; on ministack an Aurora cluster's IAM authentication, created and changed, its
//! windows, Performance Insights on its members and on an instance (a month of history; a
//! longer one planned in place), and Enhanced Monitoring on its members. (moto reports no Performance Insights and ignores cluster modifications;
//! ministack keeps no log exports and ignores Performance Insights and minor upgrade
//! modifications: those combinations are not exercised.) And Aurora Serverless v2 on ministack:
//! the capacity range and `db.serverless` members, the range changed in place.

mod support;

use support::{Emulator, Kind, edit_file};

const NETWORK: &str = "\
region: eu-west-1
network:
  cidr: 10.75.0.0/16
  azs: [eu-west-1a, eu-west-1b]
  public_subnets:  [10.75.0.0/20, 10.75.16.0/20]
  private_subnets: [10.75.128.0/18, 10.75.192.0/18]
  nat_gateways: none
secrets:
  master: { generate: { length: 32, punctuation: false } }
security_groups:
  db:
    description: Postgres from the VPC
    ingress:
      - { protocol: tcp, port: 5432, from: vpc }
";

fn stack(name: &str, body: &str) -> (tempfile::TempDir, std::path::PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("stack.yaml");
    std::fs::write(&file, format!("stack: {name}\n{NETWORK}{body}")).unwrap();
    (dir, file)
}

#[tokio::test(flavor = "multi_thread")]
async fn instance_settings_are_sent_read_back_and_changed_on_moto() {
    let emu = Emulator::start(Kind::Moto);
    let (dir, file) = stack(
        "rds-settings",
        "postgres:\n  db:\n    engine_version: \"16.4\"\n    instance_class: db.t4g.micro\n    storage_gb: 20\n    database: app\n    username: app\n    password_secret: master\n    security_groups: [db]\n    deletion_protection: false\n    iam_auth: true\n    log_exports: [upgrade, postgresql]\n    auto_minor_version_upgrade: false\n    maintenance_window: sun:03:00-sun:04:00\n    backup_window: 01:00-01:30\n    enhanced_monitoring_seconds: 60\n",
    );
    let d = dir.path();
    emu.platformctl(d, &["apply", "stack.yaml", "--auto-approve"]).expect(0, "apply");
    emu.platformctl(d, &["plan", "stack.yaml", "--detailed-exitcode"]).expect(0, "converged");
    let rds = aws_sdk_rds::Client::new(&emu.sdk_config().await);
    let describe = async || {
        let out = rds.describe_db_instances().db_instance_identifier("rds-settings-db").send().await.unwrap();
        let db = out.db_instances()[0].clone();
        let mut logs = db.enabled_cloudwatch_logs_exports().to_vec();
        logs.sort();
        (db.iam_database_authentication_enabled(), logs, db.auto_minor_version_upgrade())
    };
    assert_eq!(describe().await, (Some(true), vec!["postgresql".to_owned(), "upgrade".to_owned()], Some(false)));
    let windows = async || {
        let out = rds.describe_db_instances().db_instance_identifier("rds-settings-db").send().await.unwrap();
        let db = &out.db_instances()[0];
        (db.preferred_maintenance_window().map(str::to_owned), db.preferred_backup_window().map(str::to_owned))
    };
    assert_eq!(windows().await, (Some("sun:03:00-sun:04:00".into()), Some("01:00-01:30".into())));
    let monitoring = async || {
        let out = rds.describe_db_instances().db_instance_identifier("rds-settings-db").send().await.unwrap();
        let db = &out.db_instances()[0];
        (db.monitoring_interval(), db.monitoring_role_arn().map(str::to_owned))
    };
    let iam = aws_sdk_iam::Client::new(&emu.sdk_config().await);
    let role = iam.get_role().role_name("rds-settings-rds-monitoring").send().await.unwrap();
    let role_arn = role.role().unwrap().arn().to_owned();
    let trust = percent_encoding::percent_decode_str(role.role().unwrap().assume_role_policy_document().unwrap());
    assert!(trust.decode_utf8_lossy().contains("monitoring.rds.amazonaws.com"), "the role trusts RDS monitoring");
    assert_eq!(monitoring().await, (Some(60), Some(role_arn)), "Enhanced Monitoring every minute");

    edit_file(&file, "    iam_auth: true\n", "    iam_auth: false\n");
    edit_file(&file, "    log_exports: [upgrade, postgresql]\n", "    log_exports: [postgresql]\n");
    edit_file(&file, "    auto_minor_version_upgrade: false\n", "");
    edit_file(&file, "sun:03:00-sun:04:00", "wed:22:00-wed:22:30");
    edit_file(&file, "    enhanced_monitoring_seconds: 60\n", "");
    let plan = emu.platformctl(d, &["plan", "stack.yaml", "--json", "--detailed-exitcode"]).expect(2, "changes");
    let plan: serde_json::Value = serde_json::from_str(&plan.stdout).unwrap();
    let change = plan["changes"].as_array().unwrap().iter().find(|c| c["address"] == "postgres.db").unwrap();
    assert_eq!(change["action"], "update", "in place: {change:#}");
    let mut names: Vec<&str> =
        change["attributes"].as_array().unwrap().iter().map(|a| a["name"].as_str().unwrap()).collect();
    names.sort();
    assert_eq!(
        names,
        [
            "auto_minor_version_upgrade",
            "iam_auth",
            "log_exports",
            "maintenance_window",
            "monitoring_interval",
            "monitoring_role_arn"
        ]
    );
    emu.platformctl(d, &["apply", "stack.yaml", "--auto-approve"]).expect(0, "apply the changes");
    assert_eq!(describe().await, (Some(false), vec!["postgresql".to_owned()], Some(true)));
    assert_eq!(windows().await, (Some("wed:22:00-wed:22:30".into()), Some("01:00-01:30".into())));
    assert_eq!(monitoring().await.0.unwrap_or(0), 0, "Enhanced Monitoring off");
    emu.platformctl(d, &["plan", "stack.yaml", "--detailed-exitcode"]).expect(0, "converged again");
    emu.platformctl(d, &["destroy", "stack.yaml", "--auto-approve", "--allow-data-loss"]).expect(0, "destroy");
}

#[tokio::test(flavor = "multi_thread")]
async fn aurora_iam_auth_and_performance_insights_on_ministack() {
    let emu = Emulator::start(Kind::Ministack);
    let (dir, file) = stack(
        "rds-insights",
        "aurora:\n  orders:\n    engine_version: \"16.8\"\n    instance_class: db.r6g.large\n    instances: 1\n    database: orders\n    username: app\n    managed_password: true\n    security_groups: [db]\n    deletion_protection: false\n    iam_auth: true\n    performance_insights: true\n    maintenance_window: mon:02:00-mon:03:00\n    backup_window: 23:30-00:15\n    enhanced_monitoring_seconds: 30\npostgres:\n  db:\n    engine_version: \"16.4\"\n    instance_class: db.t4g.micro\n    storage_gb: 20\n    database: app\n    username: app\n    password_secret: master\n    security_groups: [db]\n    deletion_protection: false\n    performance_insights: { retention_days: 31 }\n",
    );
    let d = dir.path();
    emu.platformctl(d, &["apply", "stack.yaml", "--auto-approve"]).expect(0, "apply");
    emu.platformctl(d, &["plan", "stack.yaml", "--detailed-exitcode"]).expect(0, "converged");
    let rds = aws_sdk_rds::Client::new(&emu.sdk_config().await);
    let cluster_iam = async || {
        let out = rds.describe_db_clusters().db_cluster_identifier("rds-insights-orders").send().await.unwrap();
        out.db_clusters()[0].iam_database_authentication_enabled()
    };
    assert_eq!(cluster_iam().await, Some(true));
    let out = rds.describe_db_clusters().db_cluster_identifier("rds-insights-orders").send().await.unwrap();
    let cluster = &out.db_clusters()[0];
    assert_eq!(
        (cluster.preferred_maintenance_window(), cluster.preferred_backup_window()),
        (Some("mon:02:00-mon:03:00"), Some("23:30-00:15")),
        "the cluster's windows"
    );
    for id in ["rds-insights-orders-1", "rds-insights-db"] {
        let out = rds.describe_db_instances().db_instance_identifier(id).send().await.unwrap();
        assert_eq!(out.db_instances()[0].performance_insights_enabled(), Some(true), "{id}");
        // The Aurora member is monitored every 30 s (the cluster's setting); the instance not.
        let interval = out.db_instances()[0].monitoring_interval().unwrap_or(0);
        assert_eq!(interval, if id.ends_with("-1") { 30 } else { 0 }, "{id}");
    }
    let out = rds.describe_db_instances().db_instance_identifier("rds-insights-db").send().await.unwrap();
    assert_eq!(out.db_instances()[0].performance_insights_retention_period(), Some(31), "a month of history");
    // A longer history is a change in place (ministack ignores the modification itself: planned
    // here, not applied).
    edit_file(&file, "retention_days: 31", "retention_days: 62");
    let plan = emu.platformctl(d, &["plan", "stack.yaml", "--json", "--detailed-exitcode"]).expect(2, "retention");
    assert_eq!(
        support::plan_changes(&plan),
        [("postgres.db".into(), "update".into(), vec!["performance_insights_retention_days".into()])]
    );
    edit_file(&file, "retention_days: 62", "retention_days: 31");
    edit_file(&file, "    iam_auth: true\n", "    iam_auth: false\n");
    emu.platformctl(d, &["apply", "stack.yaml", "--auto-approve"]).expect(0, "IAM auth off, in place");
    assert_eq!(cluster_iam().await, Some(false));
    emu.platformctl(d, &["plan", "stack.yaml", "--detailed-exitcode"]).expect(0, "converged again");
    emu.platformctl(d, &["destroy", "stack.yaml", "--auto-approve", "--allow-data-loss"]).expect(0, "destroy");
}

/// Aurora Serverless v2: the cluster's capacity range and `db.serverless` members, created, read
/// back, and the range widened in place.
#[tokio::test(flavor = "multi_thread")]
async fn aurora_serverless_v2_on_ministack() {
    let emu = Emulator::start(Kind::Ministack);
    let (dir, file) = stack(
        "rds-serverless",
        "aurora:\n  api:\n    engine_version: \"16.8\"\n    serverless: { min_acu: 0.5, max_acu: 4 }\n    instances: 2\n    database: api\n    username: app\n    managed_password: true\n    security_groups: [db]\n    deletion_protection: false\n",
    );
    let d = dir.path();
    emu.platformctl(d, &["apply", "stack.yaml", "--auto-approve"]).expect(0, "apply");
    emu.platformctl(d, &["plan", "stack.yaml", "--detailed-exitcode"]).expect(0, "converged");
    let rds = aws_sdk_rds::Client::new(&emu.sdk_config().await);
    let capacity = async || {
        let out = rds.describe_db_clusters().db_cluster_identifier("rds-serverless-api").send().await.unwrap();
        let range = out.db_clusters()[0].serverless_v2_scaling_configuration().cloned().unwrap();
        (range.min_capacity(), range.max_capacity())
    };
    assert_eq!(capacity().await, (Some(0.5), Some(4.0)));
    for n in 1..=2 {
        let id = format!("rds-serverless-api-{n}");
        let out = rds.describe_db_instances().db_instance_identifier(&id).send().await.unwrap();
        assert_eq!(out.db_instances()[0].db_instance_class(), Some("db.serverless"), "{id}");
    }
    edit_file(&file, "max_acu: 4", "max_acu: 16");
    let plan = emu.platformctl(d, &["plan", "stack.yaml", "--json", "--detailed-exitcode"]).expect(2, "wider");
    assert_eq!(
        support::plan_changes(&plan),
        [("aurora.api".into(), "update".into(), vec!["serverless_capacity".into()])]
    );
    emu.platformctl(d, &["apply", "stack.yaml", "--auto-approve"]).expect(0, "apply the range");
    assert_eq!(capacity().await, (Some(0.5), Some(16.0)));
    emu.platformctl(d, &["plan", "stack.yaml", "--detailed-exitcode"]).expect(0, "converged again");
    emu.platformctl(d, &["destroy", "stack.yaml", "--auto-approve", "--allow-data-loss"]).expect(0, "destroy");
}

/// A read replica of the stack's instance takes the primary's maintenance window, Enhanced
/// Monitoring and parameter group, and keeps backups of its own when its entry says so (set by
/// a modification once the replica is available, as RDS requires); re-planned without changes;
/// its backups changed in place. (ministack ignores an instance's backup window at creation
/// and reports `03:00-04:00`: the window is set on moto only.)
async fn replica_settings(kind: Kind) {
    let emu = Emulator::start(kind);
    let backup_window = if kind == Kind::Moto { "    backup_window: 01:00-01:30\n" } else { "" };
    let (dir, file) = stack(
        "replica-settings",
        &format!(
            "postgres:\n  db:\n    engine_version: \"16.4\"\n    instance_class: db.t4g.micro\n    storage_gb: 20\n    database: app\n    username: app\n    password_secret: master\n    security_groups: [db]\n    deletion_protection: false\n    maintenance_window: sun:03:00-sun:04:00\n{backup_window}    enhanced_monitoring_seconds: 60\n    parameters: {{ log_min_duration_statement: 500 }}\n    read_replicas:\n      - {{ backup_retention_days: 7 }}\n"
        ),
    );
    let d = dir.path();
    emu.platformctl(d, &["apply", "stack.yaml", "--auto-approve"]).expect(0, "apply");
    emu.platformctl(d, &["plan", "stack.yaml", "--detailed-exitcode"]).expect(0, "converged");
    let rds = aws_sdk_rds::Client::new(&emu.sdk_config().await);
    let replica = async || {
        let out =
            rds.describe_db_instances().db_instance_identifier("replica-settings-db-replica-1").send().await.unwrap();
        let db = out.db_instances()[0].clone();
        (
            db.backup_retention_period(),
            db.preferred_maintenance_window().map(str::to_owned),
            db.monitoring_interval(),
            db.db_parameter_groups().first().and_then(|g| g.db_parameter_group_name()).map(str::to_owned),
        )
    };
    let group = Some("replica-settings-db-postgres16".to_owned());
    assert_eq!(replica().await, (Some(7), Some("sun:03:00-sun:04:00".into()), Some(60), group.clone()));

    edit_file(&file, "      - { backup_retention_days: 7 }\n", "      - { backup_retention_days: 3 }\n");
    let plan = emu.platformctl(d, &["plan", "stack.yaml", "--json", "--detailed-exitcode"]).expect(2, "backups");
    assert_eq!(
        support::plan_changes(&plan),
        [("postgres.db.replica[1]".into(), "update".into(), vec!["replica_backup_retention_days".into()])]
    );
    emu.platformctl(d, &["apply", "stack.yaml", "--auto-approve"]).expect(0, "backups changed");
    assert_eq!(replica().await.0, Some(3));
    emu.platformctl(d, &["plan", "stack.yaml", "--detailed-exitcode"]).expect(0, "converged again");
    emu.platformctl(d, &["destroy", "stack.yaml", "--auto-approve", "--allow-data-loss"]).expect(0, "destroy");
}

#[tokio::test(flavor = "multi_thread")]
async fn replica_settings_on_moto() {
    replica_settings(Kind::Moto).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn replica_settings_on_ministack() {
    replica_settings(Kind::Ministack).await;
}
