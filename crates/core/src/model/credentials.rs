//! A stack's credential settings checked offline: account ids are twelve digits, the role to
//! assume is an IAM role ARN, its session name and external id are what STS accepts. Whether the
//! credentials really reach one of those accounts is the engine's check, with STS, before
//! anything is read or written.

use super::Checker;
use crate::spec::StackSpec;

/// Where the stack may run.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Credentials {
    /// The accounts it may run in; any when empty.
    pub account_ids: Vec<String>,
    pub assume_role: Option<AssumeRole>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AssumeRole {
    pub arn: String,
    pub session_name: String,
    pub external_id: Option<String>,
}

pub(super) fn validate(spec: &StackSpec, stack: Option<&str>, check: &mut Checker) -> Credentials {
    let mut account_ids = Vec::new();
    if let Some(ids) = &spec.account_id {
        if ids.0.is_empty() {
            check.error(ids.location(), "account_id", "no account id given", "write `account_id: 123456789012`");
        }
        for id in &ids.0 {
            if id.len() == 12 && id.chars().all(|c| c.is_ascii_digit()) {
                account_ids.push(id.clone());
            } else {
                check.error(
                    ids.location(),
                    "account_id",
                    format!("`{id}` is not an AWS account id"),
                    "an account id is twelve digits, e.g. `account_id: \"123456789012\"` (quoted keeps leading zeros)",
                );
            }
        }
    }
    let assume_role = spec.assume_role.as_ref().and_then(|r| {
        let arn = r.arn.value();
        if !is_role_arn(arn) {
            check.error(
                r.arn.location(),
                "assume_role.arn",
                format!("`{arn}` is not an IAM role ARN"),
                "write it as `arn:aws:iam::123456789012:role/platform-deploy`",
            );
            return None;
        }
        let session_name = match &r.session_name {
            Some(name) if is_session_name(name) => name.value().clone(),
            Some(name) => {
                check.error(
                    name.location(),
                    "assume_role.session_name",
                    format!("`{}` is not a valid session name", name.value()),
                    "2 to 64 letters, digits and `+=,.@-`",
                );
                return None;
            }
            None => format!("platformctl-{}", stack.unwrap_or("stack")),
        };
        let external_id = match &r.external_id {
            Some(id) if (2..=1224).contains(&id.len()) => Some(id.value().clone()),
            Some(id) => {
                check.error(
                    id.location(),
                    "assume_role.external_id",
                    "an external id is 2 to 1224 characters",
                    "use the external id the role's trust policy names",
                );
                return None;
            }
            None => None,
        };
        Some(AssumeRole { arn: arn.clone(), session_name, external_id })
    });
    Credentials { account_ids, assume_role }
}

fn is_role_arn(arn: &str) -> bool {
    let parts: Vec<&str> = arn.splitn(6, ':').collect();
    matches!(parts.as_slice(), ["arn", partition, "iam", "", account, resource]
        if partition.starts_with("aws")
            && account.len() == 12
            && account.chars().all(|c| c.is_ascii_digit())
            && resource.strip_prefix("role/").is_some_and(|name| !name.is_empty()))
}

fn is_session_name(name: &str) -> bool {
    (2..=64).contains(&name.len()) && name.chars().all(|c| c.is_ascii_alphanumeric() || "+=,.@-_".contains(c))
}

#[cfg(test)]
mod tests {
    use crate::model::test_support::stack_from;

    const BASE: &str = "stack: s\nregion: eu-west-1\n";

    #[test]
    fn accounts_and_roles_are_checked_offline() {
        let ok = stack_from(&format!(
            "{BASE}account_id: [000000000000, \"123456789012\"]\nassume_role: {{ arn: \"arn:aws:iam::123456789012:role/deploy\", external_id: ci-1 }}\n"
        ))
        .unwrap();
        assert_eq!(ok.credentials.account_ids, ["000000000000", "123456789012"]);
        let role = ok.credentials.assume_role.unwrap();
        assert_eq!((role.session_name.as_str(), role.external_id.as_deref()), ("platformctl-s", Some("ci-1")));
        let single = stack_from(&format!("{BASE}account_id: 123456789012\n")).unwrap();
        assert_eq!(single.credentials.account_ids, ["123456789012"]);

        let bad = stack_from(&format!(
            "{BASE}account_id: 1234\nassume_role: {{ arn: \"arn:aws:iam::123:user/x\", session_name: \"a b\" }}\n"
        ))
        .unwrap_err();
        assert!(bad.contains("`1234` is not an AWS account id"), "{bad}");
        assert!(bad.contains("is not an IAM role ARN"), "{bad}");
    }
}
