//! An exclusive lock on a state, held for a whole plan, apply or destroy. The OS lock on
//! `<state>.lock` is released when the process ends however it ends (even SIGKILL), so a killed
//! run never leaves a stale lock; the file's contents say who holds it, for the error a second
//! run prints.

use std::fs::{File, OpenOptions};
use std::io::{Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct LockHolder {
    pub id: String,
    pub operation: String,
    pub who: String,
    pub host: String,
    pub pid: u32,
    pub since: String,
}

#[derive(Debug, thiserror::Error)]
pub enum LockError {
    #[error("the state `{state}` is locked by {who}@{host} (pid {pid}, `{operation}`) since {since}\n  hint: wait for that run to finish; a killed run releases its lock by itself", who = .holder.who, host = .holder.host, pid = .holder.pid, operation = .holder.operation, since = .holder.since)]
    Held { state: PathBuf, holder: Box<LockHolder> },
    #[error("the state `{state}` is locked by another process\n  hint: wait for it to finish")]
    HeldUnknown { state: PathBuf },
    #[error("cannot lock the state `{state}`: {source}")]
    Io { state: PathBuf, source: std::io::Error },
    #[error("the state `{state}` is locked by {who}@{host} (pid {pid}, `{operation}`) since {since}, lock id {id}\n  hint: wait for that run (or pass --lock-timeout 5m); if it was killed, `platformctl force-unlock <stack file> {id}`", who = .holder.who, host = .holder.host, pid = .holder.pid, operation = .holder.operation, since = .holder.since, id = .holder.id)]
    HeldRemote { state: String, holder: Box<LockHolder> },
    #[error("cannot lock the state `{state}`: {message}")]
    Remote { state: String, message: String },
    #[error("the lock of `{state}` has id {actual}, not {given}; nothing was unlocked\n  hint: it is held by {who}@{host} (`{operation}`) since {since}", actual = .holder.id, who = .holder.who, host = .holder.host, operation = .holder.operation, since = .holder.since)]
    NotYours { state: String, given: String, holder: Box<LockHolder> },
    #[error("the state `{state}` is not locked")]
    NotLocked { state: String },
    #[error("interrupted while waiting for the lock of `{state}`; nothing was changed")]
    Interrupted { state: String },
}

impl LockHolder {
    /// This process, about to run `operation`.
    pub fn new(operation: &str) -> LockHolder {
        LockHolder {
            id: uuid::Uuid::new_v4().to_string(),
            operation: operation.to_owned(),
            who: std::env::var("USER").or_else(|_| std::env::var("LOGNAME")).unwrap_or_else(|_| "unknown".into()),
            host: gethostname::gethostname().to_string_lossy().into_owned(),
            pid: std::process::id(),
            since: super::now_rfc3339(),
        }
    }
}

/// Holds the lock until dropped.
#[derive(Debug)]
pub struct StateLock {
    file: File,
    pub holder: LockHolder,
}

impl StateLock {
    /// Takes the lock, retrying until `timeout` while another process holds it.
    pub async fn acquire_within(
        state_path: &Path,
        operation: &str,
        timeout: std::time::Duration,
    ) -> Result<StateLock, LockError> {
        let started = std::time::Instant::now();
        loop {
            match StateLock::acquire(state_path, operation) {
                Err(LockError::Held { .. } | LockError::HeldUnknown { .. }) if started.elapsed() < timeout => {
                    if crate::interrupt::happened() {
                        return Err(LockError::Interrupted { state: state_path.display().to_string() });
                    }
                    tokio::time::sleep(std::time::Duration::from_millis(500)).await;
                }
                other => return other,
            }
        }
    }

    pub fn acquire(state_path: &Path, operation: &str) -> Result<StateLock, LockError> {
        let io = |source| LockError::Io { state: state_path.to_path_buf(), source };
        let mut lock_name = state_path.file_name().unwrap_or_default().to_os_string();
        lock_name.push(".lock");
        let lock_path = state_path.with_file_name(lock_name);
        if let Some(dir) = lock_path.parent() {
            crate::private_file::create_private_dir(dir).map_err(io)?;
        }
        let mut options = OpenOptions::new();
        options.read(true).write(true).create(true).truncate(false);
        // It names who holds the state: private, like the state.
        #[cfg(unix)]
        std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
        let mut file = options.open(&lock_path).map_err(io)?;
        match file.try_lock() {
            Ok(()) => {}
            Err(std::fs::TryLockError::WouldBlock) => {
                let mut text = String::new();
                let _ = file.read_to_string(&mut text);
                return Err(match serde_json::from_str::<LockHolder>(&text) {
                    Ok(holder) => LockError::Held { state: state_path.to_path_buf(), holder: Box::new(holder) },
                    Err(_) => LockError::HeldUnknown { state: state_path.to_path_buf() },
                });
            }
            Err(std::fs::TryLockError::Error(e)) => return Err(io(e)),
        }
        let holder = LockHolder::new(operation);
        file.set_len(0).map_err(io)?;
        file.seek(SeekFrom::Start(0)).map_err(io)?;
        file.write_all(serde_json::to_string(&holder).expect("holder serialises").as_bytes()).map_err(io)?;
        file.sync_all().map_err(io)?;
        Ok(StateLock { file, holder })
    }
}

impl Drop for StateLock {
    fn drop(&mut self) {
        // Clear who held it; the OS lock itself goes with the file handle.
        let _ = self.file.set_len(0);
        let _ = self.file.unlock();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn second_lock_names_the_holder_and_release_frees_it() {
        let dir = tempfile::tempdir().unwrap();
        let state = dir.path().join("s.state.json");
        let first = StateLock::acquire(&state, "apply").unwrap();
        let err = StateLock::acquire(&state, "plan").unwrap_err();
        match &err {
            LockError::Held { holder, .. } => {
                assert_eq!(holder.operation, "apply");
                assert_eq!(holder.pid, std::process::id());
            }
            other => panic!("unexpected {other}"),
        }
        assert!(err.to_string().contains("`apply`"));
        drop(first);
        StateLock::acquire(&state, "plan").unwrap();
    }
}
