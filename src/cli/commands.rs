//! One function per command: arguments → `ops::<command>` → `render` → stdout/stderr and an exit
//! code. Nothing else.

use std::io::Write;
use std::path::Path;

use anyhow::Context;
use clap::CommandFactory;
use platformctl_core::checks::Severity;
use platformctl_core::render::{self, report};

use super::{
    CheckFormat, Cli, Command, Common, GenerateArgs, GraphFormat, PlanFormat, RunOptions, StateCommand,
    confirm::confirm, exit,
};
use crate::engine::ApplyOptions;
use crate::ops;

pub(super) fn run(command: Command) -> anyhow::Result<u8> {
    match command {
        Command::Validate { stack } => {
            let v = ops::validate::validate(&stack)?;
            println_stdout(&report::validated(&stack, &v.stack, v.resources))?;
            Ok(exit::OK)
        }
        Command::Check { paths, fail_on, format } => {
            let reports = ops::check::check(&paths)?;
            println_stdout(&match format {
                CheckFormat::Human => {
                    reports.iter().map(|(r, s)| render::checks::human(r, s, fail_on)).collect::<Vec<_>>().join("\n")
                }
                CheckFormat::Json => serde_json::to_string_pretty(&serde_json::Value::Array(
                    reports.iter().map(|(r, s)| render::checks::json(r, s)).collect(),
                ))?,
                CheckFormat::Sarif => serde_json::to_string_pretty(&render::sarif::sarif(&reports))?,
            })?;
            let failing = reports.iter().any(|(r, _)| r.failing(fail_on).next().is_some());
            Ok(if failing { exit::FINDINGS } else { exit::OK })
        }
        Command::Graph { paths, format } => {
            let graphs = ops::graph::graph(&paths)?;
            println_stdout(&match format {
                GraphFormat::Dot => render::graph::dot(&graphs),
                GraphFormat::Mermaid => render::graph::mermaid(&graphs),
            })?;
            Ok(exit::OK)
        }
        Command::Order { paths } => {
            println_stdout(&render::report::waves(&ops::order::order(&paths)?))?;
            Ok(exit::OK)
        }
        Command::Affected { paths, changed } => {
            println_stdout(&render::report::waves(&ops::order::affected(&paths, &changed)?))?;
            Ok(exit::OK)
        }
        Command::Schema => {
            let schema = schemars::schema_for!(platformctl_core::spec::StackSpec);
            println_stdout(&serde_json::to_string_pretty(&schema)?)?;
            Ok(exit::OK)
        }
        Command::Completions { shell } => {
            let mut out = Vec::new();
            clap_complete::generate(shell, &mut Cli::command(), "platformctl", &mut out);
            println_stdout(&String::from_utf8_lossy(&out))?;
            Ok(exit::OK)
        }
        Command::Man => {
            let mut out = Vec::new();
            clap_mangen::Man::new(Cli::command()).render(&mut out)?;
            println_stdout(&String::from_utf8_lossy(&out))?;
            Ok(exit::OK)
        }
        Command::Plan { stack, json, format, detailed_exitcode, out, destroy, lock, scope, common } => {
            let format = if json { PlanFormat::Json } else { format.unwrap_or(PlanFormat::Text) };
            let mut options = common.session_options();
            options.skip_lock = !lock;
            let asked = PlanAsked { destroy, scope: scope.scope(), out: out.as_deref() };
            block_on(plan(&stack, format, detailed_exitcode, &asked, &options))
        }
        Command::Apply { stack, run, common } => block_on(apply(&stack, false, &run, &common)),
        Command::Destroy { stack, run, common } => block_on(apply(&stack, true, &run, &common)),
        Command::Drift { stack, json, detailed_exitcode, common } => {
            block_on(drift(&stack, json, detailed_exitcode, &common))
        }
        Command::Import { stack, address, aws_id, common } => block_on(async {
            ops::import::import(&stack, &address, &aws_id, &common.session_options()).await?;
            println_stdout(&report::imported(&address, &aws_id))?;
            Ok(exit::OK)
        }),
        Command::Promote { stack, address, dns, auto_approve, wait_timeout, common } => {
            block_on(promote(&stack, address.as_deref(), dns, auto_approve, wait_timeout, &common))
        }
        Command::Generate(args) => {
            let GenerateArgs {
                stack,
                region,
                vpc,
                postgres,
                aurora,
                redis,
                eks,
                ecr,
                secret,
                tag,
                log_group,
                out,
                state_out,
                common,
            } = *args;
            let wanted = platformctl_aws::discover::Wanted {
                vpc,
                postgres,
                aurora,
                redis,
                repositories: ecr,
                log_groups: log_group,
                secrets: secret,
                eks,
                tags: tag,
            };
            let request = ops::generate::GenerateRequest { stack, region, wanted, out, state_out };
            block_on(generate(request, &common))
        }
        Command::State(command) => block_on(state(command)),
        Command::ForceUnlock { stack, lock_id, common } => block_on(async {
            let location = ops::unlock::force_unlock(&stack, &lock_id, &common.session_options()).await?;
            println_stdout(&report::unlocked(&location))?;
            Ok(exit::OK)
        }),
        Command::Output { stack, json, common } => block_on(async {
            let outputs = ops::output::output(&stack, &common.session_options()).await?;
            if json {
                println_stdout(&serde_json::to_string_pretty(&outputs)?)?;
            } else if outputs.is_empty() {
                println_stdout("No outputs: nothing with an endpoint or secret has been applied yet.")?;
            } else {
                println_stdout(&render::human::outputs_text(&outputs))?;
            }
            Ok(exit::OK)
        }),
        Command::Kubeconfig { stack, cluster, kubeconfig, alias, common } => block_on(async {
            let path = kubeconfig.unwrap_or_else(platformctl_core::kubeconfig::default_path);
            let options = common.session_options();
            let entry = ops::kubeconfig::kubeconfig(&stack, &cluster, &path, alias.as_deref(), &options).await?;
            println_stdout(&report::kubeconfig_written(&entry.context, &entry.cluster_name, &path))?;
            Ok(exit::OK)
        }),
    }
}

