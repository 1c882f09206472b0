//! A dependency graph over any ordered key: topological order (deterministic), cycle
//! detection that names the cycle, and a `ReadyQueue` that hands out nodes whose dependencies
//! have finished, for the parallel apply walk (after cargo's `dependency_queue`), and the
//! critical path of such a walk. Deletes walk the same graph reversed.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Display;
use std::time::Duration;

/// Nodes and "`node` needs `dependency` first" edges.
#[derive(Clone, Debug)]
pub struct Graph<K: Ord + Clone> {
    deps: BTreeMap<K, BTreeSet<K>>,
}

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[error("dependency cycle: {}", .0.join(" → "))]
pub struct CycleError(pub Vec<String>);

impl<K: Ord + Clone + Display> Graph<K> {
    pub fn new() -> Self {
        Graph { deps: BTreeMap::new() }
    }

    pub fn add_node(&mut self, node: K) {
        self.deps.entry(node).or_default();
    }

    /// `node` must wait for `dependency`. Edges to nodes not in the graph are ignored by
    /// `order` (a dependency outside the graph is already satisfied).
    pub fn add_edge(&mut self, node: K, dependency: K) {
        self.deps.entry(node).or_default().insert(dependency);
    }

    pub fn contains(&self, node: &K) -> bool {
        self.deps.contains_key(node)
    }

    pub fn dependencies(&self, node: &K) -> impl Iterator<Item = &K> {
        self.deps.get(node).into_iter().flatten().filter(|d| self.deps.contains_key(*d))
    }

    /// The same nodes with every edge turned around: the order for deletes.
    pub fn reversed(&self) -> Self {
        let mut g = Graph::new();
        for (node, deps) in &self.deps {
            g.add_node(node.clone());
            for d in deps.iter().filter(|d| self.deps.contains_key(*d)) {
                g.add_edge(d.clone(), node.clone());
            }
        }
        g
    }

    /// Every node after all of its dependencies; among ready nodes, smallest key first.
    pub fn order(&self) -> Result<Vec<K>, CycleError> {
        let mut queue = self.ready_queue()?;
        let mut out = Vec::with_capacity(self.deps.len());
        while let Some(node) = queue.next_ready() {
            queue.finish(&node);
            out.push(node);
        }
        Ok(out)
    }

    /// The longest chain of dependencies when each node takes `takes(node)` and everything
    /// else runs in parallel: the least time a walk can finish in (an apply's critical path).
    /// Returns that time and the chain, first node first.
    pub fn critical_path(&self, takes: impl Fn(&K) -> Duration) -> Result<(Duration, Vec<K>), CycleError> {
        // Each node's earliest finish, and the dependency that finishes last before it.
        let mut finish: BTreeMap<K, (Duration, Option<K>)> = BTreeMap::new();
        for node in self.order()? {
            let last = self.dependencies(&node).filter_map(|d| Some((finish.get(d)?.0, d.clone()))).max();
            let start = last.as_ref().map_or(Duration::ZERO, |(at, _)| *at);
            finish.insert(node.clone(), (start + takes(&node), last.map(|(_, d)| d)));
        }
        let Some((end, (total, _))) = finish.iter().max_by_key(|(_, (at, _))| *at) else {
            return Ok((Duration::ZERO, Vec::new()));
        };
        let (total, mut chain, mut at) = (*total, vec![end.clone()], end.clone());
        while let Some(before) = finish.get(&at).and_then(|(_, before)| before.clone()) {
            chain.push(before.clone());
            at = before;
        }
        chain.reverse();
        Ok((total, chain))
    }

    /// A queue for walking the graph with work in flight; fails if the graph has a cycle.
    pub fn ready_queue(&self) -> Result<ReadyQueue<K>, CycleError> {
        self.check_acyclic()?;
        let mut waiting_on: BTreeMap<K, usize> = BTreeMap::new();
        let mut dependents: BTreeMap<K, Vec<K>> = BTreeMap::new();
        for node in self.deps.keys() {
            let deps: Vec<&K> = self.dependencies(node).collect();
            waiting_on.insert(node.clone(), deps.len());
            for d in deps {
                dependents.entry(d.clone()).or_default().push(node.clone());
            }
        }
        let ready = waiting_on.iter().filter(|(_, n)| **n == 0).map(|(k, _)| k.clone()).collect();
        Ok(ReadyQueue { waiting_on, dependents, ready })
    }

