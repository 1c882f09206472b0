//! Executes a plan: walks the operation graph (`plan::operations`) in dependency order, every
//! operation starting as soon as what it depends on is done — no count of operations holds one
//! back behind another's wait (a node group does not wait for a database); how many AWS calls
//! run at once is limited per service instead (`--parallelism`, platformctl_aws's in_flight) —
//! recording every step in the state through the `Journal` as it happens:
//!
//! 1. before a create, the state records it as pending, with its idempotency token and the
//!    resolved attributes that identify it; 2. the id is recorded as soon as AWS returns it;
//!    3. only then does apply wait for the resource to be ready.
//!
//! On the first failure, or Ctrl-C, no new operation starts; those in flight finish; the state
//! is saved; the report names what failed and what was left undone.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;
use std::time::{Duration, Instant};

use platformctl_aws::{Aws, AwsError, ReadRequest, Status};
use platformctl_core::graph::{CycleError, Graph};
use platformctl_core::plan::operations::{ApplyReport, Op, OpFailure, OpKind, operations};
use platformctl_core::plan::{Action, Plan};
use platformctl_core::render::progress::Progress;
use platformctl_core::resource::{Address, Attrs, DesiredResource, Kind, Lookup};
use platformctl_core::state::{State, StateError, Store};
use tokio::task::JoinSet;

use super::journal::Journal;

#[derive(Clone, Debug, Default)]
pub struct ApplyOptions {
    /// How long to wait for a resource to become ready or go away, by kind, where the user
    /// raised or lowered the default.
    pub wait_timeouts: BTreeMap<Kind, Duration>,
}

impl ApplyOptions {
    /// The user's timeout for the kind, or its declared default.
    pub fn wait_timeout(&self, kind: Kind) -> Duration {
        self.wait_timeouts.get(&kind).copied().unwrap_or_else(|| kind.default_wait_timeout())
    }
}

