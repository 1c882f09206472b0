//! The benchmark: how fast platformctl plans and applies seed 000's whole platform, and how that
//! grows with the number of stacks. Starts ministack and the fault-injecting proxy with a fixed
//! latency per request (default 50 ms, what a real AWS call costs), applies N copies of
//! `stacks/user-service.yaml` (distinct stack names; without the flow logs and network ACL
//! ministack cannot hold, tests/support/stack_text.rs) from nothing, then plans them with no
//! changes, and prints for each: wall time, AWS requests (total and per operation) and peak
//! memory (RSS) of the platformctl processes.
//!
//! Run it with `scripts/bench` (builds the release binary first). Options:
//! `--platformctl PATH`, `--latency-ms 50`, `--copies 1,10`, `--grown 3` (one grown platform
//! in one stack), `--aws-time 14` (its resources take AWS's creation times divided by 14, and
//! the apply is compared with its critical path), `--emulator moto` (instead of ministack: the
//! services each emulator's tagging API lists differ, and so do the per-resource tag reads).

#[path = "../tests/support/proxy.rs"]
mod proxy;
#[path = "../tests/support/stack_text.rs"]
mod stack_text;

use std::collections::BTreeMap;
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use proxy::{Faults, Proxy};

struct Emulator {
    endpoint: String,
    child: Child,
}

impl Emulator {
    /// `name`: `ministack` (the figures in docs/benchmarks.md) or `moto`, whose tagging API lists
    /// other services (SSM parameters, log groups, alarms; not ECR repositories).
    fn start(venv: &Path, name: &str) -> Emulator {
        let port = TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
        let mut command = match name {
            "moto" => {
                let mut c = Command::new(venv.join("bin").join("moto_server"));
                c.args(["-H", "127.0.0.1", "-p", &port.to_string()]).env("MOTO_IAM_LOAD_MANAGED_POLICIES", "true");
                c
            }
            "ministack" => {
                let mut c = Command::new(venv.join("bin").join("python"));
                c.args(["-m", "ministack"])
                    .env("BIND_HOST", "127.0.0.1")
                    .env("GATEWAY_PORT", port.to_string())
                    .env("MINISTACK_REGION", "eu-west-1");
                c
            }
            other => panic!("--emulator {other}: ministack or moto"),
        };
        let child = command
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start the emulator (run scripts/setup-emulators first)");
        let started = Instant::now();
        while TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(started.elapsed() < Duration::from_secs(60), "{name} did not start");
            std::thread::sleep(Duration::from_millis(50));
        }
        Emulator { endpoint: format!("http://127.0.0.1:{port}"), child }
    }
}

impl Drop for Emulator {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// One measured step over all copies.
struct Figures {
    wall: Duration,
    requests: u64,
    per_operation: BTreeMap<String, u64>,
    peak_rss_kb: u64,
    /// Every request, with when it arrived at the proxy and when it was answered.
    timeline: Vec<proxy::Timed>,
}

/// Peak resident memory of a running process so far (Linux `VmHWM`).
fn peak_rss_kb(pid: u32) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    status.lines().find_map(|l| l.strip_prefix("VmHWM:")).and_then(|v| v.split_whitespace().next()?.parse().ok())
}

