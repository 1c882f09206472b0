//! Strings the pipeline together for the commands: load and validate the stack, lock and read
//! the state, meet the other stacks it uses, read live AWS, plan, apply. Holds no logic of its
//! own beyond the order of the stages; each stage is its own module (most in platformctl-core
//! and platformctl-aws).

pub mod adopt;
pub mod apply;
pub mod credentials;
mod fail_point;
pub mod journal;
mod neighbours;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::Duration;

use anyhow::Context;
use platformctl_aws::s3_state::S3Store;
use platformctl_aws::{Aws, ConnectOptions, ReadRequest};
use platformctl_core::checks::CheckReport;
use platformctl_core::cross_stack::Neighbours;
use platformctl_core::diagnostics::Sources;
use platformctl_core::expand::expand;
use platformctl_core::model::{Backend, Stack, load_stack};
use platformctl_core::plan::operations::ApplyReport;
use platformctl_core::plan::scope::Scope;
use platformctl_core::plan::{self, Action, Plan, Planned};
use platformctl_core::render::progress::Progress;
use platformctl_core::resource::{Attrs, DesiredResource, Kind, Observed};
use platformctl_core::state::moves::{self, MovesApplied};
use platformctl_core::state::{Lock, State, StateError, Store, holds};

pub use apply::ApplyOptions;

/// A stack opened for a plan, apply or destroy: validated, its state locked and read, what it
/// uses of other stacks read from their states.
pub struct Session {
    pub stack: Stack,
    /// `platformctl check`'s findings on the stack: shown by `plan`, refused by `apply`.
    pub checks: CheckReport,
    /// The stack file and the files it extends.
    pub sources: Sources,
    pub neighbours: Neighbours,
    pub store: Store,
    pub state: State,
    pub aws: Aws,
    lock: Option<Lock>,
    /// `uses_stacks` differs from the state as read: an apply with nothing to do still saves it.
    uses_changed: bool,
    /// What the stack file's `moved:` did to the state as read (saved by the next apply).
    moves: MovesApplied,
}

/// Where to find the state and how to reach AWS.
#[derive(Clone, Debug, Default)]
pub struct SessionOptions {
    pub state_path: Option<PathBuf>,
    /// `--backend-config KEY=VALUE` pairs, over the stack file's `state:` section.
    pub backend_config: Vec<(String, String)>,
    /// How long to wait for another run's lock (`--lock-timeout`); zero fails at once.
    pub lock_timeout: Duration,
    /// `plan --lock=false`: a read-only plan under a role that may not write the lock object.
    pub skip_lock: bool,
    /// `--allow-local-state`: write a local state even in CI.
    pub allow_local_state: bool,
    pub connect: ConnectOptions,
}

/// Operations that write the state.
const WRITES_STATE: &[&str] =
    &["apply", "destroy", "import", "promote", "state rm", "state mv", "state recover", "state push"];

/// The state store a stack file's settings name, without locking it. `connect` has the
/// stack's credentials checked (`credentials::checked`).
pub async fn open_store(
    stack_file: &Path,
    stack: &Stack,
    options: &SessionOptions,
    connect: &ConnectOptions,
) -> anyhow::Result<Store> {
    let backend = stack.backend.with_overrides(&options.backend_config).map_err(anyhow::Error::msg)?;
    Ok(match &backend {
        Backend::Local { path } => Store::local(stack_file, &stack.name, path.as_deref(), options.state_path.clone()),
        Backend::S3 { bucket, key, region, kms_key } => {
            let region = region.as_deref().unwrap_or(&stack.region);
            Store::Remote(S3Store::open(bucket, key, region, kms_key.as_deref(), connect).await)
        }
    })
}

/// Whether the stack's state lives in AWS (reading it then needs the stack's credentials).
fn remote_state(stack: &Stack, options: &SessionOptions) -> anyhow::Result<bool> {
    let backend = stack.backend.with_overrides(&options.backend_config).map_err(anyhow::Error::msg)?;
    Ok(matches!(backend, Backend::S3 { .. }))
}

/// The stack's state, read without locking it (for `output`, `kubeconfig`, `state list`). A
/// local state is read without contacting AWS; a remote one after the credentials check.
pub async fn read_state(stack_file: &Path, options: &SessionOptions) -> anyhow::Result<State> {
    let (loaded, stack) = load_stack(stack_file)?;
    let connect = if remote_state(&stack, options)? {
        credentials::checked(&stack, loaded.sources.main(), &options.connect).await?
    } else {
        options.connect.clone()
    };
    let store = open_store(stack_file, &stack, options, &connect).await?;
    Ok(store.read(&stack.name, &stack.region).await?)
}

