//! The state while it changes: every step of an apply (and of a promotion) is recorded through
//! here and saved at once, after oxidecomputer/steno's saga log. A create is recorded as
//! pending, with its idempotency token, before the AWS call; its id as soon as AWS returns it;
//! its outputs once it is ready. So a state file always knows everything platformctl may have
//! created, however the run ends.

use std::collections::BTreeSet;

use platformctl_core::resource::{Address, Attrs, Kind, LiveResource};
use platformctl_core::state::{Pending, PendingOperation, ResourceState, State, StateError, Store, now_rfc3339};
use tokio::sync::Mutex;

pub struct Journal {
    state: Mutex<State>,
    store: Store,
}

impl Journal {
    pub fn new(state: State, store: Store) -> Journal {
        Journal { state: Mutex::new(state), store }
    }

    pub fn into_state(self) -> State {
        self.state.into_inner()
    }

    /// Changes the state and saves it before anything else can happen.
    async fn record(&self, change: impl FnOnce(&mut State)) -> Result<(), StateError> {
        let mut state = self.state.lock().await;
        change(&mut state);
        self.store.write(&mut state).await
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
