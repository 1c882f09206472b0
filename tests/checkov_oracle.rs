//! checkov as the oracle of `platformctl check`'s rule ids: each test stack of tests/checks has
//! a Terraform twin (tests/checks/terraform/<family>/main.tf, the same values as the AWS
//! provider spells them); checkov's failed rules on the twin, among the checkov ids
//! platformctl implements, are exactly platformctl's findings on the stack. checkov is pinned
//! in its own virtualenv (scripts/checkov.txt, made by `scripts/setup-emulators`).

mod support;

use std::collections::BTreeSet;
use std::path::Path;

use support::{checkov_venv, platformctl_with_env};

const ROOT: &str = env!("CARGO_MANIFEST_DIR");

/// Where platformctl is knowingly not checkov: CKV_AWS_134, which checkov applies to
/// `aws_elasticache_cluster` only, platformctl to the replication groups it manages.
const CHECKOV_DOES_NOT_SEE: &[&str] = &["CKV_AWS_134"];

/// The checkov ids of platformctl's catalogue, from docs/checks.md (a unit test keeps that
/// table equal to the catalogue).
fn catalogue() -> BTreeSet<String> {
    let doc = std::fs::read_to_string(Path::new(ROOT).join("docs/checks.md")).unwrap();
    doc.lines()
        .filter_map(|l| l.strip_prefix("| `"))
        .filter_map(|l| l.split('`').next())
        .filter(|id| id.starts_with("CKV"))
        .map(str::to_owned)
        .collect()
}

fn platformctl_ids(stack: &str) -> BTreeSet<String> {
    let run =
        platformctl_with_env(Path::new(ROOT), &["check", stack, "--format", "json", "--fail-on", "critical"], &[]);
    assert!(run.code == 0 || run.code == 3, "{stack}: {}", run.stderr);
    let doc: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
    doc[0]["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["skipped"].is_null())
        .map(|f| f["rule"].as_str().unwrap().to_owned())
        .collect()
}

fn checkov_ids(dir: &Path) -> BTreeSet<String> {
    let checkov = checkov_venv().join("bin/checkov");
    assert!(checkov.exists(), "checkov is missing at {}: run `scripts/setup-emulators`", checkov.display());
    let out = std::process::Command::new(&checkov)
        .args(["--directory"])
        .arg(dir)
        .args(["--framework", "terraform", "--output", "json", "--quiet", "--compact", "--skip-download"])
        .env("BC_SKIP_MAPPING", "TRUE")
        .env("CHECKOV_RUN_SCA_PACKAGE_SCAN_V2", "false")
        .output()
        .expect("run checkov");
    let text = String::from_utf8_lossy(&out.stdout);
    let doc: serde_json::Value = serde_json::from_str(&text)
        .unwrap_or_else(|e| panic!("checkov's output ({e}): {text}\n{}", String::from_utf8_lossy(&out.stderr)));
    let report = if doc.is_array() { doc[0].clone() } else { doc };
    report["results"]["failed_checks"]
        .as_array()
        .map(|failed| failed.iter().map(|c| c["check_id"].as_str().unwrap().to_owned()).collect())
        .unwrap_or_default()
}

#[test]
fn checkov_fails_the_same_rules_on_every_terraform_twin() {
    let catalogue = catalogue();
    assert!(catalogue.len() >= 25, "docs/checks.md lists the rules: {catalogue:?}");
    let families = ["data", "compute", "network", "iam"];
    let twins: Vec<String> = families.iter().flat_map(|f| [f.to_string(), format!("{f}-fixed")]).collect();
    // checkov takes seconds per directory: all of them at once.
    let results: Vec<(String, BTreeSet<String>, BTreeSet<String>)> = std::thread::scope(|scope| {
        let handles: Vec<_> = twins
            .iter()
            .map(|twin| {
                scope.spawn(move || {
                    let ours = platformctl_ids(&format!("tests/checks/{twin}.yaml"));
                    let theirs = checkov_ids(&Path::new(ROOT).join("tests/checks/terraform").join(twin));
                    (twin.clone(), ours, theirs)
                })
            })
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    });
    for (twin, ours, theirs) in results {
        let ours: BTreeSet<String> = ours
            .into_iter()
            .filter(|id| catalogue.contains(id) && !CHECKOV_DOES_NOT_SEE.contains(&id.as_str()))
            .collect();
        let theirs: BTreeSet<String> = theirs.into_iter().filter(|id| catalogue.contains(id)).collect();
        assert_eq!(ours, theirs, "{twin}: platformctl (left) and checkov (right) disagree");
        if twin.ends_with("-fixed") {
            assert!(ours.is_empty(), "{twin}");
        } else {
            assert!(!ours.is_empty(), "{twin} breaks nothing");
        }
    }
}
