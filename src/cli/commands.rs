//! One function per command: parse → settings → one engine call → render.

use std::io::Write;
use std::path::Path;

use anyhow::Context;

use super::{Command, Common, RunOptions, confirm::confirm, exit};
use crate::apply::{ApplyOptions, ApplyReport};
use crate::engine::Session;
use crate::render;

pub(super) fn run(command: Command) -> anyhow::Result<u8> {
    match command {
        Command::Validate { stack } => validate(&stack),
        Command::Schema => {
            let schema = schemars::schema_for!(crate::spec::StackSpec);
            println_stdout(&serde_json::to_string_pretty(&schema)?)?;
            Ok(exit::OK)
        }
        Command::Plan { stack, json, detailed_exitcode, common } => {
            block_on(plan(&stack, json, detailed_exitcode, &common))
        }
        Command::Apply { stack, run, common } => block_on(apply(&stack, false, &run, &common)),
        Command::Destroy { stack, run, common } => block_on(apply(&stack, true, &run, &common)),
        Command::Output { stack, json, state } => output(&stack, json, state),
        Command::Kubeconfig { stack, cluster, kubeconfig, alias, profile, state } => {
            let path = kubeconfig.unwrap_or_else(crate::kubeconfig::default_path);
            write_kubeconfig(&stack, &cluster, &path, alias.as_deref(), profile.as_deref(), state)
        }
    }
}

fn block_on<F: std::future::Future<Output = anyhow::Result<u8>>>(f: F) -> anyhow::Result<u8> {
    tokio::runtime::Builder::new_multi_thread().enable_all().build().context("starting the async runtime")?.block_on(f)
}

fn println_stdout(text: &str) -> anyhow::Result<()> {
    let mut out = std::io::stdout().lock();
    out.write_all(text.as_bytes())?;
    if !text.ends_with('\n') {
        out.write_all(b"\n")?;
    }
    out.flush()?;
    Ok(())
}

fn validate(stack: &Path) -> anyhow::Result<u8> {
    let (_, model) = crate::model::load_stack(stack)?;
    let resources = crate::expand::expand(&model);
    println_stdout(&format!("{}: stack `{}` is valid ({} resources)", stack.display(), model.name, resources.len()))?;
    Ok(exit::OK)
}

async fn plan(stack: &Path, json: bool, detailed_exitcode: bool, common: &Common) -> anyhow::Result<u8> {
    let session = Session::open(stack, "plan", &common.session_options()).await?;
    let plan = session.plan(false).await?;
    if json {
        println_stdout(&render::json::plan_json(&plan, &session.stack.name, &session.stack.region))?;
    } else {
        println_stdout(&render::human::plan_text(&plan, render::colour_on_stdout()))?;
    }
    Ok(if detailed_exitcode && plan.has_changes() { exit::CHANGES } else { exit::OK })
}

async fn apply(stack: &Path, destroy: bool, run: &RunOptions, common: &Common) -> anyhow::Result<u8> {
    let operation = if destroy { "destroy" } else { "apply" };
    let mut session = Session::open(stack, operation, &common.session_options()).await?;
    let plan = session.plan(destroy).await?;
    println_stdout(&render::human::plan_text(&plan, render::colour_on_stdout()))?;
    if !plan.has_work() {
        return Ok(exit::OK);
    }
    if let Some(refusal) = data_loss_refusal(&plan, run.allow_data_loss) {
        anyhow::bail!(refusal);
    }
    if plan.has_changes() && !run.auto_approve {
        let question = if destroy { "Destroy every resource listed above?" } else { "Apply the changes above?" };
        if !confirm(question)? {
            eprintln!("Nothing was changed.");
            return Ok(exit::ERROR);
        }
    }
    let options = ApplyOptions {
        parallelism: usize::from(run.parallelism),
        wait_timeouts: run.wait_timeout.iter().copied().collect(),
    };
    let report = session.apply(&plan, &options).await?;
    Ok(summarise(&report, destroy, session.store.path()))
}

/// Why apply must not carry out this plan, if it destroys data it may not.
fn data_loss_refusal(plan: &crate::plan::Plan, allow_data_loss: bool) -> Option<String> {
    let protected: Vec<&str> =
        plan.data_loss.iter().filter(|l| l.deletion_protection).map(|l| l.address.as_str()).collect();
    if !protected.is_empty() {
        return Some(format!(
            "refusing to delete or replace {}: deletion protection is on\n  hint: set `deletion_protection: false` in the stack and apply that first; nothing was changed",
            protected.join(", ")
        ));
    }
    if !plan.data_loss.is_empty() && !allow_data_loss {
        let list: Vec<&str> = plan.data_loss.iter().map(|l| l.address.as_str()).collect();
        return Some(format!(
            "refusing to delete or replace {} without --allow-data-loss: their data would be lost\n  hint: check the plan above, then run again with --allow-data-loss (final snapshots are taken unless `final_snapshot: false`); nothing was changed",
            list.join(", ")
        ));
    }
    None
}

/// The stack's state, read without AWS (for `output` and `kubeconfig`).
fn read_state(stack: &Path, state_path: Option<std::path::PathBuf>) -> anyhow::Result<crate::state::State> {
    let (_, model) = crate::model::load_stack(stack)?;
    let path = state_path.unwrap_or_else(|| crate::state::default_state_path(stack, &model.name));
    Ok(crate::state::LocalStore::new(path).read(&model.name, &model.region)?)
}

fn write_kubeconfig(
    stack: &Path,
    cluster: &str,
    path: &Path,
    alias: Option<&str>,
    profile: Option<&str>,
    state_path: Option<std::path::PathBuf>,
) -> anyhow::Result<u8> {
    let state = read_state(stack, state_path)?;
    let entry = crate::kubeconfig::entry(&state, cluster, alias, profile)?;
    crate::kubeconfig::write(path, &entry)?;
    println_stdout(&format!(
        "Added context `{}` for cluster {} to {} and made it current.",
        entry.context,
        entry.cluster_name,
        path.display()
    ))?;
    Ok(exit::OK)
}

fn output(stack: &Path, json: bool, state_path: Option<std::path::PathBuf>) -> anyhow::Result<u8> {
    let state = read_state(stack, state_path)?;
    let outputs = crate::outputs::collect(&state);
    if json {
        println_stdout(&serde_json::to_string_pretty(&outputs)?)?;
    } else if outputs.is_empty() {
        println_stdout("No outputs: nothing with an endpoint or secret has been applied yet.")?;
    } else {
        println_stdout(&render::human::outputs_text(&outputs))?;
    }
    Ok(exit::OK)
}

fn summarise(report: &ApplyReport, destroy: bool, state: &Path) -> u8 {
    let verb = if destroy { "Destroy" } else { "Apply" };
    if report.succeeded() {
        eprintln!("{verb} complete: {} operations. State: {}", report.completed.len(), state.display());
        return exit::OK;
    }
    for f in &report.failed {
        eprintln!("error: {f}");
    }
    if report.interrupted {
        eprintln!("{verb} interrupted.");
    }
    eprintln!(
        "{verb} stopped: {} done, {} failed, {} not started. The state ({}) records everything done so far; run the command again to continue.",
        report.completed.len(),
        report.failed.len(),
        report.not_started.len(),
        state.display()
    );
    if !report.not_started.is_empty() {
        let list: Vec<String> = report.not_started.iter().map(|o| o.to_string()).collect();
        eprintln!("Not started: {}", list.join(", "));
    }
    exit::ERROR
}
