//! Renaming without recreating: `moved:` in the stack file, `state mv OLD NEW`, and the entries
//! `state mv --to-stack` carries to another stack. An entry (and every entry under its address)
//! takes the new address and keeps its AWS id; what other entries recorded they depend on follows.
//!
//! AWS names derive from addresses (`postgres.users` is the instance `<stack>-users`), and most
//! cannot change without a replacement. So a moved entry remembers the renames (`Rename`), and
//! `keep_aws_names` keeps the old AWS name wherever the only difference between the name the
//! stack file now derives and the one recorded is that rename: the resource keeps its AWS name
//! under its new address. Tags, which AWS changes in place, follow the new address.

use serde::{Deserialize, Serialize};

use super::State;
use crate::plan::scope::covers;
use crate::resource::schema::{Attr, Change};
use crate::resource::{Address, DesiredResource, Value};

/// One part of an AWS name that changed with an address: the entry's own name (`users` →
/// `accounts`) or the stack's (`networking` → `databases`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Rename {
    pub from: String,
    pub to: String,
    /// A value `generate` found in AWS where the stack derives another (a name, a
    /// description): kept for attributes AWS changes in place too, since nobody chose the
    /// derived one. A move keeps only what AWS cannot change in place.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub found: bool,
}

/// An entry that took a new address.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct Moved {
    pub from: Address,
    pub to: Address,
}

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum MoveError {
    #[error("`{0}` is not in the state\n  hint: `platformctl state list` shows what is")]
    Unknown(String),
    #[error(
        "`{to}` is already in the state: moving `{from}` there would lose one of the two\n  hint: `platformctl state rm` the one to forget first, or move to another address"
    )]
    Taken { from: String, to: String },
    #[error("`{0}` is not an address: use the address `platformctl state list` shows, e.g. `postgres.users`")]
    Invalid(String),
    #[error("`{from}` cannot move into itself (`{to}`)")]
    IntoItself { from: String, to: String },
}

/// Whether `text` can be an address (what `moved:` and `state mv` accept).
pub fn is_address(text: &str) -> bool {
    !text.is_empty()
        && !text.starts_with(['.', '['])
        && !text.ends_with('.')
        && text.chars().all(|c| c.is_ascii_alphanumeric() || "-_.[]/:".contains(c))
}

/// The last name in an address: `users` of `postgres.users`, `apps` of
/// `eks.main.node_group[apps]`.
fn last_name(address: &str) -> &str {
    let trimmed = address.trim_end_matches(']');
    trimmed.rsplit(['.', '[']).next().unwrap_or(trimmed)
}

/// Moves the entry at `from`, and every entry under it, to `to` within `state`: their AWS ids
/// stay, the dependencies other entries recorded follow. Returns what moved, in address order.
pub fn move_entries(state: &mut State, from: &str, to: &str) -> Result<Vec<Moved>, MoveError> {
    for address in [from, to] {
        if !is_address(address) {
            return Err(MoveError::Invalid(address.to_owned()));
        }
    }
    if covers(from, to) || covers(to, from) {
        return Err(MoveError::IntoItself { from: from.to_owned(), to: to.to_owned() });
    }
    let moving: Vec<Address> = state.resources.keys().filter(|a| covers(from, a.as_str())).cloned().collect();
    if moving.is_empty() {
        return Err(MoveError::Unknown(from.to_owned()));
    }
    let renamed = |a: &Address| Address::new(format!("{to}{}", &a.as_str()[from.len()..]));
    let mut pairs: Vec<(Address, Address)> = moving.iter().map(|a| (a.clone(), renamed(a))).collect();
    // What the expansion names after a moved entry moves with it (a node group's template).
    for (old, new) in pairs.clone() {
        let companion = state.resources[&old].kind.def().moves_with;
        let (Some(old_c), Some(new_c)) =
            (companion.and_then(|f| f(old.as_str())), companion.and_then(|f| f(new.as_str())))
        else {
            continue;
        };
        let old_c = Address::new(old_c);
        if state.resources.contains_key(&old_c) && !pairs.iter().any(|(o, _)| *o == old_c) {
            pairs.push((old_c, Address::new(new_c)));
        }
    }
    if let Some((_, taken)) = pairs.iter().find(|(_, new)| state.resources.contains_key(new)) {
        return Err(MoveError::Taken { from: from.to_owned(), to: taken.to_string() });
    }
    let rename = Rename { from: last_name(from).to_owned(), to: last_name(to).to_owned(), found: false };
    let mut moved = Vec::new();
    for (old, new) in pairs {
        let mut entry = state.resources.remove(&old).expect("listed above");
        if rename.from != rename.to {
            entry.renamed.push(rename.clone());
        }
        state.resources.insert(new.clone(), entry);
        if let Some(held) = state.held.remove(&old) {
            state.held.insert(new.clone(), held);
        }
        moved.push(Moved { from: old, to: new });
    }
    moved.sort();
    follow(state, &moved);
    Ok(moved)
}

