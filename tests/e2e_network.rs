//! End to end, on both emulators: the real binary provisions seed 000's network from an empty
//! account, converges, takes YAML edits, sees and repairs drift made behind its back, and
//! destroys everything — then the AWS API is asked whether anything of the stack remains.
//! (The data tier of the same stack has its own test, `e2e_data.rs`.)

mod support;

use std::path::Path;

use serde_json::Value as Json;
use support::inspect::{addresses, changes, find, id, inventory, json_plan, read_state, set, write_state};
use support::proxy::{Faults, Proxy};
use support::{Emulator, Kind, edit_file, workdir_with};

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
        1 + 6 + 1 + 3 + 3 + 4 + 3 + 1,
        "VPC, 6 subnets, IGW, 3 EIPs, 3 NATs, 4 route tables, 3 groups, the private tier's ACL"
    );
    emu.platformctl(d, &["plan", "three-az.yaml", "--detailed-exitcode"]).expect(0, "re-plan");
    emu.platformctl(d, &["destroy", "three-az.yaml", "--auto-approve"]).expect(0, "destroy");
    assert_eq!(inventory(&emu, "three-az").await, Vec::<String>::new());
}

async fn lifecycle(kind: Kind) {
    let emu = Emulator::start(kind);
    let (dir, stack_file) = workdir_with("stacks/user-service.yaml");
    // The seed's flow logs and private ACL on moto only: ministack's DescribeFlowLogs reports no
    // tags, no role and the log group only as `LogDestination`, so a flow log there never looks
    // as applied, and its subnets have no ACL association to replace.
    support::fit_to_emulator(kind, &stack_file);
    network_only(&stack_file);
    let flow_logs = kind == Kind::Moto;
    let d = dir.path();
    let file = "user-service.yaml";

    emu.platformctl(d, &["validate", file]).expect(0, "validate");
    let first = emu.platformctl(d, &["plan", file, "--detailed-exitcode"]).expect(2, "first plan");
    // The flow log, its group and role; the private ACL, its 4 rules and 2 subnet associations.
    let creates = if flow_logs { 26 + 3 + 7 } else { 26 };
    assert!(
        first.stdout.contains(&format!("Plan: {creates} to create, 0 to update, 0 to replace, 0 to delete.")),
        "{}",
        first.stdout
    );

    emu.platformctl(d, &["apply", file, "--auto-approve"]).expect(0, "apply");
    let again = emu.platformctl(d, &["plan", file, "--detailed-exitcode"]).expect(0, "plan after apply");
    assert!(again.stdout.contains("No changes"), "{}", again.stdout);
    assert_eq!(
        inventory(&emu, STACK).await.len(),
        1 + 4 + 1 + 1 + 1 + 3 + 2 + 2 * usize::from(flow_logs),
        "VPC, 4 subnets, IGW, EIP, NAT, 3 route tables, 2 groups, the flow log, the private ACL"
    );

    // The VPC's default security group is left with no rule (CIS AWS 5.4), a secure default;
    // a rule added behind platformctl's back is drift, which the next apply revokes.
    let ec2 = emu.ec2().await;
    let state = read_state(d, STACK);
    let default_group = id(&state, "network.default_security_group");
    assert_eq!(default_group_rules(&ec2, &default_group).await, 0, "the default group keeps rules");
    ec2.authorize_security_group_ingress()
        .group_id(&default_group)
        .ip_protocol("tcp")
        .from_port(22)
        .to_port(22)
        .cidr_ip("0.0.0.0/0")
        .send()
        .await
        .unwrap();
    let drifted = json_plan(&emu, d, file, 2);
    assert_eq!(addresses(&drifted, "update"), set(&["network.default_security_group"]), "{drifted:#}");
    emu.platformctl(d, &["apply", file, "--auto-approve"]).expect(0, "apply revokes the added rule");
    assert_eq!(default_group_rules(&ec2, &default_group).await, 0, "the added rule is still there");
    // Turned off, the group gets AWS's two rules back (from itself, all out); on again, none.
    let yaml = std::fs::read_to_string(&stack_file).unwrap();
    std::fs::write(
        &stack_file,
        yaml.replace("  nat_gateways: single\n", "  nat_gateways: single\n  restrict_default_security_group: false\n"),
    )
    .unwrap();
    emu.platformctl(d, &["apply", file, "--auto-approve"]).expect(0, "stop restricting the default group");
    assert_eq!(default_group_rules(&ec2, &default_group).await, 2, "AWS's default rules are not restored");
    std::fs::write(&stack_file, &yaml).unwrap();
    emu.platformctl(d, &["apply", file, "--auto-approve"]).expect(0, "restrict it again");
    assert_eq!(default_group_rules(&ec2, &default_group).await, 0);

    // Flow logs: all the VPC's traffic to the stack's log group, through the role made for it;
    // recording only rejected traffic replaces the flow log (AWS cannot change one).
    if flow_logs {
        flow_log_lifecycle(&emu, d, &stack_file).await;
    }

    // An apply killed right after AWS took a create leaves a pending entry without an id. The
    // next run must find the resource (by tag, or by natural key where AWS has no tags) and
    // adopt it, not create a twin.
    let mut interrupted = vec![
        "network.vpc",
        "network.nat[eu-west-1a]",
        "network.route.public_default",
        "network.route_table_association.private[eu-west-1a]",
        "security_group.postgres.ingress[tcp:5432:10.0.128.0/18]",
    ];
    if flow_logs {
        interrupted.extend(["network.flow_logs", "network.acl.private"]);
    }
    let before = read_state(d, STACK);
    let mut state = before.clone();
    for &address in &interrupted {
        let entry = &mut state["resources"][address];
        entry["id"] = Json::Null;
        entry["pending"] =
            serde_json::json!({"operation": "create", "token": "t", "started_at": "2026-01-01T00:00:00Z"});
    }
    write_state(d, STACK, &state);
    let adopted = emu.platformctl(d, &["plan", file, "--detailed-exitcode"]).expect(0, "plan with pending creates");
    assert!(adopted.stdout.contains("No changes"), "{}", adopted.stdout);
    emu.platformctl(d, &["apply", file, "--auto-approve"]).expect(0, "apply adopts");
    let after = read_state(d, STACK);
    for &address in &interrupted {
        assert_eq!(after["resources"][address]["id"], before["resources"][address]["id"], "{address} not adopted");
        assert!(after["resources"][address].get("pending").is_none(), "{address} still pending");
    }
    assert_eq!(inventory(&emu, STACK).await.len(), 13 + 2 * usize::from(flow_logs), "adoption created twins");

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
    let state = read_state(d, STACK);
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
    assert!(read_state(d, STACK)["resources"].as_object().unwrap().is_empty());
}

