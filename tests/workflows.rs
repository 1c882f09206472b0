//! The GitHub Actions workflows (`.github/workflows/`): they pass actionlint (syntax, expression
//! types, action inputs, script injection through untrusted `${{ }}`, and shellcheck over every
//! `run:`), and they keep the credential rules of docs/teams.md — checked here by reading them:
//! no code of a pull request runs where AWS credentials are, every action is pinned to a commit,
//! every job says its own permissions, no checkout leaves the token in `.git/config`, and the
//! apply job never destroys. actionlint and shellcheck come from the test virtualenv
//! (`scripts/setup-emulators`).

mod support;

use std::path::{Path, PathBuf};
use std::process::Command;

use serde_yaml_ng::Value;

fn workflows_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join(".github/workflows")
}

fn workflow(name: &str) -> Value {
    let path = workflows_dir().join(name);
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    serde_yaml_ng::from_str(&text).unwrap_or_else(|e| panic!("{name}: {e}"))
}

fn jobs(w: &Value) -> Vec<(String, &Value)> {
    w["jobs"].as_mapping().expect("jobs").iter().map(|(k, v)| (k.as_str().unwrap().to_owned(), v)).collect()
}

fn steps(job: &Value) -> &[Value] {
    job["steps"].as_sequence().map(Vec::as_slice).unwrap_or_default()
}

fn uses(step: &Value) -> Option<&str> {
    step["uses"].as_str()
}

/// The shell of every `run:` step of a job.
fn scripts(job: &Value) -> Vec<&str> {
    steps(job).iter().filter_map(|s| s["run"].as_str()).collect()
}

fn permission<'a>(job: &'a Value, name: &str) -> Option<&'a str> {
    job["permissions"][name].as_str()
}

