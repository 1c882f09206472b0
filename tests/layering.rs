//! The layers the workspace promises, checked: platformctl-core builds without any AWS crate,
//! platformctl-aws reads nothing of the core but the resource kinds, the state's storage
//! traits and the shared error type, and the fuzz target uses the core as an ordinary
//! dependency.

use std::path::Path;
use std::process::Command;

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

#[test]
fn the_core_crate_depends_on_no_aws_crate() {
    let out = Command::new(env!("CARGO"))
        .args(["tree", "--locked", "--offline", "-p", "platformctl-core", "-e", "normal", "--prefix", "none"])
        .current_dir(root())
        .output()
        .expect("cargo tree runs");
    assert!(out.status.success(), "cargo tree failed: {}", String::from_utf8_lossy(&out.stderr));
    let tree = String::from_utf8_lossy(&out.stdout);
    assert!(tree.lines().count() > 10, "cargo tree listed the core's dependencies:\n{tree}");
    let aws: Vec<&str> = tree.lines().filter(|l| l.starts_with("aws-") || l.starts_with("platformctl-aws")).collect();
    assert!(aws.is_empty(), "platformctl-core depends on {aws:?}");
}

/// Every `use platformctl_core::<module>` in `dir`'s Rust files.
fn core_modules_used(dir: &Path, out: &mut Vec<(String, String)>) {
    for entry in std::fs::read_dir(dir).unwrap().flatten() {
        let path = entry.path();
        if path.is_dir() {
            core_modules_used(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            let text = std::fs::read_to_string(&path).unwrap();
            for (i, _) in text.match_indices("platformctl_core::") {
                let module: String = text[i + "platformctl_core::".len()..]
                    .chars()
                    .take_while(|c| c.is_alphanumeric() || *c == '_')
                    .collect();
                out.push((path.display().to_string(), module));
            }
        }
    }
}

#[test]
fn providers_read_only_the_shared_resource_types() {
    let mut used = Vec::new();
    core_modules_used(&root().join("crates/aws/src"), &mut used);
    assert!(!used.is_empty());
    let allowed = ["resource", "kinds", "state", "error", "interrupt"];
    let outside: Vec<_> = used.iter().filter(|(_, m)| !allowed.contains(&m.as_str())).collect();
    assert!(outside.is_empty(), "platformctl-aws reaches into the core beyond {allowed:?}: {outside:?}");
}

#[test]
fn the_fuzz_target_uses_the_core_crate_not_its_files() {
    let manifest = std::fs::read_to_string(root().join("fuzz/Cargo.toml")).unwrap();
    assert!(manifest.contains("platformctl-core = { path = \"../crates/core\" }"), "{manifest}");
    let target = std::fs::read_to_string(root().join("fuzz/fuzz_targets/stack_file.rs")).unwrap();
    assert!(!target.contains("#[path"), "the fuzz target compiles source files by path:\n{target}");
}
