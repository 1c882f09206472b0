//! The command line: argument parsing, settings, exit codes. Each command parses, calls its
//! function in `ops` and hands what it returns to `platformctl_core::render`; no engine logic
//! lives here. Data goes to stdout, logs and progress to stderr; a broken pipe on stdout is not
//! an error. Shell completions and the man page come from the same definitions.

mod commands;
mod confirm;
mod logging;

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Args, Parser, Subcommand};
use platformctl_aws::ConnectOptions;
use platformctl_core::checks::Severity;
use platformctl_core::model::BACKEND_KEYS;
use platformctl_core::resource::Kind;
use platformctl_core::spec::StackFileError;

use crate::engine::SessionOptions;

/// Exit codes, documented in docs/exit-codes.md.
pub mod exit {
    pub const OK: u8 = 0;
    pub const ERROR: u8 = 1;
    /// `plan --detailed-exitcode`: the plan has changes.
    pub const CHANGES: u8 = 2;
    /// `check`: findings at `--fail-on` or above.
    pub const FINDINGS: u8 = 3;
}

#[derive(Parser, Debug)]
#[command(
    name = "platformctl",
    version = concat!(env!("CARGO_PKG_VERSION"), " (commit ", env!("PLATFORMCTL_COMMIT"), ")"),
    about = "Provision AWS from declarative stack YAML: plan, apply, destroy."
)]
#[command(
    after_help = "Example:\n  platformctl plan stacks/user-service.yaml\n  platformctl apply stacks/user-service.yaml --auto-approve"
)]
pub struct Cli {
    /// More logging on stderr (-v info, -vv debug, -vvv trace); RUST_LOG overrides.
    #[arg(short, long, action = clap::ArgAction::Count, global = true)]
    verbose: u8,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Check a stack file without contacting AWS: every error, with file, line and column.
    #[command(after_help = "Example:\n  platformctl validate stacks/user-service.yaml")]
    Validate {
        /// The stack file.
        stack: PathBuf,
    },
    /// Check stacks against security and reliability rules (checkov's ids where checkov has
    /// the rule), offline: each finding with its severity, the YAML line that decides it and
    /// the YAML that fixes it. Exits 3 when a finding at `--fail-on` or above is not skipped.
    #[command(
        after_help = "Examples:\n  platformctl check stacks/user-service.yaml\n  platformctl check stacks/prod --fail-on medium\n  platformctl check stacks --format sarif > platformctl.sarif   # GitHub code scanning\n\nSkip a rule where it does not apply, with the reason, in the entry (or at the top):\n  eks: { main: { checks: { skip: { CKV_AWS_39: \"the office VPN needs the public endpoint\" } } } }"
    )]
    Check {
        /// Stack files, or folders whose `*.yaml` files are all stacks.
        #[arg(required = true)]
        paths: Vec<PathBuf>,
        /// The lowest severity that fails: `critical`, `high` (default), `medium` or `low`.
        #[arg(long, default_value = "high", value_parser = parse_severity)]
        fail_on: Severity,
        /// `human` (default), `json` or `sarif` (SARIF 2.1.0, for code scanning).
        #[arg(long, value_enum, default_value = "human")]
        format: CheckFormat,
    },
    /// Show what apply would change, reading live AWS state (drift included).
    #[command(
        after_help = "Examples:\n  platformctl plan stacks/user-service.yaml\n  platformctl plan stacks/user-service.yaml --json\n  platformctl plan stacks/user-service.yaml --detailed-exitcode   # 0 no changes, 2 changes, 1 error"
    )]
    Plan {
        stack: PathBuf,
        /// Print the plan as JSON (docs/plan-json.md) instead of text; same as `--format json`.
        #[arg(long)]
        json: bool,
        /// `text` (default), `json`, or `markdown` (for a pull request comment).
        #[arg(long, value_enum)]
        format: Option<PlanFormat>,
        /// Exit 2 when there are changes, 0 when there are none, 1 on error.
        #[arg(long)]
        detailed_exitcode: bool,
        /// Save the plan to this file; `platformctl apply FILE` then carries out exactly it.
        #[arg(long, value_name = "FILE")]
        out: Option<PathBuf>,
        /// Plan the destruction of every resource (for `--out`, then `apply FILE`).
        #[arg(long)]
        destroy: bool,
        /// `--lock=false`: plan without taking the state lock, for a read-only role that may not
        /// write the lock object (a pull request's plan; Terraform's `-lock=false`).
        #[arg(long, default_value_t = true, action = clap::ArgAction::Set, value_name = "BOOL")]
        lock: bool,
        #[command(flatten)]
        scope: ScopeArgs,
        #[command(flatten)]
        common: Common,
    },
    /// Report every change made in AWS outside platformctl since the last apply (attribute,
    /// expected, actual; deleted resources), from the state and a live read. Plans nothing.
    #[command(
        after_help = "Examples:\n  platformctl drift stacks/user-service.yaml\n  platformctl drift stacks/user-service.yaml --json --detailed-exitcode   # 2 when drifted"
    )]
    Drift {
        stack: PathBuf,
        #[arg(long)]
        json: bool,
        /// Exit 2 when something drifted, 0 when nothing did, 1 on error.
        #[arg(long)]
        detailed_exitcode: bool,
        #[command(flatten)]
        common: Common,
    },
    /// Bring an existing AWS resource under management as ADDRESS; the next plan shows how it
    /// differs from the stack file.
    #[command(after_help = "Example:\n  platformctl import stacks/user-service.yaml ecr.user-service user-service")]
    Import {
        stack: PathBuf,
        /// The resource's address in the stack (as `plan` shows it).
        address: String,
        /// The AWS id (as the state records it: a vpc-..., a name, an ARN).
        aws_id: String,
        #[command(flatten)]
        common: Common,
    },
    /// Promote a cross-region read replica (`replica_of`) to a standalone primary: stops its
    /// replication for good, waits until it is available, records it and points its secret's
    /// `host` at it. The runbook step for an outage of the primary's region.
    #[command(
        after_help = "Examples:\n  platformctl promote stacks/user-service-dr.yaml postgres.users-replica --dns\n  platformctl promote stacks/user-service-dr.yaml --dns\n\nThen add `promoted: true` under the entry's `replica_of`, and swap the `failover:` roles in both stack files, so that plans keep it as it is."
    )]
    Promote {
        stack: PathBuf,
        /// The replica's address, e.g. `postgres.users-replica` (optional with `--dns`).
        address: Option<String>,
        /// Also point clients at this stack's region: its failover records (`failover:
        /// secondary`) become the primaries, the other region's the secondaries, held in both
        /// stacks' states until their files say the new roles.
        #[arg(long)]
        dns: bool,
        /// Do not ask for confirmation (required without a terminal).
        #[arg(long)]
        auto_approve: bool,
        /// How long to wait for the promoted instance to be available (default 90m).
        #[arg(long, value_name = "DURATION", value_parser = humantime::parse_duration)]
        wait_timeout: Option<std::time::Duration>,
        #[command(flatten)]
        common: Common,
    },
    /// Write a stack file (and its state) from what already runs in AWS, so that the next plan
    /// of the file finds every resource: a VPC with its subnets by tier, gateways, NAT layout
    /// and security groups (rules as `from: private_subnets` where they match), databases, Redis
    /// groups, EKS clusters, secrets (as `external`), ECR repositories, log groups. What the
    /// format cannot say is listed at the end as comments with the ids.
    /// Reads only; refuses to write over an existing state or file.
    #[command(
        after_help = "Example:\n  platformctl generate --stack shop --region eu-west-1 --vpc vpc-0abc --ecr shop-api --log-group /shop/app --out shop.yaml\n  platformctl plan shop.yaml   # finds them all: no changes"
    )]
    Generate(Box<GenerateArgs>),
    /// Inspect and repair the state.
    #[command(subcommand)]
    State(StateCommand),
    /// Clear a lock a killed run left on an S3 state (local locks go with their process).
    #[command(after_help = "Example:\n  platformctl force-unlock stacks/user-service.yaml 6f1c...-lock-id")]
    ForceUnlock {
        stack: PathBuf,
        /// The lock id the error of the blocked run printed.
        lock_id: String,
        #[command(flatten)]
        common: Common,
    },
    /// Make AWS match the stack: plan, confirm, execute, recording every step in the state.
    #[command(
        after_help = "Examples:\n  platformctl apply stacks/user-service.yaml\n  platformctl apply stacks/user-service.yaml --auto-approve --parallelism 4"
    )]
    Apply {
        /// The stack file, or a plan file saved with `plan --out`.
        stack: PathBuf,
        #[command(flatten)]
        run: RunOptions,
        #[command(flatten)]
        common: Common,
    },
    /// Delete every resource of the stack, in reverse dependency order.
    #[command(after_help = "Example:\n  platformctl destroy stacks/user-service.yaml --auto-approve")]
    Destroy {
        stack: PathBuf,
        #[command(flatten)]
        run: RunOptions,
        #[command(flatten)]
        common: Common,
    },
    /// Print what applications need from the last apply: endpoints, ports, reader endpoints,
    /// the Redis endpoint, secret ARNs. Reads the state only.
    #[command(
        after_help = "Examples:\n  platformctl output stacks/user-service.yaml\n  platformctl output stacks/user-service.yaml --json"
    )]
    Output {
        stack: PathBuf,
        /// Print JSON: `{"<address>": {"endpoint": ..., "port": ..., "secret_arn": ...}}`.
        #[arg(long)]
        json: bool,
        #[command(flatten)]
        common: Common,
    },
    /// Write or merge a kubeconfig entry for an EKS cluster of the stack (from the state), which
    /// authenticates with `aws eks get-token`, and make it the current context.
    #[command(
        after_help = "Examples:\n  platformctl kubeconfig stacks/user-service.yaml main\n  platformctl kubeconfig stacks/user-service.yaml main --alias prod --profile platform"
    )]
    Kubeconfig {
        stack: PathBuf,
        /// The cluster's name in the stack (the key under `eks:`).
        cluster: String,
        /// The kubeconfig file (default: the first path of KUBECONFIG, else ~/.kube/config).
        #[arg(long)]
        kubeconfig: Option<PathBuf>,
        /// The context name (default: the cluster's ARN, as `aws eks update-kubeconfig`).
        #[arg(long)]
        alias: Option<String>,
        /// `--profile` (or AWS_PROFILE) also goes into the entry, for `aws eks get-token`.
        #[command(flatten)]
        common: Common,
    },
    /// Print the resources of stacks and their dependencies, and the dependencies between
    /// stacks, as Graphviz DOT or Mermaid. Offline: reads stack files only.
    #[command(
        after_help = "Examples:\n  platformctl graph stacks/ > platform.dot && dot -Tsvg platform.dot > platform.svg\n  platformctl graph stacks/user-service.yaml --format mermaid"
    )]
    Graph {
        /// Stack files, or directories whose `*.yaml` files are all stacks.
        #[arg(required = true)]
        paths: Vec<PathBuf>,
        /// `dot` (default) or `mermaid`.
        #[arg(long, value_enum, default_value = "dot")]
        format: GraphFormat,
    },
    /// Print the stacks of folders in the order they can be applied, as JSON waves: each stack
    /// after the stacks it uses (`from_stack`, `peering`, `replica_of`). Offline.
    #[command(
        after_help = "Example:\n  platformctl order stacks/prod\n\nPrints {\"waves\": [[{\"stack\", \"file\"}, ...], ...], \"stacks\": [...]}: a CI job applies each wave after the one before."
    )]
    Order {
        /// Stack files, or folders whose `*.yaml` files are all stacks.
        #[arg(required = true)]
        paths: Vec<PathBuf>,
    },
    /// Print the stacks whose plan a change of files can change, as JSON waves: a stack whose
    /// file, base file (`extends`) or policy file changed, and every stack that uses one of
    /// those. Offline.
    #[command(
        after_help = "Example:\n  platformctl affected stacks/staging --changed $(git diff --name-only origin/main...HEAD)"
    )]
    Affected {
        /// Stack files, or folders whose `*.yaml` files are all stacks.
        #[arg(required = true)]
        paths: Vec<PathBuf>,
        /// The changed files (paths as the repository names them).
        #[arg(long, num_args = 0.., value_name = "FILE")]
        changed: Vec<PathBuf>,
    },
    /// Print the JSON Schema of the stack file format.
    #[command(after_help = "Example:\n  platformctl schema > docs/stack.schema.json")]
    Schema,
    /// Print a completion script for a shell.
    #[command(
        after_help = "Examples:\n  platformctl completions bash > /etc/bash_completion.d/platformctl\n  platformctl completions zsh > \"${fpath[1]}/_platformctl\"\n  platformctl completions fish > ~/.config/fish/completions/platformctl.fish"
    )]
    Completions {
        /// `bash`, `zsh`, `fish`, `powershell` or `elvish`.
        shell: clap_complete::Shell,
    },
    /// Print the man page (roff).
    #[command(after_help = "Example:\n  platformctl man > /usr/local/share/man/man1/platformctl.1")]
    Man,
}

