//! Values a runbook command holds in AWS against the stack file. `platformctl promote --dns`
//! makes the DR region's failover record the primary while the stack files still say
//! secondary; the next plan of either stack must show that truth and not flip it back. A hold
//! lasts while the stack still says what it said when the hold was set: plans then take the
//! held value as the desired one, with a notice saying how to make it permanent. Once the
//! stack says anything else — the new role written, or a deliberate change — the stack rules
//! again and the hold is dropped from the state.

use super::State;
use crate::resource::{DesiredResource, Value};

/// Drops from `state` the holds the stack no longer agrees to (it says something else now, or
/// no longer wants the resource). Returns whether `state` changed (and must be saved).
pub fn release_void(desired: &[DesiredResource], state: &mut State) -> bool {
    let before = state.held.clone();
    state.held.retain(|address, attrs| {
        let Some(resource) = desired.iter().find(|d| &d.address == address) else { return false };
        attrs.retain(|name, hold| said(resource, name) == hold.stack_said);
        !attrs.is_empty()
    });
    state.held != before
}

/// Replaces desired values by the held ones (the stack still says what it said), returning a
/// notice for each.
pub fn keep_held(desired: &mut [DesiredResource], state: &State) -> Vec<String> {
    let mut notices = Vec::new();
    for (address, attrs) in &state.held {
        let Some(resource) = desired.iter_mut().find(|d| &d.address == address) else { continue };
        for (name, hold) in attrs {
            if said(resource, name) != hold.stack_said {
                continue;
            }
            notices.push(format!(
                "{address}: `{name}` is {} since `{}` ({}), while the stack says {}: write the new value in the stack file to keep it (the hold ends when the stack says anything else)",
                hold.value, hold.by, hold.at, hold.stack_said
            ));
            resource.attrs.insert(name.clone(), hold.value.clone());
        }
    }
    notices
}

fn said(resource: &DesiredResource, name: &str) -> Value {
    resource.attrs.get(name).cloned().unwrap_or(Value::Null)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::resource::{Address, Attrs, Kind};
    use crate::state::Hold;

    fn record(failover: &str) -> DesiredResource {
        DesiredResource::new(
            Address::new("dns.record[api.example.com:CNAME:us-east-1]"),
            Kind::DnsRecord,
            Attrs::from([("failover".to_owned(), Value::str(failover))]),
        )
    }

    fn held_state() -> State {
        let mut state = State::new("web-dr", "us-east-1");
        let hold = Hold {
            value: Value::str("PRIMARY"),
            stack_said: Value::str("SECONDARY"),
            by: "platformctl promote --dns".into(),
            at: "2026-12-02T23:50:00Z".into(),
        };
        state.held.insert(record("SECONDARY").address, [("failover".to_owned(), hold)].into());
        state
    }

    #[test]
    fn a_hold_lasts_while_the_stack_says_what_it_said() {
        let mut state = held_state();
        let mut desired = vec![record("SECONDARY")];
        assert!(!release_void(&desired, &mut state));
        let notices = keep_held(&mut desired, &state);
        assert_eq!(desired[0].attrs["failover"], Value::str("PRIMARY"));
        assert!(notices[0].contains("`failover` is \"PRIMARY\" since `platformctl promote --dns`"), "{notices:?}");

        // The new role written: the stack rules, the hold is gone for good.
        let mut desired = vec![record("PRIMARY")];
        assert!(release_void(&desired, &mut state) && state.held.is_empty());
        assert!(keep_held(&mut desired, &state).is_empty());
        assert_eq!(desired[0].attrs["failover"], Value::str("PRIMARY"));
        // Failing back later is the stack's to say: nothing holds it any more.
        let mut desired = vec![record("SECONDARY")];
        keep_held(&mut desired, &state);
        assert_eq!(desired[0].attrs["failover"], Value::str("SECONDARY"));
    }

    #[test]
    fn a_hold_on_a_resource_the_stack_no_longer_wants_is_dropped() {
        let mut state = held_state();
        assert!(release_void(&[], &mut state) && state.held.is_empty());
    }
}
