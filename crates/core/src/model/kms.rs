//! `kms_keys:` validated — customer-managed keys with their aliases — and `kms_key:` fields
//! everywhere, which name a key of the stack or an existing key.

use std::collections::BTreeSet;

use indexmap::IndexMap;

use super::Checker;
use super::eks::policy_file;
use super::naming::is_identifier_part;
use crate::diagnostics::Sources;
use crate::spec::{KmsKeySpec, Located};

/// A customer-managed symmetric key of the stack.
#[derive(Clone, Debug, PartialEq)]
pub struct KmsKey {
    pub name: String,
    pub description: Option<String>,
    /// Yearly rotation of the key material.
    pub rotation: bool,
    /// Days between a destroy and the deletion (7–30); re-applying within them keeps the key.
    pub deletion_window_days: i64,
    /// The stack's own key policy; `None`: AWS's default (the account's IAM policies decide).
    pub policy: Option<serde_json::Value>,
    pub aliases: Vec<String>,
}

/// The key a `kms_key:` field names.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum KmsKeyRef {
    /// A key of this stack's `kms_keys`, by name.
    Stack(String),
    /// A key that exists already: its ARN, id or `alias/...`.
    Existing(String),
}

impl KmsKeyRef {
    /// The name of the stack's key it refers to, if it is one.
    pub fn stack_key(&self) -> Option<&str> {
        match self {
            KmsKeyRef::Stack(name) => Some(name),
            KmsKeyRef::Existing(_) => None,
        }
    }

    /// An existing key given by its ARN (what IAM policies and CloudWatch Logs can name; an
    /// alias or a bare id they cannot).
    pub fn existing_key_arn(&self) -> Option<&str> {
        match self {
            KmsKeyRef::Existing(key) if key.starts_with("arn:") && key.contains(":key/") => Some(key),
            _ => None,
        }
    }
}

/// AWS's default deletion window, and the longest: a mistaken destroy is the costly case.
const DEFAULT_DELETION_WINDOW_DAYS: i64 = 30;

pub(super) fn validate(
    keys: &IndexMap<Located<String>, KmsKeySpec>,
    sources: &Sources,
    check: &mut Checker,
) -> Vec<KmsKey> {
    let mut aliases_seen = BTreeSet::new();
    keys.iter()
        .map(|(name, k)| {
            let field = format!("kms_keys.{}", name.value());
            if !is_identifier_part(name) {
                check.error(
                    name.location(),
                    &field,
                    format!("invalid key name `{}`", name.value()),
                    "use lowercase letters, digits and dashes, e.g. `data`",
                );
            }
            let deletion_window_days = match &k.deletion_window_days {
                None => DEFAULT_DELETION_WINDOW_DAYS,
                Some(d) if (7..=30).contains(d.value()) => *d.value(),
                Some(d) => {
                    check.error(
                        d.location(),
                        format!("{field}.deletion_window_days"),
                        format!("{} days is not a KMS deletion window", d.value()),
                        "KMS waits 7 to 30 days before deleting a key",
                    );
                    DEFAULT_DELETION_WINDOW_DAYS
                }
            };
            let policy =
                k.policy_file.as_ref().and_then(|f| policy_file(f, &format!("{field}.policy_file"), sources, check));
            let aliases = k
                .aliases
                .iter()
                .filter(|a| alias(a, &format!("{field}.aliases"), &mut aliases_seen, check))
                .map(|a| a.value().clone())
                .collect();
            KmsKey {
                name: name.value().clone(),
                description: k.description.as_ref().map(|d| d.value().clone()),
                rotation: k.rotation.as_ref().is_none_or(|r| *r.value()),
                deletion_window_days,
                policy,
                aliases,
            }
        })
        .collect()
}

