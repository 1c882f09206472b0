//! Expansion: a validated `Stack` becomes the list of concrete AWS resources it needs, each
//! with a stable address, its attributes and its dependencies. Pure and deterministic: the same
//! stack always gives the same resources in the same order.
//!
//! Addresses are the contract with the state file: renaming one makes the planner replace the
//! resource, so they derive only from names the user wrote (AZs, group names, rule contents),
//! never from list positions.

mod data;
mod eks;
mod network;
mod peering;
mod security_groups;

pub use data::{CACHE_SUBNET_GROUP, DB_SUBNET_GROUP, secret_address};
pub use eks::{OIDC_PLACEHOLDER, STS_AUDIENCE, cluster_address, service_account_address};

use std::collections::BTreeMap;

use crate::model::Stack;
use crate::resource::{Address, DesiredResource, Value};

/// Tag keys platformctl sets on every taggable resource.
pub const STACK_TAG: &str = "platformctl:stack";
pub const ADDRESS_TAG: &str = "platformctl:address";

/// All resources the stack wants, in a deterministic order.
pub fn expand(stack: &Stack) -> Vec<DesiredResource> {
    let mut out = Vec::new();
    if let Some(net) = &stack.network {
        // Another stack's network is referred to, never declared here.
        if stack.network_from.is_none() {
            network::expand(stack, net, &mut out);
            peering::expand(stack, net, &mut out);
        }
        security_groups::expand(stack, net, &mut out);
        data::expand(stack, net, &mut out);
        eks::expand_clusters(stack, net, &mut out);
    }
    eks::expand_registries_and_logs(stack, &mut out);
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

/// An address as a tag value. RDS, ElastiCache, IAM, EKS, CloudWatch Logs and others accept
/// only letters, digits, spaces and `_ . : / = + - @` in tag values (EC2 accepts anything), so
/// `eks.main.node_group[apps]` is tagged `eks.main.node_group:apps`. Addresses have no `:`
/// outside their brackets, so the value still names one address.
pub fn address_tag(address: &Address) -> String {
    address
        .as_str()
        .chars()
        .filter(|c| *c != ']')
        .map(|c| match c {
            '[' => ':',
            c if c.is_alphanumeric() || c.is_whitespace() || "_.:/=+-@".contains(c) => c,
            _ => '_',
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::test_support::{USER_SERVICE, stack_from};

    fn listing(src: &str) -> String {
        listing_of(&stack_from(src).unwrap())
    }

    fn listing_of(stack: &crate::model::Stack) -> String {
        let mut out = String::new();
        for r in expand(stack) {
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
        let addrs: Vec<String> = expand(&stack).into_iter().map(|r| r.address.to_string()).collect();
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
            expand(stack)
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
            expand(&stack).iter().map(|r| address_tag(&r.address)).collect();
        assert_eq!(values.len(), expand(&stack).len(), "one tag value per address");
        assert!(values.iter().all(|v| v.chars().all(allowed)), "{values:?}");
        assert_eq!(address_tag(&Address::new("log_group[/platform/app#1]")), "log_group:/platform/app_1");
    }

    #[test]
    fn addresses_are_unique() {
        let stack = stack_from(USER_SERVICE).unwrap();
        let all = expand(&stack);
        let unique: std::collections::BTreeSet<_> = all.iter().map(|r| &r.address).collect();
        assert_eq!(unique.len(), all.len());
    }
}
