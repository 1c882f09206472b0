//! One function per command: parse → settings → one engine call → render. Every command that
//! locks the state releases the lock however it ends (`with_session`).

use std::io::Write;
use std::path::Path;

use anyhow::Context;

use super::{Command, Common, PlanFormat, RunOptions, StateCommand, confirm::confirm, exit};
use crate::apply::{ApplyOptions, ApplyReport};
use crate::engine::{Session, open_store};
use crate::plan::Plan;
use crate::render;
use crate::saved_plan::SavedPlan;

pub(super) fn run(command: Command) -> anyhow::Result<u8> {
    match command {
        Command::Validate { stack } => validate(&stack),
        Command::Graph { paths, format } => graph(&paths, format),
        Command::Schema => {
            let schema = schemars::schema_for!(crate::spec::StackSpec);
            println_stdout(&serde_json::to_string_pretty(&schema)?)?;
            Ok(exit::OK)
        }
        Command::Plan { stack, json, format, detailed_exitcode, out, destroy, common } => {
            let format = if json { PlanFormat::Json } else { format.unwrap_or(PlanFormat::Text) };
            block_on(plan(&stack, format, detailed_exitcode, out.as_deref(), destroy, &common))
        }
        Command::Apply { stack, run, common } => block_on(apply(&stack, false, &run, &common)),
        Command::Destroy { stack, run, common } => block_on(apply(&stack, true, &run, &common)),
        Command::Drift { stack, json, detailed_exitcode, common } => {
            block_on(drift(&stack, json, detailed_exitcode, &common))
        }
        Command::Import { stack, address, aws_id, common } => block_on(import(&stack, &address, &aws_id, &common)),
        Command::Promote { stack, address, auto_approve, wait_timeout, common } => {
            block_on(promote(&stack, &address, auto_approve, wait_timeout, &common))
        }
        Command::State(command) => block_on(state(command)),
        Command::ForceUnlock { stack, lock_id, common } => block_on(force_unlock(&stack, &lock_id, &common)),
        Command::Output { stack, json, common } => block_on(output(&stack, json, &common)),
        Command::Kubeconfig { stack, cluster, kubeconfig, alias, common } => {
            let path = kubeconfig.unwrap_or_else(crate::kubeconfig::default_path);
            block_on(write_kubeconfig(&stack, &cluster, &path, alias.as_deref(), &common))
        }
    }
}