/// How `graph` prints.
/// `platformctl generate`'s arguments (boxed in `Command`: the largest by far).
#[derive(Args, Debug)]
struct GenerateArgs {
    /// The new stack's name (AWS names platformctl derives start with it).
    #[arg(long)]
    stack: String,
    /// The region to read.
    #[arg(long)]
    region: String,
    /// The VPC to describe: its subnets, gateways, route tables and security groups.
    #[arg(long, value_name = "VPC_ID")]
    vpc: Option<String>,
    /// RDS PostgreSQL instances, by identifier (repeatable): those in the VPC's private
    /// subnets with an RDS-managed password.
    #[arg(long, value_name = "IDENTIFIER")]
    postgres: Vec<String>,
    /// Aurora PostgreSQL clusters, by identifier (repeatable): those in the VPC's private
    /// subnets with an RDS-managed password, with their instances.
    #[arg(long, value_name = "IDENTIFIER")]
    aurora: Vec<String>,
    /// ElastiCache Redis replication groups, by id (repeatable): those in the VPC's private
    /// subnets without an AUTH token.
    #[arg(long, value_name = "ID")]
    redis: Vec<String>,
    /// EKS clusters, by name (repeatable): those in the VPC's subnets, with their node
    /// groups, add-ons, roles and the IRSA roles of their service accounts.
    #[arg(long, value_name = "CLUSTER")]
    eks: Vec<String>,
    /// ECR repositories, by name (repeatable).
    #[arg(long, value_name = "NAME")]
    ecr: Vec<String>,
    /// Secrets Manager secrets, by name (repeatable): declared `external`, their values left
    /// in AWS and never read.
    #[arg(long, value_name = "NAME")]
    secret: Vec<String>,
    /// Also everything carrying this tag (repeatable: all of them), as far as the tagging API
    /// lists each service: a VPC, databases, Redis groups, EKS clusters, repositories, log
    /// groups.
    #[arg(long, value_name = "KEY=VALUE", value_parser = parse_tag)]
    tag: Vec<(String, String)>,
    /// CloudWatch Logs log groups, by name (repeatable).
    #[arg(long, value_name = "NAME")]
    log_group: Vec<String>,
    /// Write the stack file here (a new file) instead of standard output.
    #[arg(long, value_name = "FILE")]
    out: Option<PathBuf>,
    /// Write the state here (default: `.platformctl/<stack>.state.json` beside the stack file,
    /// where `plan` looks).
    #[arg(long, value_name = "FILE")]
    state_out: Option<PathBuf>,
    #[command(flatten)]
    common: Common,
}

