//! Turns a plan into a graph of operations (pure: the order is decided here, the executor in
//! the platformctl binary only walks it), and what an apply did with them.
//!
//! - creates, updates and waits run after the operations of what they depend on;
//! - a replacement is a delete, then a create; for kinds that are created before they are
//!   destroyed (node groups), a create, then a delete of the old generation (`DeleteDeposed`),
//!   unless something it needs is itself being replaced delete-first (that would be a cycle);
//! - old generations an interrupted apply left behind are deleted (`DeleteDeposed`);
//! - a delete runs after the deletes of everything that depended on it (per the state, since
//!   the YAML may no longer mention them), and after the updates that move those dependents
//!   away from it — Terraform's destroy edges; an old generation's delete, after the updates
//!   that move its dependents to the new one.

use std::collections::BTreeMap;
use std::fmt;

use crate::error::AwsError;
use crate::graph::{CycleError, Graph};
use crate::plan::{Action, Plan};
use crate::resource::Address;
use crate::state::State;

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum OpKind {
    Delete,
    Create,
    Update,
    /// Nothing changes, but AWS is still bringing the resource up: dependents wait.
    Wait,
    /// Deletes the old generations (`deposed` ids) of a resource replaced create-first.
    DeleteDeposed,
}

#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Op {
    pub kind: OpKind,
    pub address: Address,
}

impl fmt::Display for Op {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let verb = match self.kind {
            OpKind::Delete => "delete",
            OpKind::Create => "create",
            OpKind::Update => "update",
            OpKind::Wait => "wait for",
            OpKind::DeleteDeposed => "delete the old generation of",
        };
        write!(f, "{verb} {}", self.address)
    }
}

/// An operation that failed, with everything the user needs to act on it.
#[derive(Debug, thiserror::Error)]
#[error("{op}: {error}")]
pub struct OpFailure {
    pub op: Op,
    #[source]
    pub error: AwsError,
}

/// What an apply did with the operations of its plan.
#[derive(Debug, Default)]
pub struct ApplyReport {
    pub completed: Vec<Op>,
    pub failed: Vec<OpFailure>,
    /// Operations never started because of a failure or an interrupt.
    pub not_started: Vec<Op>,
    /// Operations whose AWS call was made and recorded, interrupted while waiting for AWS to
    /// finish: the next run resumes the wait.
    pub waits_left: Vec<Op>,
    /// Operations that panicked (a bug): reported, the state still saved.
    pub panicked: Vec<String>,
    pub interrupted: bool,
}

impl ApplyReport {
    pub fn succeeded(&self) -> bool {
        self.failed.is_empty()
            && self.not_started.is_empty()
            && self.waits_left.is_empty()
            && self.panicked.is_empty()
            && !self.interrupted
    }
}