/// Flow logs: all the VPC's traffic to the stack's log group, through the role made for it;
/// recording only rejected traffic replaces the flow log (AWS cannot change one).
async fn flow_log_lifecycle(emu: &Emulator, d: &Path, stack_file: &Path) {
    let file = "user-service.yaml";
    let ec2 = emu.ec2().await;
    let state = read_state(d, STACK);
    let flow_log = id(&state, "network.flow_logs");
    let described = ec2.describe_flow_logs().flow_log_ids(&flow_log).send().await.unwrap();
    let f = &described.flow_logs()[0];
    assert_eq!(f.resource_id(), Some(id(&state, "network.vpc").as_str()));
    assert_eq!(f.traffic_type().map(|t| t.as_str()), Some("ALL"));
    assert_eq!(f.log_group_name(), Some("/platformctl/user-service/vpc-flow-logs"));
    assert!(f.deliver_logs_permission_arn().is_some_and(|a| a.ends_with("role/user-service-vpc-flow-logs")), "{f:?}");
    let yaml = std::fs::read_to_string(stack_file).unwrap();
    std::fs::write(stack_file, yaml.replace("  flow_logs: {}", "  flow_logs: { traffic: reject }")).unwrap();
    let replaced = json_plan(emu, d, file, 2);
    assert_eq!(addresses(&replaced, "replace"), set(&["network.flow_logs"]), "{replaced:#}");
    emu.platformctl(d, &["apply", file, "--auto-approve"]).expect(0, "replace the flow log");
    let state = read_state(d, STACK);
    let described = ec2.describe_flow_logs().flow_log_ids(id(&state, "network.flow_logs")).send().await.unwrap();
    assert_eq!(described.flow_logs()[0].traffic_type().map(|t| t.as_str()), Some("REJECT"));
    std::fs::write(stack_file, &yaml).unwrap();
    emu.platformctl(d, &["apply", file, "--auto-approve"]).expect(0, "all traffic again");
}

