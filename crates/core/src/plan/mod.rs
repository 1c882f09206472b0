//! The planner: a pure function of (desired resources, state, live read) to a `Plan`. It never
//! performs I/O and leaves no choice to execution time: apply carries out exactly the changes
//! listed here (after oxidecomputer/omicron's reconfigurator).
//!
//! Actions are a closed set, as in Terraform: create `+`, update in place `~`, replace `-/+`
//! (delete, then create), delete `-`. Each attribute change says old → new, whether it forces
//! the replacement, and whether it is drift (AWS differs from what platformctl last applied).

use std::collections::{BTreeMap, BTreeSet};

use serde::{Deserialize, Serialize};

use crate::graph::{CycleError, Graph};
use crate::kinds::{database, db_read_replica};
use crate::resource::{Address, DesiredResource, Kind, Live, LiveResource, Lookup, Observed, Value};
use crate::state::State;
use crate::state::moves::Moved;

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Action {
    Create,
    Update,
    Replace,
    Delete,
}

impl Action {
    pub fn symbol(self) -> &'static str {
        match self {
            Action::Create => "+",
            Action::Update => "~",
            Action::Replace => "-/+",
            Action::Delete => "-",
        }
    }
}

/// The value an attribute will have.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(untagged)]
pub enum Planned {
    Known(Value),
    /// The id of a resource that does not exist yet.
    #[serde(serialize_with = "serialize_unknown")]
    KnownAfterApply(Address),
}

impl<'de> Deserialize<'de> for Planned {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let json = serde_json::Value::deserialize(d)?;
        if let serde_json::Value::Object(m) = &json
            && m.len() == 1
            && let Some(serde_json::Value::String(a)) = m.get("known_after_apply")
        {
            return Ok(Planned::KnownAfterApply(Address::new(a.clone())));
        }
        Ok(Planned::Known(Value::from_json(json)))
    }
}

fn serialize_unknown<S: serde::Serializer>(a: &Address, s: S) -> Result<S::Ok, S::Error> {
    use serde::ser::SerializeMap;
    let mut m = s.serialize_map(Some(1))?;
    m.serialize_entry("known_after_apply", a.as_str())?;
    m.end()
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct AttrChange {
    pub name: String,
    /// The value in AWS now (`None` for a create).
    pub before: Option<Value>,
    pub after: Planned,
    pub forces_replacement: bool,
    /// AWS's value differs from what platformctl last applied: someone changed it outside.
    pub drift: bool,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Change {
    pub address: Address,
    pub kind: Kind,
    pub action: Action,
    /// The AWS id of the existing resource (update, replace, delete).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub attributes: Vec<AttrChange>,
    /// Why, in words: "deleted outside platformctl", "`cidr_block` forces replacement".
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub reasons: Vec<String>,
    /// The change repairs drift.
    pub drift: bool,
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Summary {
    pub create: usize,
    pub update: usize,
    pub replace: usize,
    pub delete: usize,
}

impl Summary {
    pub fn total(&self) -> usize {
        self.create + self.update + self.replace + self.delete
    }
}

/// Everything apply needs, decided here. Serialisable as a whole for saved plans
/// (`plan --out`), which hold no secret values because no attribute ever is one.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Plan {
    /// Sorted by address; resources without changes are not listed.
    pub changes: Vec<Change>,
    /// The desired resources, for creates and updates.
    pub desired: BTreeMap<Address, DesiredResource>,
    /// Resources found in AWS for addresses of the state (including adopted pending creates).
    pub live: BTreeMap<Address, LiveResource>,
    /// State entries whose resources are gone and not wanted: dropped from the state.
    pub forget: Vec<Address>,
    /// Unchanged resources AWS is still bringing up; apply waits for them before dependents.
    pub wait_for: Vec<Address>,
    /// Pending creates of the state that the live read found in AWS: apply records their ids.
    pub adopted: Vec<Address>,
    /// Databases and caches this plan would delete or replace: apply refuses them unless
    /// the user allows data loss, and always while deletion protection is on.
    pub data_loss: Vec<DataLoss>,
    /// Earlier generations left by create-before-destroy replacements: apply deletes them.
    pub deposed: Vec<Deposed>,
    /// Changes AWS cannot make as planned (a Kubernetes upgrade that skips a minor version):
    /// the plan is shown, then refused.
    pub refused: Vec<String>,
    /// What the user should know that no change carries out: instances pending reboot for
    /// parameters platformctl may not restart them for.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub notices: Vec<String>,
    /// Entries that take a new address (`moved:` in the stack file): recorded by apply, with
    /// no call to AWS.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub moved: Vec<Moved>,
    /// `--target`/`--exclude`: the plan covers only a part of the stack.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub partial: Option<scope::Partial>,
}

/// Old ids of one address still to delete (see `ResourceState::deposed`).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Deposed {
    pub address: Address,
    pub kind: Kind,
    pub ids: Vec<String>,
}

/// A change that destroys stored data.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct DataLoss {
    pub address: Address,
    pub action: Action,
    pub reason: String,
    /// AWS has deletion protection on for it: the stack must turn it off first.
    pub deletion_protection: bool,
}

