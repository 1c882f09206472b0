//! `platformctl graph`: the resources of one or more stacks and their dependencies, and the
//! dependencies between stacks (`network: { from_stack }`, peerings, `replica_of`), as Graphviz DOT or Mermaid — to draw
//! a platform split over several states or regions. Offline: it reads stack files only.

use std::collections::BTreeSet;
use std::fmt::Write;

use crate::model::Stack;
use crate::resource::DesiredResource;

/// Fills in the network of stacks that borrow one (`from_stack`) from the lender among
/// `stacks`, offline, so their resources expand as they would against its state.
pub fn lend_networks(stacks: &mut [Stack]) {
    let networks: Vec<(String, Option<crate::model::Network>)> =
        stacks.iter().map(|s| (s.name.clone(), s.network.clone())).collect();
    for s in stacks.iter_mut() {
        if let Some(from) = &s.network_from {
            s.network = networks.iter().find(|(n, _)| n == from).and_then(|(_, net)| net.clone());
        }
    }
}

/// One stack and the resources it expands to.
pub struct StackGraph {
    pub stack: Stack,
    pub resources: Vec<DesiredResource>,
}

impl StackGraph {
    pub fn of(stack: Stack) -> StackGraph {
        let resources = crate::expand::expand(&stack);
        StackGraph { stack, resources }
    }

    /// The stacks this one uses the outputs of.
    fn uses(&self) -> Vec<&str> {
        let mut used: Vec<&str> = self.stack.network_from.as_deref().into_iter().collect();
        used.extend(self.stack.peerings.iter().map(|(_, peer)| peer.as_str()));
        used.extend(self.stack.data.replicas_of_others.iter().map(|r| r.source_stack.as_str()));
        used.dedup();
        used
    }
}

/// A node id both formats accept: letters, digits and underscores.
fn node_id(stack: &str, address: &str) -> String {
    format!("{stack}__{address}").chars().map(|c| if c.is_ascii_alphanumeric() { c } else { '_' }).collect()
}

fn quote(text: &str) -> String {
    text.replace('"', "'")
}

/// Dependencies inside each stack; an edge points from a resource to what it needs.
fn edges(g: &StackGraph) -> Vec<(String, String)> {
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

pub fn dot(graphs: &[StackGraph]) -> String {
    let mut out = String::from("digraph platform {\n  rankdir=LR;\n  node [shape=box, fontsize=10];\n");
    for g in graphs {
        let name = &g.stack.name;
        let _ = writeln!(out, "  subgraph cluster_{} {{", node_id(name, ""));
        let _ = writeln!(out, "    label=\"{} ({})\";", quote(name), g.stack.region);
        let _ = writeln!(out, "    {} [label=\"stack {}\", shape=folder];", node_id(name, "stack"), quote(name));
        for r in &g.resources {
            let _ = writeln!(
                out,
                "    {} [label=\"{}\\n{}\"];",
                node_id(name, r.address.as_str()),
                quote(r.address.as_str()),
                r.kind
            );
        }
        out.push_str("  }\n");
    }
    for g in graphs {
        for (from, to) in edges(g) {
            let _ = writeln!(out, "  {from} -> {to};");
        }
        for used in g.uses() {
            let _ = writeln!(
                out,
                "  {} -> {} [style=dashed, label=\"uses\"];",
                node_id(&g.stack.name, "stack"),
                node_id(used, "stack")
            );
        }
    }
    out.push_str("}\n");
    out
}

pub fn mermaid(graphs: &[StackGraph]) -> String {
    let mut out = String::from("flowchart LR\n");
    for g in graphs {
        let name = &g.stack.name;
        let _ = writeln!(out, "  subgraph {}[\"{} ({})\"]", node_id(name, ""), quote(name), g.stack.region);
        for r in &g.resources {
            let _ = writeln!(
                out,
                "    {}[\"{}<br/>{}\"]",
                node_id(name, r.address.as_str()),
                quote(r.address.as_str()),
                r.kind
            );
        }
        out.push_str("  end\n");
    }
    for g in graphs {
        for (from, to) in edges(g) {
            let _ = writeln!(out, "  {from} --> {to}");
        }
        for used in g.uses() {
            let _ = writeln!(out, "  {} -. uses .-> {}", node_id(&g.stack.name, ""), node_id(used, ""));
        }
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
        let mut stacks = vec![networking, orders];
        lend_networks(&mut stacks);
        let graphs: Vec<StackGraph> = stacks.into_iter().map(StackGraph::of).collect();
        let dot = dot(&graphs);
        assert!(dot.contains("orders__security_group_api -> networking__network_vpc;"), "{dot}");
        assert!(dot.contains("orders__stack -> networking__stack [style=dashed, label=\"uses\"];"), "{dot}");
        let mermaid = mermaid(&graphs);
        assert!(mermaid.starts_with("flowchart LR\n"));
        assert!(mermaid.contains("orders__security_group_api --> networking__network_vpc"), "{mermaid}");
        assert!(mermaid.contains("orders__ -. uses .-> networking__"), "{mermaid}");
    }
}