pub fn operations(plan: &Plan, state: &State) -> Result<Graph<Op>, CycleError> {
    // The operation that brings each address to its desired form, and the one that deletes it.
    let mut forward: BTreeMap<Address, Op> = BTreeMap::new();
    let mut deletes: BTreeMap<Address, Op> = BTreeMap::new();
    let op = |kind, address: &Address| Op { kind, address: address.clone() };
    for c in &plan.changes {
        match c.action {
            Action::Create => {
                forward.insert(c.address.clone(), op(OpKind::Create, &c.address));
            }
            Action::Update => {
                forward.insert(c.address.clone(), op(OpKind::Update, &c.address));
            }
            Action::Delete => {
                deletes.insert(c.address.clone(), op(OpKind::Delete, &c.address));
            }
            Action::Replace => {
                deletes.insert(c.address.clone(), op(OpKind::Delete, &c.address));
                forward.insert(c.address.clone(), op(OpKind::Create, &c.address));
            }
        }
    }
    let create_first: Vec<Address> =
        plan.changes.iter().filter(|c| plan.creates_before_destroying(&c.address)).map(|c| c.address.clone()).collect();
    for address in &create_first {
        deletes.insert(address.clone(), op(OpKind::DeleteDeposed, address));
    }
    for d in &plan.deposed {
        deletes.entry(d.address.clone()).or_insert_with(|| op(OpKind::DeleteDeposed, &d.address));
    }
    for a in &plan.wait_for {
        forward.insert(a.clone(), op(OpKind::Wait, a));
    }

    let mut g = Graph::new();
    for o in forward.values().chain(deletes.values()) {
        g.add_node(o.clone());
    }
    for (address, o) in &forward {
        if let Some(d) = plan.desired.get(address) {
            for dep in &d.depends_on {
                if let Some(dep_op) = forward.get(dep) {
                    g.add_edge(o.clone(), dep_op.clone());
                }
            }
        }
        if let Some(del) = deletes.get(address) {
            if del.kind == OpKind::DeleteDeposed {
                g.add_edge(del.clone(), o.clone());
            } else {
                g.add_edge(o.clone(), del.clone());
            }
        }
    }
    for (address, del) in &deletes {
        let leaving = !plan.desired.contains_key(address);
        for (dependent, recorded) in &state.resources {
            if !recorded.dependencies.contains(address) {
                continue;
            }
            if let Some(dependent_delete) = deletes.get(dependent) {
                g.add_edge(del.clone(), dependent_delete.clone());
            }
            // A dependent updated in place to let go of a resource that is going away must be
            // updated first; so must one moving to the new generation of a resource replaced
            // create-first (an instance switching parameter groups with a major upgrade: RDS
            // refuses to delete a group in use). For a resource replaced delete-first, the
            // update needs the new one: no edge.
            let let_go = leaving || del.kind == OpKind::DeleteDeposed;
            if let_go && let Some(o @ Op { kind: OpKind::Update, .. }) = forward.get(dependent) {
                g.add_edge(del.clone(), o.clone());
            }
        }
    }
    g.ready_queue()?;
    Ok(g)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::expand::expand;
    use crate::model::test_support::{USER_SERVICE, stack_from};
    use crate::plan::plan;
    use crate::resource::{Attrs, Live};

    fn position(order: &[Op], kind: OpKind, address: &str) -> usize {
        order
            .iter()
            .position(|o| o.kind == kind && o.address.as_str() == address)
            .unwrap_or_else(|| panic!("no {kind:?} {address}"))
    }

    #[test]
    fn creates_follow_dependencies() {
        let desired = expand(&stack_from(USER_SERVICE).unwrap(), &Default::default());
        let state = State::new("user-service", "eu-west-1");
        let p = plan(&desired, &state, &Live::new()).unwrap();
        let order = operations(&p, &state).unwrap().order().unwrap();
        assert_eq!(order.len(), desired.len());
        for d in &desired {
            for dep in &d.depends_on {
                assert!(
                    position(&order, OpKind::Create, dep.as_str())
                        < position(&order, OpKind::Create, d.address.as_str()),
                    "{dep} before {}",
                    d.address
                );
            }
        }
    }

    #[test]
    fn destroy_runs_backwards() {
        let desired = expand(&stack_from(USER_SERVICE).unwrap(), &Default::default());
        let mut state = State::new("user-service", "eu-west-1");
        let mut live = Live::new();
        for d in &desired {
            let id = format!("id-{}", d.address);
            state.resources.insert(
                d.address.clone(),
                crate::state::ResourceState {
                    kind: d.kind,
                    id: Some(id.clone()),
                    attributes: Default::default(),
                    dependencies: d.depends_on.clone(),
                    outputs: Attrs::new(),
                    pending: None,
                    deposed: vec![],
                    renamed: vec![],
                    ownership_tags_pending: false,
                },
            );
            live.insert(
                d.address.clone(),
                crate::resource::Observed::Present(crate::resource::LiveResource {
                    id,
                    attrs: Default::default(),
                    ready: true,
                    outputs: Attrs::new(),
                }),
            );
        }
        let p = plan(&[], &state, &live).unwrap();
        let order = operations(&p, &state).unwrap().order().unwrap();
        assert_eq!(order.len(), desired.len());
        for d in &desired {
            for dep in &d.depends_on {
                assert!(
                    position(&order, OpKind::Delete, d.address.as_str())
                        < position(&order, OpKind::Delete, dep.as_str()),
                    "{} before {dep}",
                    d.address
                );
            }
        }
        // The NAT gateway goes before the gateway attachment it needs, the attachment before the VPC.
        assert!(
            position(&order, OpKind::Delete, "network.nat[eu-west-1a]")
                < position(&order, OpKind::Delete, "network.internet_gateway_attachment")
        );
        assert!(
            position(&order, OpKind::Delete, "network.internet_gateway_attachment")
                < position(&order, OpKind::Delete, "network.vpc")
        );
    }
}