/// How many rules (ingress and egress) a security group has.
async fn default_group_rules(ec2: &aws_sdk_ec2::Client, group: &str) -> usize {
    let found = ec2.describe_security_groups().group_ids(group).send().await.unwrap();
    let g = &found.security_groups()[0];
    g.ip_permissions().len() + g.ip_permissions_egress().len()
}

/// Keeps only the networking half of the seed stack: everything before its key and data tier
/// (so the flow logs' group is not encrypted with that key here).
fn network_only(stack_file: &Path) {
    let yaml = std::fs::read_to_string(stack_file).unwrap();
    let cut = yaml.find("\nkms_keys:").expect("the seed stack has its key and data tier after its network");
    let network = yaml[..=cut].replace("  flow_logs: { kms_key: data }\n", "  flow_logs: {}\n");
    std::fs::write(stack_file, network).unwrap();
}

/// Network ACLs per tier on moto: the private tier's ACL with its numbered rules, associated
/// with every private subnet while the public ones stay on the VPC's default ACL; a rule
/// changed in place; a rule changed by hand shown and repaired; `acls:` removed moves the
/// subnets back to the default ACL and deletes the stack's; destroy leaves nothing. (ministack
/// keeps no subnet associations and no port ranges on entries: not exercised there.)
#[tokio::test(flavor = "multi_thread")]
async fn network_acls_on_moto() {
    let emu = Emulator::start(Kind::Moto);
    let (dir, file) = support::workdir_with_text(
        "stack: acls\nregion: eu-west-1\nnetwork:\n  cidr: 10.77.0.0/16\n  azs: [eu-west-1a, eu-west-1b]\n  public_subnets:  [10.77.0.0/20, 10.77.16.0/20]\n  private_subnets: [10.77.128.0/18, 10.77.192.0/18]\n  nat_gateways: none\n  acls:\n    private:\n      ingress:\n        - { action: allow, protocol: tcp, port: 5432, cidr: vpc }\n        - { action: allow, protocol: tcp, ports: 1024-65535, cidr: 0.0.0.0/0 }\n      egress:\n        - { action: allow, protocol: all, cidr: 0.0.0.0/0 }\n",
    );
    let d = dir.path();
    emu.platformctl(d, &["apply", "stack.yaml", "--auto-approve"]).expect(0, "apply");
    emu.platformctl(d, &["plan", "stack.yaml", "--detailed-exitcode"]).expect(0, "converged");
    let ec2 = emu.ec2().await;
    let state = read_state(d, "acls");
    let acl_id = state["resources"]["network.acl.private"]["id"].as_str().unwrap().to_owned();
    let subnet = |tier: &str, az: &str| {
        state["resources"][format!("network.subnet.{tier}[{az}]")]["id"].as_str().unwrap().to_owned()
    };
    // Which ACL each subnet is on, and the ACL's rules as (egress, number, action, protocol, cidr, ports).
    let acl_of = async |subnet: &str| {
        let acls = ec2
            .describe_network_acls()
            .filters(aws_sdk_ec2::types::Filter::builder().name("association.subnet-id").values(subnet).build())
            .send()
            .await
            .unwrap();
        acls.network_acls()[0].network_acl_id().unwrap().to_owned()
    };
    let rules = async || {
        let acls = ec2.describe_network_acls().network_acl_ids(&acl_id).send().await.unwrap();
        let mut rules: Vec<String> = acls.network_acls()[0]
            .entries()
            .iter()
            .filter(|e| e.rule_number() != Some(32767))
            .map(|e| {
                let ports = e.port_range().map(|p| format!("{:?}-{:?}", p.from(), p.to())).unwrap_or_default();
                format!(
                    "{}:{}:{}:{}:{}:{ports}",
                    if e.egress() == Some(true) { "out" } else { "in" },
                    e.rule_number().unwrap(),
                    e.rule_action().unwrap().as_str(),
                    e.protocol().unwrap(),
                    e.cidr_block().unwrap()
                )
            })
            .collect();
        rules.sort();
        rules
    };
    for az in ["eu-west-1a", "eu-west-1b"] {
        assert_eq!(acl_of(&subnet("private", az)).await, acl_id, "private {az} on the stack's ACL");
        assert_ne!(acl_of(&subnet("public", az)).await, acl_id, "public {az} stays on the default ACL");
    }
    assert_eq!(
        rules().await,
        [
            "in:100:allow:6:10.77.0.0/16:Some(5432)-Some(5432)",
            "in:110:allow:6:0.0.0.0/0:Some(1024)-Some(65535)",
            "out:100:allow:-1:0.0.0.0/0:"
        ]
    );

    // In place: another port for rule 100.
    edit_file(&file, "port: 5432, cidr: vpc", "port: 5433, cidr: vpc");
    let plan = emu.platformctl(d, &["plan", "stack.yaml", "--json", "--detailed-exitcode"]).expect(2, "changes");
    let plan: serde_json::Value = serde_json::from_str(&plan.stdout).unwrap();
    let changes = plan["changes"].as_array().unwrap();
    assert_eq!(changes.len(), 1, "{plan:#}");
    assert_eq!(
        (changes[0]["address"].as_str(), changes[0]["action"].as_str()),
        (Some("network.acl.private.ingress[100]"), Some("update"))
    );
    emu.platformctl(d, &["apply", "stack.yaml", "--auto-approve"]).expect(0, "apply the port");
    assert!(rules().await.contains(&"in:100:allow:6:10.77.0.0/16:Some(5433)-Some(5433)".to_owned()));

    // Drift: rule 110 turned to deny by hand is named and put back.
    ec2.replace_network_acl_entry()
        .network_acl_id(&acl_id)
        .egress(false)
        .rule_number(110)
        .rule_action(aws_sdk_ec2::types::RuleAction::Deny)
        .protocol("6")
        .cidr_block("0.0.0.0/0")
        .port_range(aws_sdk_ec2::types::PortRange::builder().from(1024).to(65535).build())
        .send()
        .await
        .unwrap();
    let drift = emu.platformctl(d, &["plan", "stack.yaml", "--detailed-exitcode"]).expect(2, "drift");
    assert!(
        drift.stdout.contains("network.acl.private.ingress[110]") && drift.stdout.contains("deny"),
        "{}",
        drift.stdout
    );
    emu.platformctl(d, &["apply", "stack.yaml", "--auto-approve"]).expect(0, "repair");
    assert!(rules().await.contains(&"in:110:allow:6:0.0.0.0/0:Some(1024)-Some(65535)".to_owned()));

    // Without `acls:` the private subnets go back to the default ACL, and the stack's is deleted.
    support::cut_block(&file, "  acls:", 2);
    emu.platformctl(d, &["apply", "stack.yaml", "--auto-approve"]).expect(0, "acls removed");
    let default = acl_of(&subnet("public", "eu-west-1a")).await;
    for az in ["eu-west-1a", "eu-west-1b"] {
        assert_eq!(acl_of(&subnet("private", az)).await, default, "private {az} back on the default ACL");
    }
    emu.platformctl(d, &["plan", "stack.yaml", "--detailed-exitcode"]).expect(0, "converged without ACLs");
    emu.platformctl(d, &["destroy", "stack.yaml", "--auto-approve"]).expect(0, "destroy");
    assert_eq!(inventory(&emu, "acls").await, Vec::<String>::new());
}

