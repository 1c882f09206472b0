//! `platformctl force-unlock`: clears an S3 state lock a killed run left.

use std::path::Path;

use platformctl_core::model::load_stack;

use crate::engine::{SessionOptions, credentials, open_store};

/// Returns the state's location.
pub async fn force_unlock(stack_file: &Path, lock_id: &str, options: &SessionOptions) -> anyhow::Result<String> {
    let (loaded, stack) = load_stack(stack_file)?;
    let connect = credentials::checked(&stack, loaded.sources.main(), &options.connect).await?;
    let store = open_store(stack_file, &stack, options, &connect).await?;
    store.force_unlock(lock_id).await?;
    Ok(store.location())
}
