//! Test harness: starts a real AWS emulator (moto or ministack, from the virtualenv that
//! `scripts/setup-emulators` creates) on a free loopback port, runs the real `platformctl`
//! binary against it, and gives tests an EC2 client to change and inspect the account
//! behind platformctl's back. The emulator is stopped when the handle drops.

#![allow(dead_code)]

pub mod by_hand;
pub mod inspect;
pub mod proxy;
pub mod stack_text;

use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    Moto,
    Ministack,
}

pub struct Emulator {
    pub kind: Kind,
    pub endpoint: String,
    child: Child,
    /// The emulator's own output (moto logs every request): its tail is printed when the
    /// test that used it fails.
    log: tempfile::NamedTempFile,
}

/// The virtualenv with the pinned emulators: `PLATFORMCTL_VENV`, or the default location
/// `scripts/setup-emulators` uses.
pub fn venv() -> PathBuf {
    virtualenv("PLATFORMCTL_VENV", "venv")
}

/// The virtualenv with the pinned checkov: `PLATFORMCTL_CHECKOV_VENV`, or the default location
/// `scripts/setup-emulators` uses.
pub fn checkov_venv() -> PathBuf {
    virtualenv("PLATFORMCTL_CHECKOV_VENV", "checkov-venv")
}

fn virtualenv(variable: &str, default_name: &str) -> PathBuf {
    if let Some(v) = std::env::var_os(variable) {
        return PathBuf::from(v);
    }
    let cache = std::env::var_os("XDG_CACHE_HOME")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(std::env::var_os("HOME").expect("HOME")).join(".cache"));
    cache.join("platformctl").join(default_name)
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0").expect("bind a free port").local_addr().unwrap().port()
}

impl Emulator {
    /// Starts the emulator on a free port and waits until it listens there. The port is free
    /// when chosen but not reserved: a test starting an emulator at the same moment may get the
    /// same one, and then only one of them can bind it — so the wait is for a listening socket
    /// of this very process (not just any answer on the port), and an emulator that exits
    /// (address in use) is started again on another port.
    pub fn start(kind: Kind) -> Emulator {
        for _ in 0..5 {
            if let Some(emulator) = Emulator::start_on(kind, free_port()) {
                return emulator;
            }
        }
        panic!("{kind:?} exited five times before listening (see its log above)");
    }

    fn start_on(kind: Kind, port: u16) -> Option<Emulator> {
        let venv = venv();
        let bin = venv.join("bin");
        assert!(
            bin.join("python").exists(),
            "the emulator virtualenv is missing at {}: run `scripts/setup-emulators` (or `scripts/test`, which does it)",
            venv.display()
        );
        let mut cmd = match kind {
            Kind::Moto => {
                let mut c = Command::new(bin.join("moto_server"));
                c.args(["-H", "127.0.0.1", "-p", &port.to_string()])
                    .env("MOTO_IAM_LOAD_MANAGED_POLICIES", "true")
                    // moto issues a DNS-validated certificate this many seconds after the
                    // request (its default 60; AWS: once public DNS answers the records).
                    .env("MOTO_ACM_VALIDATION_WAIT", "5");
                c
            }
            Kind::Ministack => {
                let mut c = Command::new(bin.join("python"));
                c.args(["-m", "ministack"])
                    .env("BIND_HOST", "127.0.0.1")
                    .env("GATEWAY_PORT", port.to_string())
                    .env("MINISTACK_REGION", "eu-west-1");
                c
            }
        };
        let log = tempfile::NamedTempFile::new().expect("a file for the emulator's log");
        let child = cmd
            .stdout(Stdio::from(log.reopen().unwrap()))
            .stderr(Stdio::from(log.reopen().unwrap()))
            .spawn()
            .unwrap_or_else(|e| panic!("starting {kind:?}: {e}"));
        let mut emulator = Emulator { kind, endpoint: format!("http://127.0.0.1:{port}"), child, log };
        let deadline = Instant::now() + Duration::from_secs(60);
        while !listening(emulator.child.id(), port) {
            if let Ok(Some(status)) = emulator.child.try_wait() {
                eprintln!("{kind:?} exited ({status}) before listening on port {port}:\n{}", emulator.log_tail(20));
                return None;
            }
            assert!(Instant::now() < deadline, "{kind:?} did not start listening on port {port} within 60s");
            std::thread::sleep(Duration::from_millis(100));
        }
        Some(emulator)
    }

