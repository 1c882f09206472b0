//! `platformctl check` through the real binary: every shipped stack and example passes (the
//! team path CI runs), a breaking stack exits 3 — or 0 below `--fail-on` —, the SARIF it
//! prints is valid SARIF 2.1.0 (the OASIS schema, validated with the test virtualenv's
//! jsonschema), and `apply` refuses such a stack before touching AWS unless `--skip-checks`.

mod support;

use std::path::Path;

use support::{Emulator, Kind, platformctl_with_env, venv};

fn platformctl(args: &[&str]) -> support::Run {
    platformctl_with_env(Path::new(env!("CARGO_MANIFEST_DIR")), args, &[])
}

#[test]
fn every_shipped_stack_and_example_passes() {
    let run = platformctl(&["check", "stacks", "examples"]).expect(0, "check stacks examples");
    for stack in ["user-service:", "k8s-prod:", "databases-staging:", "orders:", "three-az:", "platform:"] {
        assert!(run.stdout.lines().any(|l| l.starts_with(stack)), "{stack} not checked:\n{}", run.stdout);
    }
    assert!(!run.stdout.contains("or above"), "{}", run.stdout);
}

#[test]
fn findings_at_or_above_the_threshold_exit_3() {
    let run = platformctl(&["check", "tests/checks/network.yaml"]).expect(3, "network findings");
    assert!(run.stdout.contains("7 finding(s) at high or above"), "{}", run.stdout);
    assert!(run.stdout.contains("tests/checks/network.yaml:16:9"), "{}", run.stdout);
    // Only medium and low findings: below the default threshold, above `--fail-on medium`.
    platformctl(&["check", "tests/checks/compute-fixed.yaml", "tests/checks/data-fixed.yaml"]).expect(0, "fixed twins");
    let json = platformctl(&["check", "tests/checks/compute.yaml", "--fail-on", "critical", "--format", "json"])
        .expect(0, "no critical finding");
    let doc: serde_json::Value = serde_json::from_str(&json.stdout).unwrap();
    assert_eq!(doc[0]["stack"], "checks-compute");
    assert_eq!(doc[0]["findings"].as_array().unwrap().len(), 9, "{doc:#}");
    platformctl(&["check", "tests/checks/compute.yaml", "--fail-on", "low"]).expect(3, "low fails with --fail-on low");
    let bad = platformctl(&["check", "tests/checks/compute.yaml", "--fail-on", "severe"]).expect(1, "unknown severity");
    assert!(bad.stderr.contains("`severe` is not a severity"), "{}", bad.stderr);
}

#[test]
fn the_sarif_is_valid_sarif_2_1_0() {
    let families = ["data", "compute", "network", "iam", "data-fixed"].map(|f| format!("tests/checks/{f}.yaml"));
    let mut args = vec!["check", "--format", "sarif"];
    args.extend(families.iter().map(String::as_str));
    let run = platformctl(&args).expect(3, "sarif");
    let dir = tempfile::tempdir().unwrap();
    let sarif = dir.path().join("check.sarif");
    std::fs::write(&sarif, &run.stdout).unwrap();
    let doc: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
    let results = doc["runs"][0]["results"].as_array().unwrap();
    assert_eq!(results.iter().filter(|r| r.get("suppressions").is_some()).count(), 2, "the skipped rotations");
    assert!(results.iter().all(|r| r["locations"][0]["physicalLocation"]["region"]["startLine"].as_u64() > Some(0)));
    let validate = std::process::Command::new(venv().join("bin/python"))
        .args(["-c", VALIDATE, concat!(env!("CARGO_MANIFEST_DIR"), "/tests/schemas/sarif-schema-2.1.0.json")])
        .arg(&sarif)
        .output()
        .expect("run the virtualenv's python: `scripts/setup-emulators`");
    assert!(
        validate.status.success(),
        "the SARIF does not validate:\n{}{}",
        String::from_utf8_lossy(&validate.stdout),
        String::from_utf8_lossy(&validate.stderr)
    );
}

/// Validates a JSON file against a JSON Schema (draft 7, SARIF's), listing every error.
const VALIDATE: &str = "
import json, sys
import jsonschema
schema = json.load(open(sys.argv[1]))
doc = json.load(open(sys.argv[2]))
errors = list(jsonschema.Draft7Validator(schema).iter_errors(doc))
for e in errors:
    print('/'.join(map(str, e.absolute_path)), e.message)
sys.exit(1 if errors else 0)
";

#[test]
fn apply_refuses_high_findings_before_touching_aws_unless_told() {
    let emu = Emulator::start(Kind::Moto);
    let dir = tempfile::tempdir().unwrap();
    std::fs::copy(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/checks/network.yaml"), dir.path().join("network.yaml"))
        .unwrap();
    let plan = emu.platformctl(dir.path(), &["plan", "network.yaml"]).expect(0, "a finding never fails a plan");
    assert!(plan.stdout.contains("CKV_AWS_24") && plan.stdout.contains("Plan: "), "{}", plan.stdout);
    let refused = emu.platformctl(dir.path(), &["apply", "network.yaml", "--auto-approve"]).expect(1, "refused");
    assert!(refused.stderr.contains("refusing to apply: `platformctl check` has 7 finding(s)"), "{}", refused.stderr);
    assert!(refused.stderr.contains("--skip-checks"), "{}", refused.stderr);
    assert!(
        !dir.path().join(".platformctl/checks-network.state.json").exists() || {
            let state: serde_json::Value = serde_json::from_str(
                &std::fs::read_to_string(dir.path().join(".platformctl/checks-network.state.json")).unwrap(),
            )
            .unwrap();
            state["resources"].as_object().is_none_or(|r| r.is_empty())
        }
    );
    emu.platformctl(dir.path(), &["apply", "network.yaml", "--auto-approve", "--skip-checks"]).expect(0, "skip-checks");
    // A destroy plan creates nothing: no findings, in text or JSON.
    let destroy = emu.platformctl(dir.path(), &["plan", "network.yaml", "--destroy"]).expect(0, "destroy plan");
    assert!(!destroy.stdout.contains("CKV_AWS_24") && !destroy.stdout.contains("findings"), "{}", destroy.stdout);
    let json =
        emu.platformctl(dir.path(), &["plan", "network.yaml", "--destroy", "--json"]).expect(0, "destroy plan json");
    let doc: serde_json::Value = serde_json::from_str(&json.stdout).unwrap();
    assert!(doc["checks"].is_null(), "{doc:#}");
    emu.platformctl(dir.path(), &["destroy", "network.yaml", "--auto-approve"]).expect(0, "destroy");
}
