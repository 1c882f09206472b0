//! The state's storage and lock, whichever backend the stack uses: a local file with an OS
//! lock, or a remote store (S3) with a lock object. Commands read and write the state through
//! `Store`, and release the `Lock` at the end (on error and on Ctrl-C too).

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use super::State;
use super::lock::{LockError, LockHolder, StateLock};
use super::remote::RemoteStore;
use super::store::{LocalStore, StateError, parse_state, serialise};

/// Where a state is read from and written to.
#[derive(Clone, Debug)]
pub enum Store {
    Local(LocalStore),
    Remote(Arc<dyn RemoteStore>),
}

impl Store {
    /// The local store for the stack in `stack_file`: `state_path` (`--state`), else the
    /// backend's `path` relative to the stack file, else `.platformctl/<stack>.state.json`.
    pub fn local(stack_file: &Path, stack: &str, backend_path: Option<&Path>, state_path: Option<PathBuf>) -> Store {
        let dir = stack_file.parent().filter(|p| !p.as_os_str().is_empty()).unwrap_or(Path::new("."));
        let path = state_path
            .or_else(|| backend_path.map(|p| dir.join(p)))
            .unwrap_or_else(|| super::store::default_state_path(stack_file, stack));
        Store::Local(LocalStore::new(path))
    }

    /// `path/to/state.json` or `s3://bucket/key`, for messages.
    pub fn location(&self) -> String {
        match self {
            Store::Local(l) => l.path().display().to_string(),
            Store::Remote(r) => r.location(),
        }
    }

    pub async fn read(&self, stack: &str, region: &str) -> Result<State, StateError> {
        Ok(self.read_of(stack, Some(region)).await?.unwrap_or_else(|| State::new(stack, region)))
    }

    /// Another stack's state, whatever its region (a peer's); `None` when it has none yet.
    pub async fn read_existing(&self, stack: &str) -> Result<Option<State>, StateError> {
        self.read_of(stack, None).await
    }

    async fn read_of(&self, stack: &str, region: Option<&str>) -> Result<Option<State>, StateError> {
        match self {
            Store::Local(l) => l.read_of(stack, region),
            Store::Remote(r) => {
                let Some(bytes) = r.read().await? else { return Ok(None) };
                parse_state(&bytes, stack, region, &r.location(), r.backup_hint()).map(Some)
            }
        }
    }

    /// Writes the state with the next serial; the serial is taken back when the write fails.
    pub async fn write(&self, state: &mut State) -> Result<(), StateError> {
        state.serial += 1;
        let document = serialise(state);
        let written = match self {
            Store::Local(l) => {
                // The disk syncs on a blocking thread, not the runtime's: an apply's other steps
                // go on meanwhile, and their changes are saved together next (journal.rs). The
                // document is made here, so the blocking thread allocates next to nothing.
                let local = l.clone();
                let saving = tokio::task::spawn_blocking(move || local.write_document(&document));
                saving.await.unwrap_or_else(|e| {
                    Err(StateError::Write { path: l.path().to_owned(), source: std::io::Error::other(e.to_string()) })
                })
            }
            Store::Remote(r) => r.write(document).await,
        };
        if written.is_err() {
            state.serial -= 1;
        }
        written
    }

    /// The store of another stack on the same backend: `<dir>/<stack>.state.json` beside a
    /// local state, `<key prefix>/<stack>.json` beside an S3 one.
    pub fn sibling(&self, stack: &str) -> Store {
        match self {
            Store::Local(l) => Store::Local(LocalStore::new(l.path().with_file_name(format!("{stack}.state.json")))),
            Store::Remote(r) => Store::Remote(r.sibling(stack)),
        }
    }

    /// The stacks beside this one whose states still have resources and say they use `stack`.
    pub async fn users_of(&self, stack: &str) -> Result<Vec<String>, StateError> {
        let documents: Vec<Vec<u8>> = match self {
            Store::Local(l) => l.siblings(),
            Store::Remote(r) => r.siblings().await?,
        };
        let mut users = Vec::new();
        for doc in documents {
            let Ok(other) = serde_json::from_slice::<State>(&doc) else { continue };
            if other.stack != stack && !other.resources.is_empty() && other.uses_stacks.iter().any(|u| u == stack) {
                users.push(other.stack);
            }
        }
        users.sort();
        Ok(users)
    }

    /// Takes the state's lock for `operation`, waiting up to `timeout` for another holder.
    pub async fn lock(&self, operation: &str, timeout: Duration) -> Result<Lock, LockError> {
        match self {
            Store::Local(l) => Ok(Lock::Local(StateLock::acquire_within(l.path(), operation, timeout).await?)),
            Store::Remote(r) => {
                let holder = LockHolder::new(operation);
                r.lock(&holder, timeout).await?;
                crate::interrupt::holding_remote_lock(Some(format!(
                    "clear it with `platformctl force-unlock <stack file> {}`",
                    holder.id
                )));
                Ok(Lock::Remote { store: r.clone(), holder })
            }
        }
    }

    /// Clears a lock a killed run left (`platformctl force-unlock`).
    pub async fn force_unlock(&self, id: &str) -> Result<(), LockError> {
        match self {
            // The OS releases a local lock with the process that held it: there is never a
            // stale one to clear.
            Store::Local(_) => Err(LockError::NotLocked { state: self.location() }),
            Store::Remote(r) => r.unlock(id).await,
        }
    }
}

/// A held state lock.
#[derive(Debug)]
pub enum Lock {
    Local(StateLock),
    Remote { store: Arc<dyn RemoteStore>, holder: LockHolder },
}

impl Lock {
    pub fn holder(&self) -> &LockHolder {
        match self {
            Lock::Local(l) => &l.holder,
            Lock::Remote { holder, .. } => holder,
        }
    }

    /// Lets go of the lock. A failure is reported but never hides the command's own outcome.
    pub async fn release(self) {
        match self {
            Lock::Local(l) => drop(l),
            Lock::Remote { store, holder } => {
                let released = store.unlock(&holder.id).await;
                crate::interrupt::holding_remote_lock(None);
                if let Err(e) = released {
                    tracing::warn!(error = %e, "could not release the state lock; `platformctl force-unlock` clears it");
                }
            }
        }
    }
}
