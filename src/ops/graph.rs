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

/// The files of `paths`: stack files as given, and the `*.yaml` files of folders and their
/// subfolders (environment folders such as `stacks/prod/`), hidden folders left out.
pub(super) fn stack_files(paths: &[PathBuf]) -> anyhow::Result<Vec<PathBuf>> {
    let mut files = Vec::new();
    for path in paths {
        if path.is_dir() {
            yaml_files_in(path, &mut files)?;
        } else {
            files.push(path.clone());
        }
    }
    Ok(files)
}

fn yaml_files_in(dir: &Path, out: &mut Vec<PathBuf>) -> anyhow::Result<()> {
    let mut entries: Vec<PathBuf> = std::fs::read_dir(dir)
        .with_context(|| format!("reading {}", dir.display()))?
        .flatten()
        .map(|e| e.path())
        .collect();
    entries.sort();
    let hidden = |p: &Path| p.file_name().and_then(|n| n.to_str()).is_some_and(|n| n.starts_with('.'));
    for path in entries {
        if path.is_dir() {
            if !hidden(&path) {
                yaml_files_in(&path, out)?;
            }
        } else if path.extension().is_some_and(|x| x == "yaml" || x == "yml") {
            out.push(path);
        }
    }
    Ok(())
}
