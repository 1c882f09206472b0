//! End to end, on both emulators: the real binary provisions seed 000's network from an empty
//! account, converges, takes YAML edits, sees and repairs drift made behind its back, and
//! destroys everything — then the AWS API is asked whether anything of the stack remains.

mod support;

use std::collections::BTreeSet;
use std::path::Path;

use aws_sdk_ec2::types::{Filter, NatGatewayState};
use serde_json::Value as Json;
use support::{Emulator, Kind, workdir_with};

const STACK: &str = "user-service";

#[tokio::test(flavor = "multi_thread")]
async fn network_lifecycle_on_moto() {
    lifecycle(Kind::Moto).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn network_lifecycle_on_ministack() {
    lifecycle(Kind::Ministack).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn three_az_example_applies_and_destroys_on_moto() {
    let emu = Emulator::start(Kind::Moto);
    let (dir, _) = workdir_with("examples/three-az.yaml");
    let d = dir.path();
    emu.platformctl(d, &["plan", "three-az.yaml", "--detailed-exitcode"]).expect(2, "plan");
    emu.platformctl(d, &["apply", "three-az.yaml", "--auto-approve"]).expect(0, "apply");
    assert_eq!(
        inventory(&emu, "three-az").await.len(),
        1 + 6 + 1 + 3 + 3 + 4 + 3,
        "VPC, 6 subnets, IGW, 3 EIPs, 3 NATs, 4 route tables, 3 groups"
    );
    emu.platformctl(d, &["plan", "three-az.yaml", "--detailed-exitcode"]).expect(0, "re-plan");
    emu.platformctl(d, &["destroy", "three-az.yaml", "--auto-approve"]).expect(0, "destroy");
    assert_eq!(inventory(&emu, "three-az").await, Vec::<String>::new());
}

async fn lifecycle(kind: Kind) {
    let emu = Emulator::start(kind);
    let (dir, stack_file) = workdir_with("stacks/user-service.yaml");
    let d = dir.path();
    let file = "user-service.yaml";

    emu.platformctl(d, &["validate", file]).expect(0, "validate");
    let first = emu.platformctl(d, &["plan", file, "--detailed-exitcode"]).expect(2, "first plan");
    assert!(first.stdout.contains("Plan: 25 to create, 0 to update, 0 to replace, 0 to delete."), "{}", first.stdout);

    emu.platformctl(d, &["apply", file, "--auto-approve"]).expect(0, "apply");
    let again = emu.platformctl(d, &["plan", file, "--detailed-exitcode"]).expect(0, "plan after apply");
    assert!(again.stdout.contains("No changes"), "{}", again.stdout);
    assert_eq!(
        inventory(&emu, STACK).await.len(),
        1 + 4 + 1 + 1 + 1 + 3 + 2,
        "VPC, 4 subnets, IGW, EIP, NAT, 3 route tables, 2 groups"
    );

    // An apply killed right after AWS took a create leaves a pending entry without an id. The
    // next run must find the resource (by tag, or by natural key where AWS has no tags) and
    // adopt it, not create a twin.
    let interrupted = [
        "network.vpc",
        "network.nat[eu-west-1a]",
        "network.route.public_default",
        "network.route_table_association.private[eu-west-1a]",
        "security_group.postgres.ingress[tcp:5432:10.0.128.0/18]",
    ];
    let before = read_state(d);
    let mut state = before.clone();
    for address in interrupted {
        let entry = &mut state["resources"][address];
        entry["id"] = Json::Null;
        entry["pending"] =
            serde_json::json!({"operation": "create", "token": "t", "started_at": "2026-01-01T00:00:00Z"});
    }
    write_state(d, &state);
    let adopted = emu.platformctl(d, &["plan", file, "--detailed-exitcode"]).expect(0, "plan with pending creates");
    assert!(adopted.stdout.contains("No changes"), "{}", adopted.stdout);
    emu.platformctl(d, &["apply", file, "--auto-approve"]).expect(0, "apply adopts");
    let after = read_state(d);
    for address in interrupted {
        assert_eq!(after["resources"][address]["id"], before["resources"][address]["id"], "{address} not adopted");
        assert!(after["resources"][address].get("pending").is_none(), "{address} still pending");
    }
    assert_eq!(inventory(&emu, STACK).await.len(), 13, "adoption created twins");

    // Edit the YAML: a new rule, a changed tag, one NAT gateway per AZ.
    let yaml = std::fs::read_to_string(&stack_file).unwrap();
    let edited = yaml
        .replace("team: platform", "team: payments")
        .replace("nat_gateways: single", "nat_gateways: per_az")
        .replace("      - { protocol: tcp, port: 6379, from: private_subnets }\n", "      - { protocol: tcp, port: 6379, from: private_subnets }\n      - { protocol: tcp, port: 6380, from: vpc }\n");
    std::fs::write(&stack_file, edited).unwrap();
    let plan = json_plan(&emu, d, file, 2);
    assert_eq!(
        addresses(&plan, "create"),
        set(&[
            "network.eip[eu-west-1b]",
            "network.nat[eu-west-1b]",
            "security_group.redis.ingress[tcp:6380:10.0.0.0/16]"
        ])
    );
    assert!(addresses(&plan, "replace").is_empty() && addresses(&plan, "delete").is_empty(), "{plan:#}");
    for change in changes(&plan, "update") {
        let names: Vec<&str> =
            change["attributes"].as_array().unwrap().iter().map(|a| a["name"].as_str().unwrap()).collect();
        let address = change["address"].as_str().unwrap();
        if address == "network.route.private_default[eu-west-1b]" {
            assert_eq!(names, ["nat_gateway_id"]);
        } else {
            assert_eq!(names, ["tags"], "{address} changes more than its tags: {change:#}");
        }
    }
    assert!(addresses(&plan, "update").contains("network.route.private_default[eu-west-1b]"));
    emu.platformctl(d, &["apply", file, "--auto-approve"]).expect(0, "apply the edit");
    emu.platformctl(d, &["plan", file, "--detailed-exitcode"]).expect(0, "plan after the edit");

    // Drift: delete a route, revoke a rule, delete a subnet, all behind platformctl's back.
    let state = read_state(d);
    let ec2 = emu.ec2().await;
    let route_table = id(&state, "network.route_table.private[eu-west-1a]");
    ec2.delete_route().route_table_id(&route_table).destination_cidr_block("0.0.0.0/0").send().await.unwrap();
    let rule = "security_group.postgres.ingress[tcp:5432:10.0.128.0/18]";
    ec2.revoke_security_group_ingress()
        .group_id(id(&state, "security_group.postgres"))
        .security_group_rule_ids(id(&state, rule))
        .send()
        .await
        .unwrap();
    let subnet = "network.subnet.private[eu-west-1b]";
    ec2.disassociate_route_table()
        .association_id(id(&state, "network.route_table_association.private[eu-west-1b]"))
        .send()
        .await
        .unwrap();
    ec2.delete_subnet().subnet_id(id(&state, subnet)).send().await.unwrap();

    let plan = json_plan(&emu, d, file, 2);
    for address in [
        "network.route.private_default[eu-west-1a]",
        rule,
        subnet,
        "network.route_table_association.private[eu-west-1b]",
    ] {
        let change = find(&plan, address).unwrap_or_else(|| panic!("the plan does not mention {address}: {plan:#}"));
        assert_eq!(change["action"], "create", "{change:#}");
        assert_eq!(change["drift"], true, "{change:#}");
        assert_eq!(change["reasons"][0], "deleted outside platformctl", "{change:#}");
    }
    let human = emu.platformctl(d, &["plan", file]).expect(0, "human plan");
    assert!(human.stdout.contains("# deleted outside platformctl"), "{}", human.stdout);
    emu.platformctl(d, &["apply", file, "--auto-approve"]).expect(0, "repair drift");
    emu.platformctl(d, &["plan", file, "--detailed-exitcode"]).expect(0, "plan after repair");

    emu.platformctl(d, &["destroy", file, "--auto-approve"]).expect(0, "destroy");
    assert_eq!(inventory(&emu, STACK).await, Vec::<String>::new(), "resources of the stack remain after destroy");
    assert!(read_state(d)["resources"].as_object().unwrap().is_empty());
}

fn json_plan(emu: &Emulator, dir: &Path, file: &str, expect: i32) -> Json {
    let run = emu.platformctl(dir, &["plan", file, "--json", "--detailed-exitcode"]).expect(expect, "plan --json");
    let plan: Json =
        serde_json::from_str(&run.stdout).unwrap_or_else(|e| panic!("plan --json is not JSON ({e}):\n{}", run.stdout));
    assert_eq!(plan["format_version"], 1);
    plan
}

fn changes<'a>(plan: &'a Json, action: &'a str) -> impl Iterator<Item = &'a Json> {
    plan["changes"].as_array().unwrap().iter().filter(move |c| c["action"] == action)
}

fn addresses(plan: &Json, action: &str) -> BTreeSet<String> {
    changes(plan, action).map(|c| c["address"].as_str().unwrap().to_owned()).collect()
}

fn find<'a>(plan: &'a Json, address: &str) -> Option<&'a Json> {
    plan["changes"].as_array().unwrap().iter().find(|c| c["address"] == address)
}

