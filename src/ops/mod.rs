//! One function per command: it does the command's work and returns data; the CLI renders it.
//! No text is formatted here (`platformctl_core::render` does that) and no argument parsed
//! (`cli` does). Every command that locks the state releases the lock however it ends
//! (`with_session`).

pub mod apply;
pub mod check;
pub mod drift;
pub mod generate;
pub mod graph;
pub mod import;
pub mod kubeconfig;
pub mod order;
pub mod output;
pub mod plan;
pub mod promote;
pub mod promote_dns;
pub mod state;
pub mod state_move;
pub mod unlock;
pub mod validate;

use std::path::Path;

use crate::engine::{Session, SessionOptions};

/// Opens the stack's session (state locked), runs `work`, and releases the lock whatever the
/// outcome. Ctrl-C while `interruptible` work runs releases the lock too, then fails; apply is
/// not interruptible here: it handles Ctrl-C itself (finishing what is in flight).
pub async fn with_session<T>(
    stack: &Path,
    operation: &str,
    options: &SessionOptions,
    interruptible: bool,
    work: impl AsyncFnOnce(&mut Session) -> anyhow::Result<T>,
) -> anyhow::Result<T> {
    let mut session = Session::open(stack, operation, options).await?;
    let interrupted = || Err(anyhow::anyhow!("interrupted; nothing was changed"));
    let result = if platformctl_core::interrupt::happened() {
        interrupted()
    } else if interruptible {
        tokio::select! {
            r = work(&mut session) => r,
            _ = platformctl_core::interrupt::wait() => interrupted(),
        }
    } else {
        work(&mut session).await
    };
    session.close().await;
    result
}