/// Refuses to write a local state on a CI runner, whose disk is gone after the job.
fn refuse_local_state_in_ci(store: &Store, operation: &str, options: &SessionOptions) -> anyhow::Result<()> {
    let in_ci = ["CI", "GITHUB_ACTIONS"].iter().any(|v| std::env::var(v).is_ok_and(|v| v == "true" || v == "1"));
    if in_ci && matches!(store, Store::Local(_)) && WRITES_STATE.contains(&operation) && !options.allow_local_state {
        anyhow::bail!(
            "refusing to {operation} with a local state in CI: the runner's disk is gone after this job, and the next run would start from an empty state and create everything again\n  hint: keep the state in S3 (`state: {{ backend: s3, bucket: ..., key: ... }}`, docs/teams.md), or pass --allow-local-state if this job keeps {}",
            store.location()
        );
    }
    Ok(())
}

impl Session {
    pub async fn open(stack_file: &Path, operation: &str, options: &SessionOptions) -> anyhow::Result<Session> {
        let (loaded, stack) = load_stack(stack_file)?;
        // The stack's account is checked (and its role assumed) before anything is read.
        let connect = credentials::checked(&stack, loaded.sources.main(), &options.connect).await?;
        let store = open_store(stack_file, &stack, options, &connect).await?;
        refuse_local_state_in_ci(&store, operation, options)?;
        let lock = if options.skip_lock { None } else { Some(store.lock(operation, options.lock_timeout).await?) };
        let mut state = match store.read(&stack.name, &stack.region).await {
            Ok(state) => state,
            Err(e) => {
                if let Some(lock) = lock {
                    lock.release().await;
                }
                return Err(e.into());
            }
        };
        let moves = moves::apply_moved(&stack.moved, &mut state);
        let aws = Aws::connect(&stack.name, &stack.region, &connect).await;
        let checks = platformctl_core::checks::check(&loaded, &stack);
        let mut session = Session {
            stack,
            checks,
            sources: loaded.sources,
            neighbours: Neighbours::default(),
            store,
            state,
            aws,
            lock,
            uses_changed: false,
            moves,
        };
        match neighbours::meet(&session.stack, &session.store).await {
            Ok(met) => {
                session.neighbours = met.neighbours;
                session.record_uses(&met.uses, &met.no_longer_used);
            }
            // A destroy plans no desired resources: it needs nothing of the other stacks, and
            // must work even after one of them is gone (destroyed with --force) or changed. A
            // state that cannot be read (denied, corrupt, unreachable) is still an error: it
            // may hide a stack this one must not be destroyed under.
            Err(e) if operation == "destroy" && !e.chain().any(|c| c.downcast_ref::<StateError>().is_some()) => {
                tracing::warn!(error = %e, "destroying from this stack's state alone");
            }
            Err(e) => {
                session.close().await;
                return Err(e);
            }
        }
        // Holds the stack no longer agrees to end now (saved with the next state write).
        if !session.state.held.is_empty() && operation != "destroy" {
            let desired = session.desired(false);
            session.uses_changed |= holds::release_void(&desired, &mut session.state);
        }
        Ok(session)
    }

    /// The stacks this one relies on are recorded in its state: their destroy is refused while
    /// this state has resources. Stacks only promoted replicas named are relied on no more.
    fn record_uses(&mut self, uses: &[String], no_longer_used: &[String]) {
        for stack in uses {
            if !self.state.uses_stacks.contains(stack) {
                self.state.uses_stacks.push(stack.clone());
                self.uses_changed = true;
            }
        }
        let before = self.state.uses_stacks.len();
        self.state.uses_stacks.retain(|s| !no_longer_used.contains(s));
        self.uses_changed |= self.state.uses_stacks.len() != before;
    }

