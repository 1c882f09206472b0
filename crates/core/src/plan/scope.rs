//! `--target` and `--exclude`: which part of a stack a plan covers. A target brings what it
//! depends on (it cannot be made without them); an exclusion takes what depends on it along (it
//! cannot be made without it). A destroy turns both around: destroying a target takes what
//! stands on it first, and what an excluded resource stands on stays with it. The plan of a part
//! says so (`Partial`): what was left out was neither read nor planned.

use std::collections::{BTreeMap, BTreeSet};

use serde::{Deserialize, Serialize};

use crate::resource::{Address, DesiredResource};
use crate::state::State;

/// The patterns of `--target` and `--exclude`: an address, or a prefix of addresses
/// (`postgres.users` covers `postgres.users.parameters` and `postgres.users.replica[1]`;
/// `eks` covers every cluster).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Scope {
    pub targets: Vec<String>,
    pub excludes: Vec<String>,
}

/// What a partial plan was limited to, carried by the plan, its JSON and the saved plan file.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Partial {
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub targets: Vec<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub excludes: Vec<String>,
    /// How many addresses of the stack and its state were left out.
    pub left_out: usize,
}

impl Partial {
    /// The warning every rendering of a partial plan carries.
    pub fn warning(&self) -> String {
        let mut asked = Vec::new();
        if !self.targets.is_empty() {
            asked.push(format!("--target {}", self.targets.join(" ")));
        }
        if !self.excludes.is_empty() {
            asked.push(format!("--exclude {}", self.excludes.join(" ")));
        }
        format!(
            "This plan is partial ({}): {} resource{} of the stack {} not planned. A plan of the whole stack may show more changes.",
            asked.join(", "),
            self.left_out,
            if self.left_out == 1 { "" } else { "s" },
            if self.left_out == 1 { "was" } else { "were" },
        )
    }
}

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum ScopeError {
    #[error(
        "`{flag} {pattern}` matches no resource of the stack file or its state\n  hint: give an address as `platformctl plan` or `platformctl state list` shows it, or a prefix of addresses (e.g. `postgres.users`, `network`){}",
        suggestion.as_ref().map(|s| format!("; did you mean `{s}`?")).unwrap_or_default()
    )]
    NoMatch { flag: &'static str, pattern: String, suggestion: Option<String> },
    #[error("`{flag}` needs an address or a prefix of addresses, not an empty string")]
    Empty { flag: &'static str },
}

impl Scope {
    pub fn is_whole(&self) -> bool {
        self.targets.is_empty() && self.excludes.is_empty()
    }

    /// The addresses the plan covers, out of everything the stack file wants and the state
    /// records, and what the plan records of that; `None` for the whole stack. Each pattern must
    /// match something: a typo would otherwise plan nothing, or everything, without a word.
    pub fn select(
        &self,
        desired: &[DesiredResource],
        state: &State,
        destroy: bool,
    ) -> Result<Option<Selected>, ScopeError> {
        if self.is_whole() {
            return Ok(None);
        }
        let graph = Dependencies::of(desired, state);
        let targets = graph.matching("--target", &self.targets)?;
        let excludes = graph.matching("--exclude", &self.excludes)?;
        // What must come along: a target's dependencies to make it, its dependents to destroy
        // it; an excluded resource's dependents when making, its dependencies when destroying.
        let (with_target, with_excluded) = if destroy {
            (Dependencies::dependents as fn(&_, _) -> _, Dependencies::dependencies as fn(&_, _) -> _)
        } else {
            (Dependencies::dependencies as fn(&_, _) -> _, Dependencies::dependents as fn(&_, _) -> _)
        };
        let mut selected = if self.targets.is_empty() { graph.all() } else { with_target(&graph, targets) };
        for left in with_excluded(&graph, excludes) {
            selected.remove(&left);
        }
        let partial = Partial {
            targets: self.targets.clone(),
            excludes: self.excludes.clone(),
            // Everything selected is known: the rest was left out.
            left_out: graph.on.len() - selected.len(),
        };
        Ok(Some(Selected { addresses: selected, partial }))
    }
}

/// The part of a stack a scope selects.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Selected {
    pub addresses: BTreeSet<Address>,
    pub partial: Partial,
}

