//! A stack's credentials, checked before anything is read or written: its role assumed
//! (`assume_role`) and the account STS reports compared with the ones it may run in
//! (`account_id`, Terraform's `allowed_account_ids`). Prod credentials pointed at a staging
//! file, or the reverse, stop here.

use std::path::Path;

use platformctl_aws::{Aws, ConnectOptions, Role};
use platformctl_core::model::Stack;

/// The connection settings for `stack` (`file` is its stack file), its role in them, after the
/// account check. Nothing is called when the stack names neither accounts nor a role.
pub async fn checked(stack: &Stack, file: &Path, options: &ConnectOptions) -> anyhow::Result<ConnectOptions> {
    let credentials = &stack.credentials;
    let mut connect = options.clone();
    connect.role = credentials.assume_role.as_ref().map(|r| Role {
        arn: r.arn.clone(),
        session_name: r.session_name.clone(),
        external_id: r.external_id.clone(),
    });
    if credentials.account_ids.is_empty() && connect.role.is_none() {
        return Ok(connect);
    }
    let aws = Aws::connect(&stack.name, &stack.region, &connect).await;
    let account = aws.account().await.map_err(|e| match &connect.role {
        Some(role) => anyhow::anyhow!(
            "cannot assume {} for stack `{}`: {e}\n  hint: check the role's trust policy (principal, external id) and these credentials; nothing was read or written",
            role.arn,
            stack.name
        ),
        None => anyhow::anyhow!("cannot tell which AWS account these credentials are for: {e}"),
    })?;
    if !credentials.account_ids.is_empty() && !credentials.account_ids.contains(&account) {
        anyhow::bail!(
            "these credentials are for AWS account {account}, but stack `{}` runs only in {} (`account_id` in {})\n  hint: use the credentials or profile of that account; nothing was read or written",
            stack.name,
            credentials.account_ids.join(", "),
            file.display()
        );
    }
    Ok(connect)
}