    /// Refuses to destroy a stack whose outputs other stacks on the same backend still use.
    pub async fn check_no_users(&self) -> anyhow::Result<()> {
        let users = self.store.users_of(&self.stack.name).await?;
        if !users.is_empty() {
            anyhow::bail!(
                "refusing to destroy `{}`: {} still use{} its outputs (network, peering, replica source or hosted zone)\n  hint: destroy {} first, or pass --force; nothing was changed",
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

    /// The resources the stack wants, or none for a destroy. Moved resources keep their AWS
    /// names (`moves::keep_aws_names`).
    pub fn desired(&self, destroy: bool) -> Vec<DesiredResource> {
        if destroy {
            return Vec::new();
        }
        let mut desired = expand(&self.stack, &self.neighbours);
        moves::keep_aws_names(&mut desired, &self.state);
        desired
    }

    /// Reads live AWS for everything in the state (or the part `scope` selects) and plans
    /// against it.
    pub async fn plan(&self, destroy: bool, scope: &Scope) -> anyhow::Result<Plan> {
        let mut desired = self.desired(destroy);
        let selected = scope.select(&desired, &self.state, destroy)?;
        // A part is planned as if the rest did not exist: it is neither read nor changed.
        let partial_state;
        let state = match &selected {
            Some(part) => {
                let mut copy = self.state.clone();
                copy.resources.retain(|a, _| part.addresses.contains(a));
                partial_state = copy;
                desired.retain(|d| part.addresses.contains(&d.address));
                &partial_state
            }
            None => &self.state,
        };
        let mut live = platformctl_aws::refresh::read_live(&self.aws, state).await?;
        for (address, lent) in &self.neighbours.lent {
            live.insert(address.clone(), Observed::Present(lent.clone()));
        }
        let held = holds::keep_held(&mut desired, &self.state);
        let mut plan = plan::plan(&desired, state, &live)?;
        plan.notices.extend(held);
        plan.notices.extend(self.moves.warnings.iter().cloned());
        // Moves touch the state alone: a partial plan carries them all the same.
        plan.moved = self.moves.moved.clone();
        plan.partial = selected.map(|part| part.partial);
        plan.refused.extend(self.conflicts(&plan).await?);
        if !plan.refused.is_empty() {
            anyhow::bail!("the plan cannot be applied:\n{}\nnothing was changed", plan.refused.join("\n"));
        }
        Ok(plan)
    }

    /// The plan's creates that would collide with what someone else made in AWS (a DNS record
    /// of the same name and type): refused while planning, naming what is there, rather than
    /// failing half-way through an apply.
    async fn conflicts(&self, plan: &Plan) -> anyhow::Result<Vec<String>> {
        let mut creates: BTreeMap<Kind, Vec<ReadRequest>> = BTreeMap::new();
        for change in plan.changes.iter().filter(|c| c.action == Action::Create) {
            let known: Attrs = change
                .attributes
                .iter()
                .filter_map(|a| match &a.after {
                    Planned::Known(v) => Some((a.name.clone(), v.clone())),
                    Planned::KnownAfterApply(_) => None,
                })
                .collect();
            creates.entry(change.kind).or_default().push(ReadRequest::new(&change.address, None, known));
        }
        let mut refused = Vec::new();
        for (kind, requests) in creates {
            let found = platformctl_aws::conflicts(&self.aws, kind, &requests).await?;
            refused.extend(found.into_iter().map(|(address, what)| format!("{address}: {what}")));
        }
        Ok(refused)
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
    pub async fn apply(&mut self, plan: Plan, options: &ApplyOptions) -> anyhow::Result<ApplyReport> {
        let progress = Progress::new();
        let applied = apply::apply(&self.aws, plan, self.state.clone(), &self.store, options, &progress).await;
        let (state, report) = match applied {
            Ok(done) => done,
            Err(apply::ApplyError::NotSaved { error, state }) => return Err(self.keep_errored_state(error, &state)),
            Err(e) => return Err(e).with_context(|| format!("applying stack `{}`", self.stack.name)),
        };
        self.state = state;
        Ok(report)
    }

    /// The state could not be saved after AWS changes: what this run knows goes to
    /// `<stack>.errored.state.json` beside the stack file (private), so that nothing created
    /// is forgotten (Terraform's `errored.tfstate`).
    fn keep_errored_state(&self, error: StateError, state: &State) -> anyhow::Error {
        let main = self.sources.main();
        let dir = main.parent().filter(|d| !d.as_os_str().is_empty()).unwrap_or(Path::new("."));
        let path = dir.join(format!("{}.errored.state.json", self.stack.name));
        match platformctl_core::private_file::write_private(&path, &platformctl_core::state::serialise(state)) {
            Ok(()) => anyhow::anyhow!(
                "{error}\nAWS was changed, but the state could not be saved. Everything this run knows is in `{}` (readable by you only).\n  hint: once the state backend works again, `platformctl state push {} {}`; keep that file until then",
                path.display(),
                main.display(),
                path.display()
            ),
            Err(e) => anyhow::anyhow!(
                "{error}\nAWS was changed, but the state could not be saved, nor written to `{}` ({e})\n  hint: `platformctl state recover {}` rebuilds the state from AWS",
                path.display(),
                main.display()
            ),
        }
    }
}