#[derive(clap::ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
enum GraphFormat {
    Dot,
    Mermaid,
}

/// The SDK's retry modes.
#[derive(clap::ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
enum RetryMode {
    Standard,
    Adaptive,
}

/// How `check` prints.
#[derive(clap::ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
enum CheckFormat {
    Human,
    Json,
    Sarif,
}

fn parse_severity(s: &str) -> Result<Severity, String> {
    s.parse()
}

/// How `plan` prints.
#[derive(clap::ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
enum PlanFormat {
    Text,
    Json,
    Markdown,
}

#[derive(Subcommand, Debug)]
enum StateCommand {
    /// The addresses the state knows, with kind and AWS id.
    List {
        stack: PathBuf,
        #[command(flatten)]
        common: Common,
    },
    /// One resource's entry, as JSON.
    Show {
        stack: PathBuf,
        address: String,
        #[command(flatten)]
        common: Common,
    },
    /// Give an entry a new address (`OLD NEW`: it and every entry under it), or carry entries to
    /// another stack's state (`--to-stack OTHER ADDRESS…`, both states locked, the resources'
    /// `platformctl:stack` and `platformctl:address` tags updated). Nothing is recreated; AWS
    /// names stay. A stack file can say the same with `moved:`.
    #[command(
        after_help = "Examples:\n  platformctl state mv stacks/user-service.yaml postgres.users postgres.accounts\n  platformctl state mv stacks/platform.yaml --to-stack stacks/databases.yaml postgres.users redis.sessions"
    )]
    Mv {
        stack: PathBuf,
        /// OLD NEW; with --to-stack, the addresses (or prefixes) to carry over.
        #[arg(required = true, value_name = "ADDRESS")]
        addresses: Vec<String>,
        /// The other stack's file: its file must declare the addresses, this one no longer.
        #[arg(long, value_name = "STACK_FILE")]
        to_stack: Option<PathBuf>,
        #[command(flatten)]
        common: Common,
    },
    /// Forget a resource: it stays in AWS, platformctl no longer manages it.
    Rm {
        stack: PathBuf,
        address: String,
        #[command(flatten)]
        common: Common,
    },
    /// Rebuild a lost state from AWS: resources found by their `platformctl:stack` and
    /// `platformctl:address` tags, or by the names the stack gives them.
    Recover {
        stack: PathBuf,
        #[command(flatten)]
        common: Common,
    },
    /// Print the state (JSON) from its backend, e.g. to move it elsewhere.
    Pull {
        stack: PathBuf,
        #[command(flatten)]
        common: Common,
    },
    /// Replace the backend's state with FILE (a state of this stack), e.g. a local state into
    /// S3. Refuses another history or going back in serial unless --force.
    Push {
        stack: PathBuf,
        file: PathBuf,
        #[arg(long)]
        force: bool,
        #[command(flatten)]
        common: Common,
    },
}

