//! Saved plans: `plan --out FILE` writes the plan with what it was made from (the stack file's
//! digest, the state's lineage and serial); `apply FILE` carries out exactly those actions, and
//! refuses when the state or the stack file moved since. A plan file holds no secret values:
//! none is ever an attribute.

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::plan::Plan;
use crate::resource::Address;
use crate::state::State;

/// The marker (and format version) that tells a plan file from a stack file.
pub const PLAN_FILE_FORMAT: u32 = 1;

#[derive(Debug, Serialize, Deserialize)]
pub struct SavedPlan {
    pub platformctl_plan: u32,
    pub stack: String,
    pub region: String,
    /// The stack file, as a path relative to the plan file's directory where possible.
    pub stack_file: PathBuf,
    pub stack_sha256: String,
    /// Where the state lives (a path or `s3://bucket/key`), for messages.
    pub state: String,
    pub lineage: String,
    pub serial: u64,
    /// Made by `destroy --out`? Then apply destroys.
    pub destroy: bool,
    pub plan: Plan,
}

#[derive(Debug, thiserror::Error)]
pub enum SavedPlanError {
    #[error("cannot read plan file `{}`: {source}", path.display())]
    Read { path: PathBuf, source: std::io::Error },
    #[error("`{}` is not a platformctl plan file ({detail})", path.display())]
    Invalid { path: PathBuf, detail: String },
    #[error(
        "the plan file was made by a newer platformctl (format {0})\n  hint: apply it with that version, or plan again"
    )]
    Newer(u32),
    #[error("the stack file `{}` (or a file it extends) changed since the plan was made\n  hint: run `platformctl plan {} --out <file>` again and review the new plan", file.display(), file.display())]
    StackChanged { file: PathBuf },
    #[error(
        "the state `{state}` is another history (lineage {found}, the plan was made against {expected})\n  hint: plan again against this state"
    )]
    OtherLineage { state: String, found: String, expected: String },
    #[error(
        "the state `{state}` moved since the plan was made (serial {found}, the plan saw {expected}): something was applied in between\n  hint: run `platformctl plan <stack file> --out <file>` again and review the new plan"
    )]
    Stale { state: String, found: u64, expected: u64 },
    #[error(
        "the plan file does not match the state it was made against: {0}\n  hint: a plan file is applied as `plan --out` wrote it; make it again and review it; nothing was changed"
    )]
    Altered(String),
}

impl SavedPlan {
    pub fn new(
        plan: &Plan,
        state: &State,
        stack_file: &Path,
        stack_digest: String,
        location: String,
        destroy: bool,
    ) -> Self {
        SavedPlan {
            platformctl_plan: PLAN_FILE_FORMAT,
            stack: state.stack.clone(),
            region: state.region.clone(),
            stack_file: stack_file.to_owned(),
            stack_sha256: stack_digest,
            state: location,
            lineage: state.lineage.clone(),
            serial: state.serial,
            destroy,
            plan: plan.clone(),
        }
    }

    /// Writes the plan file; the stack file is recorded relative to the plan file's folder
    /// when it can be, so a CI artifact keeps working in another checkout path.
    pub fn write(mut self, out: &Path) -> std::io::Result<()> {
        if let Some(relative) = relative_to(&self.stack_file, out.parent().unwrap_or(Path::new("."))) {
            self.stack_file = relative;
        }
        let mut text = serde_json::to_vec_pretty(&self).expect("plan serialises");
        text.push(b'\n');
        // It lists every resource and id of the stack: private, like the state.
        crate::private_file::write_private(out, &text)
    }

    /// Reads a plan file, or `None` when `path` is not one (a stack file).
    pub fn read_if_plan(path: &Path) -> Result<Option<SavedPlan>, SavedPlanError> {
        let bytes = std::fs::read(path).map_err(|source| SavedPlanError::Read { path: path.to_owned(), source })?;
        let Ok(json) = serde_json::from_slice::<serde_json::Value>(&bytes) else { return Ok(None) };
        let Some(format) = json.get("platformctl_plan").and_then(|v| v.as_u64()) else { return Ok(None) };
        if format > u64::from(PLAN_FILE_FORMAT) {
            return Err(SavedPlanError::Newer(format as u32));
        }
        let mut saved: SavedPlan = serde_json::from_value(json)
            .map_err(|e| SavedPlanError::Invalid { path: path.to_owned(), detail: e.to_string() })?;
        if saved.stack_file.is_relative() {
            saved.stack_file = path.parent().unwrap_or(Path::new(".")).join(&saved.stack_file);
        }
        Ok(Some(saved))
    }

