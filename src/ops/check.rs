//! `platformctl check`: the rules of `platformctl_core::checks` on stack files (or folders of
//! them), offline like `validate`.

use std::path::PathBuf;

use platformctl_core::checks::{CheckReport, check as run_checks};
use platformctl_core::diagnostics::Sources;
use platformctl_core::model::load_stack;

use super::graph::stack_files;

/// Every stack's report with the files it was read from (for positions).
pub fn check(paths: &[PathBuf]) -> anyhow::Result<Vec<(CheckReport, Sources)>> {
    let mut reports = Vec::new();
    for file in stack_files(paths)? {
        let (loaded, stack) = load_stack(&file)?;
        reports.push((run_checks(&loaded, &stack), loaded.sources));
    }
    Ok(reports)
}
