//! `platformctl promote --dns`: points clients at this (DR) stack's region. Each failover
//! record of this stack that is the SECONDARY becomes the PRIMARY, and the set that was primary
//! (the other stack's, in its zone) the SECONDARY, in one Route 53 batch. Both stacks' states
//! record the new roles, and a hold (`state::holds`), so that the next plan of either stack shows
//! the truth and does not flip them back while the stack files still say the old roles; writing
//! the new roles in the files ends the holds. Safe to run again: a record already primary is
//! left alone.

use anyhow::Context;
use platformctl_core::kinds::dns_record;
use platformctl_core::resource::{Address, Value};
use platformctl_core::state::{Hold, State};

use crate::engine::Session;

const BY: &str = "platformctl promote --dns";

/// One failover pair turned round.
pub struct DnsFlip {
    /// This stack's record, now the primary.
    pub record: Address,
    /// The record that was primary, now the secondary: `<stack>/<address>` when a stack on this
    /// backend owns it, else its Route 53 id; `None` when this record was primary already.
    pub demoted: Option<String>,
}

/// Turns round every failover pair whose secondary is this stack's.
pub async fn take_over_dns(session: &mut Session) -> anyhow::Result<Vec<DnsFlip>> {
    let desired = session.desired(false);
    let secondaries: Vec<(Address, String)> = session
        .state
        .resources
        .iter()
        .filter(|(_, r)| r.kind == platformctl_core::resource::Kind::DnsRecord)
        .filter(|(a, _)| {
            let wanted = desired.iter().find(|d| &d.address == *a);
            wanted.is_some_and(|d| dns_record::FAILOVER.str(&d.attrs) == Some("SECONDARY"))
        })
        .filter_map(|(a, r)| Some((a.clone(), r.id.clone()?)))
        .collect();
    if secondaries.is_empty() {
        anyhow::bail!(
            "--dns: {} has no applied failover secondary record\n  hint: give the DR stack's record `failover: secondary` (and a `set_id`) in the primary stack's zone (`dns.zones.<zone>.from_stack`), and apply it",
            session.stack.name
        );
    }
    let at = humantime::format_rfc3339_seconds(std::time::SystemTime::now()).to_string();
    let mut flips = Vec::new();
    for (address, id) in secondaries {
        let takeover = platformctl_aws::take_over_failover(&session.aws, &id).await?;
        if !takeover.changed && primary_already(&session.state, &address) {
            flips.push(DnsFlip { record: address, demoted: None });
            continue;
        }
        // Recorded even when AWS had it already: a run stopped between the change and the
        // states' writes finishes them.
        hold(&mut session.state, &address, "PRIMARY", "SECONDARY", &at);
        session.store.write(&mut session.state).await?;
        let demoted = match takeover.other {
            Some(other) => Some(record_demotion(session, &other, &at).await?),
            None => None,
        };
        flips.push(DnsFlip { record: address, demoted });
    }
    Ok(flips)
}

fn primary_already(state: &State, address: &Address) -> bool {
    state.resources.get(address).is_some_and(|r| dns_record::FAILOVER.str(&r.attributes) == Some("PRIMARY"))
}

/// Records `role` as the record's failover attribute and holds it against what the stack said.
fn hold(state: &mut State, address: &Address, role: &str, stack_said: &str, at: &str) {
    if let Some(r) = state.resources.get_mut(address) {
        r.attributes.insert(dns_record::FAILOVER.name.to_owned(), Value::str(role));
    }
    let hold =
        Hold { value: Value::str(role), stack_said: Value::str(stack_said), by: BY.to_owned(), at: at.to_owned() };
    state.held.entry(address.clone()).or_default().insert(dns_record::FAILOVER.name.to_owned(), hold);
}

/// Records the demotion of record `id` in the state of the stack that owns it (one this stack
/// uses: the zone's owner), under that stack's lock. Returns `<stack>/<address>`, or the id
/// when no stack on this backend owns the record.
async fn record_demotion(session: &Session, id: &str, at: &str) -> anyhow::Result<String> {
    for other in &session.state.uses_stacks {
        let store = session.store.sibling(other);
        let Some(state) = store.read_existing(other).await? else { continue };
        let Some(address) = state.resources.iter().find(|(_, r)| r.id.as_deref() == Some(id)).map(|(a, _)| a.clone())
        else {
            continue;
        };
        let lock = store
            .lock("promote --dns", std::time::Duration::from_secs(60))
            .await
            .with_context(|| format!("recording the demoted record in `{other}`'s state"))?;
        // Read again under the lock: a run of that stack may have written since.
        let written = async {
            let mut state = store.read_existing(other).await?.context("the state went away")?;
            hold(&mut state, &address, "SECONDARY", "PRIMARY", at);
            store.write(&mut state).await?;
            anyhow::Ok(())
        }
        .await;
        lock.release().await;
        written?;
        return Ok(format!("{other}/{address}"));
    }
    Ok(id.to_owned())
}
