//! Executes a plan: walks the operation graph in dependency order, independent operations in
//! parallel (`--parallelism`), and records every step in the state as it happens (after
//! oxidecomputer/steno's saga log):
//!
//! 1. before a create, the state records it as pending, with its idempotency token and the
//!    resolved attributes that identify it; 2. the id is recorded as soon as AWS returns it;
//!    3. only then does apply wait for the resource to be ready.
//!
//! On the first failure, or Ctrl-C, no new operation starts; those in flight finish; the state
//! is saved; the report names what failed and what was left undone.

mod ops;
mod progress;

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;
use std::time::{Duration, Instant};

use tokio::sync::Mutex;
use tokio::task::JoinSet;

pub use ops::{Op, OpKind, operations};
pub use progress::Progress;

use crate::graph::CycleError;
use crate::plan::Plan;
use crate::providers::{self, Aws, AwsError, Status};
use crate::resource::{Address, Attrs, DesiredResource, Kind, Lookup, Observed};
use crate::state::{Pending, PendingOperation, ResourceState, State, StateError, Store, now_rfc3339};

#[derive(Clone, Debug)]
pub struct ApplyOptions {
    pub parallelism: usize,
    /// How long to wait for a resource to become ready or go away, by kind, where the user
    /// raised or lowered the default.
    pub wait_timeouts: BTreeMap<Kind, Duration>,
}

impl Default for ApplyOptions {
    fn default() -> Self {
        ApplyOptions { parallelism: 10, wait_timeouts: BTreeMap::new() }
    }
}

impl ApplyOptions {
    /// The user's timeout for the kind, or one that fits AWS's real timings: a multi-AZ RDS
    /// instance takes 10–20 minutes, an Aurora cluster or ElastiCache group 10+, a NAT gateway
    /// a few.
    pub fn wait_timeout(&self, kind: Kind) -> Duration {
        self.wait_timeouts.get(&kind).copied().unwrap_or_else(|| providers::default_wait_timeout(kind))
    }
}

/// An operation that failed, with everything the user needs to act on it.
#[derive(Debug, thiserror::Error)]
#[error("{op}: {error}")]
pub struct OpFailure {
    pub op: Op,
    #[source]
    pub error: AwsError,
}