#[test]
fn workflows_pass_actionlint_and_shellcheck() {
    let bin = support::venv().join("bin");
    for tool in ["actionlint", "shellcheck"] {
        assert!(
            bin.join(tool).exists(),
            "{tool} is missing at {}: run `scripts/setup-emulators` (or `scripts/test`)",
            bin.display()
        );
    }
    let workflows: Vec<String> = std::fs::read_dir(workflows_dir())
        .expect("the project has workflows")
        .map(|e| e.unwrap().path().display().to_string())
        .filter(|p| p.ends_with(".yml") || p.ends_with(".yaml"))
        .collect();
    for expected in ["ci.yml", "plan.yml", "apply.yml", "release.yml"] {
        assert!(workflows.iter().any(|w| w.ends_with(expected)), "no {expected} in {workflows:?}");
    }
    // actionlint runs the shellcheck it finds on PATH: the virtualenv's.
    let path = format!("{}:{}", bin.display(), std::env::var("PATH").unwrap_or_default());
    let out = Command::new(bin.join("actionlint"))
        .arg("-no-color")
        .args(&workflows)
        .env("PATH", path)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "actionlint found problems:\n{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

/// Every workflow: no permissions granted at the top (`permissions: {}`), each job its own;
/// every action pinned to a full commit SHA (a tag or a branch can be moved under us); every
/// checkout with `persist-credentials: false`.
#[test]
fn every_workflow_pins_its_actions_and_scopes_its_permissions() {
    for name in ["ci.yml", "plan.yml", "apply.yml", "release.yml"] {
        let w = workflow(name);
        assert!(
            w["permissions"].as_mapping().is_some_and(|m| m.is_empty()),
            "{name}: the top-level permissions must be `{{}}`, each job granting its own"
        );
        for (job_name, job) in jobs(&w) {
            assert!(job["permissions"].is_mapping(), "{name}: job `{job_name}` has no `permissions:` of its own");
            for step in steps(job) {
                let Some(action) = uses(step) else { continue };
                if action.starts_with("./") {
                    continue;
                }
                let (_, version) =
                    action.split_once('@').unwrap_or_else(|| panic!("{name}: `{action}` has no version"));
                assert!(
                    version.len() == 40 && version.chars().all(|c| c.is_ascii_hexdigit()),
                    "{name}: `{action}` (job `{job_name}`) is not pinned to a commit SHA"
                );
                if action.starts_with("actions/checkout@") {
                    assert_eq!(
                        step["with"]["persist-credentials"].as_bool(),
                        Some(false),
                        "{name}: a checkout in job `{job_name}` keeps the token in .git/config"
                    );
                }
            }
        }
    }
}

/// plan.yml: the job that builds platformctl checks out the base branch and has no cloud
/// credentials; the jobs that get AWS credentials (`id-token: write`) build nothing and run no
/// script of the pull request — only the binary built from the base — and plan without a lock.
#[test]
fn the_pull_request_plan_runs_no_pull_request_code_with_credentials() {
    let w = workflow("plan.yml");
    let all = jobs(&w);
    let building: Vec<&(String, &Value)> =
        all.iter().filter(|(_, job)| scripts(job).iter().any(|s| s.contains("cargo "))).collect();
    assert_eq!(building.len(), 1, "one job builds platformctl");
    let (build_name, build) = building[0];
    assert_eq!(permission(build, "id-token"), None, "`{build_name}` builds code: it must get no credentials");
    let checkouts: Vec<&Value> =
        steps(build).iter().filter(|s| uses(s).is_some_and(|u| u.starts_with("actions/checkout@"))).collect();
    let root_checkout = checkouts
        .iter()
        .find(|s| s["with"]["path"].is_null())
        .expect("the build job checks out what it builds at the workspace root");
    assert_eq!(
        root_checkout["with"]["ref"].as_str(),
        Some("${{ github.event.pull_request.base.sha }}"),
        "the platformctl that plans is built from the base branch, not the pull request"
    );

    let credentialed: Vec<&(String, &Value)> =
        all.iter().filter(|(_, job)| permission(job, "id-token") == Some("write")).collect();
    assert!(!credentialed.is_empty(), "the plan job assumes the plan role");
    for (name, job) in credentialed {
        assert!(
            permission(job, "pull-requests").is_none() && permission(job, "contents") != Some("write"),
            "`{name}` holds AWS credentials: it must not also write to the repository or the pull request"
        );
        for script in scripts(job) {
            for forbidden in ["cargo ", "scripts/", "make ", "npm ", "pip ", "python", "bash ", "./"] {
                assert!(
                    !script.contains(forbidden),
                    "`{name}` holds AWS credentials and runs `{forbidden}`:\n{script}"
                );
            }
            if script.contains(" plan ") {
                assert!(script.contains("--lock=false"), "`{name}` plans without `--lock=false`:\n{script}");
            }
        }
        assert!(
            !steps(job).iter().any(|s| uses(s).is_some_and(|u| u.starts_with("./"))),
            "`{name}` runs a local action: code of the pull request"
        );
    }
}

/// apply.yml: runs on main only; every job with AWS credentials runs in a GitHub environment
/// (one per platformctl environment, so prod can require a review) and applies, never
/// destroys; environments go one at a time.
#[test]
fn the_apply_job_runs_per_environment_and_never_destroys() {
    let w = workflow("apply.yml");
    assert_eq!(w["on"]["push"]["branches"], serde_yaml_ng::from_str::<Value>("[main]").unwrap());
    assert!(w["on"]["pull_request"].is_null() && w["on"]["pull_request_target"].is_null());
    let credentialed: Vec<(String, &Value)> =
        jobs(&w).into_iter().filter(|(_, job)| permission(job, "id-token") == Some("write")).collect();
    assert!(!credentialed.is_empty());
    for (name, job) in credentialed {
        assert_eq!(
            job["environment"].as_str(),
            Some("${{ matrix.environment }}"),
            "`{name}` must run in the GitHub environment of the platformctl environment it applies"
        );
        assert_eq!(job["strategy"]["max-parallel"].as_u64(), Some(1), "`{name}`: one environment at a time");
        assert_eq!(
            job["strategy"]["fail-fast"].as_bool(),
            Some(true),
            "`{name}`: a failed environment stops the later ones"
        );
        let all = scripts(job).join("\n");
        assert!(all.contains("platformctl apply"), "`{name}` applies");
        assert!(!all.contains("destroy"), "`{name}` must never destroy:\n{all}");
        assert!(!all.contains("--allow-local-state"), "`{name}` must keep CI's refusal of a local state");
    }
}

/// plan.yml: `platformctl check` runs in a job of its own without AWS credentials, uploads its
/// SARIF to code scanning whatever it found, and fails the pull request's checks on findings
/// at high or above.
#[test]
fn the_pull_request_check_uploads_sarif_without_credentials() {
    let w = workflow("plan.yml");
    let all = jobs(&w);
    let (name, job) = all
        .iter()
        .find(|(_, job)| {
            steps(job).iter().any(|s| uses(s).is_some_and(|u| u.starts_with("github/codeql-action/upload-sarif@")))
        })
        .expect("a job uploads SARIF");
    assert_eq!(permission(job, "security-events"), Some("write"), "{name}");
    assert_eq!(permission(job, "id-token"), None, "`{name}` needs no AWS credentials: check is offline");
    let script = scripts(job).join("\n");
    assert!(script.contains("check") && script.contains("--format sarif"), "{script}");
    let steps = steps(job);
    let upload = steps.iter().position(|s| uses(s).is_some_and(|u| u.contains("upload-sarif"))).unwrap();
    let fail = steps.iter().rposition(|s| s["run"].as_str().is_some_and(|r| r.starts_with("exit"))).unwrap();
    assert!(fail > upload, "the findings are uploaded before the job fails on them");
}
