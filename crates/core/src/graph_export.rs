//! `platformctl graph`: the resources of one or more stacks and their dependencies, and the
//! dependencies between stacks (`network: { from_stack }`, peerings, `replica_of`) — to draw a
//! platform split over several states or regions. Offline: it reads stack files only. The
//! drawing (DOT, Mermaid) is `render::graph`'s.

use std::collections::BTreeSet;

use crate::cross_stack::Neighbours;
use crate::model::Stack;
use crate::resource::DesiredResource;

/// One stack and the resources it expands to.
pub struct StackGraph {
    pub stack: Stack,
    pub resources: Vec<DesiredResource>,
}

impl StackGraph {
    /// The graphs of `stacks`; a stack that borrows its network (`from_stack`) from another of
    /// them expands over the lender's network, as it would against the lender's state.
    pub fn all(stacks: Vec<Stack>) -> Vec<StackGraph> {
        let networks: Vec<(String, Option<crate::model::Network>)> =
            stacks.iter().map(|s| (s.name.clone(), s.network.clone())).collect();
        stacks
            .into_iter()
            .map(|stack| {
                let lender = stack.network_from.as_ref();
                let network = lender.and_then(|from| networks.iter().find(|(n, _)| n == from)?.1.clone());
                let resources = crate::expand::expand(&stack, &Neighbours { network, ..Neighbours::default() });
                StackGraph { stack, resources }
            })
            .collect()
    }

    /// The stacks this one uses the outputs of.
    pub fn uses(&self) -> Vec<&str> {
        let mut used: Vec<&str> = self.stack.network_from.as_deref().into_iter().collect();
        used.extend(self.stack.peerings.iter().map(|(_, peer)| peer.as_str()));
        used.extend(self.stack.data.replicas_of_others.iter().map(|r| r.source_stack.as_str()));
        used.dedup();
        used
    }
}

/// A node id DOT and Mermaid accept: letters, digits and underscores.
pub fn node_id(stack: &str, address: &str) -> String {
    format!("{stack}__{address}").chars().map(|c| if c.is_ascii_alphanumeric() { c } else { '_' }).collect()
}

/// Dependencies inside each stack; an edge points from a resource to what it needs.
pub fn edges(g: &StackGraph) -> Vec<(String, String)> {
    let own: BTreeSet<&str> = g.resources.iter().map(|r| r.address.as_str()).collect();
    let name = &g.stack.name;
    let mut out = Vec::new();
    for r in &g.resources {
        for dep in &r.depends_on {
            // A dependency this stack does not declare belongs to the stack it borrows from.
            let target = match (own.contains(dep.as_str()), g.stack.network_from.as_deref()) {
                (true, _) => node_id(name, dep.as_str()),
                (false, Some(from)) => node_id(from, dep.as_str()),
                (false, None) => continue,
            };
            out.push((node_id(name, r.address.as_str()), target));
        }
    }
    // Across stacks: a replica needs its source, a peering the peer's VPC.
    for r in g.stack.data.replicas_of_others.iter().filter(|r| !r.promoted) {
        let source = format!("postgres.{}", r.source_postgres);
        out.push((node_id(name, &format!("postgres.{}", r.name)), node_id(&r.source_stack, &source)));
    }
    for (peering, peer) in g.stack.peerings.iter().filter(|(p, _)| own.contains(format!("peering.{p}").as_str())) {
        out.push((node_id(name, &format!("peering.{peering}")), node_id(peer, "network.vpc")));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::test_support::stack_from;

    #[test]
    fn stacks_and_their_dependencies_in_both_formats() {
        let networking = stack_from(
            "stack: networking\nregion: eu-west-1\nnetwork:\n  cidr: 10.0.0.0/16\n  azs: [eu-west-1a]\n  public_subnets: [10.0.0.0/20]\n  private_subnets: [10.0.128.0/18]\n  nat_gateways: none\n",
        )
        .unwrap();
        let orders = stack_from(
            "stack: orders\nregion: eu-west-1\nnetwork: { from_stack: networking }\nsecurity_groups:\n  api:\n    description: API\n    ingress:\n      - { protocol: tcp, port: 80, from: 10.0.0.0/16 }\n",
        )
        .unwrap();
        let graphs = StackGraph::all(vec![networking, orders]);
        let dot = crate::render::graph::dot(&graphs);
        assert!(dot.contains("orders__security_group_api -> networking__network_vpc;"), "{dot}");
        assert!(dot.contains("orders__stack -> networking__stack [style=dashed, label=\"uses\"];"), "{dot}");
        let mermaid = crate::render::graph::mermaid(&graphs);
        assert!(mermaid.starts_with("flowchart LR\n"));
        assert!(mermaid.contains("orders__security_group_api --> networking__network_vpc"), "{mermaid}");
        assert!(mermaid.contains("orders__ -. uses .-> networking__"), "{mermaid}");
    }
}