fn block_on<F: std::future::Future<Output = anyhow::Result<u8>>>(f: F) -> anyhow::Result<u8> {
    let runtime =
        tokio::runtime::Builder::new_multi_thread().enable_all().build().context("starting the async runtime")?;
    let result = runtime.block_on(async {
        crate::interrupt::install();
        f.await
    });
    // Everything that matters was awaited above. A confirmation prompt abandoned with Ctrl-C
    // still blocks a thread on stdin: do not wait for it.
    runtime.shutdown_background();
    result
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

fn graph(paths: &[std::path::PathBuf], format: super::GraphFormat) -> anyhow::Result<u8> {
    let mut files = Vec::new();
    for path in paths {
        if path.is_dir() {
            let mut found: Vec<std::path::PathBuf> = std::fs::read_dir(path)
                .with_context(|| format!("reading {}", path.display()))?
                .flatten()
                .map(|e| e.path())
                .filter(|p| p.extension().is_some_and(|x| x == "yaml" || x == "yml"))
                .collect();
            found.sort();
            files.extend(found);
        } else {
            files.push(path.clone());
        }
    }
    let mut stacks = Vec::new();
    for file in &files {
        stacks.push(crate::model::load_stack(file)?.1);
    }
    crate::graph_export::lend_networks(&mut stacks);
    let graphs: Vec<crate::graph_export::StackGraph> =
        stacks.into_iter().map(crate::graph_export::StackGraph::of).collect();
    println_stdout(&match format {
        super::GraphFormat::Dot => crate::graph_export::dot(&graphs),
        super::GraphFormat::Mermaid => crate::graph_export::mermaid(&graphs),
    })?;
    Ok(exit::OK)
}

fn validate(stack: &Path) -> anyhow::Result<u8> {
    let (_, model) = crate::model::load_stack(stack)?;
    let resources = crate::expand::expand(&model);
    println_stdout(&format!("{}: stack `{}` is valid ({} resources)", stack.display(), model.name, resources.len()))?;
    Ok(exit::OK)
}

/// Opens the stack's session (state locked), runs `work`, and releases the lock whatever the
/// outcome. Ctrl-C while `interruptible` work runs releases the lock too, then exits 1; apply
/// is not interruptible here: it handles Ctrl-C itself (finishing what is in flight).
async fn with_session<T>(
    stack: &Path,
    operation: &str,
    common: &Common,
    interruptible: bool,
    work: impl AsyncFnOnce(&mut Session) -> anyhow::Result<T>,
) -> anyhow::Result<T> {
    let mut session = Session::open(stack, operation, &common.session_options()).await?;
    let result = if crate::interrupt::happened() {
        Err(anyhow::anyhow!("interrupted; nothing was changed"))
    } else if interruptible {
        tokio::select! {
            r = work(&mut session) => r,
            _ = crate::interrupt::wait() => Err(anyhow::anyhow!("interrupted; nothing was changed")),
        }
    } else {
        work(&mut session).await
    };
    session.close().await;
    result
}

async fn plan(
    stack: &Path,
    format: PlanFormat,
    detailed_exitcode: bool,
    out: Option<&Path>,
    destroy: bool,
    common: &Common,
) -> anyhow::Result<u8> {
    with_session(stack, "plan", common, true, async |session| {
        let plan = session.plan(destroy).await?;
        let (name, region) = (&session.stack.name, &session.stack.region);
        let text = match format {
            PlanFormat::Json => render::json::plan_json(&plan, name, region),
            PlanFormat::Markdown => render::markdown::plan_markdown(&plan, name),
            PlanFormat::Text => render::human::plan_text(&plan, render::colour_on_stdout()),
        };
        println_stdout(&text)?;
        if let Some(out) = out {
            let source = std::fs::read(stack).with_context(|| format!("reading {}", stack.display()))?;
            let location = session.store.location();
            SavedPlan::new(&plan, &session.state, stack, &source, location, destroy)
                .write(out)
                .with_context(|| format!("writing the plan file {}", out.display()))?;
            eprintln!(
                "Plan saved to {}: `platformctl apply {}` carries out exactly this plan.",
                out.display(),
                out.display()
            );
        }
        Ok(if detailed_exitcode && plan.has_changes() { exit::CHANGES } else { exit::OK })
    })
    .await
}

async fn apply(target: &Path, destroy: bool, run: &RunOptions, common: &Common) -> anyhow::Result<u8> {
    let saved = if destroy { None } else { SavedPlan::read_if_plan(target)? };
    let stack = saved.as_ref().map_or(target, |s| s.stack_file.as_path()).to_owned();
    let destroy = destroy || saved.as_ref().is_some_and(|s| s.destroy);
    let operation = if destroy { "destroy" } else { "apply" };
    with_session(&stack, operation, common, false, async |session| {
        if destroy && !run.force {
            session.check_no_users().await?;
        }
        let plan = match &saved {
            Some(saved) => {
                let source = std::fs::read(&stack).with_context(|| format!("reading {}", stack.display()))?;
                saved.check(&source, &session.state, &session.store.location())?;
                saved.plan.clone()
            }
            // Ctrl-C before anything changes: stop, release the lock, change nothing.
            None => tokio::select! {
                plan = session.plan(destroy) => plan?,
                _ = crate::interrupt::wait() => anyhow::bail!("interrupted; nothing was changed"),
            },
        };
        println_stdout(&render::human::plan_text(&plan, render::colour_on_stdout()))?;
        if !plan.has_work() {
            if !destroy {
                session.save_uses().await?;
            }
            return Ok(exit::OK);
        }
        if let Some(refusal) = data_loss_refusal(&plan, run.allow_data_loss) {
            anyhow::bail!(refusal);
        }
        // A saved plan was reviewed when it was made: applying the file is the approval.
        if saved.is_none() && plan.has_changes() && !run.auto_approve {
            let question = if destroy { "Destroy every resource listed above?" } else { "Apply the changes above?" };
            // The answer is read on a blocking thread so that Ctrl-C still ends the run (and
            // releases the lock) while the question waits.
            let answer = tokio::select! {
                answer = tokio::task::spawn_blocking(move || confirm(question)) => answer??,
                _ = crate::interrupt::wait() => anyhow::bail!("interrupted; nothing was changed"),
            };
            if !answer {
                eprintln!("Nothing was changed.");
                return Ok(exit::ERROR);
            }
        }
        let options = ApplyOptions {
            parallelism: usize::from(run.parallelism),
            wait_timeouts: run.wait_timeout.iter().copied().collect(),
        };
        let report = session.apply(&plan, &options).await?;
        Ok(summarise(&report, destroy, &session.store.location()))
    })
    .await
}

/// Why apply must not carry out this plan, if it destroys data it may not.
fn data_loss_refusal(plan: &Plan, allow_data_loss: bool) -> Option<String> {
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

/// Drift reads the state without locking it: a scheduled job must not block applies.
async fn drift(stack: &Path, json: bool, detailed_exitcode: bool, common: &Common) -> anyhow::Result<u8> {
    let (_, model) = crate::model::load_stack(stack)?;
    let options = common.session_options();
    let store = open_store(stack, &model, &options).await?;
    let state = store.read(&model.name, &model.region).await?;
    let aws = crate::providers::Aws::connect(&model.name, &model.region, &options.connect).await;
    let live = crate::refresh::read_live(&aws, &state).await?;
    let drifted = crate::drift::detect(&state, &live);
    if json {
        let doc = serde_json::json!({ "stack": model.name, "region": model.region, "drift": drifted });
        println_stdout(&serde_json::to_string_pretty(&doc)?)?;
    } else {
        println_stdout(&crate::drift::text(&drifted))?;
    }
    Ok(if detailed_exitcode && !drifted.is_empty() { exit::CHANGES } else { exit::OK })
}

async fn import(stack: &Path, address: &str, aws_id: &str, common: &Common) -> anyhow::Result<u8> {
    with_session(stack, "import", common, true, async |session| {
        let desired = session.desired(false);
        crate::adopt::import(&session.aws, &desired, &session.lent, &mut session.state, address, aws_id).await?;
        session.store.write(&mut session.state).await?;
        println_stdout(&format!(
            "Imported {aws_id} as {address}. `platformctl plan` shows how it differs from the stack file."
        ))?;
        Ok(exit::OK)
    })
    .await
}

async fn promote(
    stack: &Path,
    address: &str,
    auto_approve: bool,
    wait_timeout: Option<std::time::Duration>,
    common: &Common,
) -> anyhow::Result<u8> {
    with_session(stack, "promote", common, false, async |session| {
        let replica = crate::promote::replica_entry(session, address)?;
        let question = format!(
            "Promote {address} of {} ({}) to a standalone primary? Replication from {}/postgres.{} stops for good; \
             the instance takes writes, and its secret's `host` will name it.",
            session.stack.name, session.stack.region, replica.source_stack, replica.source_postgres
        );
        if !auto_approve && !confirm(&question)? {
            eprintln!("Promotion cancelled; nothing was changed.");
            return Ok(exit::ERROR);
        }
        let timeout = wait_timeout
            .unwrap_or_else(|| crate::providers::default_wait_timeout(crate::resource::Kind::DbReadReplica));
        let done = crate::promote::promote(session, address, timeout).await?;
        let mut text = format!(
            "{} {} {}.\n",
            if done.sent { "Promoted" } else { "Already promoted:" },
            address,
            done.identifier
        );
        if let Some(endpoint) = &done.endpoint {
            text.push_str(&format!("  Endpoint: {endpoint}\n"));
        }
        if let Some(secret) = &done.secret {
            text.push_str(&format!("  Secret {secret}: `host` now names it.\n"));
        }
        text.push_str(&format!(
            "Next: add `promoted: true` under `{address}`'s `replica_of` in {}; until then plans offer to replace it with a new replica (refused without --allow-data-loss).",
            stack.display()
        ));
        println_stdout(&text)?;
        Ok(exit::OK)
    })
    .await
}

async fn state(command: StateCommand) -> anyhow::Result<u8> {
    match command {
        StateCommand::List { stack, common } => {
            let state = read_state(&stack, &common).await?;
            let mut lines = String::new();
            for (address, r) in &state.resources {
                let id = r.id.as_deref().unwrap_or("(create pending)");
                lines.push_str(&format!("{address}\t{}\t{id}\n", r.kind));
            }
            if lines.is_empty() {
                lines.push_str("The state records no resources.\n");
            }
            println_stdout(&lines)?;
            Ok(exit::OK)
        }
        StateCommand::Show { stack, address, common } => {
            let state = read_state(&stack, &common).await?;
            let entry = state.resources.get(&crate::resource::Address::new(address.as_str())).ok_or_else(|| {
                anyhow::anyhow!("`{address}` is not in the state\n  hint: `platformctl state list` shows what is")
            })?;
            println_stdout(&serde_json::to_string_pretty(entry)?)?;
            Ok(exit::OK)
        }
        StateCommand::Rm { stack, address, common } => {
            with_session(&stack, "state rm", &common, true, async |session| {
                let key = crate::resource::Address::new(address.as_str());
                let Some(removed) = session.state.resources.remove(&key) else {
                    anyhow::bail!("`{address}` is not in the state\n  hint: `platformctl state list` shows what is");
                };
                session.store.write(&mut session.state).await?;
                let id = removed.id.unwrap_or_default();
                println_stdout(&format!(
                    "Removed {address} ({id}) from the state. It still exists in AWS; platformctl no longer manages it."
                ))?;
                Ok(exit::OK)
            })
            .await
        }
        StateCommand::Recover { stack, common } => {
            with_session(&stack, "state recover", &common, true, async |session| {
                if session.state.resources.values().any(|r| r.id.is_some()) {
                    anyhow::bail!(
                        "the state `{}` is not lost: it records {} resources\n  hint: recover rebuilds a missing or empty state; to start over, move that state away first",
                        session.store.location(),
                        session.state.resources.len()
                    );
                }
                let desired = session.desired(false);
                let report = crate::adopt::recover(&session.aws, &desired, &session.lent, &mut session.state).await?;
                session.store.write(&mut session.state).await?;
                let mut text = format!(
                    "Recovered {} of {} resources into {}.",
                    report.found.len(),
                    desired.len(),
                    session.store.location()
                );
                if !report.missing.is_empty() {
                    let list: Vec<&str> = report.missing.iter().map(|a| a.as_str()).collect();
                    text.push_str(&format!(" Not found in AWS (the next apply creates them): {}", list.join(", ")));
                }
                println_stdout(&text)?;
                Ok(exit::OK)
            })
            .await
        }
        StateCommand::Pull { stack, common } => {
            let state = read_state(&stack, &common).await?;
            println_stdout(&serde_json::to_string_pretty(&state)?)?;
            Ok(exit::OK)
        }
        StateCommand::Push { stack, file, force, common } => {
            with_session(&stack, "state push", &common, true, async |session| {
                let text = std::fs::read(&file).with_context(|| format!("reading {}", file.display()))?;
                let mut pushed: crate::state::State = serde_json::from_slice(&text)
                    .with_context(|| format!("{} is not a platformctl state", file.display()))?;
                let current = &session.state;
                if pushed.stack != current.stack || pushed.region != current.region {
                    anyhow::bail!(
                        "{} is the state of `{}` in {}, not of `{}` in {}",
                        file.display(),
                        pushed.stack,
                        pushed.region,
                        current.stack,
                        current.region
                    );
                }
                let target_exists = current.serial > 0;
                if target_exists && !force {
                    if pushed.lineage != current.lineage {
                        anyhow::bail!(
                            "{} already holds another history of this stack (lineage {})\n  hint: pass --force to replace it",
                            session.store.location(),
                            current.lineage
                        );
                    }
                    if pushed.serial < current.serial {
                        anyhow::bail!(
                            "{} is older (serial {}) than {} (serial {})\n  hint: pass --force to go back",
                            file.display(),
                            pushed.serial,
                            session.store.location(),
                            current.serial
                        );
                    }
                }
                // Writes go forward from whichever serial is higher.
                pushed.serial = pushed.serial.max(current.serial);
                session.store.write(&mut pushed).await?;
                session.state = pushed;
                println_stdout(&format!("Pushed {} to {}.", file.display(), session.store.location()))?;
                Ok(exit::OK)
            })
            .await
        }
    }
}

async fn force_unlock(stack: &Path, lock_id: &str, common: &Common) -> anyhow::Result<u8> {
    let (_, model) = crate::model::load_stack(stack)?;
    let store = open_store(stack, &model, &common.session_options()).await?;
    store.force_unlock(lock_id).await?;
    println_stdout(&format!("Unlocked {}.", store.location()))?;
    Ok(exit::OK)
}

/// The stack's state, read without locking it (for `output`, `kubeconfig`, `state list`).
async fn read_state(stack: &Path, common: &Common) -> anyhow::Result<crate::state::State> {
    let (_, model) = crate::model::load_stack(stack)?;
    let store = open_store(stack, &model, &common.session_options()).await?;
    Ok(store.read(&model.name, &model.region).await?)
}

async fn write_kubeconfig(
    stack: &Path,
    cluster: &str,
    path: &Path,
    alias: Option<&str>,
    common: &Common,
) -> anyhow::Result<u8> {
    let state = read_state(stack, common).await?;
    let entry = crate::kubeconfig::entry(&state, cluster, alias, common.profile.as_deref())?;
    crate::kubeconfig::write(path, &entry)?;
    println_stdout(&format!(
        "Added context `{}` for cluster {} to {} and made it current.",
        entry.context,
        entry.cluster_name,
        path.display()
    ))?;
    Ok(exit::OK)
}

async fn output(stack: &Path, json: bool, common: &Common) -> anyhow::Result<u8> {
    let state = read_state(stack, common).await?;
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

fn summarise(report: &ApplyReport, destroy: bool, state: &str) -> u8 {
    let verb = if destroy { "Destroy" } else { "Apply" };
    let retries = crate::providers::retries();
    let retried = if retries > 0 {
        format!(", {retries} AWS requests retried (throttling or server errors)")
    } else {
        String::new()
    };
    if report.succeeded() {
        eprintln!("{verb} complete: {} operations{retried}. State: {state}", report.completed.len());
        return exit::OK;
    }
    for f in &report.failed {
        eprintln!("error: {f}");
    }
    if report.interrupted {
        eprintln!("{verb} interrupted.");
    }
    eprintln!(
        "{verb} stopped: {} done, {} failed, {} not started. The state ({state}) records everything done so far; run the command again to continue.",
        report.completed.len(),
        report.failed.len(),
        report.not_started.len(),
    );
    if !report.not_started.is_empty() {
        let list: Vec<String> = report.not_started.iter().map(|o| o.to_string()).collect();
        eprintln!("Not started: {}", list.join(", "));
    }
    exit::ERROR
}