/// `alias/<name>`: letters, digits, `/_-`, at most 256 characters, not in AWS's own `alias/aws/`
/// and each used once in the stack.
fn alias(a: &Located<String>, field: &str, seen: &mut BTreeSet<String>, check: &mut Checker) -> bool {
    let name = a.strip_prefix("alias/").unwrap_or_default();
    let well_formed = !name.is_empty()
        && a.len() <= 256
        && name.chars().all(|c| c.is_ascii_alphanumeric() || "/_-".contains(c))
        && !a.starts_with("alias/aws/");
    if !well_formed {
        check.error(
            a.location(),
            field,
            format!("`{}` is not an alias of a customer-managed key", a.value()),
            "write `alias/<name>` with letters, digits, `/`, `_` or `-` (`alias/aws/` belongs to AWS)",
        );
        return false;
    }
    if !seen.insert(a.value().clone()) {
        check.error(a.location(), field, format!("alias `{}` is given twice", a.value()), "an alias points at one key");
        return false;
    }
    true
}

/// A `kms_key:` field: a key of the stack's `kms_keys` by name, or an existing key's
/// `alias/...`, ARN or id.
pub(super) fn key_ref(v: &Located<String>, field: &str, check: &mut Checker) -> Option<KmsKeyRef> {
    let existing = v.starts_with("alias/")
        || v.starts_with("arn:aws")
        || (v.len() == 36 && v.chars().filter(|c| *c == '-').count() == 4);
    if existing {
        return Some(KmsKeyRef::Existing(v.value().clone()));
    }
    if check.kms_keys.iter().any(|k| k == v.value()) {
        return Some(KmsKeyRef::Stack(v.value().clone()));
    }
    let hint = if check.kms_keys.is_empty() {
        "declare it under `kms_keys:`, or use `alias/<name>`, a key ARN or a key id".to_owned()
    } else {
        format!("the stack's keys are: {}; or use `alias/<name>`, a key ARN or a key id", check.kms_keys.join(", "))
    };
    check.error(v.location(), field, format!("`{}` is not a KMS key", v.value()), hint);
    None
}

/// A `kms_key:` field of a service that takes only a key ARN (CloudWatch Logs): a key of the
/// stack, or an existing key by its ARN.
pub(super) fn key_arn_ref(v: &Located<String>, field: &str, check: &mut Checker) -> Option<KmsKeyRef> {
    match key_ref(v, field, check)? {
        key @ KmsKeyRef::Existing(_) if key.existing_key_arn().is_none() => {
            check.error(
                v.location(),
                field,
                format!("CloudWatch Logs takes a key ARN, not `{}`", v.value()),
                "name a key of `kms_keys`, or give the key's ARN (`arn:aws:kms:<region>:<account>:key/<id>`)",
            );
            None
        }
        key => Some(key),
    }
}

#[cfg(test)]
mod tests {
    use crate::model::test_support::stack_from;

    const BASE: &str = "stack: app\nregion: eu-west-1\n";

    #[test]
    fn keys_are_named_by_kms_key_fields_and_mistakes_point_at_the_line() {
        let stack = stack_from(&format!(
            "{BASE}kms_keys:\n  data: {{ aliases: [alias/app-data] }}\nsecrets:\n  a: {{ external: true, kms_key: data }}\n  b: {{ external: true, kms_key: alias/other }}\n"
        ))
        .unwrap();
        let key = &stack.kms_keys[0];
        assert_eq!((key.rotation, key.deletion_window_days, key.policy.is_none()), (true, 30, true));
        assert_eq!(stack.data.secrets[0].kms_key, Some(super::KmsKeyRef::Stack("data".into())));
        assert_eq!(stack.data.secrets[1].kms_key, Some(super::KmsKeyRef::Existing("alias/other".into())));

        let errors = stack_from(&format!(
            "{BASE}kms_keys:\n  data: {{ deletion_window_days: 3, aliases: [alias/aws/rds, alias/x, alias/x, nope] }}\nsecrets:\n  a: {{ external: true, kms_key: dta }}\nlog_groups:\n  /app: {{ kms_key: alias/app-logs }}\n"
        ))
        .unwrap_err();
        for expected in [
            "stack.yaml:4:33",
            "3 days is not a KMS deletion window",
            "`alias/aws/rds` is not an alias of a customer-managed key",
            "alias `alias/x` is given twice",
            "`nope` is not an alias",
            "stack.yaml:6:33 (secrets.a.kms_key)",
            "`dta` is not a KMS key",
            "the stack's keys are: data",
            "CloudWatch Logs takes a key ARN, not `alias/app-logs`",
        ] {
            assert!(errors.contains(expected), "{expected}: {errors}");
        }
    }
}