    /// Runs `platformctl` with this emulator as the AWS endpoint, in `dir`.
    pub fn platformctl(&self, dir: &Path, args: &[&str]) -> Run {
        platformctl_with_env(dir, args, &[("AWS_ENDPOINT_URL", &self.endpoint)])
    }

    /// SDK settings for clients that look at, or change, the account behind platformctl's back.
    pub async fn sdk_config(&self) -> aws_config::SdkConfig {
        self.sdk_config_in("eu-west-1").await
    }

    /// The same for another region (both emulators serve every region on one endpoint).
    pub async fn sdk_config_in(&self, region: &str) -> aws_config::SdkConfig {
        aws_config::defaults(aws_config::BehaviorVersion::latest())
            .region(aws_config::Region::new(region.to_owned()))
            .endpoint_url(&self.endpoint)
            .credentials_provider(aws_sdk_ec2::config::Credentials::new("test", "test", None, None, "tests"))
            .load()
            .await
    }

    pub async fn ec2(&self) -> aws_sdk_ec2::Client {
        aws_sdk_ec2::Client::new(&self.sdk_config().await)
    }
}

impl Drop for Emulator {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        if std::thread::panicking() {
            eprintln!("--- the end of {:?}'s log ({}) ---\n{}", self.kind, self.endpoint, self.log_tail(80));
        }
    }
}

impl Emulator {
    /// The last `n` lines the emulator wrote.
    fn log_tail(&self, n: usize) -> String {
        let text = std::fs::read_to_string(self.log.path()).unwrap_or_default();
        let lines: Vec<&str> = text.lines().collect();
        lines[lines.len().saturating_sub(n)..].join("\n")
    }
}

/// The outcome of one `platformctl` run.
pub struct Run {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

impl Run {
    pub fn expect(self, code: i32, what: &str) -> Run {
        assert_eq!(
            self.code, code,
            "{what}: expected exit {code}, got {}\nstdout:\n{}\nstderr:\n{}",
            self.code, self.stdout, self.stderr
        );
        assert!(!self.stderr.contains("panicked"), "{what}: platformctl panicked\n{}", self.stderr);
        self
    }
}

pub fn platformctl_with_env(dir: &Path, args: &[&str], env: &[(&str, &str)]) -> Run {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_platformctl"));
    cmd.current_dir(dir)
        .args(args)
        .env("AWS_ACCESS_KEY_ID", "test")
        .env("AWS_SECRET_ACCESS_KEY", "test")
        .env_remove("AWS_PROFILE")
        .env_remove("AWS_ENDPOINT_URL")
        // The suite may itself run in CI (ci.yml): platformctl must not take the tests' local
        // states for a runner's. Tests of that refusal set these again.
        .env_remove("CI")
        .env_remove("GITHUB_ACTIONS")
        .env("NO_COLOR", "1")
        .stdin(Stdio::null());
    for (k, v) in env {
        cmd.env(k, v);
    }
    let Output { status, stdout, stderr } = cmd.output().expect("run platformctl");
    Run {
        code: status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&stdout).into_owned(),
        stderr: String::from_utf8_lossy(&stderr).into_owned(),
    }
}

/// Starts platformctl in `dir` against `endpoint` without waiting for it (to signal or kill it).
pub fn spawn(dir: &Path, endpoint: &str, args: &[&str]) -> Child {
    Command::new(env!("CARGO_BIN_EXE_platformctl"))
        .current_dir(dir)
        .args(args)
        .env("AWS_ACCESS_KEY_ID", "test")
        .env("AWS_SECRET_ACCESS_KEY", "test")
        .env("AWS_ENDPOINT_URL", endpoint)
        .env_remove("AWS_PROFILE")
        .env_remove("CI")
        .env_remove("GITHUB_ACTIONS")
        .env("NO_COLOR", "1")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start platformctl")
}

