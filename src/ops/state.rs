//! `platformctl state list|show|rm|recover|pull|push`: inspect the state, forget a resource,
//! rebuild a lost state from AWS, move a state between backends.

use std::path::Path;

use anyhow::Context;
use platformctl_core::resource::Address;
use platformctl_core::state::{ResourceState, State};

use super::with_session;
use crate::engine::{SessionOptions, read_state};

/// The state as its backend has it (`list`, `pull`), read without locking it.
pub async fn read(stack: &Path, options: &SessionOptions) -> anyhow::Result<State> {
    read_state(stack, options).await
}

fn not_in_state(address: &str) -> anyhow::Error {
    anyhow::anyhow!("`{address}` is not in the state\n  hint: `platformctl state list` shows what is")
}

/// One entry (`show`).
pub async fn show(stack: &Path, address: &str, options: &SessionOptions) -> anyhow::Result<ResourceState> {
    let state = read_state(stack, options).await?;
    state.resources.get(&Address::new(address)).cloned().ok_or_else(|| not_in_state(address))
}

/// Forgets `address` (`rm`): it stays in AWS. Returns its id.
pub async fn rm(stack: &Path, address: &str, options: &SessionOptions) -> anyhow::Result<String> {
    with_session(stack, "state rm", options, true, async |session| {
        let removed = session.state.resources.remove(&Address::new(address)).ok_or_else(|| not_in_state(address))?;
        session.store.write(&mut session.state).await?;
        Ok(removed.id.unwrap_or_default())
    })
    .await
}

pub struct Recovered {
    pub found: usize,
    pub wanted: usize,
    pub location: String,
    pub missing: Vec<Address>,
}

/// Rebuilds a lost state from AWS (`recover`): resources found by their tags, or by the names
/// and natural keys the stack fixes.
pub async fn recover(stack: &Path, options: &SessionOptions) -> anyhow::Result<Recovered> {
    with_session(stack, "state recover", options, true, async |session| {
        if session.state.resources.values().any(|r| r.id.is_some()) {
            anyhow::bail!(
                "the state `{}` is not lost: it records {} resources\n  hint: recover rebuilds a missing or empty state; to start over, move that state away first",
                session.store.location(),
                session.state.resources.len()
            );
        }
        let desired = session.desired(false);
        let lent = &session.neighbours.lent;
        let report = crate::engine::adopt::recover(&session.aws, &desired, lent, &mut session.state).await?;
        session.store.write(&mut session.state).await?;
        Ok(Recovered {
            found: report.found.len(),
            wanted: desired.len(),
            location: session.store.location(),
            missing: report.missing,
        })
    })
    .await
}

/// Replaces the backend's state with `file` (`push`). Returns where it went.
pub async fn push(stack: &Path, file: &Path, force: bool, options: &SessionOptions) -> anyhow::Result<String> {
    with_session(stack, "state push", options, true, async |session| {
        let text = std::fs::read(file).with_context(|| format!("reading {}", file.display()))?;
        let pushed: State =
            serde_json::from_slice(&text).with_context(|| format!("{} is not a platformctl state", file.display()))?;
        let location = session.store.location();
        let mut accepted = session.state.accept_push(pushed, force, &file.display().to_string(), &location)?;
        session.store.write(&mut accepted).await?;
        session.state = accepted;
        Ok(location)
    })
    .await
}