/// Runs `platformctl <args> <file>` for every file at once; wall time until the last ends.
async fn run_all(
    platformctl: &Path,
    proxy: &Proxy,
    dir: &Path,
    files: &[String],
    args: &[&str],
    ok: &[i32],
) -> Figures {
    proxy.reset_counts();
    let started = Instant::now();
    let mut children: Vec<Child> = files
        .iter()
        .map(|file| {
            Command::new(platformctl)
                .current_dir(dir)
                .arg(args[0])
                .arg(file)
                .args(&args[1..])
                .env("AWS_ACCESS_KEY_ID", "bench")
                .env("AWS_SECRET_ACCESS_KEY", "bench")
                .env("AWS_ENDPOINT_URL", &proxy.endpoint)
                .env_remove("AWS_PROFILE")
                // The bench's states are throwaway local files: CI's "no local state" guard is not what it measures.
                .env_remove("CI")
                .env_remove("GITHUB_ACTIONS")
                .env("NO_COLOR", "1")
                .stdin(Stdio::null())
                .stdout(Stdio::null())
                .stderr(Stdio::piped())
                .spawn()
                .expect("start platformctl")
        })
        .collect();
    let mut peak = vec![0u64; children.len()];
    loop {
        let mut running = false;
        for (i, child) in children.iter_mut().enumerate() {
            if child.try_wait().unwrap().is_none() {
                running = true;
                if let Some(kb) = peak_rss_kb(child.id()) {
                    peak[i] = peak[i].max(kb);
                }
            }
        }
        if !running {
            break;
        }
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    let wall = started.elapsed();
    for child in children {
        let out = child.wait_with_output().unwrap();
        let code = out.status.code().unwrap_or(-1);
        assert!(ok.contains(&code), "platformctl {args:?} exited {code}:\n{}", String::from_utf8_lossy(&out.stderr));
    }
    Figures {
        wall,
        requests: proxy.forwarded(),
        per_operation: proxy.service_counts(),
        peak_rss_kb: peak.into_iter().max().unwrap_or(0),
        timeline: proxy.timeline(),
    }
}

/// N copies of the seed platform with distinct names (and the account-wide names they fix).
fn write_copies(root: &Path, dir: &Path, n: usize, emulator: &str) -> Vec<String> {
    let seed = std::fs::read_to_string(root.join("stacks/user-service.yaml")).unwrap();
    let seed = match emulator {
        "ministack" => stack_text::for_ministack(&seed).0,
        // moto answers no EKS add-on call and not the CBOR protocol of CloudWatch alarms.
        _ => [("    addons:", 4), ("alarms:", 0)]
            .into_iter()
            .fold(seed, |yaml, (block, indent)| stack_text::without_block(&yaml, block, indent).unwrap_or(yaml)),
    };
    std::fs::create_dir_all(dir).unwrap();
    (1..=n)
        .map(|i| {
            let name = format!("svc{i:02}");
            let yaml = seed
                .replace("stack: user-service", &format!("stack: {name}"))
                .replace("publish_ssm: /user-service/db", &format!("publish_ssm: /{name}/db"))
                .replace("  user-service: { scan_on_push", &format!("  {name}: {{ scan_on_push"))
                .replace("/platform/user-service:", &format!("/platform/{name}:"))
                .replace("alias/user-service-data", &format!("alias/{name}-data"));
            let file = format!("{name}.yaml");
            std::fs::write(dir.join(&file), yaml).unwrap();
            file
        })
        .collect()
}

fn arg(args: &[String], name: &str) -> Option<String> {
    args.iter().position(|a| a == name).and_then(|i| args.get(i + 1)).cloned()
}

#[tokio::main]
async fn main() {
    let args: Vec<String> = std::env::args().collect();
    // The checkout this run was started in (cargo sets it when it runs the harness): a build
    // in the shared target directory may be reused by another checkout whose sources are older
    // than it, and then the path compiled in is the other checkout's.
    let root =
        PathBuf::from(std::env::var_os("CARGO_MANIFEST_DIR").unwrap_or_else(|| env!("CARGO_MANIFEST_DIR").into()));
    let cache = std::env::var_os("XDG_CACHE_HOME")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(std::env::var_os("HOME").unwrap()).join(".cache"))
        .join("platformctl");
    let target = std::env::var_os("CARGO_TARGET_DIR").map(PathBuf::from).unwrap_or_else(|| cache.join("target"));
    let platformctl =
        arg(&args, "--platformctl").map(PathBuf::from).unwrap_or_else(|| target.join("release/platformctl"));
    assert!(platformctl.exists(), "no {}: run scripts/bench (it builds the release binary)", platformctl.display());
    let venv = std::env::var_os("PLATFORMCTL_VENV").map(PathBuf::from).unwrap_or_else(|| cache.join("venv"));
    let latency = Duration::from_millis(arg(&args, "--latency-ms").map_or(50, |v| v.parse().unwrap()));
    let copies: Vec<usize> =
        arg(&args, "--copies").unwrap_or_else(|| "1,10".into()).split(',').map(|n| n.parse().unwrap()).collect();

    let emulator_name = arg(&args, "--emulator").unwrap_or_else(|| "ministack".into());
    println!(
        "platformctl benchmark: seed 000's platform (stacks/user-service.yaml), {emulator_name} behind a proxy adding {} ms per request",
        latency.as_millis()
    );
    println!("binary: {}\n", platformctl.display());
    println!("| stacks | step | wall time | requests | requests per stack | peak RSS (largest process) |");
    println!("|---:|---|---:|---:|---:|---:|");
    let mut results: Vec<(usize, Figures, Figures)> = Vec::new();
    let mut shape = String::new();
    for n in copies {
        let emulator = Emulator::start(&venv, &emulator_name);
        let proxy = Proxy::start(&emulator.endpoint, Faults { latency, error_rate: 0.0, ..Default::default() }).await;
        let dir = tempfile::tempdir().unwrap();
        let files = write_copies(&root, dir.path(), n, &emulator_name);
        let apply = run_all(&platformctl, &proxy, dir.path(), &files, &["apply", "--auto-approve"], &[0]).await;
        let plan = run_all(&platformctl, &proxy, dir.path(), &files, &["plan", "--detailed-exitcode"], &[0]).await;
        if shape.is_empty() {
            let path = dir.path().join(".platformctl/svc01.state.json");
            let state: serde_json::Value = serde_json::from_slice(&std::fs::read(path).unwrap()).unwrap();
            let resources = state["resources"].as_object().unwrap();
            let kinds: std::collections::BTreeSet<&str> =
                resources.values().filter_map(|r| r["kind"].as_str()).collect();
            shape = format!("One platform is {} resources of {} kinds.", resources.len(), kinds.len());
        }
        for (step, f) in [("apply from nothing", &apply), ("plan, no changes", &plan)] {
            println!(
                "| {n} | {step} | {:.2} s | {} | {} | {:.1} MB |",
                f.wall.as_secs_f64(),
                f.requests,
                f.requests / n as u64,
                f.peak_rss_kb as f64 / 1024.0
            );
        }
        results.push((n, apply, plan));
    }
    println!("\n{shape}");
    if let (Some(first), Some(last)) = (results.first(), results.last())
        && first.0 != last.0
    {
        println!(
            "\nGrowth from {} to {} stacks: apply x{:.2} wall time, plan x{:.2} wall time (target: plan under x2).",
            first.0,
            last.0,
            last.1.wall.as_secs_f64() / first.1.wall.as_secs_f64(),
            last.2.wall.as_secs_f64() / first.2.wall.as_secs_f64()
        );
    }
    if let Some((n, _, plan)) = results.first() {
        println!("\nRequests of a no-change plan of {n} stack(s), per operation:\n");
        print_operations(plan);
        println!("\nIts requests by service, in time (ms since its first request arrived):\n");
        print_timeline(plan);
    }
    // `--grown SCALE`: one grown platform in one stack (issue 20's shape at scale 3).
    // `--aws-time SPEEDUP`: its resources take AWS's creation times divided by SPEEDUP.
    let speedup = arg(&args, "--aws-time").map(|s| s.parse::<f64>().unwrap());
    if let Some(scale) = arg(&args, "--grown").map(|s| s.parse::<usize>().unwrap()) {
        assert!(
            emulator_name != "moto" || scale == 1,
            "--emulator moto runs --grown 1 only: moto gives every EKS cluster the same OIDC issuer, so a second cluster's provider already exists"
        );
        let emulator = Emulator::start(&venv, &emulator_name);
        let faults = Faults { latency, provisioning_speedup: speedup, ..Default::default() };
        let proxy = Proxy::start(&emulator.endpoint, faults).await;
        let dir = tempfile::tempdir().unwrap();
        let grown = match emulator_name.as_str() {
            "moto" => stack_text::grown_platform_for_moto("grown", scale),
            _ => stack_text::grown_platform("grown", scale),
        };
        std::fs::write(dir.path().join("grown.yaml"), grown).unwrap();
        let files = vec!["grown.yaml".to_owned()];
        let apply = run_all(&platformctl, &proxy, dir.path(), &files, &["apply", "--auto-approve"], &[0]).await;
        let plan = run_all(&platformctl, &proxy, dir.path(), &files, &["plan", "--detailed-exitcode"], &[0]).await;
        let state = std::fs::read(dir.path().join(".platformctl/grown.state.json")).unwrap();
        let state: serde_json::Value = serde_json::from_slice(&state).unwrap();
        let resources = state["resources"].as_object().map_or(0, |r| r.len());
        println!("\nOne grown stack (scale {scale}, {resources} resources):\n");
        println!("| step | wall time | requests | peak RSS |");
        println!("|---|---:|---:|---:|");
        for (step, f) in [("apply from nothing", &apply), ("plan, no changes", &plan)] {
            let (wall, rss) = (f.wall.as_secs_f64(), f.peak_rss_kb as f64 / 1024.0);
            println!("| {step} | {wall:.2} s | {} | {rss:.1} MB |", f.requests);
        }
        if let Some(speedup) = speedup {
            let (path, chain) = critical_path(&state, speedup);
            let (wall, path_s) = (apply.wall.as_secs_f64(), path.as_secs_f64());
            println!(
                "\nWith AWS's creation times divided by {speedup} (NAT gateway 90 s, database 8 min, EKS cluster 10 min, node group 4 min, Redis 10 min), the apply's critical path — the longest chain of those times through the dependency graph — is {path_s:.1} s: {}. The apply took {wall:.1} s, {:.0}% over it.",
                chain.join(" → "),
                (wall / path_s - 1.0) * 100.0
            );
            println!("\nThe apply's operations answered last (ms since its first request arrived):\n");
            print_last_operations(&apply, 12);
        }
        println!("\nRequests of its no-change plan, per operation:\n");
        print_operations(&plan);
        println!("\nIts no-change plan's requests by service, in time (ms since its first request arrived):\n");
        print_timeline(&plan);
    }
}