/// Whether `pattern` names `address` or a prefix of it (whole segments only: `postgres.user`
/// does not cover `postgres.users`).
pub fn covers(pattern: &str, address: &str) -> bool {
    address.strip_prefix(pattern).is_some_and(|rest| rest.is_empty() || rest.starts_with('.') || rest.starts_with('['))
}

/// Every address the stack wants or its state records, with what each depends on: the stack
/// file's references for what it wants, the recorded dependencies for what it no longer does.
struct Dependencies {
    on: BTreeMap<Address, BTreeSet<Address>>,
}

impl Dependencies {
    fn of(desired: &[DesiredResource], state: &State) -> Self {
        let mut on: BTreeMap<Address, BTreeSet<Address>> = BTreeMap::new();
        for (address, recorded) in &state.resources {
            on.insert(address.clone(), recorded.dependencies.clone());
        }
        for d in desired {
            on.insert(d.address.clone(), d.depends_on.iter().cloned().collect());
        }
        // Only addresses of this stack: another stack's network is referred to, not planned.
        let known: BTreeSet<Address> = on.keys().cloned().collect();
        for deps in on.values_mut() {
            deps.retain(|d| known.contains(d));
        }
        Dependencies { on }
    }

    fn all(&self) -> BTreeSet<Address> {
        self.on.keys().cloned().collect()
    }

    fn matching(&self, flag: &'static str, patterns: &[String]) -> Result<BTreeSet<Address>, ScopeError> {
        let mut found = BTreeSet::new();
        for pattern in patterns {
            if pattern.is_empty() {
                return Err(ScopeError::Empty { flag });
            }
            let matched: Vec<&Address> = self.on.keys().filter(|a| covers(pattern, a.as_str())).collect();
            if matched.is_empty() {
                let suggestion = self
                    .on
                    .keys()
                    .map(|a| (strsim::levenshtein(pattern, a.as_str()), a))
                    .filter(|(distance, _)| *distance <= 3)
                    .min()
                    .map(|(_, a)| a.to_string());
                return Err(ScopeError::NoMatch { flag, pattern: pattern.clone(), suggestion });
            }
            found.extend(matched.into_iter().cloned());
        }
        Ok(found)
    }

    /// `from` and everything it depends on, transitively.
    fn dependencies(&self, from: BTreeSet<Address>) -> BTreeSet<Address> {
        self.closure(from, |a| self.on.get(a).into_iter().flatten().cloned().collect())
    }

    /// `from` and everything that depends on it, transitively.
    fn dependents(&self, from: BTreeSet<Address>) -> BTreeSet<Address> {
        let mut on_it: BTreeMap<&Address, Vec<&Address>> = BTreeMap::new();
        for (address, deps) in &self.on {
            for d in deps {
                on_it.entry(d).or_default().push(address);
            }
        }
        self.closure(from, |a| on_it.get(a).into_iter().flatten().map(|a| (*a).clone()).collect())
    }

