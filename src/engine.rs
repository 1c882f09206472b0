//! Strings the pipeline together for the commands: load and validate the stack, lock and read
//! the state, read live AWS, plan, apply. Holds no logic of its own beyond the order of the
//! stages; each stage is its own module.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::Duration;

use anyhow::Context;

use crate::apply::{self, ApplyOptions, ApplyReport, Progress};
use crate::expand::expand;
use crate::model::{Stack, load_stack};
use crate::plan::{self, Plan};
use crate::providers::{Aws, ConnectOptions};
use crate::refresh::read_live;
use crate::resource::{Address, DesiredResource, LiveResource};
use crate::state::{Lock, State, Store};

/// A stack opened for a plan, apply or destroy: validated, its state locked and read.
pub struct Session {
    pub stack: Stack,
    pub store: Store,
    pub state: State,
    pub aws: Aws,
    /// Resources another stack lends this one (`network: { from_stack }`), by address.
    pub lent: BTreeMap<Address, LiveResource>,
    lock: Option<Lock>,
    /// `uses_stacks` differs from the state as read: an apply with nothing to do still saves it.
    uses_changed: bool,
}

/// Where to find the state and how to reach AWS.
#[derive(Clone, Debug, Default)]
pub struct SessionOptions {
    pub state_path: Option<PathBuf>,
    /// `--backend-config KEY=VALUE` pairs, over the stack file's `state:` section.
    pub backend_config: Vec<(String, String)>,
    /// How long to wait for another run's lock (`--lock-timeout`); zero fails at once.
    pub lock_timeout: Duration,
    pub connect: ConnectOptions,
}

/// The state store a stack file's settings name, without locking it.
pub async fn open_store(stack_file: &Path, stack: &Stack, options: &SessionOptions) -> anyhow::Result<Store> {
    let backend = stack.backend.with_overrides(&options.backend_config).map_err(anyhow::Error::msg)?;
    Ok(Store::open(&backend, stack_file, &stack.name, &stack.region, options.state_path.clone(), &options.connect)
        .await)
}

impl Session {
    pub async fn open(stack_file: &Path, operation: &str, options: &SessionOptions) -> anyhow::Result<Session> {
        let (_, stack) = load_stack(stack_file)?;
        let store = open_store(stack_file, &stack, options).await?;
        let lock = store.lock(operation, options.lock_timeout).await?;
        let state = match store.read(&stack.name, &stack.region).await {
            Ok(state) => state,
            Err(e) => {
                lock.release().await;
                return Err(e.into());
            }
        };
        let aws = Aws::connect(&stack.name, &stack.region, &options.connect).await;
        let mut session =
            Session { stack, store, state, aws, lent: BTreeMap::new(), lock: Some(lock), uses_changed: false };
        // What this stack needs of other stacks, from their states.
        let prepared = async {
            session.borrow_network().await?;
            session.meet_peers().await?;
            session.meet_replica_sources().await
        }
        .await;
        // A destroy plans no desired resources: it needs nothing of the other stacks, and must
        // work even after one of them is gone (destroyed with --force).
        let prepared = match prepared {
            Err(e) if operation == "destroy" => {
                tracing::warn!(error = %e, "other stacks' states are not readable; destroying from this stack's state alone");
                Ok(())
            }
            other => other,
        };
        if let Err(e) = prepared {
            session.close().await;
            return Err(e);
        }
        Ok(session)
    }

    /// With `network: { from_stack }`, reads the other stack's state: its network becomes this
    /// stack's (for expansion) and its resources are lent to plans.
    async fn borrow_network(&mut self) -> anyhow::Result<()> {
        let Some(from) = self.stack.network_from.clone() else { return Ok(()) };
        let other = self.store.sibling(&from);
        let state = other.read(&from, &self.stack.region).await?;
        let network = crate::cross_stack::network_of(&state).with_context(|| {
            format!(
                "stack `{from}` has no applied network in {}\n  hint: apply `{from}` first (its state sits beside this stack's: same backend settings)",
                other.location()
            )
        })?;
        self.stack.network = Some(network);
        self.lent = crate::cross_stack::lent_resources(&state);
        self.record_use(&from);
        Ok(())
    }

    /// The stacks this one relies on are recorded in its state: their destroy is refused
    /// while this state has resources.
    fn record_use(&mut self, stack: &str) {
        if !self.state.uses_stacks.iter().any(|s| s == stack) {
            self.state.uses_stacks.push(stack.to_owned());
            self.uses_changed = true;
        }
    }