/// Per service: requests, when the first arrived and when the last was answered, from the
/// step's first request — the service that answers last is where the step's time goes.
fn print_timeline(figures: &Figures) {
    print_spans(figures, "service", |operation| operation.split(' ').next().unwrap_or_default(), usize::MAX);
}

/// The same per operation, for the `last` operations answered last: where an apply's tail goes
/// (the waits' describes, the creates that started late).
fn print_last_operations(figures: &Figures, last: usize) {
    print_spans(figures, "operation", |operation| operation, last);
}

/// Requests grouped by `group` of their operation, with when the group's first request arrived
/// and its last was answered; the `last` groups answered last, in time order.
fn print_spans<'a>(figures: &'a Figures, heading: &str, group: impl Fn(&'a str) -> &'a str, last: usize) {
    let Some(start) = figures.timeline.iter().map(|t| t.arrived).min() else { return };
    let mut spans: BTreeMap<&str, (u64, Duration, Duration)> = BTreeMap::new();
    for t in &figures.timeline {
        let (arrived, answered) = (t.arrived - start, t.answered - start);
        let span = spans.entry(group(&t.operation)).or_insert((0, arrived, answered));
        *span = (span.0 + 1, span.1.min(arrived), span.2.max(answered));
    }
    let mut rows: Vec<_> = spans.into_iter().collect();
    rows.sort_by_key(|(_, (_, first, last))| (*last, *first));
    println!("| {heading} | requests | first arrived | last answered |");
    println!("|---|---:|---:|---:|");
    for (name, (requests, first, last)) in rows.iter().skip(rows.len().saturating_sub(last)) {
        println!("| {name} | {requests} | {} | {} |", first.as_millis(), last.as_millis());
    }
}

/// The longest chain of AWS creation times (÷ `speedup`) through the state's dependencies:
/// the least time an apply from nothing can take, requests aside.
fn critical_path(state: &serde_json::Value, speedup: f64) -> (Duration, Vec<String>) {
    let resources = state["resources"].as_object().unwrap();
    let mut graph = platformctl_core::graph::Graph::new();
    for (address, r) in resources {
        graph.add_node(address.clone());
        for dependency in r["dependencies"].as_array().into_iter().flatten().filter_map(|d| d.as_str()) {
            graph.add_edge(address.clone(), dependency.to_owned());
        }
    }
    let takes = |address: &String| {
        let kind = resources[address]["kind"].as_str().unwrap_or_default();
        proxy::AWS_CREATE_TIMES.iter().find(|(k, _)| *k == kind).map_or(Duration::ZERO, |(_, t)| t.div_f64(speedup))
    };
    graph.critical_path(takes).expect("a state's dependencies have no cycle")
}

fn print_operations(figures: &Figures) {
    println!("| operation | requests |");
    println!("|---|---:|");
    for (op, count) in &figures.per_operation {
        println!("| {op} | {count} |");
    }
}
