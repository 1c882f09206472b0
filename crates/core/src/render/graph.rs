//! `platformctl graph` as Graphviz DOT or Mermaid: one cluster per stack with its resources,
//! an edge from each resource to what it needs, a dashed edge from each stack to the stacks it
//! uses.

use std::fmt::Write;

use crate::graph_export::{StackGraph, edges, node_id};

fn quote(text: &str) -> String {
    text.replace('"', "'")
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