impl Plan {
    pub fn summary(&self) -> Summary {
        let mut s = Summary::default();
        for c in &self.changes {
            match c.action {
                Action::Create => s.create += 1,
                Action::Update => s.update += 1,
                Action::Replace => s.replace += 1,
                Action::Delete => s.delete += 1,
            }
        }
        s
    }

    pub fn has_changes(&self) -> bool {
        !self.changes.is_empty()
    }

    /// Apply has something to do even without changes: record adoptions, forget vanished
    /// resources, wait for resources AWS is still bringing up.
    pub fn has_work(&self) -> bool {
        self.has_changes()
            || !self.adopted.is_empty()
            || !self.forget.is_empty()
            || !self.wait_for.is_empty()
            || !self.deposed.is_empty()
            || !self.moved.is_empty()
    }

    /// Whether the replacement of `address` creates the new resource before deleting the old:
    /// kinds that ask for it (node groups), unless something they need is itself replaced
    /// delete-first in this plan (the old one would have to outlive what it stands on).
    pub fn creates_before_destroying(&self, address: &Address) -> bool {
        let Some(change) = self.change(address) else { return false };
        let replaced_first = |a: &Address| {
            self.change(a).is_some_and(|c| c.action == Action::Replace && !c.kind.create_before_destroy())
        };
        change.action == Action::Replace
            && change.kind.create_before_destroy()
            && self.desired.get(address).is_none_or(|d| !d.depends_on.iter().any(replaced_first))
    }

    pub fn change(&self, address: &Address) -> Option<&Change> {
        self.changes.iter().find(|c| &c.address == address)
    }

    /// The data-loss list made again from the plan's own actions and kinds: what a saved plan
    /// file says of it is not trusted (an edit could drop an entry to pass the refusal).
    pub fn recompute_data_loss(&mut self) {
        self.data_loss = data_loss(&self.changes, &self.live, !self.desired.is_empty());
    }

    /// Why apply must not carry out this plan, if it destroys data it may not: anything with
    /// deletion protection on in AWS, always; anything else only with `--allow-data-loss`.
    pub fn data_loss_refusal(&self, allow_data_loss: bool) -> Option<String> {
        let protected: Vec<&str> =
            self.data_loss.iter().filter(|l| l.deletion_protection).map(|l| l.address.as_str()).collect();
        if !protected.is_empty() {
            return Some(format!(
                "refusing to delete or replace {}: deletion protection is on\n  hint: set `deletion_protection: false` in the stack and apply that first; nothing was changed",
                protected.join(", ")
            ));
        }
        if !self.data_loss.is_empty() && !allow_data_loss {
            let list: Vec<&str> = self.data_loss.iter().map(|l| l.address.as_str()).collect();
            return Some(format!(
                "refusing to delete or replace {} without --allow-data-loss: their data would be lost\n  hint: check the plan above, then run again with --allow-data-loss (final snapshots are taken unless `final_snapshot: false`); nothing was changed",
                list.join(", ")
            ));
        }
        None
    }
}

