//! `kms_keys:` — customer-managed KMS keys of the stack, by name, as the YAML says them.

use schemars::JsonSchema;
use serde::Deserialize;

use super::{ChecksSpec, Located};

/// A symmetric customer-managed key for encryption at rest. Other sections name it by its key
/// here (`kms_key: data`) or give an existing key's ARN or alias.
#[derive(Debug, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct KmsKeySpec {
    /// Shown in the KMS console.
    pub description: Option<Located<String>>,
    /// Rotate the key material every year. Default true.
    pub rotation: Option<Located<bool>>,
    /// Days between a destroy and the key's deletion, 7 to 30. Default 30. Applying the stack
    /// again within them cancels the deletion and keeps the key (and what it encrypted).
    pub deletion_window_days: Option<Located<i64>>,
    /// The key policy, relative to the stack file. Default: AWS's default key policy (the
    /// account's IAM policies decide who may use the key).
    pub policy_file: Option<Located<String>>,
    /// Aliases pointing at the key, each `alias/<name>`.
    #[serde(default)]
    pub aliases: Vec<Located<String>>,
    /// `platformctl check` settings for this entry: rules skipped, each with its reason.
    pub checks: Option<ChecksSpec>,
}
