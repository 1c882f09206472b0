//! The secure defaults through the real binary on moto: a stack that sets none of the fields
//! gets, as AWS reports it after apply, a private EKS endpoint with all five control-plane log
//! types, its log group kept 365 days, an immutable and scanned ECR repository, a log group
//! kept 365 days, an encrypted PostgreSQL instance with deletion protection and 7 days of
//! backups, a VPC default security group without rules, and subnets tagged for the AWS Load
//! Balancer Controller (`kubernetes.io/role/elb` public, `.../internal-elb` private); destroy
//! needs deletion protection turned off first, and leaves a final snapshot.

mod support;

use support::{Emulator, Kind, edit_file};

const STACK: &str = "\
stack: defaults
region: eu-west-1
network:
  cidr: 10.74.0.0/16
  azs: [eu-west-1a, eu-west-1b]
  public_subnets:  [10.74.0.0/20, 10.74.16.0/20]
  private_subnets: [10.74.128.0/18, 10.74.192.0/18]
  nat_gateways: none
secrets:
  master:
    generate: { length: 32, punctuation: false }
    checks: { skip: { CKV2_AWS_57: \"a test database's password\" } }
postgres:
  db:
    engine_version: \"16.4\"
    instance_class: db.t4g.micro
    storage_gb: 20
    database: app
    username: app
    password_secret: master
eks:
  main:
    version: \"1.33\"
ecr:
  defaults-app: {}
log_groups:
  /defaults/app: {}
";

#[tokio::test(flavor = "multi_thread")]
async fn a_stack_that_says_nothing_gets_the_safe_settings_on_moto() {
    let emu = Emulator::start(Kind::Moto);
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("defaults.yaml");
    std::fs::write(&file, STACK).unwrap();
    let d = dir.path();
    emu.platformctl(d, &["apply", "defaults.yaml", "--auto-approve"]).expect(0, "apply");
    let config = emu.sdk_config().await;

    let eks = aws_sdk_eks::Client::new(&config);
    let cluster = eks.describe_cluster().name("defaults-main").send().await.unwrap();
    let cluster = cluster.cluster().unwrap();
    let vpc = cluster.resources_vpc_config().unwrap();
    assert_eq!((vpc.endpoint_public_access(), vpc.endpoint_private_access()), (false, true), "{vpc:?}");
    let mut logged: Vec<String> = cluster
        .logging()
        .unwrap()
        .cluster_logging()
        .iter()
        .filter(|l| l.enabled() == Some(true))
        .flat_map(|l| l.types().iter().map(|t| t.as_str().to_owned()))
        .collect();
    logged.sort();
    assert_eq!(logged, ["api", "audit", "authenticator", "controllerManager", "scheduler"]);

    let logs = aws_sdk_cloudwatchlogs::Client::new(&config);
    for group in ["/aws/eks/defaults-main/cluster", "/defaults/app"] {
        let found = logs.describe_log_groups().log_group_name_prefix(group).send().await.unwrap();
        let g = found.log_groups().iter().find(|g| g.log_group_name() == Some(group)).expect(group);
        assert_eq!(g.retention_in_days(), Some(365), "{group}");
    }

    let ecr = aws_sdk_ecr::Client::new(&config);
    let repos = ecr.describe_repositories().repository_names("defaults-app").send().await.unwrap();
    let repo = &repos.repositories()[0];
    assert_eq!(repo.image_tag_mutability().map(|m| m.as_str()), Some("IMMUTABLE"));
    assert_eq!(repo.image_scanning_configuration().map(|c| c.scan_on_push()), Some(true));

    let rds = aws_sdk_rds::Client::new(&config);
    let dbs = rds.describe_db_instances().db_instance_identifier("defaults-db").send().await.unwrap();
    let db = &dbs.db_instances()[0];
    assert_eq!(
        (db.deletion_protection(), db.storage_encrypted(), db.backup_retention_period(), db.publicly_accessible()),
        (Some(true), Some(true), Some(7), Some(false))
    );

    let ec2 = emu.ec2().await;
    let vpcs = ec2
        .describe_vpcs()
        .filters(aws_sdk_ec2::types::Filter::builder().name("tag:platformctl:stack").values("defaults").build())
        .send()
        .await
        .unwrap();
    let vpc_id = vpcs.vpcs()[0].vpc_id().unwrap().to_owned();
    let groups = ec2
        .describe_security_groups()
        .filters(aws_sdk_ec2::types::Filter::builder().name("vpc-id").values(&vpc_id).build())
        .filters(aws_sdk_ec2::types::Filter::builder().name("group-name").values("default").build())
        .send()
        .await
        .unwrap();
    let default_group = &groups.security_groups()[0];
    assert!(default_group.ip_permissions().is_empty() && default_group.ip_permissions_egress().is_empty());

    // A stack with an EKS cluster tags its subnets for the AWS Load Balancer Controller.
    let subnets = ec2
        .describe_subnets()
        .filters(aws_sdk_ec2::types::Filter::builder().name("vpc-id").values(&vpc_id).build())
        .send()
        .await
        .unwrap();
    let mut discovery: Vec<(bool, String)> = subnets
        .subnets()
        .iter()
        .map(|s| {
            let tag = s.tags().iter().find(|t| t.key().is_some_and(|k| k.starts_with("kubernetes.io/role/")));
            (
                s.map_public_ip_on_launch() == Some(true),
                format!("{:?}={:?}", tag.and_then(|t| t.key()), tag.and_then(|t| t.value())),
            )
        })
        .collect();
    discovery.sort();
    assert_eq!(
        discovery,
        [
            (false, "Some(\"kubernetes.io/role/internal-elb\")=Some(\"1\")".to_owned()),
            (false, "Some(\"kubernetes.io/role/internal-elb\")=Some(\"1\")".to_owned()),
            (true, "Some(\"kubernetes.io/role/elb\")=Some(\"1\")".to_owned()),
            (true, "Some(\"kubernetes.io/role/elb\")=Some(\"1\")".to_owned()),
        ]
    );

    // Destroy: refused while deletion protection is on; once it is off, a final snapshot stays.
    let refused = emu
        .platformctl(d, &["destroy", "defaults.yaml", "--auto-approve", "--allow-data-loss"])
        .expect(1, "destroy refused");
    assert!(refused.stderr.contains("deletion protection is on"), "{}", refused.stderr);
    edit_file(&file, "    password_secret: master\n", "    password_secret: master\n    deletion_protection: false\n");
    emu.platformctl(d, &["apply", "defaults.yaml", "--auto-approve"]).expect(0, "protection off");
    emu.platformctl(d, &["destroy", "defaults.yaml", "--auto-approve", "--allow-data-loss"]).expect(0, "destroy");
    let snapshots = rds.describe_db_snapshots().db_instance_identifier("defaults-db").send().await.unwrap();
    assert!(
        snapshots.db_snapshots().iter().any(|s| s.db_snapshot_identifier().unwrap_or_default().contains("-final-")),
        "no final snapshot: {:?}",
        snapshots.db_snapshots()
    );
}
