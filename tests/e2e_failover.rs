//! Seed 001's two regions with the repository's own stacks: the primary platform
//! (`stacks/user-service.yaml`, eu-west-1) and its failover stack
//! (`stacks/user-service-dr.yaml`, eu-central-1) — peered, with a cross-region read replica of
//! the primary's PostgreSQL and a failover EKS cluster whose node group sits in one AZ.
//!
//! Both stacks apply, re-plan with no changes (the primary never sees the DR stack's routes in
//! its tables as drift), the peering is active with routes both ways, the primary cannot be
//! destroyed while the DR stack uses it, the DR stack is destroyed first and the primary after
//! it, and nothing of either is left in either region.
//!
//! What each emulator cannot do (../shared/EMULATORS.md), and where it runs instead:
//! - ministack rejects a cross-region CreateDBInstanceReadReplica (InvalidParameterValue) and
//!   has no PromoteReadReplica: it runs both stacks whole except the replica entry.
//! - moto has no EKS add-on API: it runs the primary without `addons:` (and without Redis, whose
//!   deletion it never finishes), and the replica: created from the primary's ARN in the other
//!   region, encrypted with this region's key, the password copied into this region's secret.
//!   moto looks a cross-region replica's DBSubnetGroupName up in the source's region (its
//!   DBInstance.update sets it before the replica's own region), so the test first creates a
//!   group of that name in eu-west-1 — a shim for moto only, deleted at the end. moto accepts
//!   PromoteReadReplica but keeps reporting the source afterwards, so `promote` is seen to send
//!   it (counted by the proxy) and then time out waiting; the wait itself (available, no
//!   source), what promote records, and the plan after a promotion are tested in
//!   crates/aws/src/rds/promote_tests.rs, src/ops/promote.rs and crates/core/src/plan/tests.rs.

mod support;

use std::path::{Path, PathBuf};

use serde_json::Value as Json;
use support::inspect::{id, inventory_in, peering_route, read_state};
use support::proxy::{Faults, Proxy};
use support::{Emulator, Kind, Run, workdir_with};

const PRIMARY_REGION: &str = "eu-west-1";
const DR_REGION: &str = "eu-central-1";
const REPLICA: &str = "user-service-dr-users-replica";

struct TwoStacks {
    emu: Emulator,
    _dir: tempfile::TempDir,
    dir: PathBuf,
}

impl TwoStacks {
    fn new(kind: Kind) -> TwoStacks {
        let (dir, primary) = workdir_with("stacks/user-service.yaml");
        support::fit_to_emulator(kind, &primary);
        let dr = Path::new(env!("CARGO_MANIFEST_DIR")).join("stacks/user-service-dr.yaml");
        std::fs::copy(dr, dir.path().join("user-service-dr.yaml")).unwrap();
        let d = dir.path().to_owned();
        TwoStacks { emu: Emulator::start(kind), _dir: dir, dir: d }
    }

    fn run(&self, args: &[&str], code: i32, what: &str) -> Run {
        self.emu.platformctl(&self.dir, args).expect(code, what)
    }

    fn edit(&self, file: &str, from: &str, to: &str) {
        support::edit_file(&self.dir.join(file), from, to);
    }

    fn cut_block(&self, file: &str, from: &str, until_indent: usize) {
        support::cut_block(&self.dir.join(file), from, until_indent);
    }