    fn closure(&self, from: BTreeSet<Address>, next: impl Fn(&Address) -> Vec<Address>) -> BTreeSet<Address> {
        let mut seen = from.clone();
        let mut queue: Vec<Address> = from.into_iter().collect();
        while let Some(a) = queue.pop() {
            for n in next(&a) {
                if seen.insert(n.clone()) {
                    queue.push(n);
                }
            }
        }
        seen
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::resource::{Attrs, Kind};
    use crate::state::ResourceState;

    fn desired(address: &str, deps: &[&str]) -> DesiredResource {
        let mut d = DesiredResource::new(Address::new(address), Kind::Subnet, Attrs::new());
        for dep in deps {
            d = d.after(&Address::new(*dep));
        }
        d
    }

    /// vpc ← subnet ← {db subnet group ← postgres, node group}; `old.thing` only in the state.
    fn platform() -> (Vec<DesiredResource>, State) {
        let desired = vec![
            desired("network.vpc", &[]),
            desired("network.subnet[a]", &["network.vpc"]),
            desired("data.db_subnet_group", &["network.subnet[a]"]),
            desired("postgres.users", &["data.db_subnet_group"]),
            desired("postgres.users.parameters", &[]),
            desired("eks.main.node_group[apps]", &["network.subnet[a]"]),
        ];
        let mut state = State::new("s", "eu-west-1");
        state.resources.insert(Address::new("old.thing"), entry("old-1", [Address::new("network.vpc")].into()));
        (desired, state)
    }

    fn entry(id: &str, dependencies: BTreeSet<Address>) -> ResourceState {
        ResourceState {
            kind: Kind::Subnet,
            id: Some(id.into()),
            attributes: Attrs::new(),
            dependencies,
            outputs: Attrs::new(),
            pending: None,
            deposed: vec![],
            renamed: vec![],
            ownership_tags_pending: false,
        }
    }

    fn names(set: Option<Selected>) -> Vec<String> {
        set.expect("a part").addresses.into_iter().map(|a| a.to_string()).collect()
    }

    fn scope(targets: &[&str], excludes: &[&str]) -> Scope {
        Scope {
            targets: targets.iter().map(|s| s.to_string()).collect(),
            excludes: excludes.iter().map(|s| s.to_string()).collect(),
        }
    }

    #[test]
    fn a_target_brings_what_it_depends_on_and_a_prefix_covers_whole_segments() {
        let (d, s) = platform();
        assert_eq!(
            names(scope(&["postgres.users"], &[]).select(&d, &s, false).unwrap()),
            ["data.db_subnet_group", "network.subnet[a]", "network.vpc", "postgres.users", "postgres.users.parameters"]
        );
        assert!(covers("eks.main", "eks.main.node_group[apps]"));
        assert!(covers("eks.main.node_group", "eks.main.node_group[apps]"));
        assert!(!covers("postgres.user", "postgres.users"));
    }

    #[test]
    fn an_exclusion_takes_what_depends_on_it_along() {
        let (d, s) = platform();
        assert_eq!(
            names(scope(&[], &["network.subnet[a]"]).select(&d, &s, false).unwrap()),
            ["network.vpc", "old.thing", "postgres.users.parameters"]
        );
    }

    #[test]
    fn a_destroy_turns_both_around() {
        let (d, s) = platform();
        let mut state = s.clone();
        for x in &d {
            let r = entry(x.address.as_str(), x.depends_on.iter().cloned().collect());
            state.resources.insert(x.address.clone(), r);
        }
        assert_eq!(
            names(scope(&["network.subnet[a]"], &[]).select(&[], &state, true).unwrap()),
            ["data.db_subnet_group", "eks.main.node_group[apps]", "network.subnet[a]", "postgres.users"]
        );
        assert_eq!(
            names(scope(&[], &["postgres.users"]).select(&[], &state, true).unwrap()),
            ["eks.main.node_group[apps]", "old.thing"],
            "the prefix keeps postgres.users.parameters too, and what postgres.users stands on"
        );
    }

    #[test]
    fn a_pattern_that_matches_nothing_is_an_error_with_a_suggestion() {
        let (d, s) = platform();
        let e = scope(&["postgres.user"], &[]).select(&d, &s, false).unwrap_err();
        assert_eq!(
            e,
            ScopeError::NoMatch {
                flag: "--target",
                pattern: "postgres.user".into(),
                suggestion: Some("postgres.users".into())
            }
        );
        assert!(e.to_string().contains("did you mean `postgres.users`?"), "{e}");
        assert_eq!(scope(&[], &[""]).select(&d, &s, false).unwrap_err(), ScopeError::Empty { flag: "--exclude" });
        assert_eq!(scope(&[], &[]).select(&d, &s, false).unwrap(), None);
    }

    #[test]
    fn the_partial_record_counts_what_was_left_out_and_says_so() {
        let (d, s) = platform();
        let sc = scope(&["postgres.users"], &["postgres.users.parameters"]);
        let partial = sc.select(&d, &s, false).unwrap().unwrap().partial;
        assert_eq!(partial.left_out, 3);
        assert_eq!(
            partial.warning(),
            "This plan is partial (--target postgres.users, --exclude postgres.users.parameters): 3 resources of the stack were not planned. A plan of the whole stack may show more changes."
        );
    }
}
