//! `platformctl order` and `platformctl affected`: the stacks of folders in waves (each after
//! the stacks it uses), all of them or those a change of files can affect — for CI matrices.
//! Offline: reads stack files only.

use std::path::PathBuf;

use platformctl_core::model::validate;
use platformctl_core::spec::{StackFileError, load_file};
use platformctl_core::stack_order::{self, Entry, StackFile};

use super::graph::stack_files;

/// Every stack file of `paths` (files, or folders of `*.yaml`), loaded and validated.
fn load(paths: &[PathBuf]) -> anyhow::Result<Vec<StackFile>> {
    let mut out = Vec::new();
    for file in stack_files(paths)? {
        let loaded = load_file(&file)?;
        let stack = validate(&loaded).map_err(StackFileError::Invalid)?;
        out.push(StackFile { inputs: loaded.inputs(), file, stack });
    }
    Ok(out)
}

pub fn order(paths: &[PathBuf]) -> anyhow::Result<Vec<Vec<Entry>>> {
    Ok(stack_order::waves(&load(paths)?)?)
}

pub fn affected(paths: &[PathBuf], changed: &[PathBuf]) -> anyhow::Result<Vec<Vec<Entry>>> {
    Ok(stack_order::affected(&load(paths)?, changed)?)
}