    /// Reads each peer's state for what the peering needs (VPC, CIDR, region, private route
    /// tables) and refuses overlapping CIDRs.
    async fn meet_peers(&mut self) -> anyhow::Result<()> {
        let own = self.stack.network.as_ref().map(|n| n.cidr);
        for (peering, peer) in self.stack.peerings.clone() {
            let store = self.store.sibling(&peer);
            let hint = || format!("apply `{peer}` first (its state sits beside this stack's: same backend settings)");
            let state = store.read_existing(&peer).await?.with_context(|| {
                format!("peering `{peering}`: stack `{peer}` has no state in {}\n  hint: {}", store.location(), hint())
            })?;
            let network = crate::cross_stack::network_of(&state).with_context(|| {
                format!("peering `{peering}`: stack `{peer}` has no applied network\n  hint: {}", hint())
            })?;
            if let Some(own) = own
                && crate::model::overlaps(own, network.cidr)
            {
                anyhow::bail!(
                    "peering `{peering}`: this stack's CIDR {own} overlaps `{peer}`'s {}\n  hint: peered VPCs need disjoint address ranges; pick another `network.cidr`",
                    network.cidr
                );
            }
            let vpc_id = state.id_of(&Address::new("network.vpc")).unwrap_or_default().to_owned();
            let private_route_tables = network
                .azs
                .iter()
                .filter_map(|az| {
                    let address = Address::new(format!("network.route_table.private[{}]", az.name));
                    Some((az.name.clone(), state.id_of(&address)?.to_owned()))
                })
                .collect();
            self.stack.peer_networks.push(crate::model::PeerNetwork {
                peering,
                stack: peer.clone(),
                region: state.region.clone(),
                vpc_id,
                cidr: network.cidr,
                private_route_tables,
            });
            self.record_use(&peer);
        }
        Ok(())
    }

    /// Reads the source of each `replica_of` entry from its stack's state (checked there, see
    /// `cross_stack::replica_source`). A promoted replica needs nothing of its old source,
    /// which may be gone with its region.
    async fn meet_replica_sources(&mut self) -> anyhow::Result<()> {
        for replica in self.stack.data.replicas_of_others.clone() {
            if replica.promoted {
                self.forget_use_of_promoted_source(&replica.source_stack);
                continue;
            }
            let (name, source) = (&replica.name, &replica.source_stack);
            let store = self.store.sibling(source);
            let state = store.read_existing(source).await?.with_context(|| {
                format!(
                    "postgres.{name}: stack `{source}` has no state in {}\n  hint: apply `{source}` first (its state sits beside this stack's: same backend settings)",
                    store.location()
                )
            })?;
            let found = crate::cross_stack::replica_source(&state, &replica, &self.stack.region)
                .map_err(|e| anyhow::anyhow!("postgres.{name}: {e}"))?;
            self.stack.replica_sources.push(found);
            self.record_use(source);
        }
        Ok(())
    }

    /// A promoted replica has no link to its old source any more: unless something else of this
    /// stack uses that stack, its destroy is no longer refused (from the next state write on).
    fn forget_use_of_promoted_source(&mut self, source: &str) {
        let data = &self.stack.data;
        let still_used = self.stack.network_from.as_deref() == Some(source)
            || self.stack.peerings.iter().any(|(_, peer)| peer == source)
            || data.replicas_of_others.iter().any(|r| !r.promoted && r.source_stack == source);
        if !still_used && self.state.uses_stacks.iter().any(|s| s == source) {
            self.state.uses_stacks.retain(|s| s != source);
            self.uses_changed = true;
        }
    }

    /// Refuses to destroy a stack whose outputs other stacks on the same backend still use.
    pub async fn check_no_users(&self) -> anyhow::Result<()> {
        let users = self.store.users_of(&self.stack.name).await?;
        if !users.is_empty() {
            anyhow::bail!(
                "refusing to destroy `{}`: {} still use{} its outputs (network, peering or replica source)\n  hint: destroy {} first, or pass --force; nothing was changed",
                self.stack.name,
                users.join(", "),
                if users.len() == 1 { "s" } else { "" },
                users.join(", ")
            );
        }
        Ok(())
    }

    /// Releases the state lock. Every command calls it, whatever its outcome.
    pub async fn close(mut self) {
        if let Some(lock) = self.lock.take() {
            lock.release().await;
        }
    }

    /// The resources the stack wants, or none for a destroy.
    pub fn desired(&self, destroy: bool) -> Vec<DesiredResource> {
        if destroy { Vec::new() } else { expand(&self.stack) }
    }

    /// Reads live AWS for everything in the state and plans against it.
    pub async fn plan(&self, destroy: bool) -> anyhow::Result<Plan> {
        let mut live = read_live(&self.aws, &self.state).await?;
        for (address, lent) in &self.lent {
            live.insert(address.clone(), crate::resource::Observed::Present(lent.clone()));
        }
        let plan = plan::plan(&self.desired(destroy), &self.state, &live)?;
        if !plan.refused.is_empty() {
            anyhow::bail!("the plan cannot be applied:\n{}\nnothing was changed", plan.refused.join("\n"));
        }
        Ok(plan)
    }

    /// Saves the state when only the stacks it uses changed (an apply with nothing to do).
    pub async fn save_uses(&mut self) -> anyhow::Result<()> {
        if self.uses_changed {
            self.store.write(&mut self.state).await?;
            self.uses_changed = false;
        }
        Ok(())
    }

    /// Applies a plan made by this session; the state is saved after every step.
    pub async fn apply(&mut self, plan: &Plan, options: &ApplyOptions) -> anyhow::Result<ApplyReport> {
        let progress = Progress::new();
        let (state, report) = apply::apply(&self.aws, plan, self.state.clone(), &self.store, options, &progress)
            .await
            .with_context(|| format!("applying stack `{}`", self.stack.name))?;
        self.state = state;
        Ok(report)
    }
}
