//! Puts the commit the binary is built from into `platformctl --version`: the release workflow's
//! `PLATFORMCTL_COMMIT`, else `git rev-parse` of the checkout, else `unknown` (a crate built
//! outside a checkout).

use std::process::Command;

fn main() {
    println!("cargo:rerun-if-env-changed=PLATFORMCTL_COMMIT");
    println!("cargo:rerun-if-changed=.git/HEAD");
    println!("cargo:rerun-if-changed=.git/refs/heads");
    let commit = std::env::var("PLATFORMCTL_COMMIT").ok().filter(|c| !c.is_empty()).or_else(|| {
        let out = Command::new("git").args(["rev-parse", "--short=12", "HEAD"]).output().ok()?;
        out.status.success().then(|| String::from_utf8_lossy(&out.stdout).trim().to_owned())
    });
    println!("cargo:rustc-env=PLATFORMCTL_COMMIT={}", commit.unwrap_or_else(|| "unknown".to_owned()));
}
