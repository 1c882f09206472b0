//! `platformctl drift`: what changed in AWS outside platformctl since the last apply. Reads the
//! state without locking it: a scheduled job must not block applies.

use std::path::Path;

use platformctl_aws::Aws;
use platformctl_core::drift::{Drifted, detect};
use platformctl_core::model::load_stack;

use crate::engine::{SessionOptions, credentials, open_store};

pub struct DriftReport {
    pub stack: String,
    pub region: String,
    pub drifted: Vec<Drifted>,
}

pub async fn drift(stack_file: &Path, options: &SessionOptions) -> anyhow::Result<DriftReport> {
    let (loaded, stack) = load_stack(stack_file)?;
    let connect = credentials::checked(&stack, loaded.sources.main(), &options.connect).await?;
    let store = open_store(stack_file, &stack, options, &connect).await?;
    let state = store.read(&stack.name, &stack.region).await?;
    let aws = Aws::connect(&stack.name, &stack.region, &connect).await;
    let live = platformctl_aws::refresh::read_live(&aws, &state).await?;
    Ok(DriftReport { drifted: detect(&state, &live), stack: stack.name, region: stack.region })
}