#[derive(Debug, thiserror::Error)]
pub enum ApplyError {
    #[error(transparent)]
    State(#[from] StateError),
    #[error(transparent)]
    Cycle(#[from] CycleError),
}

/// What an apply did.
#[derive(Debug, Default)]
pub struct ApplyReport {
    pub completed: Vec<Op>,
    pub failed: Vec<OpFailure>,
    /// Operations never started because of a failure or an interrupt.
    pub not_started: Vec<Op>,
    pub interrupted: bool,
}

impl ApplyReport {
    pub fn succeeded(&self) -> bool {
        self.failed.is_empty() && self.not_started.is_empty() && !self.interrupted
    }
}

/// An operation's outcome: the outer error is the state failing to save (fatal), the inner
/// one AWS refusing the operation (reported, the apply stops starting new ones).
type StepResult = Result<Result<(), AwsError>, StateError>;

/// Shared by the operations running at once: the state and where it is saved.
struct Ledger {
    state: Mutex<State>,
    store: Store,
}

impl Ledger {
    async fn record(&self, change: impl FnOnce(&mut State)) -> Result<(), StateError> {
        let mut state = self.state.lock().await;
        change(&mut state);
        self.store.write(&mut state).await
    }

    async fn id_of(&self, address: &Address) -> Option<String> {
        self.state.lock().await.id_of(address).map(str::to_owned)
    }
}

/// Carries out `plan`, saving `state` to `store` after every step. Returns the final state.
pub async fn apply(
    aws: &Aws,
    plan: &Plan,
    mut state: State,
    store: &Store,
    options: &ApplyOptions,
    progress: &Progress,
) -> Result<(State, ApplyReport), ApplyError> {
    let graph = operations(plan, &state)?;
    adopt_what_the_read_found(plan, &mut state);
    store.write(&mut state).await?;

    let ledger = Arc::new(Ledger { state: Mutex::new(state), store: store.clone() });
    let plan = Arc::new(plan.clone());
    let mut queue = graph.ready_queue()?;
    let mut report = ApplyReport::default();
    let mut running: JoinSet<(Op, StepResult)> = JoinSet::new();
    let mut stopping = false;
    let mut state_error: Option<StateError> = None;
    let interrupt = crate::interrupt::wait();
    tokio::pin!(interrupt);

    loop {
        while !stopping && running.len() < options.parallelism.max(1) {
            let Some(op) = queue.next_ready() else { break };
            let (aws, plan, ledger, progress, options) =
                (aws.clone(), plan.clone(), ledger.clone(), progress.clone(), options.clone());
            running.spawn(async move {
                let result = run(&aws, &plan, &ledger, &op, &progress, &options).await;
                (op, result)
            });
        }
        if running.is_empty() {
            break;
        }
        tokio::select! {
            joined = running.join_next() => {
                let Some(joined) = joined else { break };
                let (op, result) = joined.expect("apply operations do not panic");
                match result {
                    Ok(Ok(())) => {
                        queue.finish(&op);
                        report.completed.push(op);
                    }
                    Ok(Err(error)) => {
                        progress.line(&format!("{op}: failed: {error}"));
                        report.failed.push(OpFailure { op, error });
                        stopping = true;
                    }
                    Err(e) => {
                        state_error.get_or_insert(e);
                        stopping = true;
                    }
                }
            }
            _ = &mut interrupt, if !stopping => {
                report.interrupted = true;
                stopping = true;
            }
        }
    }
    while let Some(op) = queue.next_ready() {
        report.not_started.push(op);
    }
    report.not_started.extend(graph_remaining(&graph, &report));
    let state = Arc::try_unwrap(ledger).ok().expect("all operations finished").state.into_inner();
    if let Some(e) = state_error {
        return Err(e.into());
    }
    Ok((state, report))
}

/// Operations neither done, failed nor already listed: those behind a failure.
fn graph_remaining(graph: &crate::graph::Graph<Op>, report: &ApplyReport) -> Vec<Op> {
    let done: std::collections::BTreeSet<&Op> =
        report.completed.iter().chain(report.failed.iter().map(|f| &f.op)).chain(report.not_started.iter()).collect();
    graph.order().unwrap_or_default().into_iter().filter(|o| !done.contains(o)).collect()
}

/// The live read may have found resources of pending creates (adopted now, with their ids)
/// and found others gone for good (dropped from the state).
fn adopt_what_the_read_found(plan: &Plan, state: &mut State) {
    for (address, found) in &plan.live {
        if let Some(r) = state.resources.get_mut(address) {
            r.id = Some(found.id.clone());
            r.outputs = found.outputs.clone();
            if r.pending.take().is_some() {
                tracing::info!(%address, id = %found.id, "adopted a resource whose create was interrupted");
            }
        }
    }
    for address in &plan.forget {
        state.resources.remove(address);
    }
}

async fn run(
    aws: &Aws,
    plan: &Plan,
    ledger: &Ledger,
    op: &Op,
    progress: &Progress,
    options: &ApplyOptions,
) -> StepResult {
    let started = Instant::now();
    let result = match op.kind {
        OpKind::Create => create(aws, plan, ledger, &op.address, progress, options).await,
        OpKind::Update => update(aws, plan, ledger, &op.address, progress, options).await,
        OpKind::Delete => delete(aws, plan, ledger, &op.address, progress, options).await,
        OpKind::DeleteDeposed => delete_deposed(aws, ledger, &op.address, progress, options).await,
        OpKind::Wait => {
            let d = &plan.desired[&op.address];
            let id = ledger.id_of(&op.address).await.unwrap_or_default();
            Ok(wait_until(aws, d.kind, &op.address, &id, Status::Ready, progress, options).await)
        }
    };
    if let Ok(Ok(())) = &result {
        progress.line(&format!("{op}: done ({:.1}s)", started.elapsed().as_secs_f64()));
    }
    result
}

/// The desired attributes with every reference replaced by the id or output now in the state.
/// Outputs referred to are read again first: an endpoint can change after the resource was
/// created (an Aurora cluster's, once it has instances).
/// A state that fails to save is fatal (outer error), as in every step.
async fn resolved(
    aws: &Aws,
    plan: &Plan,
    ledger: &Ledger,
    d: &DesiredResource,
) -> Result<Result<Attrs, AwsError>, StateError> {
    let mut referenced = BTreeSet::new();
    d.attrs.values().for_each(|v| v.output_refs(&mut referenced));
    for address in referenced {
        let found = ledger.state.lock().await.resources.get(&address).map(|r| (r.kind, r.id.clone()));
        if let Some((kind, Some(id))) = found
            && let Err(e) = record_outputs(aws, ledger, kind, &address, &id).await?
        {
            return Ok(Err(e));
        }
    }
    let state = ledger.state.lock().await;
    // What this stack's state does not know is lent by another stack (its network): the plan's
    // live read carries those.
    let lent = |a: &Address| plan.live.get(a).filter(|_| !state.resources.contains_key(a));
    let id = |a: &Address| state.id_of(a).map(str::to_owned).or_else(|| lent(a).map(|l| l.id.clone()));
    let output = |a: &Address, name: &str| {
        state.output_of(a, name).cloned().or_else(|| lent(a).and_then(|l| l.outputs.get(name).cloned()))
    };
    let lookup = Lookup { id: &id, output: &output };
    Ok(d.attrs
        .iter()
        .map(|(k, v)| {
            // Dependencies are applied first, so only an output AWS never reported is missing.
            let value = v.resolve(&lookup).ok_or_else(|| {
                AwsError::local("resolve", format!("`{k}` of {} refers to {v}, which AWS has not reported", d.address))
            })?;
            Ok((k.clone(), value))
        })
        .collect())
}

/// Reads a resource's outputs (endpoint, port, ARN) and records them for its dependents.
async fn record_outputs(aws: &Aws, ledger: &Ledger, kind: Kind, address: &Address, id: &str) -> StepResult {
    if !providers::has_outputs(kind) {
        return Ok(Ok(()));
    }
    let attrs = ledger.state.lock().await.resources.get(address).map(|r| r.attributes.clone()).unwrap_or_default();
    let request = providers::ReadRequest { address: address.clone(), id: Some(id.to_owned()), attrs };
    let outputs = match providers::read(aws, kind, std::slice::from_ref(&request)).await {
        Ok(found) => match found.into_iter().next() {
            Some((_, Observed::Present(live))) => live.outputs,
            _ => return Ok(Err(AwsError::local("read", format!("{id} vanished right after it was created")))),
        },
        Err(e) => return Ok(Err(e)),
    };
    ledger
        .record(|s| {
            if let Some(r) = s.resources.get_mut(address) {
                r.outputs = outputs;
            }
        })
        .await?;
    Ok(Ok(()))
}

async fn create(
    aws: &Aws,
    plan: &Plan,
    ledger: &Ledger,
    address: &Address,
    progress: &Progress,
    options: &ApplyOptions,
) -> StepResult {
    let d = &plan.desired[address];
    let attrs = match resolved(aws, plan, ledger, d).await? {
        Ok(attrs) => attrs,
        Err(e) => return Ok(Err(e)),
    };
    let token = uuid::Uuid::new_v4().to_string();
    let replacing = plan.change(address).is_some_and(|c| c.action == crate::plan::Action::Replace);
    ledger
        .record(|s| {
            // A replacement created before the old one is deleted: the old id is kept as
            // deposed, so it is deleted later even if this apply is interrupted now.
            let mut deposed = Vec::new();
            if let Some(old) = s.resources.remove(address) {
                deposed = old.deposed;
                if replacing && let Some(id) = old.id {
                    deposed.push(id);
                }
            }
            s.resources.insert(
                address.clone(),
                ResourceState {
                    kind: d.kind,
                    id: None,
                    attributes: attrs.clone(),
                    dependencies: d.depends_on.clone(),
                    outputs: Attrs::new(),
                    pending: Some(Pending {
                        operation: PendingOperation::Create,
                        token: token.clone(),
                        started_at: now_rfc3339(),
                    }),
                    deposed,
                },
            );
        })
        .await?;
    let id = match providers::create(aws, d.kind, address, &attrs, &token).await {
        Ok(id) => id,
        Err(e) => return Ok(Err(e)),
    };
    ledger
        .record(|s| {
            if let Some(r) = s.resources.get_mut(address) {
                r.id = Some(id.clone());
                r.pending = None;
            }
        })
        .await?;
    ready_with_outputs(aws, ledger, d.kind, address, &id, progress, options).await
}

/// Waits until AWS says the resource is ready (kinds that take time), then records its outputs.
async fn ready_with_outputs(
    aws: &Aws,
    ledger: &Ledger,
    kind: Kind,
    address: &Address,
    id: &str,
    progress: &Progress,
    options: &ApplyOptions,
) -> StepResult {
    if providers::needs_wait(kind)
        && let Err(e) = wait_until(aws, kind, address, id, Status::Ready, progress, options).await
    {
        return Ok(Err(e));
    }
    record_outputs(aws, ledger, kind, address, id).await
}

async fn update(
    aws: &Aws,
    plan: &Plan,
    ledger: &Ledger,
    address: &Address,
    progress: &Progress,
    options: &ApplyOptions,
) -> StepResult {
    let d = &plan.desired[address];
    let attrs = match resolved(aws, plan, ledger, d).await? {
        Ok(attrs) => attrs,
        Err(e) => return Ok(Err(e)),
    };
    let found = &plan.live[address];
    if let Err(e) = providers::update(aws, d.kind, &found.id, &found.attrs, &attrs).await {
        return Ok(Err(e));
    }
    ledger
        .record(|s| {
            if let Some(r) = s.resources.get_mut(address) {
                r.attributes = attrs;
                r.dependencies = d.depends_on.clone();
            }
        })
        .await?;
    ready_with_outputs(aws, ledger, d.kind, address, &found.id, progress, options).await
}

async fn delete(
    aws: &Aws,
    plan: &Plan,
    ledger: &Ledger,
    address: &Address,
    progress: &Progress,
    options: &ApplyOptions,
) -> StepResult {
    let Some(recorded) = ledger.state.lock().await.resources.get(address).cloned() else { return Ok(Ok(())) };
    if let Err(e) = delete_deposed(aws, ledger, address, progress, options).await? {
        return Ok(Err(e));
    }
    let id = plan.live.get(address).map(|l| l.id.clone()).or(recorded.id.clone()).unwrap_or_default();
    if let Err(e) = delete_and_wait(aws, recorded.kind, address, &id, &recorded.attributes, progress, options).await {
        return Ok(Err(e));
    }
    ledger.record(|s| drop(s.resources.remove(address))).await?;
    Ok(Ok(()))
}

/// Deletes the old generations of a resource, each dropped from the state once gone.
async fn delete_deposed(
    aws: &Aws,
    ledger: &Ledger,
    address: &Address,
    progress: &Progress,
    options: &ApplyOptions,
) -> StepResult {
    let Some(recorded) = ledger.state.lock().await.resources.get(address).cloned() else { return Ok(Ok(())) };
    for id in &recorded.deposed {
        if let Err(e) = delete_and_wait(aws, recorded.kind, address, id, &recorded.attributes, progress, options).await
        {
            return Ok(Err(e));
        }
        ledger
            .record(|s| {
                if let Some(r) = s.resources.get_mut(address) {
                    r.deposed.retain(|d| d != id);
                }
            })
            .await?;
    }
    Ok(Ok(()))
}

async fn delete_and_wait(
    aws: &Aws,
    kind: Kind,
    address: &Address,
    id: &str,
    attrs: &Attrs,
    progress: &Progress,
    options: &ApplyOptions,
) -> Result<(), AwsError> {
    providers::delete(aws, kind, id, attrs).await?;
    if providers::needs_wait(kind) {
        wait_until(aws, kind, address, id, Status::Gone, progress, options).await?;
    }
    Ok(())
}

/// Polls with backoff until the resource reaches `target`, showing the elapsed time.
async fn wait_until(
    aws: &Aws,
    kind: Kind,
    address: &Address,
    id: &str,
    target: Status,
    progress: &Progress,
    options: &ApplyOptions,
) -> Result<(), AwsError> {
    let what = match target {
        Status::Gone => format!("{address}: waiting for {id} to be deleted"),
        _ => format!("{address}: waiting for {id} to become available"),
    };
    let mut waiting = progress.waiting(what);
    let mut delay = providers::PollDelay::default();
    loop {
        let status = providers::status(aws, kind, id).await?;
        if status == target {
            return Ok(());
        }
        if let Status::Failed(message) = status {
            return Err(AwsError::local("wait", format!("{id} failed: {message}")));
        }
        let timeout = options.wait_timeout(kind);
        if waiting.elapsed() > timeout {
            return Err(AwsError::local(
                "wait",
                format!(
                    "{id} did not reach {target:?} within {}; raise it with `--wait-timeout {kind}=<duration>`",
                    humantime::format_duration(timeout)
                ),
            ));
        }
        waiting.tick();
        delay.sleep().await;
    }
}
