//! Reading what platformctl and AWS say: JSON plans, state files, and the stack's EC2
//! resources found by tag through the EC2 API.

use std::collections::BTreeSet;
use std::path::Path;

use aws_sdk_ec2::types::{Filter, NatGatewayState};
use serde_json::Value as Json;

use super::Emulator;

pub fn json_plan(emu: &Emulator, dir: &Path, file: &str, expect: i32) -> Json {
    let run = emu.platformctl(dir, &["plan", file, "--json", "--detailed-exitcode"]).expect(expect, "plan --json");
    let plan: Json =
        serde_json::from_str(&run.stdout).unwrap_or_else(|e| panic!("plan --json is not JSON ({e}):\n{}", run.stdout));
    assert_eq!(plan["format_version"], 1);
    plan
}

pub fn changes<'a>(plan: &'a Json, action: &'a str) -> impl Iterator<Item = &'a Json> {
    plan["changes"].as_array().unwrap().iter().filter(move |c| c["action"] == action)
}

pub fn addresses(plan: &Json, action: &str) -> BTreeSet<String> {
    changes(plan, action).map(|c| c["address"].as_str().unwrap().to_owned()).collect()
}

pub fn find<'a>(plan: &'a Json, address: &str) -> Option<&'a Json> {
    plan["changes"].as_array().unwrap().iter().find(|c| c["address"] == address)
}

pub fn set(items: &[&str]) -> BTreeSet<String> {
    items.iter().map(|s| s.to_string()).collect()
}

pub fn read_state(dir: &Path, stack: &str) -> Json {
    serde_json::from_slice(&std::fs::read(dir.join(".platformctl").join(format!("{stack}.state.json"))).unwrap())
        .unwrap()
}

pub fn write_state(dir: &Path, stack: &str, state: &Json) {
    std::fs::write(
        dir.join(".platformctl").join(format!("{stack}.state.json")),
        serde_json::to_vec_pretty(state).unwrap(),
    )
    .unwrap();
}

pub fn id(state: &Json, address: &str) -> String {
    state["resources"][address]["id"].as_str().unwrap_or_else(|| panic!("no id for {address} in the state")).to_owned()
}

/// Every taggable EC2 resource in the account that carries `platformctl:stack=<stack>`,
/// checked on the client too (some emulators ignore filters). Deleted NAT gateways linger in
/// AWS's listing for a while and do not count.
pub async fn inventory(emu: &Emulator, stack: &str) -> Vec<String> {
    inventory_in(emu, stack, "eu-west-1").await
}

/// `inventory` in another region.
pub async fn inventory_in(emu: &Emulator, stack: &str, region: &str) -> Vec<String> {
    let ec2 = aws_sdk_ec2::Client::new(&emu.sdk_config_in(region).await);
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
    for a in ec2.describe_network_acls().filters(tag.clone()).send().await.unwrap().network_acls() {
        if ours(a.tags()) {
            found.push(format!("acl {}", a.network_acl_id().unwrap()));
        }
    }
    for f in ec2.describe_flow_logs().filter(tag.clone()).send().await.unwrap().flow_logs() {
        if ours(f.tags()) {
            found.push(format!("flow-log {}", f.flow_log_id().unwrap()));
        }
    }
    found.sort();
    found
}

/// The peering target of the route to `destination` in a route table, if there is one.
pub async fn peering_route(ec2: &aws_sdk_ec2::Client, table: &str, destination: &str) -> Option<String> {
    let tables = ec2.describe_route_tables().route_table_ids(table).send().await.unwrap();
    tables.route_tables().iter().flat_map(|t| t.routes()).find_map(|r| {
        (r.destination_cidr_block() == Some(destination))
            .then(|| r.vpc_peering_connection_id().unwrap_or_default().to_owned())
    })
}
