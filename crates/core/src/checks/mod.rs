//! `platformctl check`: security and reliability rules evaluated offline on the validated
//! stack — the values platformctl would send to AWS, defaults included — each finding pointing
//! at the YAML that decides the value and saying what to write instead.
//!
//! The catalogue (`catalogue`) names every rule once; one module per family evaluates them
//! (`data`, `compute`, `network`, `iam`); `locate` turns a finding's YAML path into a file
//! position; skips written in the stack (`checks: { skip: { RULE: reason } }`) are applied
//! here, never silently: a skipped finding stays in the report with its reason.

mod catalogue;
mod compute;
mod data;
mod iam;
mod locate;
mod network;

use std::collections::BTreeSet;

use crate::diagnostics::Location;
use crate::model::Stack;
use crate::spec::LoadedSpec;

pub use catalogue::{RULES, Rule, Severity, rule};

/// One rule broken by one resource.
#[derive(Clone, Debug, PartialEq)]
pub struct Finding {
    pub rule: &'static Rule,
    /// The resource's address, as plans show it (`postgres.users`, `security_group.bastion`).
    pub address: String,
    /// The YAML keys down to the deciding field, e.g. `postgres.users.storage_encrypted`.
    pub field: String,
    /// Where that field is written; when it is not (a default), the section that leaves it so.
    pub location: Option<Location>,
    /// The field is not written: the finding comes from platformctl's default.
    pub from_default: bool,
    /// Why this resource breaks the rule.
    pub reason: String,
    /// The YAML that fixes it, to write under the entry.
    pub fix: String,
    /// The reason given in the stack for skipping the rule here.
    pub skipped: Option<String>,
}

/// Every finding of one stack, in file order, skipped ones included.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct CheckReport {
    pub stack: String,
    pub findings: Vec<Finding>,
}

impl CheckReport {
    /// The findings not skipped at `threshold` or above: what makes `check` (and `apply`) fail.
    pub fn failing(&self, threshold: Severity) -> impl Iterator<Item = &Finding> {
        self.findings.iter().filter(move |f| f.skipped.is_none() && f.rule.severity >= threshold)
    }

    pub fn active(&self) -> impl Iterator<Item = &Finding> {
        self.findings.iter().filter(|f| f.skipped.is_none())
    }

    /// The rules that have findings, for SARIF's rule metadata.
    pub fn rules(&self) -> Vec<&'static Rule> {
        let ids: BTreeSet<&str> = self.findings.iter().map(|f| f.rule.id).collect();
        RULES.iter().filter(|r| ids.contains(r.id)).collect()
    }
}

/// A finding as a family module reports it, before it is located and matched with skips.
pub(crate) struct Raw {
    rule: &'static Rule,
    address: String,
    /// YAML keys from the top of the file; list items by index.
    path: Vec<String>,
    reason: String,
    fix: String,
}

/// Collects what the family modules find.
#[derive(Default)]
pub(crate) struct Findings(Vec<Raw>);

impl Findings {
    /// `rule` is broken by the resource at `address`, decided by the YAML at `path`.
    pub(crate) fn add(
        &mut self,
        rule: &'static Rule,
        address: impl Into<String>,
        path: &[&str],
        reason: impl Into<String>,
        fix: impl Into<String>,
    ) {
        self.0.push(Raw {
            rule,
            address: address.into(),
            path: path.iter().map(|s| (*s).to_owned()).collect(),
            reason: reason.into(),
            fix: fix.into(),
        });
    }
}

/// Evaluates every rule on a validated stack.
pub fn check(loaded: &LoadedSpec, stack: &Stack) -> CheckReport {
    let mut found = Findings::default();
    data::evaluate(stack, &mut found);
    compute::evaluate(stack, &mut found);
    network::evaluate(stack, &mut found);
    iam::evaluate(stack, &mut found);
    let mut findings: Vec<Finding> = found
        .0
        .into_iter()
        .map(|raw| {
            let (location, written) = locate::locate(&loaded.tree, &raw.path);
            let skipped = stack
                .check_skips
                .iter()
                .find(|s| {
                    s.rule == raw.rule.id
                        && s.entry.as_ref().is_none_or(|(section, name)| entry_is(&raw.path, section, name))
                })
                .map(|s| s.reason.clone());
            Finding {
                rule: raw.rule,
                address: raw.address,
                field: raw.path.join("."),
                location,
                from_default: !written,
                reason: raw.reason,
                fix: raw.fix,
                skipped,
            }
        })
        .collect();
    // File order, then the most severe first on one line.
    findings.sort_by(|a, b| {
        let at = |f: &Finding| f.location.map(|l| (l.source, l.line, l.column));
        at(a).cmp(&at(b)).then(b.rule.severity.cmp(&a.rule.severity)).then(a.rule.id.cmp(b.rule.id))
    });
    CheckReport { stack: stack.name.clone(), findings }
}

/// The finding's path lies in the entry `section.name`.
fn entry_is(path: &[String], section: &str, name: &str) -> bool {
    // The network is a single entry, written without a name.
    path.first().is_some_and(|s| s == section) && (name.is_empty() || path.get(1).is_some_and(|n| n == name))
}

#[cfg(test)]
mod tests;