    /// Refuses a plan whose stack file (or a file it extends) or state moved since it was made.
    /// `stack_digest`: `Sources::digest` of the stack file as it is now.
    pub fn check(&self, stack_digest: &str, state: &State, location: &str) -> Result<(), SavedPlanError> {
        if stack_digest != self.stack_sha256 {
            return Err(SavedPlanError::StackChanged { file: self.stack_file.clone() });
        }
        if state.lineage != self.lineage && state.serial > 0 {
            return Err(SavedPlanError::OtherLineage {
                state: location.to_owned(),
                found: state.lineage.clone(),
                expected: self.lineage.clone(),
            });
        }
        if state.serial != self.serial {
            return Err(SavedPlanError::Stale {
                state: location.to_owned(),
                found: state.serial,
                expected: self.serial,
            });
        }
        Ok(())
    }

    /// The plan to carry out, once it is known to agree with `state`: every address it names is
    /// planned or recorded, with the kind and the AWS id the state records (ids it found for
    /// pending creates excepted), and its data-loss list made again from its actions. The
    /// apply engine can then trust it; an edited file is refused here, not half-way through.
    pub fn verified_plan(&self, state: &State) -> Result<Plan, SavedPlanError> {
        verify(&self.plan, state).map_err(SavedPlanError::Altered)?;
        let mut plan = self.plan.clone();
        plan.recompute_data_loss();
        Ok(plan)
    }
}

fn verify(plan: &Plan, state: &State) -> Result<(), String> {
    use crate::plan::Action;
    let known =
        |a: &Address| plan.desired.contains_key(a) || state.resources.contains_key(a) || plan.live.contains_key(a);
    for (address, d) in &plan.desired {
        if &d.address != address {
            return Err(format!("the desired resource listed as {address} is {}", d.address));
        }
        let mut refs = d.depends_on.clone();
        d.attrs.values().for_each(|v| v.refs(&mut refs));
        if let Some(missing) = refs.iter().find(|a| !known(a)) {
            return Err(format!("{address} depends on {missing}, which is neither planned nor recorded"));
        }
    }
    for c in &plan.changes {
        let recorded = state.resources.get(&c.address);
        match c.action {
            Action::Create | Action::Update | Action::Replace => {
                let d =
                    plan.desired.get(&c.address).ok_or_else(|| format!("{} is changed but not planned", c.address))?;
                if d.kind != c.kind {
                    return Err(format!("{} is a {} in the plan and a {} in its change", c.address, d.kind, c.kind));
                }
            }
            Action::Delete => {}
        }
        if matches!(c.action, Action::Update | Action::Replace | Action::Delete) {
            let recorded = recorded.ok_or_else(|| format!("{} is not in the state", c.address))?;
            if recorded.kind != c.kind {
                return Err(format!("{} is a {} in the state, not a {}", c.address, recorded.kind, c.kind));
            }
            let adopted = plan.adopted.contains(&c.address) && recorded.pending.is_some();
            if !adopted && c.id.is_some() && c.id != recorded.id {
                return Err(format!(
                    "{} has id {} in the plan, {} in the state",
                    c.address,
                    c.id.as_deref().unwrap_or("none"),
                    recorded.id.as_deref().unwrap_or("none")
                ));
            }
        }
    }
    for (address, found) in &plan.live {
        if let Some(recorded) = state.resources.get(address) {
            let adopted = plan.adopted.contains(address) && recorded.pending.is_some();
            if !adopted && recorded.id.as_deref() != Some(found.id.as_str()) {
                return Err(format!(
                    "{address} was read as {} but the state records {}",
                    found.id,
                    recorded.id.as_deref().unwrap_or("no id")
                ));
            }
        }
    }
    for d in &plan.deposed {
        let recorded = state.resources.get(&d.address).map(|r| r.deposed.clone()).unwrap_or_default();
        if let Some(id) = d.ids.iter().find(|id| !recorded.contains(id)) {
            return Err(format!("old generation {id} of {} is not recorded in the state", d.address));
        }
    }
    // The stack file's `moved:` entries were carried out on the state as it was read.
    if let Some(m) = plan.moved.iter().find(|m| !state.resources.contains_key(&m.to)) {
        return Err(format!("{} moves to {}, which the state does not record", m.from, m.to));
    }
    let listed = plan.wait_for.iter().chain(&plan.adopted).chain(&plan.forget);
    if let Some(missing) = listed.into_iter().find(|a| !known(a)) {
        return Err(format!("{missing} is neither planned nor recorded"));
    }
    Ok(())
}

/// `path` relative to `base` when `path` lies under it.
fn relative_to(path: &Path, base: &Path) -> Option<PathBuf> {
    let path = std::fs::canonicalize(path).ok()?;
    let base = std::fs::canonicalize(if base.as_os_str().is_empty() { Path::new(".") } else { base }).ok()?;
    let mut up = PathBuf::new();
    let mut ancestor = base.as_path();
    loop {
        if let Ok(rest) = path.strip_prefix(ancestor) {
            return Some(up.join(rest));
        }
        ancestor = ancestor.parent()?;
        up.push("..");
    }
}