/// The recorded dependencies of every entry name the new addresses.
pub fn follow(state: &mut State, moved: &[Moved]) {
    for entry in state.resources.values_mut() {
        for m in moved {
            if entry.dependencies.remove(&m.from) {
                entry.dependencies.insert(m.to.clone());
            }
        }
    }
}

/// What `moved:` in the stack file did to the state as read, and what it could not do.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct MovesApplied {
    pub moved: Vec<Moved>,
    /// Entries of `moved:` that name nothing to move, or cannot be carried out: said, not
    /// refused, so that a `moved:` entry may stay in the file after it took effect.
    pub warnings: Vec<String>,
}

/// Carries out the stack file's `moved:` entries, in the file's order, on the state as read.
/// An entry whose new address is already recorded and old one is not has taken effect before:
/// nothing to do, nothing to say.
pub fn apply_moved(moves: &[(String, String)], state: &mut State) -> MovesApplied {
    let mut applied = MovesApplied::default();
    // Where an entry's resources are now: at its new address, or further down a chain of
    // moves (`a: b` then `b: c`).
    let ended_up = |to: &str, state: &State| {
        let mut at = to.to_owned();
        for _ in 0..moves.len() {
            if state.resources.keys().any(|a| covers(&at, a.as_str())) {
                return true;
            }
            match moves.iter().find(|(from, _)| *from == at) {
                Some((_, next)) => at = next.clone(),
                None => return false,
            }
        }
        false
    };
    for (from, to) in moves {
        match move_entries(state, from, to) {
            Ok(moved) => applied.moved.extend(moved),
            Err(MoveError::Unknown(_)) if ended_up(to, state) => {}
            Err(MoveError::Unknown(_)) => applied.warnings.push(format!(
                "moved: `{from}` → `{to}`: neither address is in the state, so nothing moved (the entry can stay, or go)"
            )),
            Err(e) => applied.warnings.push(format!("moved: `{from}` → `{to}` not carried out: {e}")),
        }
    }
    applied
}

