//! `platformctl graph`: the stacks of the files and folders given, with their resources and
//! dependencies, offline.

use std::path::{Path, PathBuf};

use anyhow::Context;
use platformctl_core::graph_export::StackGraph;
use platformctl_core::model::load_stack;

/// Stack files, or directories whose `*.yaml` files are all stacks.
pub fn graph(paths: &[PathBuf]) -> anyhow::Result<Vec<StackGraph>> {
    let mut stacks = Vec::new();
    for file in stack_files(paths)? {
        stacks.push(load_stack(&file)?.1);
    }
    Ok(StackGraph::all(stacks))
}

fn stack_files(paths: &[PathBuf]) -> anyhow::Result<Vec<PathBuf>> {
    let mut files = Vec::new();
    for path in paths {
        if path.is_dir() {
            files.extend(yaml_files_in(path)?);
        } else {
            files.push(path.clone());
        }
    }
    Ok(files)
}

fn yaml_files_in(dir: &Path) -> anyhow::Result<Vec<PathBuf>> {
    let mut found: Vec<PathBuf> = std::fs::read_dir(dir)
        .with_context(|| format!("reading {}", dir.display()))?
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|x| x == "yaml" || x == "yml"))
        .collect();
    found.sort();
    Ok(found)
}