    fn check_acyclic(&self) -> Result<(), CycleError> {
        #[derive(Clone, Copy, PartialEq)]
        enum Mark {
            Active,
            Done,
        }
        let mut marks: BTreeMap<&K, Mark> = BTreeMap::new();
        // Iterative DFS keeping the active path, so a cycle can be named.
        for start in self.deps.keys() {
            if marks.contains_key(start) {
                continue;
            }
            let mut path: Vec<(&K, Vec<&K>)> = vec![(start, self.dependencies(start).collect())];
            marks.insert(start, Mark::Active);
            while let Some((node, pending)) = path.last_mut() {
                let node = *node;
                match pending.pop() {
                    Some(next) => match marks.get(next) {
                        Some(Mark::Done) => {}
                        Some(Mark::Active) => {
                            let from = path.iter().position(|(n, _)| *n == next).unwrap_or(0);
                            let mut names: Vec<String> = path[from..].iter().map(|(n, _)| n.to_string()).collect();
                            names.push(next.to_string());
                            return Err(CycleError(names));
                        }
                        None => {
                            marks.insert(next, Mark::Active);
                            path.push((next, self.dependencies(next).collect()));
                        }
                    },
                    None => {
                        marks.insert(node, Mark::Done);
                        path.pop();
                    }
                }
            }
        }
        Ok(())
    }
}

impl<K: Ord + Clone + Display> Default for Graph<K> {
    fn default() -> Self {
        Self::new()
    }
}

/// Hands out nodes whose dependencies have all finished.
#[derive(Debug)]
pub struct ReadyQueue<K: Ord + Clone> {
    waiting_on: BTreeMap<K, usize>,
    dependents: BTreeMap<K, Vec<K>>,
    ready: BTreeSet<K>,
}

impl<K: Ord + Clone> ReadyQueue<K> {
    /// The next node that can start, if any.
    pub fn next_ready(&mut self) -> Option<K> {
        self.ready.pop_first()
    }

    /// Marks a node done; its dependents whose other dependencies are done become ready.
    pub fn finish(&mut self, node: &K) {
        for dependent in self.dependents.remove(node).unwrap_or_default() {
            if let Some(n) = self.waiting_on.get_mut(&dependent) {
                *n -= 1;
                if *n == 0 {
                    self.ready.insert(dependent);
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn graph(edges: &[(&str, &str)]) -> Graph<String> {
        let mut g = Graph::new();
        for (a, b) in edges {
            g.add_node(b.to_string());
            g.add_edge(a.to_string(), b.to_string());
        }
        g
    }

    #[test]
    fn the_critical_path_is_the_longest_chain_of_durations() {
        // vpc → nat (90) → cluster (600) → nodes (240); vpc → db (480): the cluster's chain wins.
        let g = graph(&[("nat", "vpc"), ("cluster", "nat"), ("nodes", "cluster"), ("db", "vpc")]);
        let takes = |n: &String| {
            let seconds = match n.as_str() {
                "nat" => 90,
                "cluster" => 600,
                "nodes" => 240,
                "db" => 480,
                _ => 1,
            };
            Duration::from_secs(seconds)
        };
        let (total, chain) = g.critical_path(takes).unwrap();
        assert_eq!(total, Duration::from_secs(931));
        assert_eq!(chain, ["vpc", "nat", "cluster", "nodes"]);
        assert_eq!(Graph::<String>::new().critical_path(takes).unwrap(), (Duration::ZERO, vec![]));
    }

    #[test]
    fn order_respects_dependencies_and_reverse_inverts_it() {
        let g = graph(&[("subnet", "vpc"), ("nat", "subnet"), ("nat", "eip"), ("route", "nat")]);
        let order = g.order().unwrap();
        let pos = |n: &str| order.iter().position(|x| x == n).unwrap();
        assert!(
            pos("vpc") < pos("subnet")
                && pos("subnet") < pos("nat")
                && pos("eip") < pos("nat")
                && pos("nat") < pos("route")
        );
        let rev = g.reversed().order().unwrap();
        let rpos = |n: &str| rev.iter().position(|x| x == n).unwrap();
        assert!(rpos("route") < rpos("nat") && rpos("nat") < rpos("subnet") && rpos("subnet") < rpos("vpc"));
    }

    #[test]
    fn cycles_are_named() {
        let g = graph(&[("a", "b"), ("b", "c"), ("c", "a")]);
        let err = g.order().unwrap_err();
        assert_eq!(err.0.first(), err.0.last());
        assert_eq!(err.0.len(), 4, "{err}");
    }

    #[test]
    fn edges_to_unknown_nodes_are_satisfied() {
        let mut g: Graph<String> = Graph::new();
        g.add_edge("a".into(), "elsewhere".into());
        assert_eq!(g.order().unwrap(), vec!["a".to_string()]);
    }

    #[test]
    fn ready_queue_releases_dependents_only_when_all_deps_finish() {
        let g = graph(&[("c", "a"), ("c", "b")]);
        let mut q = g.ready_queue().unwrap();
        let first = q.next_ready().unwrap();
        let second = q.next_ready().unwrap();
        assert_eq!((first.as_str(), second.as_str()), ("a", "b"));
        assert!(q.next_ready().is_none());
        q.finish(&first);
        assert!(q.next_ready().is_none());
        q.finish(&second);
        assert_eq!(q.next_ready().as_deref(), Some("c"));
    }
}