/// `--target` and `--exclude`, for plan, apply and destroy.
#[derive(Args, Debug, Clone, Default)]
struct ScopeArgs {
    /// Plan only this address, or the addresses under this prefix (`postgres.users`, `eks.main`),
    /// with what they depend on (for a destroy: with what depends on them). Repeatable. The plan
    /// says it is partial.
    #[arg(long, value_name = "ADDRESS|PREFIX")]
    target: Vec<String>,
    /// Leave out this address, or the addresses under this prefix, with what depends on them
    /// (for a destroy: with what they depend on). Repeatable.
    #[arg(long, value_name = "ADDRESS|PREFIX")]
    exclude: Vec<String>,
}

impl ScopeArgs {
    fn scope(&self) -> platformctl_core::plan::scope::Scope {
        platformctl_core::plan::scope::Scope { targets: self.target.clone(), excludes: self.exclude.clone() }
    }
}

/// How apply and destroy carry out their plan.
#[derive(Args, Debug, Clone)]
struct RunOptions {
    #[command(flatten)]
    scope: ScopeArgs,
    /// Do not ask for confirmation (required without a terminal).
    #[arg(long)]
    auto_approve: bool,
    /// How many calls to one AWS service may be in flight at once: `N` for every service,
    /// `SERVICE=N` for one (repeatable, e.g. `--parallelism 8 --parallelism iam=2`; services by
    /// their signing names: ec2, iam, rds, eks...). Default: each service's share of its API
    /// rate limits — 20 for EC2, 4 for IAM, 2 for Route 53, 10 for most.
    #[arg(long, value_name = "N|SERVICE=N", value_parser = parse_parallelism)]
    parallelism: Vec<(Option<String>, usize)>,
    /// Allow deleting or replacing databases and caches (their data is lost; final snapshots
    /// are still taken unless the stack says `final_snapshot: false`).
    #[arg(long)]
    allow_data_loss: bool,
    /// Destroy even while other stacks use this stack's network (`network: { from_stack }`).
    #[arg(long)]
    force: bool,
    /// Apply although `platformctl check` has findings at high or above (they are still shown
    /// with the plan).
    #[arg(long)]
    skip_checks: bool,
    /// How long to wait for one kind of resource, e.g. `db_instance=2h` (repeatable). Defaults:
    /// 90m for RDS, 60m for ElastiCache, 20m for the rest.
    #[arg(long, value_name = "KIND=DURATION", value_parser = parse_wait_timeout)]
    wait_timeout: Vec<(Kind, std::time::Duration)>,
}

