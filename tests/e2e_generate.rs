//! End to end, on both emulators: `platformctl generate` over what was made by hand (with the
//! SDK, not by platformctl) — a VPC with a public and a private subnet in two AZs, an internet
//! gateway, a public route table and one private table per AZ, a security group open to the
//! private subnets, a stray subnet in a third AZ that platformctl's network cannot say, an ECR
//! repository and a log group. The generated file validates; its first plan finds every
//! resource and shows no changes (lacking platformctl's ownership tags is not one), and a change
//! made in the generated YAML applies in place, adding them to that resource. generate never writes to AWS and refuses to write over a state.
//!
//! And a PostgreSQL instance with an RDS-managed password and a read replica in the private
//! subnets' subnet group:
//! generated (its identifier and subnet group's name kept) where the emulator reports the managed
//! password, listed as not expressed where it does not.
//!
//! Likewise a Redis group without an AUTH token (its description kept): generated where the
//! emulator describes its member clusters, listed where it does not.
//!
//! `--tag` finds what carries a tag, as far as each emulator's tagging API lists the service.
//!
//! An Aurora cluster in the same subnet group, with a cluster parameter group of its own that
//! requires TLS and an instance in each AZ: generated with its writer as instance 1 and the
//! group's parameters, its names kept.
//!
//! A secret is generated as `external`: after the apply its value is still the one put there.
//!
//! EKS clusters: tests/e2e_generate_eks.rs.

mod support;

use aws_sdk_ec2::types::{IpPermission, IpRange};
use serde_json::Value as Json;
use support::{Emulator, Kind, edit_file};

/// Everything made by hand; returns the VPC's id and the stray subnet's.
async fn made_by_hand(emu: &Emulator) -> (String, String) {
    let net = support::by_hand::network(emu, "10.90").await;
    let (vpc, private) = (net.vpc, net.private);
    let config = emu.sdk_config().await;
    let ec2 = aws_sdk_ec2::Client::new(&config);
    let stray = ec2.create_subnet().vpc_id(&vpc).cidr_block("10.90.32.0/20").availability_zone("eu-west-1c");
    let stray = stray.send().await.unwrap().subnet().unwrap().subnet_id().unwrap().to_owned();
    let sg = ec2
        .create_security_group()
        .group_name("pg-clients")
        .description("Postgres from the app tier")
        .vpc_id(&vpc)
        .send()
        .await
        .unwrap();
    let sg = sg.group_id().unwrap().to_owned();
    // One call per CIDR: AWS gives each its own rule id either way, ministack only this way.
    for cidr in ["10.90.128.0/18", "10.90.192.0/18"] {
        let range = IpRange::builder().cidr_ip(cidr).build();
        let permission =
            IpPermission::builder().ip_protocol("tcp").from_port(5432).to_port(5432).ip_ranges(range).build();
        ec2.authorize_security_group_ingress().group_id(&sg).ip_permissions(permission).send().await.unwrap();
    }
    // A database in the private subnets, its password managed by RDS.
    let rds = aws_sdk_rds::Client::new(&config);
    rds.create_db_subnet_group()
        .db_subnet_group_name("users-subnets")
        .db_subnet_group_description("made by hand")
        .set_subnet_ids(Some(private.to_vec()))
        .send()
        .await
        .unwrap();
    rds.create_db_instance()
        .db_instance_identifier("users-db")
        .engine("postgres")
        .engine_version("16.4")
        .db_instance_class("db.t4g.micro")
        .allocated_storage(20)
        .master_username("app")
        .manage_master_user_password(true)
        .db_name("users")
        .db_subnet_group_name("users-subnets")
        .vpc_security_group_ids(&sg)
        .storage_encrypted(true)
        .backup_retention_period(7)
        .send()
        .await
        .unwrap();
    rds.create_db_instance_read_replica()
        .db_instance_identifier("users-db-ro")
        .source_db_instance_identifier("users-db")
        .db_instance_class("db.t4g.small")
        .send()
        .await
        .unwrap();
    // An Aurora cluster in the same subnet group (a stack has one), its password managed by RDS,
    // with a cluster parameter group that requires TLS and two instances in the two AZs.
    rds.create_db_cluster_parameter_group()
        .db_cluster_parameter_group_name("orders-tls")
        .db_parameter_group_family("aurora-postgresql16")
        .description("TLS only")
        .send()
        .await
        .unwrap();
    let force_ssl = aws_sdk_rds::types::Parameter::builder()
        .parameter_name("rds.force_ssl")
        .parameter_value("1")
        .apply_method(aws_sdk_rds::types::ApplyMethod::PendingReboot)
        .build();
    rds.modify_db_cluster_parameter_group()
        .db_cluster_parameter_group_name("orders-tls")
        .parameters(force_ssl)
        .send()
        .await
        .unwrap();
    rds.create_db_cluster()
        .db_cluster_identifier("orders")
        .engine("aurora-postgresql")
        .engine_version("16.8")
        .master_username("app")
        .manage_master_user_password(true)
        .database_name("orders")
        .db_subnet_group_name("users-subnets")
        .vpc_security_group_ids(&sg)
        .storage_encrypted(true)
        .backup_retention_period(7)
        .db_cluster_parameter_group_name("orders-tls")
        .send()
        .await
        .unwrap();
    for (id, az) in [("orders-1", "eu-west-1a"), ("orders-2", "eu-west-1b")] {
        rds.create_db_instance()
            .db_instance_identifier(id)
            .db_cluster_identifier("orders")
            .engine("aurora-postgresql")
            .db_instance_class("db.r6g.large")
            .availability_zone(az)
            .send()
            .await
            .unwrap();
    }
    // A Redis group in the private subnets, without an AUTH token.
    let cache = aws_sdk_elasticache::Client::new(&config);
    cache
        .create_cache_subnet_group()
        .cache_subnet_group_name("sessions-subnets")
        .cache_subnet_group_description("made by hand")
        .set_subnet_ids(Some(private.to_vec()))
        .send()
        .await
        .unwrap();
    cache
        .create_replication_group()
        .replication_group_id("sessions")
        .replication_group_description("sessions, by hand")
        .engine("redis")
        .engine_version("7.1")
        .cache_node_type("cache.t4g.small")
        .num_cache_clusters(2)
        .cache_subnet_group_name("sessions-subnets")
        .security_group_ids(&sg)
        .at_rest_encryption_enabled(true)
        .send()
        .await
        .unwrap();
    let secrets = aws_sdk_secretsmanager::Client::new(&config);
    secrets
        .create_secret()
        .name("legacy/stripe-key")
        .description("Stripe's API key, rotated by hand")
        .secret_string("sk_test_made_by_hand")
        .send()
        .await
        .unwrap();
    let ecr = aws_sdk_ecr::Client::new(&config);
    ecr.create_repository().repository_name("legacy-api").send().await.unwrap();
    let logs = aws_sdk_cloudwatchlogs::Client::new(&config);
    logs.create_log_group().log_group_name("/legacy/app").send().await.unwrap();
    logs.put_retention_policy().log_group_name("/legacy/app").retention_in_days(30).send().await.unwrap();
    (vpc, stray)
}

