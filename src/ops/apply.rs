//! `platformctl apply` and `destroy`: plan (or read a saved plan), show it, refuse what may not
//! happen (data loss, a stale saved plan), confirm, then carry it out recording every step.

use std::path::Path;

use platformctl_core::checks::{CheckReport, Severity};
use platformctl_core::plan::operations::ApplyReport;
use platformctl_core::plan::scope::Scope;
use platformctl_core::plan::{Action, Plan};
use platformctl_core::saved_plan::SavedPlan;

use super::with_session;
use crate::engine::{ApplyOptions, Session, SessionOptions};

/// What the command was asked to do beyond the plan.
pub struct ApplyRequest {
    pub destroy: bool,
    pub auto_approve: bool,
    pub allow_data_loss: bool,
    /// Destroy even while other stacks use this one.
    pub force: bool,
    /// Apply although `platformctl check` has findings at high or above (`--skip-checks`).
    pub skip_checks: bool,
    /// `--target`/`--exclude`: apply (or destroy) a part of the stack.
    pub scope: Scope,
    pub options: ApplyOptions,
}

pub enum Applied {
    /// The plan had nothing to do.
    NothingToDo,
    /// The person at the terminal said no.
    Declined,
    Done {
        report: ApplyReport,
        destroy: bool,
        state: String,
    },
}

/// An empty state, while AWS holds resources tagged as this stack's: the state was lost or the
/// settings point at another one. Creating now would make a second copy of the platform.
async fn refuse_a_second_copy(session: &Session) -> anyhow::Result<()> {
    let name = &session.stack.name;
    let found = match platformctl_aws::existing::tagged_resources(&session.aws, name).await {
        Ok(found) => found,
        Err(e) if e.is_unsupported() => {
            tracing::warn!(error = %e, "the Resource Groups Tagging API is not available here: not checking for resources of an earlier state");
            return Ok(());
        }
        Err(e) => return Err(e.into()),
    };
    if found.is_empty() {
        return Ok(());
    }
    let shown: Vec<&str> = found.iter().take(5).map(String::as_str).collect();
    let more =
        if found.len() > shown.len() { format!(" and {} more", found.len() - shown.len()) } else { String::new() };
    anyhow::bail!(
        "the state {} is empty, but AWS already holds {} resource{} tagged `platformctl:stack={name}`: {}{more}\n  hint: the state was lost or these settings point at another one; `platformctl state recover <stack file>` rebuilds it from AWS (then `plan` shows what differs); nothing was created",
        session.store.location(),
        found.len(),
        if found.len() == 1 { "" } else { "s" },
        shown.join(", ")
    )
}

/// Findings at `high` or above stop an apply before anything changes: the stack fixes them,
/// skips the rule with its reason, or the run says `--skip-checks`.
fn refuse_failing_checks(checks: &CheckReport) -> anyhow::Result<()> {
    let failing: Vec<String> =
        checks.failing(Severity::High).map(|f| format!("{} {} ({})", f.rule.id, f.address, f.reason)).collect();
    if failing.is_empty() {
        return Ok(());
    }
    anyhow::bail!(
        "refusing to apply: `platformctl check` has {} finding(s) at high or above:\n  {}\n  hint: fix them (`platformctl check <stack file>` shows the YAML that does), skip a rule in the stack with its reason (`checks: {{ skip: {{ <rule>: \"why\" }} }}`), or pass --skip-checks; nothing was changed",
        failing.len(),
        failing.join("\n  ")
    )
}

/// `target` is a stack file, or a plan file saved with `plan --out`. `show` puts the plan in
/// front of the person (or the CI log) before anything changes; `confirm` asks them.
pub async fn apply(
    target: &Path,
    request: &ApplyRequest,
    options: &SessionOptions,
    show: impl Fn(&Plan) -> anyhow::Result<()>,
    confirm: impl AsyncFnOnce(&'static str) -> anyhow::Result<bool>,
) -> anyhow::Result<Applied> {
    let saved = if request.destroy { None } else { SavedPlan::read_if_plan(target)? };
    if saved.is_some() && !request.scope.is_whole() {
        anyhow::bail!(
            "--target and --exclude do not apply to a saved plan: it carries out exactly what it lists\n  hint: pass them to `platformctl plan --out` instead"
        );
    }
    let stack = saved.as_ref().map_or(target, |s| s.stack_file.as_path()).to_owned();
    let destroy = request.destroy || saved.as_ref().is_some_and(|s| s.destroy);
    let operation = if destroy { "destroy" } else { "apply" };
    with_session(&stack, operation, options, false, async |session| {
        // A whole destroy is refused before anything is read; a partial one once its plan shows
        // whether it deletes something other stacks can use.
        if destroy && !request.force && request.scope.is_whole() {
            session.check_no_users().await?;
        }
        let plan = match &saved {
            Some(saved) => {
                saved.check(&session.sources.digest(), &session.state, &session.store.location())?;
                saved.verified_plan(&session.state)?
            }
            // Ctrl-C before anything changes: stop, release the lock, change nothing.
            None => tokio::select! {
                plan = session.plan(destroy, &request.scope) => plan?,
                _ = platformctl_core::interrupt::wait() => anyhow::bail!("interrupted; nothing was changed"),
            },
        };
        show(&plan)?;
        let lent_deleted = plan
            .changes
            .iter()
            .any(|c| c.action == Action::Delete && platformctl_core::cross_stack::may_be_used_by_others(&c.address));
        if destroy && !request.force && !request.scope.is_whole() && lent_deleted {
            session.check_no_users().await?;
        }
        if session.state.resources.is_empty() && plan.summary().create > 0 {
            refuse_a_second_copy(session).await?;
        }
        if !plan.has_work() {
            if !destroy {
                session.save_uses().await?;
            }
            return Ok(Applied::NothingToDo);
        }
        if let Some(refusal) = plan.data_loss_refusal(request.allow_data_loss) {
            anyhow::bail!(refusal);
        }
        if !destroy && !request.skip_checks {
            refuse_failing_checks(&session.checks)?;
        }
        // A saved plan was reviewed when it was made: applying the file is the approval.
        if saved.is_none() && plan.has_changes() && !request.auto_approve {
            let question = if destroy { "Destroy every resource listed above?" } else { "Apply the changes above?" };
            if !confirm(question).await? {
                return Ok(Applied::Declined);
            }
        }
        let report = session.apply(plan, &request.options).await?;
        Ok(Applied::Done { report, destroy, state: session.store.location() })
    })
    .await
}