/// Keeps the AWS names of moved resources: where the stack file now derives a name that needs a
/// replacement to change, and the recorded one differs from it only by the entry's renames, the
/// recorded name stays.
pub fn keep_aws_names(desired: &mut [DesiredResource], state: &State) {
    for d in desired {
        let Some(entry) = state.resources.get(&d.address).filter(|e| !e.renamed.is_empty()) else { continue };
        let generated = entry.renamed.iter().any(|r| r.found);
        let kept = |a: &&Attr| a.change == Change::Replace || (generated && a.change == Change::InPlace);
        for attr in d.kind.def().compared().filter(kept) {
            let (Some(Value::Str(wanted)), Some(Value::Str(recorded))) =
                (d.attrs.get(attr.name), entry.attributes.get(attr.name))
            else {
                continue;
            };
            // A value generate found is kept whole; a move's renames apply in turn.
            let found_there = entry.renamed.iter().any(|r| r.found && &r.from == recorded && &r.to == wanted);
            let moved = entry.renamed.iter().filter(|r| !r.found);
            let derived = moved.fold(recorded.clone(), |name, r| name.replace(&r.from, &r.to));
            if (found_there || &derived == wanted) && wanted != recorded {
                d.attrs.insert(attr.name.to_owned(), Value::Str(recorded.clone()));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;

    use super::*;
    use crate::kinds::db_instance;
    use crate::resource::{Attrs, Kind};
    use crate::state::ResourceState;

    fn entry(kind: Kind, id: &str, attributes: Attrs, deps: &[&str]) -> ResourceState {
        ResourceState {
            kind,
            id: Some(id.into()),
            attributes,
            dependencies: deps.iter().map(|d| Address::new(*d)).collect::<BTreeSet<_>>(),
            outputs: Attrs::new(),
            pending: None,
            deposed: vec![],
            renamed: vec![],
            ownership_tags_pending: false,
        }
    }

    fn state() -> State {
        let mut s = State::new("shop", "eu-west-1");
        let identifier = Attrs::from([db_instance::IDENTIFIER.to("shop-users")]);
        s.resources.insert(Address::new("postgres.users"), entry(Kind::DbInstance, "shop-users", identifier, &[]));
        s.resources.insert(
            Address::new("postgres.users.parameters"),
            entry(Kind::DbParameterGroup, "shop-users-postgres16", Attrs::new(), &[]),
        );
        s.resources.insert(
            Address::new("postgres.users.ssm[endpoint]"),
            entry(Kind::SsmParameter, "/shop/db", Attrs::new(), &["postgres.users"]),
        );
        s.resources.insert(
            Address::new("postgres.usersx"),
            entry(Kind::DbInstance, "shop-usersx", Attrs::new(), &["postgres.users"]),
        );
        s
    }

    fn addresses(s: &State) -> Vec<&str> {
        s.resources.keys().map(|a| a.as_str()).collect()
    }

    #[test]
    fn an_entry_moves_with_everything_under_it_and_dependencies_follow() {
        let mut s = state();
        let moved = move_entries(&mut s, "postgres.users", "postgres.accounts").unwrap();
        assert_eq!(moved.len(), 3);
        assert_eq!(
            addresses(&s),
            ["postgres.accounts", "postgres.accounts.parameters", "postgres.accounts.ssm[endpoint]", "postgres.usersx"]
        );
        let accounts = &s.resources[&Address::new("postgres.accounts")];
        assert_eq!(accounts.id.as_deref(), Some("shop-users"), "the AWS id stays");
        assert_eq!(accounts.renamed, [Rename { from: "users".into(), to: "accounts".into(), found: false }]);
        let dependent = &s.resources[&Address::new("postgres.usersx")];
        assert_eq!(dependent.dependencies, [Address::new("postgres.accounts")].into());
        let ssm = &s.resources[&Address::new("postgres.accounts.ssm[endpoint]")];
        assert_eq!(ssm.dependencies, [Address::new("postgres.accounts")].into());
    }

    #[test]
    fn values_generate_found_are_kept_whole_in_place_too() {
        use crate::kinds::replication_group as rg;
        let mut s = State::new("shop", "eu-west-1");
        let found = Attrs::from([rg::ID.to("sessions"), rg::DESCRIPTION.to("sessions, by hand")]);
        let mut e = entry(Kind::ReplicationGroup, "sessions", found, &[]);
        e.renamed = vec![
            Rename { from: "sessions".into(), to: "shop-sessions".into(), found: true },
            Rename { from: "sessions, by hand".into(), to: "Redis sessions of stack shop".into(), found: true },
        ];
        s.resources.insert(Address::new("redis.sessions"), e);
        let wanted = Attrs::from([rg::ID.to("shop-sessions"), rg::DESCRIPTION.to("Redis sessions of stack shop")]);
        let mut desired = vec![DesiredResource::new(Address::new("redis.sessions"), Kind::ReplicationGroup, wanted)];
        keep_aws_names(&mut desired, &s);
        assert_eq!(desired[0].attrs.get("id"), Some(&Value::str("sessions")));
        assert_eq!(desired[0].attrs.get("description"), Some(&Value::str("sessions, by hand")), "not folded");
    }

    #[test]
    fn a_node_group_takes_its_launch_template_along() {
        let mut s = State::new("shop", "eu-west-1");
        let group = Attrs::from([crate::kinds::node_group::NAME.to("apps-1a2b3c4d")]);
        s.resources.insert(Address::new("eks.main.node_group[apps]"), entry(Kind::NodeGroup, "main:apps", group, &[]));
        s.resources.insert(
            Address::new("eks.main.launch_template[apps]"),
            entry(Kind::LaunchTemplate, "lt-1", Attrs::new(), &[]),
        );
        let moved = move_entries(&mut s, "eks.main.node_group[apps]", "eks.main.node_group[workers]").unwrap();
        assert_eq!(addresses(&s), ["eks.main.launch_template[workers]", "eks.main.node_group[workers]"]);
        assert_eq!(moved.len(), 2);
        let template = &s.resources[&Address::new("eks.main.launch_template[workers]")];
        assert_eq!(template.renamed, [Rename { from: "apps".into(), to: "workers".into(), found: false }]);
    }

    #[test]
    fn refuses_what_would_lose_an_entry_or_names_nothing() {
        let mut s = state();
        assert_eq!(
            move_entries(&mut s, "postgres.users", "postgres.usersx").unwrap_err(),
            MoveError::Taken { from: "postgres.users".into(), to: "postgres.usersx".into() }
        );
        assert_eq!(move_entries(&mut s, "redis.x", "redis.y").unwrap_err(), MoveError::Unknown("redis.x".into()));
        assert!(matches!(move_entries(&mut s, "postgres", "postgres.x").unwrap_err(), MoveError::IntoItself { .. }));
        assert!(matches!(move_entries(&mut s, "a b", "c").unwrap_err(), MoveError::Invalid(_)));
        assert_eq!(s.resources, state().resources, "a refused move changes nothing");
    }

    #[test]
    fn moved_entries_that_took_effect_are_quiet_and_unknown_ones_warn() {
        let mut s = state();
        let moves = vec![
            ("postgres.users".to_owned(), "postgres.accounts".to_owned()),
            ("postgres.accounts".to_owned(), "postgres.members".to_owned()),
            ("redis.old".to_owned(), "redis.new".to_owned()),
        ];
        let applied = apply_moved(&moves, &mut s);
        assert_eq!(applied.moved.len(), 6, "chained moves apply in order");
        assert_eq!(applied.warnings.len(), 1, "{:?}", applied.warnings);
        assert!(applied.warnings[0].contains("`redis.old` → `redis.new`"));
        let again = apply_moved(&moves, &mut s);
        assert_eq!(again, MovesApplied { moved: vec![], warnings: applied.warnings.clone() });
    }

    #[test]
    fn moved_resources_keep_their_aws_names_and_only_those() {
        let mut s = state();
        move_entries(&mut s, "postgres.users", "postgres.accounts").unwrap();
        let wanted = |id: &str| {
            DesiredResource::new(
                Address::new("postgres.accounts"),
                Kind::DbInstance,
                Attrs::from([db_instance::IDENTIFIER.to(id), db_instance::INSTANCE_CLASS.to("db.t4g.micro")]),
            )
        };
        let mut desired = vec![wanted("shop-accounts")];
        keep_aws_names(&mut desired, &s);
        assert_eq!(desired[0].attrs.get("identifier"), Some(&Value::str("shop-users")));
        // A name the user changed for another reason is theirs to change (a replacement).
        let mut desired = vec![wanted("billing-accounts")];
        keep_aws_names(&mut desired, &s);
        assert_eq!(desired[0].attrs.get("identifier"), Some(&Value::str("billing-accounts")));
    }
}