#[derive(Debug, thiserror::Error)]
pub enum ApplyError {
    #[error(transparent)]
    State(#[from] StateError),
    #[error(transparent)]
    Cycle(#[from] CycleError),
    /// Saving the state failed after AWS changes were made: `state` is everything this run
    /// knows, for the caller to keep somewhere.
    #[error("{error}")]
    NotSaved { error: StateError, state: Box<State> },
}

/// An operation's outcome: the outer error is the state failing to save (fatal), the inner
/// one AWS refusing the operation (reported, the apply stops starting new ones).
type StepResult = Result<Result<(), AwsError>, StateError>;

/// Carries out `plan`, saving `state` to `store` after every step. Returns the final state.
/// Takes the plan: its operations share it, and a copy would double the largest thing in
/// memory (2-3 MB of the grown benchmark stack's heap).
pub async fn apply(
    aws: &Aws,
    plan: Plan,
    mut state: State,
    store: &Store,
    options: &ApplyOptions,
    progress: &Progress,
) -> Result<(State, ApplyReport), ApplyError> {
    let graph = operations(&plan, &state)?;
    adopt_what_the_read_found(&plan, &mut state);
    store.write(&mut state).await?;

    let step = Arc::new(Step {
        aws: aws.clone(),
        plan,
        journal: Journal::new(state, store.clone()),
        progress: progress.clone(),
        options: options.clone(),
    });
    let mut queue = graph.ready_queue()?;
    let mut report = ApplyReport::default();
    let mut running: JoinSet<(Op, StepResult)> = JoinSet::new();
    let mut stopping = false;
    let mut state_error: Option<StateError> = None;
    let interrupt = platformctl_core::interrupt::wait();
    tokio::pin!(interrupt);

    loop {
        // Everything whose dependencies are done starts now.
        while let Some(op) = (!stopping).then(|| queue.next_ready()).flatten() {
            let step = step.clone();
            running.spawn(async move {
                let result = step.run(&op).await;
                (op, result)
            });
        }
        if running.is_empty() {
            break;
        }
        tokio::select! {
            joined = running.join_next() => {
                let Some(joined) = joined else { break };
                // A panic in an operation is a bug; it must not skip the state save and the
                // lock release that follow this loop.
                let (op, result) = match joined {
                    Ok(done) => done,
                    Err(e) => {
                        report.panicked.push(panic_message(e));
                        stopping = true;
                        continue;
                    }
                };
                match result {
                    Ok(Ok(())) => {
                        queue.finish(&op);
                        report.completed.push(op);
                    }
                    Ok(Err(error)) if error.is_interrupted() => {
                        report.waits_left.push(op);
                        stopping = true;
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
    let state = match Arc::try_unwrap(step) {
        Ok(step) => step.journal.into_state(),
        // Every task has ended (the loop drained them all), so nothing else holds the step.
        Err(step) => step.journal.read(State::clone).await,
    };
    if let Some(error) = state_error {
        return Err(ApplyError::NotSaved { error, state: Box::new(state) });
    }
    Ok((state, report))
}

/// What a crashed operation said.
fn panic_message(e: tokio::task::JoinError) -> String {
    match e.try_into_panic() {
        Ok(payload) => payload
            .downcast_ref::<&str>()
            .map(|s| (*s).to_owned())
            .or_else(|| payload.downcast_ref::<String>().cloned())
            .unwrap_or_else(|| "a panic without a message".to_owned()),
        Err(e) => e.to_string(),
    }
}

/// Operations neither done, failed nor already listed: those behind a failure.
fn graph_remaining(graph: &Graph<Op>, report: &ApplyReport) -> Vec<Op> {
    let done: BTreeSet<&Op> = report
        .completed
        .iter()
        .chain(report.failed.iter().map(|f| &f.op))
        .chain(report.not_started.iter())
        .chain(report.waits_left.iter())
        .collect();
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

/// What every operation of one apply works with.
struct Step {
    aws: Aws,
    plan: Plan,
    journal: Journal,
    progress: Progress,
    options: ApplyOptions,
}

impl Step {
    async fn run(&self, op: &Op) -> StepResult {
        let started = Instant::now();
        let address = &op.address;
        if super::fail_point::hit("panic", address) {
            panic!("fail point `panic` at {address}");
        }
        let result = match op.kind {
            OpKind::Create => self.create(address).await,
            OpKind::Update => self.update(address).await,
            OpKind::Delete => self.delete(address).await,
            OpKind::DeleteDeposed => self.delete_deposed(address).await,
            OpKind::Wait => {
                let kind = self.plan.desired[address].kind;
                let id = self.journal.id_of(address).await.unwrap_or_default();
                Ok(self.wait_until(kind, address, &id, Status::Ready).await)
            }
        };
        if let Ok(Ok(())) = &result {
            self.progress.line(&format!("{op}: done ({:.1}s)", started.elapsed().as_secs_f64()));
            if super::fail_point::hit("lose-state", address) {
                let path = std::path::PathBuf::from("(fail point `lose-state`)");
                return Err(StateError::Write { path, source: std::io::Error::other("the disk went away") });
            }
        }
        result
    }

    /// The desired attributes with every reference replaced by the id or output now in the
    /// state. Outputs referred to are read again first: an endpoint can change after the
    /// resource was created (an Aurora cluster's, once it has instances). Outputs AWS never
    /// changes (an ARN), once recorded, are not: 60 service account roles naming the cluster's
    /// OIDC provider would read it 60 times.
    async fn resolved(&self, d: &DesiredResource) -> Result<Result<Attrs, AwsError>, StateError> {
        let mut referenced: BTreeMap<Address, Vec<String>> = BTreeMap::new();
        let mut refs = BTreeSet::new();
        d.attrs.values().for_each(|v| v.output_refs(&mut refs));
        for (address, output) in refs {
            referenced.entry(address).or_default().push(output);
        }
        for (address, names) in referenced {
            let Some(recorded) = self.journal.entry(&address).await else { continue };
            let Some(id) = recorded.id else { continue };
            let def = recorded.kind.def();
            if names.iter().all(|name| def.output_is_settled(name, &recorded.outputs)) {
                continue;
            }
            if let Err(e) = self.record_outputs(recorded.kind, &address, &id).await? {
                return Ok(Err(e));
            }
        }
        Ok(self
            .journal
            .read(|state| {
                // What this stack's state does not know is lent by another stack (its network):
                // the plan's live read carries those.
                let lent = |a: &Address| self.plan.live.get(a).filter(|_| !state.resources.contains_key(a));
                let id = |a: &Address| state.id_of(a).map(str::to_owned).or_else(|| lent(a).map(|l| l.id.clone()));
                let output = |a: &Address, name: &str| {
                    state.output_of(a, name).cloned().or_else(|| lent(a).and_then(|l| l.outputs.get(name).cloned()))
                };
                let lookup = Lookup { id: &id, output: &output };
                d.attrs
                    .iter()
                    .map(|(k, v)| {
                        // Dependencies are applied first, so only an output AWS never reported
                        // is missing.
                        let value = v.resolve(&lookup).ok_or_else(|| {
                            AwsError::local(
                                "resolve",
                                format!("`{k}` of {} refers to {v}, which AWS has not reported", d.address),
                            )
                        })?;
                        Ok((k.clone(), value))
                    })
                    .collect()
            })
            .await)
    }

    /// Reads a resource's outputs (endpoint, port, ARN) and records them for its dependents.
    async fn record_outputs(&self, kind: Kind, address: &Address, id: &str) -> StepResult {
        if !kind.has_outputs() {
            return Ok(Ok(()));
        }
        let (attrs, outputs) = self.journal.entry(address).await.map(|r| (r.attributes, r.outputs)).unwrap_or_default();
        let request = ReadRequest { address: address.clone(), id: Some(id.to_owned()), attrs, outputs };
        let outputs = match platformctl_aws::outputs(&self.aws, kind, &request).await {
            Ok(Some(outputs)) => outputs,
            Ok(None) => return Ok(Err(AwsError::local("read", format!("{id} vanished right after it was created")))),
            Err(e) => return Ok(Err(e)),
        };
        self.journal.outputs(address, outputs).await?;
        Ok(Ok(()))
    }

    async fn create(&self, address: &Address) -> StepResult {
        let d = &self.plan.desired[address];
        let attrs = match self.resolved(d).await? {
            Ok(attrs) => attrs,
            Err(e) => return Ok(Err(e)),
        };
        let token = uuid::Uuid::new_v4().to_string();
        let replacing = self.plan.change(address).is_some_and(|c| c.action == Action::Replace);
        self.journal.creating(address, d.kind, &attrs, &d.depends_on, &token, replacing).await?;
        let id = match platformctl_aws::create(&self.aws, d.kind, address, &attrs, &token).await {
            Ok(id) => id,
            Err(e) => return Ok(Err(e)),
        };
        self.journal.created(address, &id).await?;
        self.ready_with_outputs(d.kind, address, &id).await
    }

    async fn update(&self, address: &Address) -> StepResult {
        let d = &self.plan.desired[address];
        let attrs = match self.resolved(d).await? {
            Ok(attrs) => attrs,
            Err(e) => return Ok(Err(e)),
        };
        let found = &self.plan.live[address];
        if let Err(e) = platformctl_aws::update(&self.aws, d.kind, &found.id, &found.attrs, &attrs).await {
            return Ok(Err(e));
        }
        self.journal.updated(address, attrs, &d.depends_on).await?;
        self.ready_with_outputs(d.kind, address, &found.id).await
    }

    /// Waits until AWS says the resource is ready (kinds that take time), then records its
    /// outputs.
    async fn ready_with_outputs(&self, kind: Kind, address: &Address, id: &str) -> StepResult {
        if kind.needs_wait()
            && let Err(e) = self.wait_until(kind, address, id, Status::Ready).await
        {
            return Ok(Err(e));
        }
        self.record_outputs(kind, address, id).await
    }

    async fn delete(&self, address: &Address) -> StepResult {
        let Some(recorded) = self.journal.entry(address).await else { return Ok(Ok(())) };
        if let Err(e) = self.delete_deposed(address).await? {
            return Ok(Err(e));
        }
        let id = self.plan.live.get(address).map(|l| l.id.clone()).or(recorded.id.clone()).unwrap_or_default();
        if let Err(e) = self.delete_and_wait(recorded.kind, address, &id, &recorded.attributes).await {
            return Ok(Err(e));
        }
        self.journal.deleted(address).await?;
        Ok(Ok(()))
    }

    /// Deletes the old generations of a resource, each dropped from the state once gone.
    async fn delete_deposed(&self, address: &Address) -> StepResult {
        let Some(recorded) = self.journal.entry(address).await else { return Ok(Ok(())) };
        for id in &recorded.deposed {
            if let Err(e) = self.delete_and_wait(recorded.kind, address, id, &recorded.attributes).await {
                return Ok(Err(e));
            }
            self.journal.deposed_deleted(address, id).await?;
        }
        Ok(Ok(()))
    }

    async fn delete_and_wait(&self, kind: Kind, address: &Address, id: &str, attrs: &Attrs) -> Result<(), AwsError> {
        platformctl_aws::delete(&self.aws, kind, id, attrs).await?;
        if kind.needs_wait() {
            self.wait_until(kind, address, id, Status::Gone).await?;
        }
        Ok(())
    }

    /// Polls with backoff until the resource reaches `target`, showing the elapsed time.
    async fn wait_until(&self, kind: Kind, address: &Address, id: &str, target: Status) -> Result<(), AwsError> {
        let what = match target {
            Status::Gone => format!("{address}: waiting for {id} to be deleted"),
            _ => format!("{address}: waiting for {id} to become available"),
        };
        let mut waiting = self.progress.waiting(what);
        let mut delay = platformctl_aws::PollDelay::default();
        loop {
            let status = platformctl_aws::status(&self.aws, kind, id).await?;
            if status == target {
                return Ok(());
            }
            match status {
                Status::Failed(message) => return Err(AwsError::local("wait", format!("{id} failed: {message}"))),
                Status::Deleting if target == Status::Ready => {
                    return Err(AwsError::local("wait", format!("{id} is being deleted (by someone else?)")));
                }
                _ => {}
            }
            let timeout = self.options.wait_timeout(kind);
            if waiting.elapsed() > timeout {
                return Err(AwsError::local(
                    "wait",
                    format!(
                        "{id} did not reach {target:?} within {}; raise it with `--wait-timeout {kind}=<duration>`{}",
                        humantime::format_duration(timeout),
                        kind.def().wait_hint.map(|h| format!("\n  hint: {h}")).unwrap_or_default()
                    ),
                ));
            }
            waiting.tick();
            // Ctrl-C or CI's SIGTERM ends the wait: the id is recorded, the next run resumes it,
            // and this one saves the state and releases the lock within seconds.
            tokio::select! {
                () = delay.sleep() => {}
                () = platformctl_core::interrupt::wait() => {
                    return Err(AwsError::interrupted(format!("stopped waiting for {id}")));
                }
            }
        }
    }
}
