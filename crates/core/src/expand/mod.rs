//! Expansion: a validated `Stack` becomes the list of concrete AWS resources it needs, each
//! with a stable address, its attributes and its dependencies. Pure and deterministic: the same
//! stack always gives the same resources in the same order.
//!
//! Addresses are the contract with the state file: renaming one makes the planner replace the
//! resource, so they derive only from names the user wrote (AZs, group names, rule contents),
//! never from list positions.

mod alarms;
pub(crate) mod data;
pub mod dns;
pub(crate) mod eks;
mod flow_logs;
mod iam;
mod kms;
mod network;
pub(crate) mod node_groups;
mod parameters;
mod peering;
pub(crate) mod security_groups;

pub use data::{CACHE_SUBNET_GROUP, DB_SUBNET_GROUP, secret_address};
pub use eks::{STS_AUDIENCE, cluster_address, service_account_address};
pub use kms::key_address;

use std::collections::BTreeMap;

use crate::cross_stack::Neighbours;
use crate::model::Stack;
use crate::resource::{Address, DesiredResource, Value};

pub use crate::resource::tags::{ADDRESS_TAG, STACK_TAG, address_tag};

/// All resources the stack wants, in a deterministic order, given what it uses of other stacks.
pub fn expand(stack: &Stack, neighbours: &Neighbours) -> Vec<DesiredResource> {
    let mut out = Vec::new();
    if let Some(net) = &stack.network {
        network::expand(stack, net, &mut out);
        if let Some(flow_logs) = &net.flow_logs {
            flow_logs::expand(stack, flow_logs, &mut out);
        }
        peering::expand(stack, net, &neighbours.peers, &mut out);
    }
    kms::expand(stack, &mut out);
    data::expand_secrets(stack, &mut out);
    // Another stack's network is referred to, never declared here.
    if let Some(net) = stack.network.as_ref().or(neighbours.network.as_ref()) {
        security_groups::expand(stack, net, &mut out);
        data::expand(stack, net, &neighbours.replica_sources, &mut out);
        eks::expand_clusters(stack, net, &mut out);
    }
    eks::expand_registries_and_logs(stack, &mut out);
    alarms::expand(stack, &mut out);
    dns::expand(stack, &neighbours.vpcs, &mut out);
    out
}