fn plan(emu: &Emulator, dir: &std::path::Path, code: i32) -> Json {
    support::by_hand::plan(emu, dir, "legacy.yaml", code)
}

async fn generate_from_what_runs(kind: Kind) {
    let emu = Emulator::start(kind);
    let (vpc, stray) = made_by_hand(&emu).await;
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let args = [
        "generate",
        "--stack",
        "legacy",
        "--region",
        "eu-west-1",
        "--vpc",
        &vpc,
        "--postgres",
        "users-db",
        "--aurora",
        "orders",
        "--redis",
        "sessions",
        "--secret",
        "legacy/stripe-key",
        "--ecr",
        "legacy-api",
        "--log-group",
        "/legacy/app",
        "--out",
        "legacy.yaml",
    ];
    let generated = emu.platformctl(d, &args).expect(0, "generate");
    assert!(generated.stderr.contains("Nothing was changed in AWS"), "{}", generated.stderr);
    let yaml = std::fs::read_to_string(d.join("legacy.yaml")).unwrap();
    for line in [
        "  azs: [eu-west-1a, eu-west-1b]",
        "  public_subnets: [10.90.0.0/20, 10.90.16.0/20]",
        "  private_subnets: [10.90.128.0/18, 10.90.192.0/18]",
        "  nat_gateways: none",
        "  pg-clients:",
        "      - { protocol: tcp, port: 5432, from: private_subnets }",
        "  legacy-api: { scan_on_push: false, tag_mutability: mutable }",
        "  /legacy/app: { retention_days: 30 }",
        "  stripe-key: { external: true, description: \"Stripe's API key, rotated by hand\" }",
    ] {
        assert!(yaml.lines().any(|l| l == line), "`{line}` in:\n{yaml}");
    }
    assert!(yaml.contains(&format!("#   {stray}: subnet 10.90.32.0/20 in eu-west-1c")), "the stray subnet:\n{yaml}");
    // ministack reports no MasterUserSecret for an instance (EMULATORS.md has it for Aurora
    // only): there the database is listed, not expressed, as any one whose password platformctl
    // could not name.
    let database_expressed = kind == Kind::Moto;
    if database_expressed {
        for line in [
            "  users-db:",
            "    managed_password: true",
            "    database: users",
            "    engine_version: \"16.4\"",
            "    security_groups: [pg-clients]",
            // The replica's own backups as moto reports them (its source's period).
            "    read_replicas: [{ instance_class: db.t4g.small, backup_retention_days: 7 }]",
        ] {
            assert!(yaml.lines().any(|l| l == line), "`{line}` in:\n{yaml}");
        }
    } else {
        assert!(yaml.contains("#   users-db: its master password is not RDS-managed"), "{yaml}");
    }
    // The Aurora cluster, its writer first, with its cluster parameter group's parameters.
    for line in [
        "  orders:",
        "    instance_class: db.r6g.large",
        "    instances: 2",
        "    parameters: { rds.force_ssl: \"1\" }",
    ] {
        assert!(yaml.lines().any(|l| l == line), "`{line}` in:\n{yaml}");
    }
    // Reader auto scaling: none on moto; ministack has no Application Auto Scaling, which is said.
    let unread = yaml.contains("#   orders: its reader auto scaling could not be read");
    assert_eq!(unread, kind == Kind::Ministack, "{yaml}");
    // moto lists a replication group's member clusters but cannot describe them: there the
    // group is listed, not expressed (its security groups and subnet group are unknown).
    let cache_expressed = kind == Kind::Ministack;
    if cache_expressed {
        for line in
            ["  sessions:", "    engine_version: \"7.1\"", "    replicas_per_shard: 1", "    at_rest_encryption: true"]
        {
            assert!(yaml.lines().any(|l| l == line), "`{line}` in:\n{yaml}");
        }
    } else {
        assert!(yaml.contains("#   sessions: its member cluster sessions-001 could not be read"), "{yaml}");
    }
    emu.platformctl(d, &["validate", "legacy.yaml"]).expect(0, "the generated file is valid");

    // The first plan finds everything and changes nothing: lacking platformctl's ownership
    // tags is not a change (a notice says their next update adds them).
    let first = plan(&emu, d, 0);
    let notices: Vec<&str> = first["notices"].as_array().unwrap().iter().filter_map(|n| n.as_str()).collect();
    assert!(
        notices.iter().any(|n| n.contains("made without platformctl do not carry its ownership tags")),
        "{first:#}"
    );
    let state = support::inspect::read_state(d, "legacy");
    let mut found = vec![
        "network.vpc",
        "network.subnet.private[eu-west-1b]",
        "security_group.pg-clients",
        "ecr.legacy-api",
        "secret.stripe-key",
        "log_group[/legacy/app]",
    ];
    if database_expressed {
        found.extend(["postgres.users-db", "data.db_subnet_group"]);
    }
    if cache_expressed {
        found.extend(["redis.sessions"]);
    }
    for address in found {
        assert!(state["resources"][address]["id"].is_string(), "{address} found and recorded: {state:#}");
    }
    // The secret is platformctl's now; its value is still the one people put there.
    let secrets = aws_sdk_secretsmanager::Client::new(&emu.sdk_config().await);
    let value = secrets.get_secret_value().secret_id("legacy/stripe-key").send().await.unwrap();
    assert_eq!(value.secret_string(), Some("sk_test_made_by_hand"));
    let state = support::inspect::read_state(d, "legacy");
    assert_eq!(state["resources"]["network.vpc"]["id"], vpc.as_str());
    // Named without the stack's prefix, the group keeps its AWS name; so do the database and
    // its subnet group, whose names the stack would derive as `legacy-users-db` and `legacy`.
    assert_eq!(state["resources"]["security_group.pg-clients"]["attributes"]["group_name"], "pg-clients");
    for (address, id) in [
        ("aurora.orders", "orders"),
        ("aurora.orders.instance[1]", "orders-1"),
        ("aurora.orders.instance[2]", "orders-2"),
        ("aurora.orders.cluster_parameters", "orders-tls"),
        ("data.db_subnet_group", "users-subnets"),
    ] {
        assert_eq!(state["resources"][address]["id"], id, "{address}");
    }
    if database_expressed {
        assert_eq!(state["resources"]["postgres.users-db"]["id"], "users-db");
        assert_eq!(state["resources"]["postgres.users-db.replica[1]"]["id"], "users-db-ro");
        assert_eq!(state["resources"]["data.db_subnet_group"]["id"], "users-subnets");
    }

    // The generated YAML is the stack now: a change applies in place.
    edit_file(&d.join("legacy.yaml"), "retention_days: 30", "retention_days: 60");
    let changed = plan(&emu, d, 2);
    let planned: Vec<(&str, &str)> = changed["changes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| (c["address"].as_str().unwrap(), c["action"].as_str().unwrap()))
        .collect();
    assert_eq!(planned, [("log_group[/legacy/app]", "update")]);
    emu.platformctl(d, &["apply", "legacy.yaml", "--auto-approve", "--skip-checks"]).expect(0, "in place");
    plan(&emu, d, 0);
    // That update carried platformctl's ownership tags; the others still lack them.
    let state = support::inspect::read_state(d, "legacy");
    assert_eq!(state["resources"]["log_group[/legacy/app]"]["ownership_tags_pending"], Json::Null, "{state:#}");
    assert_eq!(state["resources"]["network.vpc"]["ownership_tags_pending"], true, "{state:#}");
    let logs = aws_sdk_cloudwatchlogs::Client::new(&emu.sdk_config().await);
    let groups = logs.describe_log_groups().log_group_name_prefix("/legacy/app").send().await.unwrap();
    let arn = groups.log_groups()[0].arn().unwrap().trim_end_matches(":*").to_owned();
    let tags = logs.list_tags_for_resource().resource_arn(arn).send().await.unwrap();
    assert_eq!(
        tags.tags().and_then(|t| t.get("platformctl:address")).map(String::as_str),
        Some("log_group:/legacy/app")
    );

    // An id that is not there is an error naming it; nothing is written.
    let nowhere = ["generate", "--stack", "other", "--region", "eu-west-1", "--vpc", "vpc-0123456789abcdef0"];
    let missing = emu.platformctl(d, &nowhere).expect(1, "an unknown VPC");
    assert!(missing.stderr.contains("vpc-0123456789abcdef0"), "{}", missing.stderr);
    assert!(!d.join(".platformctl/other.state.json").exists());
    // By tag, as far as the emulator's tagging API lists each service: moto lists log groups
    // and not ECR, ministack ECR and not log groups (nor EC2).
    let config = emu.sdk_config().await;
    let ecr = aws_sdk_ecr::Client::new(&config);
    let team = aws_sdk_ecr::types::Tag::builder().key("team").value("tagged").build().unwrap();
    ecr.create_repository().repository_name("tagged-api").tags(team).send().await.unwrap();
    let logs = aws_sdk_cloudwatchlogs::Client::new(&config);
    logs.create_log_group().log_group_name("/tagged/app").tags("team", "tagged").send().await.unwrap();
    let tagged =
        ["generate", "--stack", "tagged", "--region", "eu-west-1", "--tag", "team=tagged", "--out", "tagged.yaml"];
    emu.platformctl(d, &tagged).expect(0, "generate --tag");
    let yaml = std::fs::read_to_string(d.join("tagged.yaml")).unwrap();
    let listed = match kind {
        Kind::Moto => "  /tagged/app: { retention_days: never }",
        Kind::Ministack => "  tagged-api: { scan_on_push: false, tag_mutability: mutable }",
    };
    assert!(yaml.lines().any(|l| l == listed), "`{listed}` in:\n{yaml}");
    assert!(!yaml.contains("legacy"), "only what carries the tag:\n{yaml}");
    emu.platformctl(d, &["validate", "tagged.yaml"]).expect(0, "valid");
    // The tag every resource found carries is the stack's: the first plan removes none.
    assert!(yaml.lines().any(|l| l == "tags: { team: \"tagged\" }"), "{yaml}");
    let tagged_plan = support::by_hand::plan(&emu, d, "tagged.yaml", 0);
    assert_eq!(tagged_plan["changes"], serde_json::json!([]));
    let bad =
        emu.platformctl(d, &["generate", "--stack", "x", "--region", "eu-west-1", "--tag", "team"]).expect(1, "usage");
    assert!(bad.stderr.contains("expected KEY=VALUE"), "{}", bad.stderr);

    // Never over an existing state.
    let again = ["generate", "--stack", "legacy", "--region", "eu-west-1", "--vpc", &vpc, "--out", "other.yaml"];
    let refused = emu.platformctl(d, &again).expect(1, "an existing state");
    assert!(refused.stderr.contains("refusing to generate over the existing state"), "{}", refused.stderr);
    assert!(!d.join("other.yaml").exists());
}

#[tokio::test(flavor = "multi_thread")]
async fn moto_generates_a_stack_from_what_runs() {
    generate_from_what_runs(Kind::Moto).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn ministack_generates_a_stack_from_what_runs() {
    generate_from_what_runs(Kind::Ministack).await;
}
