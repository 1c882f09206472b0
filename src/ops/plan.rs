//! `platformctl plan`: what apply would change, read against live AWS, optionally saved to a
//! plan file that `apply FILE` carries out exactly.

use std::path::{Path, PathBuf};

use anyhow::Context;
use platformctl_core::checks::CheckReport;
use platformctl_core::diagnostics::Sources;
use platformctl_core::plan::Plan;
use platformctl_core::plan::scope::Scope;
use platformctl_core::saved_plan::SavedPlan;

use super::with_session;
use crate::engine::SessionOptions;

pub struct Planned {
    pub plan: Plan,
    /// `platformctl check`'s findings; `None` for a destroy plan, which creates nothing.
    pub checks: Option<CheckReport>,
    pub sources: Sources,
    pub stack: String,
    pub region: String,
    /// Where the plan was saved, with `--out`.
    pub saved: Option<PathBuf>,
}

pub async fn plan(
    stack: &Path,
    destroy: bool,
    scope: &Scope,
    out: Option<&Path>,
    options: &SessionOptions,
) -> anyhow::Result<Planned> {
    with_session(stack, "plan", options, true, async |session| {
        let plan = session.plan(destroy, scope).await?;
        if let Some(out) = out {
            let location = session.store.location();
            SavedPlan::new(&plan, &session.state, stack, session.sources.digest(), location, destroy)
                .write(out)
                .with_context(|| format!("writing the plan file {}", out.display()))?;
        }
        Ok(Planned {
            plan,
            checks: (!destroy).then(|| session.checks.clone()),
            sources: session.sources.clone(),
            stack: session.stack.name.clone(),
            region: session.stack.region.clone(),
            saved: out.map(Path::to_owned),
        })
    })
    .await
}