/// `--parallelism`: `N` or `SERVICE=N`, N from 1 to 256, SERVICE one platformctl calls.
fn parse_parallelism(s: &str) -> Result<(Option<String>, usize), String> {
    let (service, count) = match s.split_once('=') {
        Some((service, count)) => (Some(service.trim()), count.trim()),
        None => (None, s.trim()),
    };
    let count: usize = count.parse().ok().filter(|n| (1..=256).contains(n)).ok_or_else(|| {
        format!("`{count}` is not a number of calls from 1 to 256 (e.g. `--parallelism 4` or `--parallelism iam=2`)")
    })?;
    if let Some(service) = service.filter(|s| !platformctl_aws::SERVICES.contains(s)) {
        return Err(format!(
            "`{service}` is not a service platformctl calls: one of {}",
            platformctl_aws::SERVICES.join(", ")
        ));
    }
    Ok((service.map(str::to_owned), count))
}

fn parse_tag(s: &str) -> Result<(String, String), String> {
    let (key, value) = s.split_once('=').ok_or("expected KEY=VALUE, e.g. team=platform")?;
    if key.is_empty() {
        return Err("the tag's key is empty; expected KEY=VALUE, e.g. team=platform".into());
    }
    Ok((key.to_owned(), value.to_owned()))
}