/// Waits for a spawned run and collects its output.
pub fn finish(child: Child) -> Run {
    let out = child.wait_with_output().unwrap();
    Run {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

/// Sends a signal (`-STOP`, `-INT`, ...) to a spawned run.
pub fn signal(child: &Child, signal: &str) {
    let status = Command::new("kill").args([signal, &child.id().to_string()]).status().unwrap();
    assert!(status.success(), "kill {signal}");
}

/// A temporary directory holding a copy of one of the repository's stack files, and of the
/// `policies/` directory beside it (policy files are relative to the stack file).
pub fn workdir_with(stack: &str) -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join(stack);
    let dest = dir.path().join(src.file_name().unwrap());
    std::fs::copy(&src, &dest).unwrap();
    let policies = src.parent().unwrap().join("policies");
    if policies.is_dir() {
        std::fs::create_dir(dir.path().join("policies")).unwrap();
        for entry in std::fs::read_dir(&policies).unwrap() {
            let path = entry.unwrap().path();
            std::fs::copy(&path, dir.path().join("policies").join(path.file_name().unwrap())).unwrap();
        }
    }
    (dir, dest)
}

/// Takes out of a stack file what the emulator cannot hold (on ministack, seed 000's flow logs
/// and network ACLs: [`stack_text::MINISTACK_GAPS`]), saying so on stderr.
pub fn fit_to_emulator(kind: Kind, stack_file: &Path) {
    if kind != Kind::Ministack {
        return;
    }
    let (yaml, cut) = stack_text::for_ministack(&std::fs::read_to_string(stack_file).unwrap());
    if !cut.is_empty() {
        eprintln!("ministack: {} without {cut:?} (see docs/emulators.md)", stack_file.display());
        std::fs::write(stack_file, yaml).unwrap();
    }
}

/// A temporary directory holding `yaml` as `stack.yaml`.
pub fn workdir_with_text(yaml: &str) -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("stack.yaml");
    std::fs::write(&file, yaml).unwrap();
    (dir, file)
}

/// Replaces the first `from` in a stack file with `to` (the file must contain it).
pub fn edit_file(path: &Path, from: &str, to: &str) {
    let yaml = std::fs::read_to_string(path).unwrap();
    assert!(yaml.contains(from), "{} has no `{from}`", path.display());
    std::fs::write(path, yaml.replacen(from, to, 1)).unwrap();
}

/// Cuts the lines of a stack file from the one starting with `from` up to (not including) the
/// next line indented no deeper than `until_indent` spaces: a section or entry taken out.
pub fn cut_block(path: &Path, from: &str, until_indent: usize) {
    let yaml = std::fs::read_to_string(path).unwrap();
    let cut = stack_text::without_block(&yaml, from, until_indent)
        .unwrap_or_else(|| panic!("{} has no `{from}`", path.display()));
    std::fs::write(path, cut).unwrap();
}

/// The changes of a `plan --json`: (address, action, names of the attributes that change).
pub fn plan_changes(run: &Run) -> Vec<(String, String, Vec<String>)> {
    let plan: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
    plan["changes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| {
            let names = c["attributes"]
                .as_array()
                .map_or(vec![], |a| a.iter().map(|a| a["name"].as_str().unwrap_or_default().to_owned()).collect());
            (c["address"].as_str().unwrap().to_owned(), c["action"].as_str().unwrap().to_owned(), names)
        })
        .collect()
}

/// Whether process `pid` (or one of its children) has a socket listening on `port`: the
/// kernel's socket table (/proc/net/tcp) gives the listening socket's inode, and the process's
/// open files say whether it is one of them.
fn listening(pid: u32, port: u16) -> bool {
    const LISTEN: &str = "0A";
    let mut inodes = Vec::new();
    for table in ["/proc/net/tcp", "/proc/net/tcp6"] {
        let Ok(text) = std::fs::read_to_string(table) else { continue };
        for line in text.lines().skip(1) {
            let fields: Vec<&str> = line.split_whitespace().collect();
            let local_port = fields.get(1).and_then(|a| a.rsplit_once(':')).map(|(_, p)| p);
            if local_port.and_then(|p| u16::from_str_radix(p, 16).ok()) == Some(port) && fields.get(3) == Some(&LISTEN)
            {
                inodes.extend(fields.get(9).map(|i| format!("socket:[{i}]")));
            }
        }
    }
    let owns = |pid: &str| {
        std::fs::read_dir(format!("/proc/{pid}/fd")).into_iter().flatten().flatten().any(|fd| {
            std::fs::read_link(fd.path()).is_ok_and(|target| inodes.iter().any(|i| target.as_os_str() == i.as_str()))
        })
    };
    let children = std::fs::read_to_string(format!("/proc/{pid}/task/{pid}/children")).unwrap_or_default();
    !inodes.is_empty() && (owns(&pid.to_string()) || children.split_whitespace().any(owns))
}