fn set(items: &[&str]) -> BTreeSet<String> {
    items.iter().map(|s| s.to_string()).collect()
}

fn read_state(dir: &Path) -> Json {
    serde_json::from_slice(&std::fs::read(dir.join(".platformctl").join(format!("{STACK}.state.json"))).unwrap())
        .unwrap()
}

fn write_state(dir: &Path, state: &Json) {
    std::fs::write(
        dir.join(".platformctl").join(format!("{STACK}.state.json")),
        serde_json::to_vec_pretty(state).unwrap(),
    )
    .unwrap();
}

fn id(state: &Json, address: &str) -> String {
    state["resources"][address]["id"].as_str().unwrap_or_else(|| panic!("no id for {address} in the state")).to_owned()
}

/// Every taggable EC2 resource in the account that carries `platformctl:stack=<stack>`,
/// checked on the client too (some emulators ignore filters). Deleted NAT gateways linger in
/// AWS's listing for a while and do not count.
async fn inventory(emu: &Emulator, stack: &str) -> Vec<String> {
    let ec2 = emu.ec2().await;
    let tag = Filter::builder().name("tag:platformctl:stack").values(stack).build();
    let ours = |tags: &[aws_sdk_ec2::types::Tag]| {
        tags.iter().any(|t| t.key() == Some("platformctl:stack") && t.value() == Some(stack))
    };
    let mut found = Vec::new();
    for v in ec2.describe_vpcs().filters(tag.clone()).send().await.unwrap().vpcs() {
        if ours(v.tags()) {
            found.push(format!("vpc {}", v.vpc_id().unwrap()));
        }
    }
    for s in ec2.describe_subnets().filters(tag.clone()).send().await.unwrap().subnets() {
        if ours(s.tags()) {
            found.push(format!("subnet {}", s.subnet_id().unwrap()));
        }
    }
    for g in ec2.describe_internet_gateways().filters(tag.clone()).send().await.unwrap().internet_gateways() {
        if ours(g.tags()) {
            found.push(format!("igw {}", g.internet_gateway_id().unwrap()));
        }
    }
    for a in ec2.describe_addresses().filters(tag.clone()).send().await.unwrap().addresses() {
        if ours(a.tags()) {
            found.push(format!("eip {}", a.allocation_id().unwrap()));
        }
    }
    for n in ec2.describe_nat_gateways().filter(tag.clone()).send().await.unwrap().nat_gateways() {
        if ours(n.tags()) && !matches!(n.state(), Some(NatGatewayState::Deleted | NatGatewayState::Deleting)) {
            found.push(format!("nat {}", n.nat_gateway_id().unwrap()));
        }
    }
    for t in ec2.describe_route_tables().filters(tag.clone()).send().await.unwrap().route_tables() {
        if ours(t.tags()) {
            found.push(format!("rtb {}", t.route_table_id().unwrap()));
        }
    }
    for g in ec2.describe_security_groups().filters(tag.clone()).send().await.unwrap().security_groups() {
        if ours(g.tags()) {
            found.push(format!("sg {}", g.group_id().unwrap()));
        }
    }
    found.sort();
    found
}