fn parse_wait_timeout(s: &str) -> Result<(Kind, std::time::Duration), String> {
    let (kind, duration) = s.split_once('=').ok_or("expected KIND=DURATION, e.g. db_instance=2h")?;
    let kind = Kind::named(kind).ok_or_else(|| {
        let names: Vec<&str> = Kind::ALL.iter().map(|k| k.name()).collect();
        format!("unknown kind `{kind}`; kinds are: {}", names.join(", "))
    })?;
    let duration = humantime::parse_duration(duration).map_err(|e| format!("`{duration}`: {e} (e.g. 45m, 2h)"))?;
    Ok((kind, duration))
}

/// Options shared by the commands that talk to AWS.
#[derive(Args, Debug, Clone)]
struct Common {
    /// The state file (default: .platformctl/<stack>.state.json beside the stack file).
    #[arg(long)]
    state: Option<PathBuf>,
    /// The AWS profile to use (default: the SDK's usual resolution).
    #[arg(long, env = "AWS_PROFILE")]
    profile: Option<String>,
    /// Send AWS requests to this endpoint (an emulator, a VPC endpoint).
    #[arg(long)]
    endpoint_url: Option<String>,
    /// How many times the SDK tries a request that failed with a retryable error (throttling,
    /// 5xx, timeouts), backing off exponentially with jitter.
    #[arg(long, default_value_t = 5)]
    max_attempts: u32,
    /// `adaptive` (default) or `standard`: adaptive also slows a service's request rate down
    /// when it throttles (one rate limiter per service: the others keep their pace).
    #[arg(long, value_enum, default_value = "adaptive")]
    retry_mode: RetryMode,
    /// Override the stack file's `state:` settings, e.g. `bucket=acme-state` (repeatable;
    /// keys: backend, bucket, key, region, path).
    #[arg(long, value_name = "KEY=VALUE", value_parser = parse_backend_config)]
    backend_config: Vec<(String, String)>,
    /// Wait this long for another run's state lock instead of failing at once, e.g. `5m`.
    #[arg(long, value_name = "DURATION", value_parser = humantime::parse_duration, default_value = "0s")]
    lock_timeout: std::time::Duration,
    /// Write a local state even in CI (`CI=true`), where it is refused: for a job that keeps
    /// the file itself.
    #[arg(long)]
    allow_local_state: bool,
}