/// The tags of one resource: the stack's own, then `Name` and platformctl's ownership tags.
pub(crate) fn tags(stack: &Stack, address: &Address, name: &str) -> Value {
    let mut tags: BTreeMap<String, Value> = stack.tags.iter().map(|(k, v)| (k.clone(), Value::str(v))).collect();
    tags.insert("Name".into(), Value::str(name));
    tags.insert(STACK_TAG.into(), Value::str(&stack.name));
    tags.insert(ADDRESS_TAG.into(), Value::str(address_tag(address)));
    Value::Map(tags)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::test_support::{USER_SERVICE, stack_from};

    fn listing(src: &str) -> String {
        listing_of(&stack_from(src).unwrap())
    }

    /// The stack's resources when it uses no other stack.
    fn alone(stack: &crate::model::Stack) -> Vec<DesiredResource> {
        expand(stack, &Neighbours::default())
    }

    fn listing_of(stack: &crate::model::Stack) -> String {
        let mut out = String::new();
        for r in alone(stack) {
            out.push_str(&format!("{} ({})\n", r.address, r.kind));
            for (k, v) in &r.attrs {
                out.push_str(&format!("    {k} = {v}\n"));
            }
            let deps: Vec<String> = r.depends_on.iter().map(|a| a.to_string()).collect();
            if !deps.is_empty() {
                out.push_str(&format!("    after: {}\n", deps.join(", ")));
            }
        }
        out
    }

    #[test]
    fn user_service_single_nat() {
        insta::assert_snapshot!(listing(USER_SERVICE));
    }

    #[test]
    fn per_az_nat_adds_one_nat_and_eip_per_az() {
        let stack = stack_from(&USER_SERVICE.replace("nat_gateways: single", "nat_gateways: per_az")).unwrap();
        let addrs: Vec<String> = alone(&stack).into_iter().map(|r| r.address.to_string()).collect();
        for az in ["eu-west-1a", "eu-west-1b"] {
            assert!(addrs.contains(&format!("network.nat[{az}]")), "{addrs:?}");
            assert!(addrs.contains(&format!("network.eip[{az}]")), "{addrs:?}");
        }
    }

    #[test]
    fn seed_data_tier() {
        insta::assert_snapshot!(seed_section(&["secret.", "data.", "postgres.", "aurora.", "redis."]));
    }

    #[test]
    fn seed_compute_tier() {
        insta::assert_snapshot!(seed_section(&["eks.", "ecr.", "log_group["]));
    }

    /// Seed 000's alarms: one per metric and member, dimensions from the resources (references
    /// where the dimension is the resource's id), thresholds in the metric's unit.
    #[test]
    fn seed_alarms() {
        insta::assert_snapshot!(seed_section(&["notifications.", "alarms."]));
    }

    /// Seed 001's DR replica (a replica of another stack's instance) gets the postgres preset
    /// with itself as the one member, replica lag included.
    #[test]
    fn a_cross_region_replica_has_its_lag_alarm() {
        let stack = crate::model::test_support::stack_from_file("stacks/user-service-dr.yaml").unwrap();
        let alarms: Vec<String> = alone(&stack)
            .into_iter()
            .filter(|r| r.kind == crate::resource::Kind::MetricAlarm)
            .map(|r| format!("{} {}", r.address, r.attrs["dimensions"]))
            .collect();
        assert_eq!(
            alarms,
            [
                "alarms.users-replica.cpu { \"DBInstanceIdentifier\" = (id of postgres.users-replica) }",
                "alarms.users-replica.free_storage { \"DBInstanceIdentifier\" = (id of postgres.users-replica) }",
                "alarms.users-replica.freeable_memory { \"DBInstanceIdentifier\" = (id of postgres.users-replica) }",
                "alarms.users-replica.replica_lag { \"DBInstanceIdentifier\" = (id of postgres.users-replica) }",
            ]
        );
    }

    /// The seed stack's listing, only the resources whose addresses start with `prefixes`.
    fn seed_section(prefixes: &[&str]) -> String {
        let full = listing_of(&crate::model::test_support::stack_from_file("stacks/user-service.yaml").unwrap());
        full.split_inclusive('\n')
            .scan(false, |keep, line| {
                if !line.starts_with(' ') {
                    *keep = prefixes.iter().any(|p| line.starts_with(p));
                }
                Some(if *keep { line } else { "" })
            })
            .collect()
    }

    #[test]
    fn node_group_names_change_only_with_what_forces_a_replacement() {
        let stack = crate::model::test_support::stack_from_file("examples/eks-node-groups.yaml").unwrap();
        let name_of = |stack: &crate::model::Stack| {
            alone(stack)
                .into_iter()
                .find(|r| r.address.as_str() == "eks.main.node_group[apps]")
                .map(|r| r.attrs["name"].clone())
                .unwrap()
        };
        let original = name_of(&stack);
        assert!(original.as_str().is_some_and(|n| n.starts_with("apps-") && n.len() == "apps-".len() + 8));
        let mut scaled = stack.clone();
        scaled.compute.eks[0].node_groups[0].max_size = 9;
        scaled.compute.eks[0].node_groups[0].labels.push(("tier".into(), "web".into()));
        assert_eq!(name_of(&scaled), original, "scaling and labels are updates in place");
        let mut bigger = stack.clone();
        bigger.compute.eks[0].node_groups[0].instance_types = vec!["m6i.xlarge".into()];
        assert_ne!(name_of(&bigger), original, "new instance types need a new group beside the old");
    }

    #[test]
    fn address_tags_use_only_what_every_service_accepts() {
        let allowed = |c: char| c.is_alphanumeric() || c.is_whitespace() || "_.:/=+-@".contains(c);
        let stack = crate::model::test_support::stack_from_file("stacks/user-service.yaml").unwrap();
        let values: std::collections::BTreeSet<String> =
            alone(&stack).iter().map(|r| address_tag(&r.address)).collect();
        assert_eq!(values.len(), alone(&stack).len(), "one tag value per address");
        assert!(values.iter().all(|v| v.chars().all(allowed)), "{values:?}");
        assert_eq!(address_tag(&Address::new("log_group[/platform/app#1]")), "log_group:/platform/app_1");
    }

    /// Expansion writes attributes and refers to outputs through the kinds' declarations, so
    /// it cannot set an attribute a kind does not declare, or refer to an output it does not have.
    #[test]
    fn every_attribute_and_output_expansion_uses_is_declared() {
        let mut files = vec!["stacks/user-service.yaml".to_owned(), "stacks/user-service-dr.yaml".to_owned()];
        let examples = std::fs::read_dir(crate::model::test_support::repo_file("examples")).unwrap();
        files.extend(
            examples
                .flatten()
                .map(|e| e.file_name().to_string_lossy().into_owned())
                .filter(|name| name.ends_with(".yaml"))
                .map(|name| format!("examples/{name}")),
        );
        for file in files {
            let stack = crate::model::test_support::stack_from_file(&file).unwrap();
            let resources = alone(&stack);
            let kinds: std::collections::BTreeMap<&Address, crate::resource::Kind> =
                resources.iter().map(|r| (&r.address, r.kind)).collect();
            for r in &resources {
                let def = r.kind.def();
                for (name, value) in &r.attrs {
                    assert!(
                        def.attribute(name).is_some(),
                        "{file}: {} sets `{name}`, which {} does not declare",
                        r.address,
                        r.kind
                    );
                    let mut referred = std::collections::BTreeSet::new();
                    value.output_refs(&mut referred);
                    for (target, output) in referred {
                        let Some(kind) = kinds.get(&target) else { continue };
                        assert!(
                            kind.def().outputs.iter().any(|o| o.name == output),
                            "{file}: {}.{name} refers to `{output}` of {target}, which {kind} does not declare",
                            r.address
                        );
                    }
                }
            }
        }
    }

    /// Rules on the group EKS creates go to the group the cluster reports (so they wait for the
    /// cluster), each permission one resource as in the stack's own groups.
    #[test]
    fn cluster_security_group_rules_target_the_group_eks_reports() {
        let cluster = |rules: &str| {
            format!("{USER_SERVICE}eks:\n  main:\n    version: \"1.31\"\n    cluster_security_group_ingress:\n{rules}")
        };
        let src = cluster(
            "      - { protocol: tcp, port: 443, from: 10.8.0.0/16, description: VPN }\n      - { protocol: tcp, port: 443, from: sg:bastion }\n",
        );
        let stack = stack_from(&src).unwrap();
        let rules: Vec<String> = alone(&stack)
            .into_iter()
            .filter(|r| r.address.as_str().starts_with("eks.main.cluster_security_group."))
            .map(|r| {
                let attr = |name: &str| r.attrs.get(name).map_or("-".to_owned(), |v| v.to_string());
                format!("{} {} {} {}", r.address, attr("group_id"), attr("cidr_ipv4"), attr("source_group_id"))
            })
            .collect();
        assert_eq!(
            rules,
            [
                "eks.main.cluster_security_group.ingress[tcp:443:10.8.0.0/16] (security_group_id of eks.main) \"10.8.0.0/16\" null",
                "eks.main.cluster_security_group.ingress[tcp:443:sg:bastion] (security_group_id of eks.main) null (id of security_group.bastion)",
            ]
        );
        let err = stack_from(&cluster("      - { protocol: tcp, port: 443, from: sg:vpn }\n")).unwrap_err();
        assert!(err.contains("eks.main.cluster_security_group_ingress[0].from") && err.contains("`vpn`"), "{err}");
    }

    #[test]
    fn addresses_are_unique() {
        let stack = stack_from(USER_SERVICE).unwrap();
        let all = alone(&stack);
        let unique: std::collections::BTreeSet<_> = all.iter().map(|r| &r.address).collect();
        assert_eq!(unique.len(), all.len());
    }
}