#[cfg(test)]
mod properties {
    use proptest::prelude::*;

    use super::*;
    use crate::plan::plan;
    use crate::resource::{Attrs, DesiredResource, Kind, Live, LiveResource, Observed};
    use crate::state::ResourceState;

    /// A random DAG over `n` resources: each may depend on any with a smaller index.
    fn dag() -> impl Strategy<Value = Vec<Vec<usize>>> {
        (1usize..30).prop_flat_map(|n| {
            (0..n)
                .map(|i| {
                    proptest::collection::vec(0..i.max(1), 0..=i.min(4))
                        .prop_map(move |d| if i == 0 { vec![] } else { d })
                })
                .collect::<Vec<_>>()
        })
    }

    fn address(i: usize) -> Address {
        Address::new(format!("r{i:02}"))
    }

    fn position(order: &[Op], kind: OpKind, a: &Address) -> usize {
        order.iter().position(|o| o.kind == kind && &o.address == a).unwrap()
    }

    proptest! {
        /// Creates always come after what they depend on; a destroy deletes in the reverse.
        #[test]
        fn creates_follow_dependencies_and_deletes_reverse_them(deps in dag()) {
            let desired: Vec<DesiredResource> = deps
                .iter()
                .enumerate()
                .map(|(i, ds)| {
                    let mut d = DesiredResource::new(address(i), Kind::Vpc, Attrs::new());
                    for j in ds {
                        d = d.after(&address(*j));
                    }
                    d
                })
                .collect();
            let empty = State::new("s", "eu-west-1");
            let p = plan(&desired, &empty, &Live::new()).unwrap();
            let creates = operations(&p, &empty).unwrap().order().unwrap();
            for d in &desired {
                for dep in &d.depends_on {
                    prop_assert!(position(&creates, OpKind::Create, dep) < position(&creates, OpKind::Create, &d.address));
                }
            }

            let mut state = State::new("s", "eu-west-1");
            let mut live = Live::new();
            for d in &desired {
                let id = format!("id-{}", d.address);
                state.resources.insert(d.address.clone(), ResourceState {
                    kind: d.kind,
                    id: Some(id.clone()),
                    attributes: Attrs::new(),
                    dependencies: d.depends_on.clone(),
                    outputs: Attrs::new(),
                    pending: None,
                    deposed: vec![],
                    renamed: vec![],
                    ownership_tags_pending: false,
                });
                live.insert(d.address.clone(), Observed::Present(LiveResource { id, attrs: Attrs::new(), ready: true, outputs: Attrs::new() }));
            }
            let destroy = plan(&[], &state, &live).unwrap();
            let deletes = operations(&destroy, &state).unwrap().order().unwrap();
            prop_assert_eq!(deletes.len(), desired.len());
            for d in &desired {
                for dep in &d.depends_on {
                    prop_assert!(position(&deletes, OpKind::Delete, &d.address) < position(&deletes, OpKind::Delete, dep));
                }
            }
        }
    }
}