/// A CreateSubnet answer lost on the way back (the emulator made the subnet, platformctl got an
/// HTTP 503): the SDK retries, EC2 finds the CIDR taken — by the subnet the first attempt made,
/// which carries this address's tags — and the create takes that subnet: one subnet each, no
/// error, no twin.
#[tokio::test(flavor = "multi_thread")]
async fn a_lost_create_subnet_answer_takes_the_subnet_it_made() {
    let emu = Emulator::start(Kind::Moto);
    let faults = Faults { lose_first_answer_of: Some("CreateSubnet".into()), ..Default::default() };
    let proxy = Proxy::start(&emu.endpoint, faults).await;
    let (dir, stack_file) = workdir_with("stacks/user-service.yaml");
    network_only(&stack_file);
    support::finish(support::spawn(dir.path(), &proxy.endpoint, &["apply", "user-service.yaml", "--auto-approve"]))
        .expect(0, "apply through the lossy proxy");
    assert_eq!(proxy.counts().get("CreateSubnet"), Some(&5), "four subnets, one of them asked twice");
    let subnets: Vec<String> = inventory(&emu, STACK).await.into_iter().filter(|r| r.starts_with("subnet ")).collect();
    assert_eq!(subnets.len(), 4, "{subnets:?}");
    emu.platformctl(dir.path(), &["plan", "user-service.yaml", "--detailed-exitcode"]).expect(0, "converged");
    emu.platformctl(dir.path(), &["destroy", "user-service.yaml", "--auto-approve"]).expect(0, "destroy");
}