fn parse_backend_config(s: &str) -> Result<(String, String), String> {
    let (k, v) = s.split_once('=').ok_or("expected KEY=VALUE, e.g. bucket=acme-platform-state")?;
    if !BACKEND_KEYS.contains(&k) {
        return Err(format!("unknown key `{k}`; keys are: {}", BACKEND_KEYS.join(", ")));
    }
    Ok((k.to_owned(), v.to_owned()))
}

/// Runs the CLI and maps the outcome to an exit code.
pub fn main() -> ExitCode {
    // Usage errors exit 1, not clap's 2: 2 means "changes present" for `--detailed-exitcode`.
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            let _ = e.print();
            return ExitCode::from(if e.use_stderr() { exit::ERROR } else { exit::OK });
        }
    };
    logging::init(cli.verbose);
    if let Err(refusal) = logging::refuse_sensitive_switches() {
        let _ = writeln!(std::io::stderr(), "error: {refusal}");
        return ExitCode::from(exit::ERROR);
    }
    match commands::run(cli.command) {
        Ok(code) => ExitCode::from(code),
        Err(err) => {
            if is_broken_pipe(&err) {
                return ExitCode::from(exit::OK);
            }
            let _ = writeln!(std::io::stderr(), "error: {}", format_error(&err));
            ExitCode::from(exit::ERROR)
        }
    }
}

/// The error and its causes, one per line; input errors are already fully rendered.
fn format_error(err: &anyhow::Error) -> String {
    if let Some(StackFileError::Invalid(d)) = err.downcast_ref() {
        return format!("the stack file is not valid\n\n{}", d.render());
    }
    let mut text = err.to_string();
    for cause in err.chain().skip(1) {
        text.push_str(&format!("\n  caused by: {cause}"));
    }
    text
}

fn is_broken_pipe(err: &anyhow::Error) -> bool {
    err.chain().any(|c| c.downcast_ref::<std::io::Error>().is_some_and(|e| e.kind() == std::io::ErrorKind::BrokenPipe))
}

impl Common {
    fn session_options(&self) -> SessionOptions {
        SessionOptions {
            state_path: self.state.clone(),
            backend_config: self.backend_config.clone(),
            lock_timeout: self.lock_timeout,
            skip_lock: false,
            allow_local_state: self.allow_local_state,
            connect: ConnectOptions {
                profile: self.profile.clone(),
                endpoint_url: self.endpoint_url.clone(),
                max_attempts: Some(self.max_attempts),
                adaptive_retries: self.retry_mode == RetryMode::Adaptive,
                role: None,
                in_flight: Default::default(),
            },
        }
    }
}
