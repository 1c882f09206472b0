//! Raw type of a `checks:` block — at the top of a stack file or inside one entry (a
//! database, a cluster, a security group...): the rules `platformctl check` skips there, each
//! with the reason a reviewer reads. Checked against the rule catalogue in `model::checks`.

use indexmap::IndexMap;
use schemars::JsonSchema;
use serde::Deserialize;

use super::Located;

/// Rules of `platformctl check` not applied here.
#[derive(Debug, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ChecksSpec {
    /// Rule id → why it does not apply, e.g.
    /// `CKV_AWS_39: "the office VPN reaches the API server through the public endpoint"`.
    /// A skipped finding is still listed, as skipped, with this reason.
    #[serde(default)]
    pub skip: IndexMap<Located<String>, Located<String>>,
}
