//! `platformctl output`: what applications need (endpoints, ports, secret ARNs, role ARNs,
//! repository URIs), from the state only.

use std::path::Path;

use platformctl_core::outputs::{Outputs, collect};

use crate::engine::{SessionOptions, read_state};

pub async fn output(stack: &Path, options: &SessionOptions) -> anyhow::Result<Outputs> {
    Ok(collect(&read_state(stack, options).await?))
}
