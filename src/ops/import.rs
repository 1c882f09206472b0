//! `platformctl import`: an existing AWS resource brought under management as an address of
//! the stack; the next plan shows how it differs from the stack file.

use std::path::Path;

use super::with_session;
use crate::engine::SessionOptions;

pub async fn import(stack: &Path, address: &str, aws_id: &str, options: &SessionOptions) -> anyhow::Result<()> {
    with_session(stack, "import", options, true, async |session| {
        let desired = session.desired(false);
        let lent = &session.neighbours.lent;
        crate::engine::adopt::import(&session.aws, &desired, lent, &mut session.state, address, aws_id).await?;
        session.store.write(&mut session.state).await?;
        Ok(())
    })
    .await
}
