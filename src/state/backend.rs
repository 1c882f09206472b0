//! The state's storage and lock, whichever backend the stack uses: a local file with an OS
//! lock, or an S3 object with a lock object. Commands open one `Backend`, read and write the
//! state through `Store`, and release the `Lock` at the end (on error and on Ctrl-C too).

use std::path::{Path, PathBuf};
use std::time::Duration;

use super::State;
use super::lock::{LockError, LockHolder, StateLock};
use super::s3::{S3Lock, S3Store};
use super::store::{LocalStore, StateError, default_state_path};
use crate::model::Backend;
use crate::providers::ConnectOptions;

/// Where a state is read from and written to.
#[derive(Clone, Debug)]
pub enum Store {
    Local(LocalStore),
    S3(S3Store),
}

impl Store {
    /// The store the settings name for the stack in `stack_file` (`state_path` overrides a
    /// local path, as `--state` does).
    pub async fn open(
        backend: &Backend,
        stack_file: &Path,
        stack: &str,
        stack_region: &str,
        state_path: Option<PathBuf>,
        connect: &ConnectOptions,
    ) -> Store {
        match backend {
            Backend::Local { path } => {
                let dir = stack_file.parent().filter(|p| !p.as_os_str().is_empty()).unwrap_or(Path::new("."));
                let path = state_path
                    .or_else(|| path.as_ref().map(|p| dir.join(p)))
                    .unwrap_or_else(|| default_state_path(stack_file, stack));
                Store::Local(LocalStore::new(path))
            }
            Backend::S3 { bucket, key, region } => {
                let client = crate::providers::s3_client(region.as_deref().unwrap_or(stack_region), connect).await;
                Store::S3(S3Store::new(client, bucket.clone(), key.clone()))
            }
        }
    }

    /// `path/to/state.json` or `s3://bucket/key`, for messages.
    pub fn location(&self) -> String {
        match self {
            Store::Local(l) => l.path().display().to_string(),
            Store::S3(s) => s.location(),
        }
    }

    pub async fn read(&self, stack: &str, region: &str) -> Result<State, StateError> {
        match self {
            Store::Local(l) => l.read(stack, region),
            Store::S3(s) => s.read(stack, region).await,
        }
    }

    /// Another stack's state, whatever its region (a peer's); `None` when it has none yet.
    pub async fn read_existing(&self, stack: &str) -> Result<Option<State>, StateError> {
        match self {
            Store::Local(l) => l.read_existing(stack),
            Store::S3(s) => s.read_existing(stack, None).await,
        }
    }

    pub async fn write(&self, state: &mut State) -> Result<(), StateError> {
        match self {
            Store::Local(l) => l.write(state),
            Store::S3(s) => s.write(state).await,
        }
    }

    /// The store of another stack on the same backend: `<dir>/<stack>.state.json` beside a
    /// local state, `<key prefix>/<stack>.json` beside an S3 one.
    pub fn sibling(&self, stack: &str) -> Store {
        match self {
            Store::Local(l) => Store::Local(LocalStore::new(l.path().with_file_name(format!("{stack}.state.json")))),
            Store::S3(s) => {
                let key = match s.key.rsplit_once('/') {
                    Some((dir, _)) => format!("{dir}/{stack}.json"),
                    None => format!("{stack}.json"),
                };
                Store::S3(s.with_key(key))
            }
        }
    }

    /// The stacks beside this one whose states still have resources and say they use `stack`.
    pub async fn users_of(&self, stack: &str) -> Result<Vec<String>, StateError> {
        let documents: Vec<Vec<u8>> = match self {
            Store::Local(l) => {
                let dir = l.path().parent().unwrap_or(Path::new("."));
                let entries = std::fs::read_dir(dir).map(|d| d.flatten().collect::<Vec<_>>()).unwrap_or_default();
                entries
                    .iter()
                    .map(|e| e.path())
                    .filter(|p| p != l.path() && p.to_string_lossy().ends_with(".state.json"))
                    .filter_map(|p| std::fs::read(p).ok())
                    .collect()
            }
            Store::S3(s) => s.siblings().await?,
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
            Store::S3(s) => Ok(Lock::S3(s.lock(LockHolder::new(operation), timeout).await?)),
        }
    }

    /// Clears a lock a killed run left (`platformctl force-unlock`).
    pub async fn force_unlock(&self, id: &str) -> Result<(), LockError> {
        match self {
            // The OS releases a local lock with the process that held it: there is never a
            // stale one to clear.
            Store::Local(_) => Err(LockError::NotLocked { state: self.location() }),
            Store::S3(s) => s.unlock(id).await,
        }
    }
}

/// A held state lock.
#[derive(Debug)]
pub enum Lock {
    Local(StateLock),
    S3(S3Lock),
}

impl Lock {
    pub fn holder(&self) -> &LockHolder {
        match self {
            Lock::Local(l) => &l.holder,
            Lock::S3(l) => &l.holder,
        }
    }

    /// Lets go of the lock. A failure is reported but never hides the command's own outcome.
    pub async fn release(self) {
        match self {
            Lock::Local(l) => drop(l),
            Lock::S3(l) => {
                if let Err(e) = l.release().await {
                    tracing::warn!(error = %e, "could not release the state lock; `platformctl force-unlock` clears it");
                }
            }
        }
    }
}
