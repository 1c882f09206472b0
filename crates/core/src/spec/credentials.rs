//! Raw types of a stack's credential settings: the AWS accounts it may run in (`account_id`) and
//! a role to assume first (`assume_role`) — what lets one platform run as dev, staging and prod
//! from environment files without anyone pointing the wrong credentials at prod.

use schemars::JsonSchema;
use serde::Deserialize;

use super::Located;

/// One account id, or a list of them, as written: read from the YAML nodes' text (`load`), so
/// an unquoted `000000000000` keeps its zeros.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AccountIdsSpec(pub Vec<String>);

/// Only for the derive of `StackSpec`: the loader reads `account_id` from the YAML nodes.
impl<'de> Deserialize<'de> for AccountIdsSpec {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        #[derive(Deserialize)]
        #[serde(untagged)]
        enum OneOrMany {
            One(String),
            Many(Vec<String>),
        }
        Ok(match OneOrMany::deserialize(d)? {
            OneOrMany::One(id) => AccountIdsSpec(vec![id]),
            OneOrMany::Many(ids) => AccountIdsSpec(ids),
        })
    }
}

impl JsonSchema for AccountIdsSpec {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        "AccountIds".into()
    }
    fn json_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
        schemars::json_schema!({
            "description": "An AWS account id (twelve digits), or a list of them.",
            "anyOf": [
                { "type": "string", "pattern": "^[0-9]{12}$" },
                { "type": "array", "items": { "type": "string", "pattern": "^[0-9]{12}$" } }
            ]
        })
    }
}

/// A role assumed through STS before any other AWS call, e.g. a deployment role in the
/// environment's account.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct AssumeRoleSpec {
    /// The role's ARN, `arn:aws:iam::<account>:role/<name>`.
    pub arn: Located<String>,
    /// Shown in CloudTrail; default `platformctl-<stack>`.
    pub session_name: Option<Located<String>>,
    /// The external id the role's trust policy asks for, if any.
    pub external_id: Option<Located<String>>,
}