    async fn client_config(&self, region: &str) -> aws_config::SdkConfig {
        self.emu.sdk_config_in(region).await
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn primary_and_failover_regions_on_moto() {
    let s = TwoStacks::new(Kind::Moto);
    println!(
        "moto: no EKS add-on API (404): the primary runs without `addons:`; Redis left out (moto never finishes deleting it); no CloudWatch alarms (moto does not answer the SDK's CBOR protocol)"
    );
    s.cut_block("user-service.yaml", "    addons:", 4);
    s.cut_block("user-service.yaml", "redis:", 0);
    s.cut_block("user-service.yaml", "alarms:", 0);
    s.cut_block("user-service-dr.yaml", "alarms:", 0);
    s.edit("user-service.yaml", "deletion_protection: true", "deletion_protection: false");
    both_regions(&s, true).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn primary_and_failover_regions_on_ministack() {
    let s = TwoStacks::new(Kind::Ministack);
    println!(
        "ministack: CreateDBInstanceReadReplica from another region's ARN is rejected (InvalidParameterValue) and PromoteReadReplica is unknown: the replica runs on moto (its alarms are left out on both: the SDK's CloudWatch protocol is not moto's)"
    );
    s.cut_block("user-service-dr.yaml", "postgres:", 0);
    s.cut_block("user-service-dr.yaml", "alarms:", 0);
    s.edit("user-service.yaml", "deletion_protection: true", "deletion_protection: false");
    both_regions(&s, false).await;
}

async fn both_regions(s: &TwoStacks, with_replica: bool) {
    let early = s.run(&["plan", "user-service-dr.yaml"], 1, "plan the DR stack before the primary exists");
    assert!(early.stderr.contains("stack `user-service` has no state"), "{}", early.stderr);
    s.run(&["apply", "user-service.yaml", "--auto-approve"], 0, "apply the primary");

    let rds_primary = aws_sdk_rds::Client::new(&s.client_config(PRIMARY_REGION).await);
    if with_replica {
        moto_subnet_group_shim(s, &rds_primary, true).await;
    }
    let applied = s.run(&["apply", "user-service-dr.yaml", "--auto-approve"], 0, "apply the failover stack");
    s.run(&["plan", "user-service-dr.yaml", "--detailed-exitcode"], 0, "DR re-plan");
    s.run(&["plan", "user-service.yaml", "--detailed-exitcode"], 0, "primary re-plan: the DR routes are not its drift");

    let primary = read_state(&s.dir, "user-service");
    let dr = read_state(&s.dir, "user-service-dr");
    check_peering(s, &primary, &dr).await;
    check_failover_cluster(s, &dr).await;
    if with_replica {
        check_replica(s, &rds_primary, &primary, &dr, &applied).await;
        promote_on_moto(s, &dr).await;
    }

    let refused = s.run(&["destroy", "user-service.yaml", "--auto-approve"], 1, "destroy the primary first");
    assert!(refused.stderr.contains("user-service-dr still uses"), "{}", refused.stderr);
    s.run(&["destroy", "user-service-dr.yaml", "--auto-approve", "--allow-data-loss"], 0, "destroy the failover stack");
    s.run(&["plan", "user-service.yaml", "--detailed-exitcode"], 0, "the primary untouched by the DR destroy");
    s.run(&["destroy", "user-service.yaml", "--auto-approve", "--allow-data-loss"], 0, "destroy the primary");
    if with_replica {
        moto_subnet_group_shim(s, &rds_primary, false).await;
    }
    nothing_left(s).await;
}

/// See the module comment: moto resolves a cross-region replica's subnet group in the source's
/// region. Creates (or deletes) a group of the DR stack's name there.
async fn moto_subnet_group_shim(s: &TwoStacks, rds: &aws_sdk_rds::Client, create: bool) {
    if !create {
        rds.delete_db_subnet_group().db_subnet_group_name("user-service-dr").send().await.unwrap();
        return;
    }
    println!(
        "moto: a DB subnet group `user-service-dr` is created in {PRIMARY_REGION} for its cross-region replica lookup"
    );
    let primary = read_state(&s.dir, "user-service");
    rds.create_db_subnet_group()
        .db_subnet_group_name("user-service-dr")
        .db_subnet_group_description("moto shim: see tests/e2e_failover.rs")
        .subnet_ids(id(&primary, "network.subnet.private[eu-west-1a]"))
        .subnet_ids(id(&primary, "network.subnet.private[eu-west-1b]"))
        .send()
        .await
        .unwrap();
}

async fn check_peering(s: &TwoStacks, primary: &Json, dr: &Json) {
    let peering = id(dr, "peering.primary");
    let frankfurt = aws_sdk_ec2::Client::new(&s.client_config(DR_REGION).await);
    let ireland = aws_sdk_ec2::Client::new(&s.client_config(PRIMARY_REGION).await);
    let described =
        frankfurt.describe_vpc_peering_connections().vpc_peering_connection_ids(&peering).send().await.unwrap();
    let connection = &described.vpc_peering_connections()[0];
    assert_eq!(connection.status().and_then(|s| s.code()).map(|c| c.as_str()), Some("active"));
    assert_eq!(connection.accepter_vpc_info().and_then(|v| v.vpc_id()), Some(id(primary, "network.vpc").as_str()));
    assert_eq!(connection.accepter_vpc_info().and_then(|v| v.region()), Some(PRIMARY_REGION));
    for az in ["eu-west-1a", "eu-west-1b"] {
        let table = id(primary, &format!("network.route_table.private[{az}]"));
        assert_eq!(peering_route(&ireland, &table, "10.1.0.0/16").await.as_deref(), Some(peering.as_str()), "{az}");
    }
    for az in ["eu-central-1a", "eu-central-1b"] {
        let table = id(dr, &format!("network.route_table.private[{az}]"));
        assert_eq!(peering_route(&frankfurt, &table, "10.0.0.0/16").await.as_deref(), Some(peering.as_str()), "{az}");
    }
}

/// The failover cluster's control plane spans both AZs; its node group only the first.
async fn check_failover_cluster(s: &TwoStacks, dr: &Json) {
    let eks = aws_sdk_eks::Client::new(&s.client_config(DR_REGION).await);
    let cluster = eks.describe_cluster().name("user-service-dr-dr").send().await.unwrap();
    let subnets: Vec<&str> = cluster
        .cluster()
        .and_then(|c| c.resources_vpc_config())
        .map(|v| v.subnet_ids())
        .unwrap_or_default()
        .iter()
        .map(String::as_str)
        .collect();
    assert!(subnets.len() >= 2, "the control plane needs two AZs: {subnets:?}");
    let group = id(dr, "eks.dr.node_group[apps]");
    let name = group.rsplit(':').next().unwrap_or(&group);
    let described =
        eks.describe_nodegroup().cluster_name("user-service-dr-dr").nodegroup_name(name).send().await.unwrap();
    let node_subnets = described.nodegroup().map(|n| n.subnets().to_vec()).unwrap_or_default();
    assert_eq!(node_subnets, vec![id(dr, "network.subnet.private[eu-central-1a]")], "nodes in eu-central-1a only");
}

async fn check_replica(s: &TwoStacks, rds_primary: &aws_sdk_rds::Client, primary: &Json, dr: &Json, applied: &Run) {
    let rds_dr = aws_sdk_rds::Client::new(&s.client_config(DR_REGION).await);
    let replica = rds_dr.describe_db_instances().db_instance_identifier(REPLICA).send().await.unwrap();
    let replica = &replica.db_instances()[0];
    let source_arn = primary["resources"]["postgres.users"]["outputs"]["arn"].as_str().unwrap();
    assert_eq!(replica.read_replica_source_db_instance_identifier(), Some(source_arn), "replicates the primary");
    assert_eq!(replica.storage_encrypted(), Some(true), "encrypted like its source");
    assert_eq!(replica.kms_key_id(), Some("alias/aws/rds"), "with a key of its own region");
    let source = rds_primary.describe_db_instances().db_instance_identifier("user-service-users").send().await.unwrap();
    let listed = source.db_instances()[0].read_replica_db_instance_identifiers();
    assert!(listed.iter().any(|r| r.ends_with(&format!(":db:{REPLICA}"))), "the source lists it: {listed:?}");

    // Its secret, in its region: the primary's password (compared, never printed), where to
    // write (the primary) and where to read (the replica).
    let secrets_dr = aws_sdk_secretsmanager::Client::new(&s.client_config(DR_REGION).await);
    let secrets_primary = aws_sdk_secretsmanager::Client::new(&s.client_config(PRIMARY_REGION).await);
    let secret = secret_json(&secrets_dr, &id(dr, "postgres.users-replica.secret")).await;
    let primary_secret = secret_json(&secrets_primary, &id(primary, "secret.postgres-master")).await;
    let password = primary_secret["password"].as_str().unwrap().to_owned();
    assert!(
        secret["password"].as_str() == Some(password.as_str()),
        "the replica's secret holds the primary's password"
    );
    assert_eq!(secret["host"], primary_secret["host"], "writes go to the primary until a promotion");
    assert_eq!(secret["reader_host"], replica.endpoint().and_then(|e| e.address()).unwrap());
    for (what, text) in [
        ("DR state", std::fs::read_to_string(s.dir.join(".platformctl/user-service-dr.state.json")).unwrap()),
        ("apply output", format!("{}{}", applied.stdout, applied.stderr)),
    ] {
        assert!(!text.contains(&password), "the primary's password leaked into the {what}");
    }
}

async fn secret_json(client: &aws_sdk_secretsmanager::Client, arn: &str) -> Json {
    let value = client.get_secret_value().secret_id(arn).send().await.unwrap();
    serde_json::from_str(value.secret_string().unwrap()).unwrap()
}

/// What moto allows of `promote` (see the module comment): the confirmation, the
/// PromoteReadReplica request, and a timed-out wait that says how to continue; then the plan
/// refuses `promoted: true` while AWS still reports a source.
async fn promote_on_moto(s: &TwoStacks, dr: &Json) {
    let address = "postgres.users-replica";
    let unconfirmed = s.run(&["promote", "user-service-dr.yaml", address], 1, "promote without a terminal");
    assert!(unconfirmed.stderr.contains("--auto-approve"), "{}", unconfirmed.stderr);
    let unknown = s.run(&["promote", "user-service-dr.yaml", "postgres.nope", "--auto-approve"], 1, "promote nothing");
    assert!(unknown.stderr.contains("replicas here: postgres.users-replica"), "{}", unknown.stderr);

    println!(
        "moto: after PromoteReadReplica it still reports ReadReplicaSourceDBInstanceIdentifier; promote's wait times out"
    );
    // Through the counting proxy: the timed-out wait must follow a PromoteReadReplica that
    // was really sent (not, say, a promote that gave up before it).
    let proxy = Proxy::start(&s.emu.endpoint, Faults::default()).await;
    let timed_out = support::platformctl_with_env(
        &s.dir,
        &["promote", "user-service-dr.yaml", address, "--auto-approve", "--wait-timeout", "3s"],
        &[("AWS_ENDPOINT_URL", proxy.endpoint.as_str())],
    )
    .expect(1, "promote on moto");
    assert_eq!(proxy.counts().get("PromoteReadReplica"), Some(&1), "{:?}", proxy.counts());
    let log = proxy.log();
    let sent = log.iter().position(|op| op == "PromoteReadReplica").unwrap();
    assert!(log[sent + 1..].iter().any(|op| op == "DescribeDBInstances"), "then waited: {log:?}");
    assert!(timed_out.stderr.contains("without a replication source within 3s"), "{}", timed_out.stderr);
    assert!(timed_out.stderr.contains("run `platformctl promote` again"), "{}", timed_out.stderr);
    let after = read_state(&s.dir, "user-service-dr");
    assert_eq!(after["resources"][address], dr["resources"][address], "nothing recorded before the wait ends");

    s.edit("user-service-dr.yaml", "postgres: users }", "postgres: users, promoted: true }");
    let refused = s.run(&["plan", "user-service-dr.yaml"], 1, "promoted: true while AWS reports a source");
    assert!(refused.stderr.contains("still replicates user-service-users"), "{}", refused.stderr);
    s.edit("user-service-dr.yaml", "postgres: users, promoted: true }", "postgres: users }");
}

/// Nothing of either stack in either region: EC2, RDS, EKS, IAM roles, live secrets.
async fn nothing_left(s: &TwoStacks) {
    for region in [PRIMARY_REGION, DR_REGION] {
        for stack in ["user-service", "user-service-dr"] {
            assert_eq!(inventory_in(&s.emu, stack, region).await, Vec::<String>::new(), "{stack} in {region}");
        }
        let config = s.client_config(region).await;
        let rds = aws_sdk_rds::Client::new(&config);
        let instances = rds.describe_db_instances().send().await.unwrap();
        let left: Vec<&str> = instances
            .db_instances()
            .iter()
            .filter_map(|d| d.db_instance_identifier())
            .filter(|i| i.starts_with("user-service"))
            .collect();
        assert!(left.is_empty(), "DB instances left in {region}: {left:?}");
        let groups = rds.describe_db_subnet_groups().send().await.unwrap();
        assert!(groups.db_subnet_groups().is_empty(), "subnet groups left in {region}");
        let clusters = aws_sdk_eks::Client::new(&config).list_clusters().send().await.unwrap();
        assert!(clusters.clusters().is_empty(), "clusters left in {region}: {:?}", clusters.clusters());
        let secrets = aws_sdk_secretsmanager::Client::new(&config).list_secrets().send().await.unwrap();
        let live: Vec<&str> =
            secrets.secret_list().iter().filter(|s| s.deleted_date().is_none()).filter_map(|s| s.name()).collect();
        assert!(live.is_empty(), "secrets not scheduled for deletion in {region}: {live:?}");
    }
    let iam = aws_sdk_iam::Client::new(&s.client_config(PRIMARY_REGION).await);
    let roles = iam.list_roles().send().await.unwrap();
    let left: Vec<&str> =
        roles.roles().iter().map(|r| r.role_name()).filter(|n| n.starts_with("user-service")).collect();
    assert!(left.is_empty(), "roles left: {left:?}");
}
