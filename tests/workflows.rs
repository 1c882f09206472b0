//! The GitHub Actions workflows (`.github/workflows/`) pass actionlint: syntax, expression
//! types, action inputs, and script injection through untrusted `${{ }}` in `run:`. actionlint
//! comes from the test virtualenv (`scripts/setup-emulators`).

mod support;

use std::process::Command;

#[test]
fn workflows_pass_actionlint() {
    let actionlint = support::venv().join("bin").join("actionlint");
    assert!(
        actionlint.exists(),
        "actionlint is missing at {}: run `scripts/setup-emulators` (or `scripts/test`)",
        actionlint.display()
    );
    let root = env!("CARGO_MANIFEST_DIR");
    let workflows: Vec<String> = std::fs::read_dir(format!("{root}/.github/workflows"))
        .expect("the project has workflows")
        .map(|e| e.unwrap().path().display().to_string())
        .filter(|p| p.ends_with(".yml") || p.ends_with(".yaml"))
        .collect();
    for expected in ["ci.yml", "plan.yml", "apply.yml"] {
        assert!(workflows.iter().any(|w| w.ends_with(expected)), "no {expected} in {workflows:?}");
    }
    let out = Command::new(&actionlint).arg("-no-color").args(&workflows).current_dir(root).output().unwrap();
    assert!(
        out.status.success(),
        "actionlint found problems:\n{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}