/// Plans the changes that make AWS match `desired`, given the state and the live read.
pub fn plan(desired: &[DesiredResource], state: &State, live: &Live) -> Result<Plan, CycleError> {
    let by_address: BTreeMap<Address, DesiredResource> =
        desired.iter().map(|d| (d.address.clone(), d.clone())).collect();
    let mut graph = Graph::new();
    for d in desired {
        graph.add_node(d.address.clone());
        // Resources of another stack (its network) are referred to, not planned.
        for dep in d.depends_on.iter().filter(|dep| by_address.contains_key(*dep)) {
            graph.add_edge(d.address.clone(), dep.clone());
        }
    }
    let order = graph.order()?;

    let present: BTreeMap<Address, LiveResource> = live
        .iter()
        .filter_map(|(a, o)| match o {
            Observed::Present(r) => Some((a.clone(), r.clone())),
            Observed::Absent => None,
        })
        .collect();

    let mut changes = Vec::new();
    let mut wait_for = Vec::new();
    // Resources that get a new id in this plan: references to them are known only after apply.
    let mut new_ids: BTreeSet<Address> = BTreeSet::new();
    let mut untagged = 0;

    for address in &order {
        let d = &by_address[address];
        let recorded = state.resources.get(address);
        match present.get(address) {
            None => {
                let mut reasons = Vec::new();
                let mut drift = false;
                if let Some(r) = recorded {
                    if r.id.is_some() {
                        reasons.push("deleted outside platformctl".to_owned());
                        drift = true;
                    } else if r.pending.is_some() {
                        reasons.push("an earlier create did not finish and nothing was found in AWS".to_owned());
                    }
                }
                let attributes = d
                    .kind
                    .def()
                    .compared()
                    .map(|a| (planned_value(a.get(&d.attrs), &new_ids, &present), a))
                    .filter(|(v, _)| *v != Planned::Known(Value::Null))
                    .map(|(after, a)| AttrChange {
                        name: a.name.to_owned(),
                        before: None,
                        after,
                        forces_replacement: false,
                        drift: false,
                    })
                    .collect();
                new_ids.insert(address.clone());
                changes.push(Change {
                    address: address.clone(),
                    kind: d.kind,
                    action: Action::Create,
                    id: None,
                    attributes,
                    reasons,
                    drift,
                });
            }
            Some(found) => {
                let mut attributes = Vec::new();
                for a in d.kind.def().compared() {
                    let after = planned_value(a.get(&d.attrs), &new_ids, &present);
                    let actual = a.get(&found.attrs);
                    if matches!(&after, Planned::Known(v) if a.same(v, actual)) {
                        continue;
                    }
                    let drift = recorded.is_some_and(|r| r.id.is_some() && !a.same(a.get(&r.attributes), actual));
                    attributes.push(AttrChange {
                        name: a.name.to_owned(),
                        before: Some(actual.clone()),
                        after,
                        forces_replacement: a.forces_replacement(actual),
                        drift,
                    });
                }
                // Made without platformctl (recorded by `generate`, `import`, `state recover`):
                // lacking its ownership tags alone is not a change; its next update adds them.
                if recorded.is_some_and(|r| r.ownership_tags_pending)
                    && let [only] = attributes.as_slice()
                    && only.name == crate::resource::schema::TAGS.name
                    && let (Planned::Known(after), Some(before)) = (&only.after, &only.before)
                    && crate::resource::tags::differ_only_in_ownership(after, before)
                {
                    attributes.clear();
                    untagged += 1;
                }
                if attributes.is_empty() {
                    if !found.ready {
                        wait_for.push(address.clone());
                    }
                    continue;
                }
                let replace = attributes.iter().any(|a| a.forces_replacement);
                let drift = attributes.iter().any(|a| a.drift);
                let mut reasons: Vec<String> = attributes
                    .iter()
                    .filter(|a| a.forces_replacement)
                    .map(|a| format!("`{}` forces replacement", a.name))
                    .collect();
                let drifted: Vec<&str> = attributes.iter().filter(|a| a.drift).map(|a| a.name.as_str()).collect();
                if !drifted.is_empty() {
                    reasons.push(format!("drift: `{}` changed outside platformctl", drifted.join("`, `")));
                }
                let action = if replace {
                    new_ids.insert(address.clone());
                    Action::Replace
                } else {
                    Action::Update
                };
                changes.push(Change {
                    address: address.clone(),
                    kind: d.kind,
                    action,
                    id: Some(found.id.clone()),
                    attributes,
                    reasons,
                    drift,
                });
            }
        }
    }

    let mut forget = Vec::new();
    for (address, recorded) in &state.resources {
        if by_address.contains_key(address) {
            continue;
        }
        match present.get(address) {
            Some(found) => changes.push(Change {
                address: address.clone(),
                kind: recorded.kind,
                action: Action::Delete,
                id: Some(found.id.clone()),
                attributes: vec![],
                reasons: vec![],
                drift: false,
            }),
            None => forget.push(address.clone()),
        }
    }
    changes.sort_by(|a, b| a.address.cmp(&b.address));
    let adopted = state
        .resources
        .iter()
        .filter(|(a, r)| r.pending.is_some() && present.contains_key(*a))
        .map(|(a, _)| a.clone())
        .collect();
    let data_loss = data_loss(&changes, &present, !by_address.is_empty());
    let deposed = state
        .resources
        .iter()
        .filter(|(_, r)| !r.deposed.is_empty())
        .map(|(a, r)| Deposed { address: a.clone(), kind: r.kind, ids: r.deposed.clone() })
        .collect();
    let mut refused = rules::refusals(&changes);
    refused.extend(shared_ids(state, &present));
    databases::explain(&mut changes, &by_address);
    let mut notices = databases::pending_reboots(&by_address, &present);
    if untagged > 0 {
        notices.push(format!(
            "{untagged} resource(s) made without platformctl do not carry its ownership tags ({}) yet: their next update adds them",
            crate::resource::tags::OWNERSHIP.join(", ")
        ));
    }
    Ok(Plan {
        changes,
        desired: by_address,
        live: present,
        forget,
        wait_for,
        adopted,
        data_loss,
        deposed,
        refused,
        notices,
        moved: Vec::new(),
        partial: None,
    })
}

