//! Two regions, two stacks, one state backend: `primary` in eu-west-1 and `primary-dr` in
//! eu-central-1, peered from the DR side. On both emulators (each serves every region on one
//! endpoint; the region comes from the request's signature): the peering is requested in
//! eu-central-1 and accepted in eu-west-1, routes to the other CIDR appear in both sides'
//! private route tables, both stacks re-plan with no changes (the primary never sees the DR
//! stack's routes in its tables as drift), the primary cannot be destroyed while the DR stack
//! peers with it, and destroying the DR stack removes its routes from the primary's tables.

mod support;

use support::inspect::{id, peering_route};
use support::{Emulator, Kind};

const PRIMARY: &str = "\
stack: primary
region: eu-west-1
network:
  cidr: 10.60.0.0/16
  azs: [eu-west-1a, eu-west-1b]
  public_subnets:  [10.60.0.0/20, 10.60.16.0/20]
  private_subnets: [10.60.128.0/18, 10.60.192.0/18]
  nat_gateways: single
";

const DR: &str = "\
stack: primary-dr
region: eu-central-1
network:
  cidr: 10.61.0.0/16
  azs: [eu-central-1a, eu-central-1b]
  public_subnets:  [10.61.0.0/21, 10.61.8.0/21]
  private_subnets: [10.61.64.0/18, 10.61.128.0/18]
  nat_gateways: single
peering:
  primary: { stack: primary }
";

#[tokio::test(flavor = "multi_thread")]
async fn two_regions_peered_on_moto() {
    two_regions(Kind::Moto).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn two_regions_peered_on_ministack() {
    two_regions(Kind::Ministack).await;
}

async fn ec2_in(emu: &Emulator, region: &str) -> aws_sdk_ec2::Client {
    aws_sdk_ec2::Client::new(&emu.sdk_config_in(region).await)
}

async fn two_regions(kind: Kind) {
    let emu = Emulator::start(kind);
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    std::fs::write(d.join("primary.yaml"), PRIMARY).unwrap();
    std::fs::write(d.join("primary-dr.yaml"), DR).unwrap();
    std::fs::write(
        d.join("overlapping.yaml"),
        DR.replace("stack: primary-dr", "stack: overlapping").replace("10.61.", "10.60."),
    )
    .unwrap();
    let run = |args: &[&str], code: i32, what: &str| emu.platformctl(d, args).expect(code, what);

    let early = run(&["plan", "primary-dr.yaml"], 1, "plan before the primary exists");
    assert!(early.stderr.contains("stack `primary` has no state"), "{}", early.stderr);
    run(&["apply", "primary.yaml", "--auto-approve"], 0, "apply the primary");
    let overlap = run(&["plan", "overlapping.yaml"], 1, "a peer with an overlapping CIDR");
    assert!(overlap.stderr.contains("overlaps `primary`'s 10.60.0.0/16"), "{}", overlap.stderr);

    run(&["apply", "primary-dr.yaml", "--auto-approve"], 0, "apply the DR stack");
    run(&["plan", "primary-dr.yaml", "--detailed-exitcode"], 0, "DR re-plan");
    run(&["plan", "primary.yaml", "--detailed-exitcode"], 0, "primary re-plan: the DR routes are not its drift");

    let dr_state = support::inspect::read_state(d, "primary-dr");
    let primary_state = support::inspect::read_state(d, "primary");
    let peering = id(&dr_state, "peering.primary");
    let frankfurt = ec2_in(&emu, "eu-central-1").await;
    let ireland = ec2_in(&emu, "eu-west-1").await;
    let described =
        frankfurt.describe_vpc_peering_connections().vpc_peering_connection_ids(&peering).send().await.unwrap();
    let connection = &described.vpc_peering_connections()[0];
    assert_eq!(connection.status().and_then(|s| s.code()).map(|c| c.as_str()), Some("active"));
    assert_eq!(
        connection.accepter_vpc_info().and_then(|v| v.vpc_id()),
        Some(id(&primary_state, "network.vpc").as_str())
    );
    for az in ["eu-west-1a", "eu-west-1b"] {
        let table = id(&primary_state, &format!("network.route_table.private[{az}]"));
        assert_eq!(peering_route(&ireland, &table, "10.61.0.0/16").await.as_deref(), Some(peering.as_str()), "{az}");
    }
    for az in ["eu-central-1a", "eu-central-1b"] {
        let table = id(&dr_state, &format!("network.route_table.private[{az}]"));
        assert_eq!(peering_route(&frankfurt, &table, "10.60.0.0/16").await.as_deref(), Some(peering.as_str()), "{az}");
    }

    // DNS resolution across the peering is read back: turned off behind platformctl's back it
    // is drift, and apply turns it on again. (ministack neither reports nor changes it.)
    if matches!(kind, Kind::Moto) {
        let dns = |c: &aws_sdk_ec2::types::VpcPeeringConnection| {
            let side = |i: Option<&aws_sdk_ec2::types::VpcPeeringConnectionVpcInfo>| {
                i.and_then(|i| i.peering_options()).and_then(|o| o.allow_dns_resolution_from_remote_vpc())
            };
            (side(c.requester_vpc_info()), side(c.accepter_vpc_info()))
        };
        assert_eq!(dns(connection), (Some(true), Some(true)), "turned on at creation, both sides");
        let off = aws_sdk_ec2::types::PeeringConnectionOptionsRequest::builder()
            .allow_dns_resolution_from_remote_vpc(false)
            .build();
        frankfurt
            .modify_vpc_peering_connection_options()
            .vpc_peering_connection_id(&peering)
            .requester_peering_connection_options(off)
            .send()
            .await
            .unwrap();
        let drift = run(&["plan", "primary-dr.yaml", "--json", "--detailed-exitcode"], 2, "DNS resolution off");
        let plan: serde_json::Value = serde_json::from_str(&drift.stdout).unwrap();
        let change = plan["changes"].as_array().unwrap().iter().find(|c| c["address"] == "peering.primary").unwrap();
        assert_eq!((change["action"].as_str(), change["drift"].as_bool()), (Some("update"), Some(true)), "{change:#}");
        assert_eq!(change["attributes"][0]["name"], "dns_resolution", "{change:#}");
        run(&["apply", "primary-dr.yaml", "--auto-approve"], 0, "turn it on again");
        run(&["plan", "primary-dr.yaml", "--detailed-exitcode"], 0, "no changes after the repair");
        let again =
            frankfurt.describe_vpc_peering_connections().vpc_peering_connection_ids(&peering).send().await.unwrap();
        assert_eq!(dns(&again.vpc_peering_connections()[0]), (Some(true), Some(true)));
    }

    let refused = run(&["destroy", "primary.yaml", "--auto-approve"], 1, "destroy the primary first");
    assert!(refused.stderr.contains("primary-dr still uses"), "{}", refused.stderr);
    run(&["destroy", "primary-dr.yaml", "--auto-approve"], 0, "destroy the DR stack");
    for az in ["eu-west-1a", "eu-west-1b"] {
        let table = id(&primary_state, &format!("network.route_table.private[{az}]"));
        assert_eq!(peering_route(&ireland, &table, "10.61.0.0/16").await, None, "the DR route left {az}");
    }
    run(&["plan", "primary.yaml", "--detailed-exitcode"], 0, "primary untouched by the DR destroy");
    run(&["destroy", "primary.yaml", "--auto-approve"], 0, "destroy the primary");
}
