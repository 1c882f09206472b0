//! The state while it changes: every step of an apply (and of a promotion) is recorded through
//! here and saved at once, after oxidecomputer/steno's saga log. A create is recorded as
//! pending, with its idempotency token, before the AWS call; its id as soon as AWS returns it;
//! its outputs once it is ready. So a state file always knows everything platformctl may have
//! created, however the run ends.

use std::collections::BTreeSet;
use std::sync::atomic::{AtomicU64, Ordering};

use platformctl_core::resource::{Address, Attrs, Kind, LiveResource};
use platformctl_core::state::{Pending, PendingOperation, ResourceState, State, StateError, Store, now_rfc3339};
use tokio::sync::Mutex;

/// Saves are grouped (a database's group commit): the changes recorded while one save is on
/// its way to the disk or S3 are saved together by the next one, and each record still returns
/// only once a save holding its change is done. An apply that starts hundreds of steps at once
/// would otherwise queue them one save each (a remote state's PUT is tens of milliseconds).
pub struct Journal {
    state: Mutex<State>,
    store: Store,
    /// Changes recorded so far; counted under the state's lock, with the change.
    changes: AtomicU64,
    /// How many of those changes the last save held; held while saving, so saves never overlap.
    saved: Mutex<u64>,
}

impl Journal {
    pub fn new(state: State, store: Store) -> Journal {
        Journal { state: Mutex::new(state), store, changes: AtomicU64::new(0), saved: Mutex::new(0) }
    }

    pub fn into_state(self) -> State {
        self.state.into_inner()
    }

    /// Changes the state and returns once a save holding the change is done: nothing the
    /// caller does next (an AWS call) happens before the state file knows of it.
    async fn record(&self, change: impl FnOnce(&mut State)) -> Result<(), StateError> {
        let mine = {
            let mut state = self.state.lock().await;
            change(&mut state);
            self.changes.fetch_add(1, Ordering::Relaxed) + 1
        };
        let mut saved = self.saved.lock().await;
        if *saved >= mine {
            return Ok(());
        }
        let mut state = self.state.lock().await;
        let through = self.changes.load(Ordering::Relaxed);
        self.store.write(&mut state).await?;
        *saved = through;
        Ok(())
    }

    /// Reads the state as it is now.
    pub async fn read<T>(&self, look: impl FnOnce(&State) -> T) -> T {
        look(&*self.state.lock().await)
    }

    pub async fn id_of(&self, address: &Address) -> Option<String> {
        self.read(|s| s.id_of(address).map(str::to_owned)).await
    }

    pub async fn entry(&self, address: &Address) -> Option<ResourceState> {
        self.read(|s| s.resources.get(address).cloned()).await
    }

    /// Before a create: the resource as pending, with the token sent to AWS and the attributes
    /// that identify it. A replacement created before the old one is deleted keeps the old id
    /// as deposed, so it is deleted later even if the run ends now.
    pub async fn creating(
        &self,
        address: &Address,
        kind: Kind,
        attrs: &Attrs,
        dependencies: &BTreeSet<Address>,
        token: &str,
        replacing: bool,
    ) -> Result<(), StateError> {
        self.record(|s| {
            let (mut deposed, mut renamed) = (Vec::new(), Vec::new());
            if let Some(old) = s.resources.remove(address) {
                deposed = old.deposed;
                // A replacement made under a kept AWS name (`moves::keep_aws_names`) keeps it.
                renamed = old.renamed;
                if replacing && let Some(id) = old.id {
                    deposed.push(id);
                }
            }
            let pending =
                Pending { operation: PendingOperation::Create, token: token.to_owned(), started_at: now_rfc3339() };
            s.resources.insert(
                address.clone(),
                ResourceState {
                    kind,
                    id: None,
                    attributes: attrs.clone(),
                    dependencies: dependencies.clone(),
                    outputs: Attrs::new(),
                    pending: Some(pending),
                    deposed,
                    renamed,
                    ownership_tags_pending: false,
                },
            );
        })
        .await
    }

    /// The id AWS returned for a pending create.
    pub async fn created(&self, address: &Address, id: &str) -> Result<(), StateError> {
        self.record(|s| {
            if let Some(r) = s.resources.get_mut(address) {
                r.id = Some(id.to_owned());
                r.pending = None;
            }
        })
        .await
    }

    /// The attributes as now applied.
    pub async fn updated(
        &self,
        address: &Address,
        attrs: Attrs,
        dependencies: &BTreeSet<Address>,
    ) -> Result<(), StateError> {
        self.record(|s| {
            if let Some(r) = s.resources.get_mut(address) {
                r.attributes = attrs;
                r.dependencies = dependencies.clone();
                // The update sent the whole tag map, platformctl's ownership tags included.
                r.ownership_tags_pending = false;
            }
        })
        .await
    }

    /// What AWS computed (endpoints, ARNs), for dependents and `platformctl output`.
    pub async fn outputs(&self, address: &Address, outputs: Attrs) -> Result<(), StateError> {
        self.record(|s| {
            if let Some(r) = s.resources.get_mut(address) {
                r.outputs = outputs;
            }
        })
        .await
    }

    /// The resource as AWS now reports it, over what was applied (after a change made outside
    /// the plan, such as a promotion).
    pub async fn observed(&self, address: &Address, found: LiveResource) -> Result<(), StateError> {
        self.record(|s| {
            if let Some(r) = s.resources.get_mut(address) {
                r.attributes.extend(found.attrs);
                r.outputs = found.outputs;
            }
        })
        .await
    }

    pub async fn deleted(&self, address: &Address) -> Result<(), StateError> {
        self.record(|s| drop(s.resources.remove(address))).await
    }

    /// One old generation of `address` is gone.
    pub async fn deposed_deleted(&self, address: &Address, id: &str) -> Result<(), StateError> {
        self.record(|s| {
            if let Some(r) = s.resources.get_mut(address) {
                r.deposed.retain(|d| d != id);
            }
        })
        .await
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use platformctl_core::resource::{Address, Attrs, Kind};
    use platformctl_core::state::{LocalStore, State, Store};

    use super::Journal;

    /// Fifty steps record their creates at once: they share a few saves, and each record
    /// returns only when the file on disk holds its change (what the AWS call after it needs).
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn records_made_at_once_share_saves_and_each_is_on_disk_when_it_returns() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("s.state.json");
        let store = Store::Local(LocalStore::new(path.clone()));
        let journal = Arc::new(Journal::new(State::new("s", "eu-west-1"), store.clone()));
        let steps = (0..50).map(|n| {
            let (journal, store) = (journal.clone(), store.clone());
            tokio::spawn(async move {
                let address = Address::new(format!("log_group.g{n}"));
                journal.creating(&address, Kind::LogGroup, &Attrs::new(), &Default::default(), "t", false).await?;
                let on_disk = store.read("s", "eu-west-1").await?;
                assert!(on_disk.resources.contains_key(&address), "{address} is saved before its record returns");
                Ok::<_, platformctl_core::state::StateError>(())
            })
        });
        for step in futures::future::join_all(steps).await {
            step.unwrap().unwrap();
        }
        let on_disk = store.read("s", "eu-west-1").await.unwrap();
        assert_eq!(on_disk.resources.len(), 50);
        assert!(on_disk.serial < 25, "records made at once share saves: {} saves for 50 records", on_disk.serial);
        assert_eq!(journal.read(|s| s.serial).await, on_disk.serial, "the state in memory knows its serial");
    }
}