fn data_loss(changes: &[Change], present: &BTreeMap<Address, LiveResource>, keeping_stack: bool) -> Vec<DataLoss> {
    changes
        .iter()
        .filter(|c| holds_data(c, present) && matches!(c.action, Action::Replace | Action::Delete))
        .map(|c| {
            let reason = match c.action {
                Action::Replace if c.kind == Kind::DbReadReplica => format!(
                    "promoted to a standalone primary (`platformctl promote`), but the stack file still says it replicates {}: replacing it with a new replica loses every write since the promotion; to keep it, add `promoted: true` under its `replica_of`",
                    c.attributes
                        .iter()
                        .find(|a| a.name == db_read_replica::SOURCE.name)
                        .and_then(|a| match &a.after {
                            Planned::Known(v) => v.as_str().map(str::to_owned),
                            Planned::KnownAfterApply(_) => None,
                        })
                        .unwrap_or_else(|| "another instance".to_owned())
                ),
                Action::Replace => format!("replaced ({}): its data is lost", c.reasons.join("; ")),
                _ if keeping_stack => "removed from the stack: deleted with its data".to_owned(),
                _ => "destroyed with the stack: deleted with its data".to_owned(),
            };
            let deletion_protection =
                // The RDS kinds' setting; the other kinds that hold data have none.
                present.get(&c.address).is_some_and(|l| database::DELETION_PROTECTION.is_true(&l.attrs));
            DataLoss { address: c.address.clone(), action: c.action, reason, deletion_protection }
        })
        .collect()
}

/// Addresses of this stack recorded (or just found) as one and the same AWS resource: an
/// adoption by natural key that matched a resource another address already owns. Applying
/// would change, or delete, one resource for two; refused, naming both.
fn shared_ids(state: &State, present: &BTreeMap<Address, LiveResource>) -> Vec<String> {
    let mut owners: BTreeMap<(Kind, &str), Vec<&Address>> = BTreeMap::new();
    for (address, recorded) in &state.resources {
        let id = present.get(address).map(|l| l.id.as_str()).or(recorded.id.as_deref());
        if let Some(id) = id.filter(|id| !id.is_empty()) {
            owners.entry((recorded.kind, id)).or_default().push(address);
        }
    }
    owners
        .into_iter()
        .filter(|(_, addresses)| addresses.len() > 1)
        .map(|((kind, id), addresses)| {
            let names: Vec<&str> = addresses.iter().map(|a| a.as_str()).collect();
            format!(
                "{} are all the same {kind} in AWS ({id}): one resource cannot be several of the stack's\n  hint: keep the address that owns it and `platformctl state rm` the others, then plan again",
                names.join(" and ")
            )
        })
        .collect()
}

/// The kind holds data, or the resource is a promoted read replica (no source any more): it
/// takes writes of its own.
fn holds_data(change: &Change, present: &BTreeMap<Address, LiveResource>) -> bool {
    change.kind.holds_data()
        || (change.kind == Kind::DbReadReplica
            && present.get(&change.address).is_some_and(|l| db_read_replica::SOURCE.get(&l.attrs) == &Value::Null))
}

fn planned_value(desired: &Value, new_ids: &BTreeSet<Address>, present: &BTreeMap<Address, LiveResource>) -> Planned {
    let id = |a: &Address| if new_ids.contains(a) { None } else { present.get(a).map(|r| r.id.clone()) };
    let output = |a: &Address, name: &str| {
        if new_ids.contains(a) {
            None
        } else {
            present.get(a)?.outputs.get(name).filter(|v| **v != Value::Null).cloned()
        }
    };
    match desired.resolve(&Lookup { id: &id, output: &output }) {
        Some(v) => Planned::Known(v),
        None => {
            let mut refs = BTreeSet::new();
            desired.refs(&mut refs);
            // A reference to a resource not created yet, or else to an output AWS has not
            // reported yet (an endpoint while the database is still being created).
            let missing = refs
                .iter()
                .find(|a| id(a).is_none())
                .or(refs.first())
                .cloned()
                .expect("an unresolved value has an unresolved reference");
            Planned::KnownAfterApply(missing)
        }
    }
}

mod databases;
pub mod operations;
mod rules;
pub mod scope;
#[cfg(test)]
mod tests;
