//! Security group egress rules through the real binary, on moto and ministack: a group with
//! `egress:` loses AWS's allow-all egress rule and has exactly its own (one per CIDR of a tier,
//! or to another group), while a group without keeps the default; a changed rule is replaced,
//! `egress:` removed brings the default back; the default revoked behind platformctl's back is
//! shown and repaired; destroy leaves nothing.

mod support;

use aws_sdk_ec2::types::Filter;
use support::inspect::inventory;
use support::{Emulator, Kind, edit_file, workdir_with_text};

const STACK: &str = "\
stack: sg-egress
region: eu-west-1
network:
  cidr: 10.76.0.0/16
  azs: [eu-west-1a, eu-west-1b]
  public_subnets:  [10.76.0.0/20, 10.76.16.0/20]
  private_subnets: [10.76.128.0/18, 10.76.192.0/18]
  nat_gateways: none
security_groups:
  db:
    description: Postgres from the app
    ingress:
      - { protocol: tcp, port: 5432, from: sg:app }
  app:
    description: The app
    egress:
      - { protocol: tcp, port: 5432, to: sg:db }
      - { protocol: tcp, port: 443, to: private_subnets, description: internal APIs }
";

/// (allow-all egress present, own egress rules as `protocol:port:peer`), as EC2 reports them.
async fn egress_of(ec2: &aws_sdk_ec2::Client, name: &str) -> (bool, Vec<String>) {
    let groups = ec2
        .describe_security_groups()
        .filters(Filter::builder().name("group-name").values(name).build())
        .send()
        .await
        .unwrap();
    let group = &groups.security_groups()[0];
    let all_out = group
        .ip_permissions_egress()
        .iter()
        .any(|p| p.ip_protocol() == Some("-1") && p.ip_ranges().iter().any(|r| r.cidr_ip() == Some("0.0.0.0/0")));
    let rules = ec2
        .describe_security_group_rules()
        .filters(Filter::builder().name("group-id").values(group.group_id().unwrap()).build())
        .send()
        .await
        .unwrap();
    let mut own: Vec<String> = rules
        .security_group_rules()
        .iter()
        .filter(|r| r.is_egress() == Some(true) && r.ip_protocol() != Some("-1"))
        .map(|r| {
            let peer = r.cidr_ipv4().map(str::to_owned).unwrap_or_else(|| {
                let peer = r.referenced_group_info().and_then(|g| g.group_id()).unwrap_or_default();
                if peer.is_empty() { "?".to_owned() } else { "group".to_owned() }
            });
            format!("{}:{}:{peer}", r.ip_protocol().unwrap_or_default(), r.from_port().unwrap_or_default())
        })
        .collect();
    own.sort();
    (all_out, own)
}

async fn lifecycle(kind: Kind) {
    let emu = Emulator::start(kind);
    let (dir, file) = workdir_with_text(STACK);
    let d = dir.path();
    emu.platformctl(d, &["apply", "stack.yaml", "--auto-approve"]).expect(0, "apply");
    emu.platformctl(d, &["plan", "stack.yaml", "--detailed-exitcode"]).expect(0, "converged");
    let ec2 = emu.ec2().await;
    let tier = |port: u16| vec![format!("tcp:{port}:10.76.128.0/18"), format!("tcp:{port}:10.76.192.0/18")];
    let mut expected = tier(443);
    expected.push("tcp:5432:group".to_owned());
    expected.sort();
    assert_eq!(egress_of(&ec2, "sg-egress-app").await, (false, expected));
    assert_eq!(egress_of(&ec2, "sg-egress-db").await, (true, vec![]), "a group without `egress:` keeps the default");

    // A changed port is another permission: the old rules go, the new ones come.
    edit_file(&file, "port: 443, to: private_subnets", "port: 8443, to: private_subnets");
    let plan = emu.platformctl(d, &["plan", "stack.yaml", "--detailed-exitcode"]).expect(2, "changes");
    assert!(plan.stdout.contains("Plan: 2 to create, 0 to update, 0 to replace, 2 to delete."), "{}", plan.stdout);
    emu.platformctl(d, &["apply", "stack.yaml", "--auto-approve"]).expect(0, "apply the new port");
    let mut expected = tier(8443);
    expected.push("tcp:5432:group".to_owned());
    expected.sort();
    assert_eq!(egress_of(&ec2, "sg-egress-app").await, (false, expected));

    // Drift: the db group's default egress revoked by hand is named and put back.
    let db = ec2
        .describe_security_groups()
        .filters(Filter::builder().name("group-name").values("sg-egress-db").build())
        .send()
        .await
        .unwrap();
    let db_id = db.security_groups()[0].group_id().unwrap().to_owned();
    let all_out = aws_sdk_ec2::types::IpPermission::builder()
        .ip_protocol("-1")
        .ip_ranges(aws_sdk_ec2::types::IpRange::builder().cidr_ip("0.0.0.0/0").build())
        .build();
    ec2.revoke_security_group_egress().group_id(&db_id).ip_permissions(all_out).send().await.unwrap();
    let drift = emu.platformctl(d, &["plan", "stack.yaml", "--detailed-exitcode"]).expect(2, "drift");
    assert!(drift.stdout.contains("default_egress"), "{}", drift.stdout);
    emu.platformctl(d, &["apply", "stack.yaml", "--auto-approve"]).expect(0, "repair");
    assert_eq!(egress_of(&ec2, "sg-egress-db").await, (true, vec![]));

    // Without `egress:` the app group is back to AWS's default.
    support::cut_block(&file, "    egress:", 4);
    emu.platformctl(d, &["apply", "stack.yaml", "--auto-approve"]).expect(0, "egress removed");
    assert_eq!(egress_of(&ec2, "sg-egress-app").await, (true, vec![]));
    emu.platformctl(d, &["plan", "stack.yaml", "--detailed-exitcode"]).expect(0, "converged again");

    emu.platformctl(d, &["destroy", "stack.yaml", "--auto-approve"]).expect(0, "destroy");
    assert_eq!(inventory(&emu, "sg-egress").await, Vec::<String>::new());
}

#[tokio::test(flavor = "multi_thread")]
async fn egress_rules_on_moto() {
    lifecycle(Kind::Moto).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn egress_rules_on_ministack() {
    lifecycle(Kind::Ministack).await;
}
