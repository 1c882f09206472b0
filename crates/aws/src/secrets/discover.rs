//! What `generate` reads of Secrets Manager (see crate::discover).

use crate::error::SdkResultExt;
use crate::{Aws, AwsError};

/// A secret as `generate` says it: by name, what DescribeSecret shows (never its value).
pub(crate) async fn secret(
    aws: &Aws,
    name: &str,
) -> Result<platformctl_core::resource::discovered::DiscoveredSecret, AwsError> {
    let out = aws.secrets.describe_secret().secret_id(name).send().await.aws("DescribeSecret")?;
    Ok(platformctl_core::resource::discovered::DiscoveredSecret {
        arn: out.arn().ok_or_else(|| crate::discover::not_found("secret", name))?.to_owned(),
        name: out.name().unwrap_or(name).to_owned(),
        description: out.description().filter(|d| !d.is_empty()).map(str::to_owned),
        kms_key: out.kms_key_id().map(str::to_owned),
    })
}