fn block_on<F: std::future::Future<Output = anyhow::Result<u8>>>(f: F) -> anyhow::Result<u8> {
    // One thread: platformctl waits on AWS, not on its CPU (a plan of 544 resources is ~0.03 s
    // of it), and every thread that allocates gets its own malloc arena — with a worker per
    // core the grown benchmark's apply peaked ~4 MB higher (docs/benchmarks.md). Blocking
    // work (state file I/O, a confirmation prompt) still goes to tokio's blocking threads.
    let runtime =
        tokio::runtime::Builder::new_current_thread().enable_all().build().context("starting the async runtime")?;
    let result = runtime.block_on(async {
        platformctl_core::interrupt::install();
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

/// Asks on a blocking thread, so that Ctrl-C still ends the run (and releases the lock) while
/// the question waits.
async fn ask(question: String) -> anyhow::Result<bool> {
    tokio::select! {
        answer = tokio::task::spawn_blocking(move || confirm(&question)) => answer?,
        _ = platformctl_core::interrupt::wait() => anyhow::bail!("interrupted; nothing was changed"),
    }
}

/// What `plan` was asked to plan, and where to save it.
struct PlanAsked<'a> {
    destroy: bool,
    scope: platformctl_core::plan::scope::Scope,
    out: Option<&'a Path>,
}

async fn plan(
    stack: &Path,
    format: PlanFormat,
    detailed_exitcode: bool,
    asked: &PlanAsked<'_>,
    options: &crate::engine::SessionOptions,
) -> anyhow::Result<u8> {
    let planned = ops::plan::plan(stack, asked.destroy, &asked.scope, asked.out, options).await?;
    let plan = &planned.plan;
    let (checks, sources) = (planned.checks.as_ref(), &planned.sources);
    println_stdout(&match format {
        PlanFormat::Json => {
            let checks = checks.map_or(serde_json::Value::Null, |c| render::checks::json(c, sources));
            render::json::plan_json(plan, &planned.stack, &planned.region, &checks)
        }
        PlanFormat::Markdown => {
            let findings = checks.map(|c| render::markdown::checks(c, sources)).unwrap_or_default();
            render::markdown::plan_markdown(plan, &planned.stack) + &findings
        }
        PlanFormat::Text => {
            let text = render::human::plan_text(plan, render::colour_on_stdout());
            match checks {
                Some(c) => format!("{text}\n{}", render::checks::human(c, sources, Severity::High)),
                None => text,
            }
        }
    })?;
    if let Some(out) = &planned.saved {
        eprintln!(
            "Plan saved to {}: `platformctl apply {}` carries out exactly this plan.",
            out.display(),
            out.display()
        );
    }
    // A move changes nothing in AWS but the state, which only an apply records (as Terraform's
    // `moved` blocks do).
    let changes = plan.has_changes() || !plan.moved.is_empty();
    Ok(if detailed_exitcode && changes { exit::CHANGES } else { exit::OK })
}

async fn apply(target: &Path, destroy: bool, run: &RunOptions, common: &Common) -> anyhow::Result<u8> {
    let request = ops::apply::ApplyRequest {
        destroy,
        auto_approve: run.auto_approve,
        allow_data_loss: run.allow_data_loss,
        force: run.force,
        skip_checks: run.skip_checks,
        scope: run.scope.scope(),
        options: ApplyOptions { wait_timeouts: run.wait_timeout.iter().copied().collect() },
    };
    let mut session = common.session_options();
    for (service, count) in &run.parallelism {
        match service {
            Some(service) => drop(session.connect.in_flight.services.insert(service.clone(), *count)),
            None => session.connect.in_flight.all = Some(*count),
        }
    }
    let show = |plan: &platformctl_core::plan::Plan| {
        println_stdout(&render::human::plan_text(plan, render::colour_on_stdout()))
    };
    let applied = ops::apply::apply(target, &request, &session, show, async |q| ask(q.to_owned()).await).await?;
    Ok(match applied {
        ops::apply::Applied::NothingToDo => exit::OK,
        ops::apply::Applied::Declined => {
            eprintln!("Nothing was changed.");
            exit::ERROR
        }
        ops::apply::Applied::Done { report, destroy, state } => {
            let (text, ok) = report::apply_summary(&report, destroy, &state, platformctl_aws::retries());
            eprint!("{text}");
            if ok { exit::OK } else { exit::ERROR }
        }
    })
}

async fn drift(stack: &Path, json: bool, detailed_exitcode: bool, common: &Common) -> anyhow::Result<u8> {
    let found = ops::drift::drift(stack, &common.session_options()).await?;
    if json {
        let doc = serde_json::json!({ "stack": found.stack, "region": found.region, "drift": found.drifted });
        println_stdout(&serde_json::to_string_pretty(&doc)?)?;
    } else {
        println_stdout(&render::drift::text(&found.drifted))?;
    }
    Ok(if detailed_exitcode && !found.drifted.is_empty() { exit::CHANGES } else { exit::OK })
}

async fn promote(
    stack: &Path,
    address: Option<&str>,
    dns: bool,
    auto_approve: bool,
    wait_timeout: Option<std::time::Duration>,
    common: &Common,
) -> anyhow::Result<u8> {
    if address.is_none() && !dns {
        anyhow::bail!(
            "nothing to promote\n  hint: name the replica (`platformctl promote {} postgres.<name>`), and/or pass --dns to point clients at this stack's region",
            stack.display()
        );
    }
    let traffic = " Its failover DNS records become the primaries: clients go to this region.";
    let ask_first = async |r: Option<&ops::promote::Replica>| {
        let question = match r {
            Some(r) => format!(
                "Promote {} of {} ({}) to a standalone primary? Replication from {}/postgres.{} stops for good; \
                 the instance takes writes, and its secret's `host` will name it.{}",
                address.unwrap_or_default(),
                r.stack,
                r.region,
                r.source_stack,
                r.source_postgres,
                if dns { traffic } else { "" }
            ),
            None => format!("Point clients at {}'s region?{traffic}", stack.display()),
        };
        Ok(auto_approve || confirm(&question)?)
    };
    let options = common.session_options();
    let Some(done) = ops::promote::promote(stack, address, dns, wait_timeout, &options, ask_first).await? else {
        eprintln!("Promotion cancelled; nothing was changed.");
        return Ok(exit::ERROR);
    };
    if let (Some(address), Some(p)) = (address, &done.promotion) {
        println_stdout(&report::promoted(&report::Promoted {
            address,
            identifier: &p.identifier,
            sent: p.sent,
            endpoint: p.endpoint.as_deref(),
            secret: p.secret.as_deref(),
            stack_file: stack,
        }))?;
    }
    if dns {
        let flips: Vec<(String, Option<String>)> =
            done.dns.iter().map(|f| (f.record.to_string(), f.demoted.clone())).collect();
        println_stdout(&report::dns_taken_over(&flips, stack))?;
    }
    Ok(exit::OK)
}

async fn generate(request: ops::generate::GenerateRequest, common: &Common) -> anyhow::Result<u8> {
    let done = ops::generate::generate(&request, &common.session_options().connect).await?;
    if request.out.is_none() {
        println_stdout(&done.yaml)?;
    }
    eprintln!(
        "{}",
        report::generated(&report::Generated {
            file: request.out.as_deref(),
            state: &done.state,
            recorded: done.recorded,
            missing: &done.missing,
            not_expressed: done.not_expressed,
        })
    );
    Ok(exit::OK)
}

async fn state(command: StateCommand) -> anyhow::Result<u8> {
    let text = match command {
        StateCommand::List { stack, common } => {
            report::state_list(&ops::state::read(&stack, &common.session_options()).await?)
        }
        StateCommand::Show { stack, address, common } => {
            report::state_entry(&ops::state::show(&stack, &address, &common.session_options()).await?)
        }
        StateCommand::Rm { stack, address, common } => {
            let id = ops::state::rm(&stack, &address, &common.session_options()).await?;
            report::removed(&address, &id)
        }
        StateCommand::Mv { stack, addresses, to_stack: None, common } => {
            let [from, to] = addresses.as_slice() else {
                anyhow::bail!(
                    "state mv takes OLD and NEW (got {} address{})\n  hint: `platformctl state mv <stack file> postgres.users postgres.accounts`, or --to-stack <other stack file> with the addresses to carry over",
                    addresses.len(),
                    if addresses.len() == 1 { "" } else { "es" }
                );
            };
            report::moved(&ops::state_move::mv(&stack, from, to, &common.session_options()).await?)
        }
        StateCommand::Mv { stack, addresses, to_stack: Some(other), common } => {
            let done = ops::state_move::to_stack(&stack, &other, &addresses, &common.session_options()).await?;
            report::moved_to_stack(&report::MovedToStack {
                addresses: &done.addresses,
                from_state: &done.from_state,
                to_state: &done.to_state,
                retagged: done.retagged,
                left: &done.left,
            })
        }
        StateCommand::Recover { stack, common } => {
            let r = ops::state::recover(&stack, &common.session_options()).await?;
            report::recovered(r.found, r.wanted, &r.location, &r.missing)
        }
        StateCommand::Pull { stack, common } => {
            serde_json::to_string_pretty(&ops::state::read(&stack, &common.session_options()).await?)?
        }
        StateCommand::Push { stack, file, force, common } => {
            let location = ops::state::push(&stack, &file, force, &common.session_options()).await?;
            report::pushed(&file, &location)
        }
    };
    println_stdout(&text)?;
    Ok(exit::OK)
}
