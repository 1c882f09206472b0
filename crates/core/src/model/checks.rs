//! The `checks: { skip: ... }` blocks of a stack file: each names a rule of the catalogue and
//! gives a reason — a skip nobody can explain is refused, so every exception a review sees
//! says why it is there.

use super::Checker;
use crate::spec::{ChecksSpec, StackSpec};

/// A rule of `platformctl check` not applied, for the whole stack or one entry.
#[derive(Clone, Debug, PartialEq)]
pub struct CheckSkip {
    pub rule: String,
    pub reason: String,
    /// The entry it is written in (`("eks", "main")`); `None`: the whole stack.
    pub entry: Option<(String, String)>,
}

pub(super) fn validate<'a>(spec: &'a StackSpec, check: &mut Checker) -> Vec<CheckSkip> {
    let mut blocks: Vec<(Option<(&str, &str)>, &ChecksSpec)> = spec.checks.iter().map(|c| (None, c)).collect();
    let named = |section: &'static str, name: &'a str, c: &'a Option<ChecksSpec>| {
        c.as_ref().map(|c| (Some((section, name)), c))
    };
    blocks.extend(spec.network.iter().filter_map(|n| named("network", "", &n.checks)));
    blocks.extend(spec.security_groups.iter().filter_map(|(n, e)| named("security_groups", n, &e.checks)));
    blocks.extend(spec.kms_keys.iter().filter_map(|(n, e)| named("kms_keys", n, &e.checks)));
    blocks.extend(spec.secrets.iter().filter_map(|(n, e)| named("secrets", n, &e.checks)));
    blocks.extend(spec.postgres.iter().filter_map(|(n, e)| named("postgres", n, &e.checks)));
    blocks.extend(spec.postgres_replicas.iter().filter_map(|(n, e)| named("postgres", n, &e.checks)));
    blocks.extend(spec.aurora.iter().filter_map(|(n, e)| named("aurora", n, &e.checks)));
    blocks.extend(spec.redis.iter().filter_map(|(n, e)| named("redis", n, &e.checks)));
    blocks.extend(spec.eks.iter().filter_map(|(n, e)| named("eks", n, &e.checks)));
    blocks.extend(spec.ecr.iter().filter_map(|(n, e)| named("ecr", n, &e.checks)));
    blocks.extend(spec.log_groups.iter().filter_map(|(n, e)| named("log_groups", n, &e.checks)));

    let mut skips = Vec::new();
    for (entry, block) in blocks {
        let prefix = match entry {
            None => "checks.skip".to_owned(),
            Some(("network", _)) => "network.checks.skip".to_owned(),
            Some((section, name)) => format!("{section}.{name}.checks.skip"),
        };
        for (rule, reason) in &block.skip {
            let field = format!("{prefix}.{}", rule.value());
            if crate::checks::rule(rule).is_none() {
                check.error(
                    rule.location(),
                    &field,
                    format!("`{}` is not a rule of `platformctl check`", rule.value()),
                    "rule ids are checkov's (`CKV_AWS_39`) or platformctl's own (`PCTL_SG_1`); docs/checks.md lists them",
                );
                continue;
            }
            if reason.trim().is_empty() {
                check.error(
                    reason.location().or(rule.location()),
                    &field,
                    "a skipped rule needs its reason",
                    format!("write why it does not apply here, e.g. `{}: \"the office VPN needs it\"`", rule.value()),
                );
                continue;
            }
            skips.push(CheckSkip {
                rule: rule.value().clone(),
                reason: reason.value().clone(),
                // The network is one entry: its findings' paths start with `network`.
                entry: entry.map(|(section, name)| (section.to_owned(), name.to_owned())),
            });
        }
    }
    skips
}
