//! `platformctl kubeconfig`: a kubeconfig entry for an EKS cluster of the stack, from the state,
//! merged into a kubeconfig file.

use std::path::Path;

use platformctl_core::kubeconfig::{Entry, entry, write};

use crate::engine::{SessionOptions, read_state};

pub async fn kubeconfig(
    stack: &Path,
    cluster: &str,
    path: &Path,
    alias: Option<&str>,
    options: &SessionOptions,
) -> anyhow::Result<Entry> {
    let state = read_state(stack, options).await?;
    let entry = entry(&state, cluster, alias, options.connect.profile.as_deref())?;
    write(path, &entry)?;
    Ok(entry)
}
