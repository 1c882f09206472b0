//! `platformctl check`'s findings for people (grouped by stack, most severe first on a line,
//! each with where it is decided and the YAML that fixes it) and for machines (JSON, one
//! object per stack). SARIF for code scanning is `render::sarif`.

use std::fmt::Write;

use serde_json::{Value, json};

use super::escape::printable;
use crate::checks::{CheckReport, Finding, Severity};
use crate::diagnostics::Sources;

/// `file:line:column` of a finding, the stack file when it has no position.
pub fn position(finding: &Finding, sources: &Sources) -> String {
    match finding.location {
        Some(l) => format!("{}:{}:{}", sources.path(l.source).display(), l.line, l.column),
        None => sources.main().display().to_string(),
    }
}

/// The human report of one stack.
pub fn human(report: &CheckReport, sources: &Sources, threshold: Severity) -> String {
    let mut out = String::new();
    let active: Vec<&Finding> = report.active().collect();
    let skipped = report.findings.len() - active.len();
    let failing = report.failing(threshold).count();
    let _ = writeln!(out, "{}: {}", printable(&report.stack), summary(&active, skipped));
    for f in &active {
        let _ =
            writeln!(out, "\n  {:<8} {}  {}", f.rule.severity.name().to_uppercase(), f.rule.id, printable(&f.address));
        let default = if f.from_default { " (not set: platformctl's default)" } else { "" };
        let _ = writeln!(out, "           {}  {}{default}", printable(&position(f, sources)), printable(&f.field));
        let _ = writeln!(out, "           {}", printable(&f.reason));
        let mut fix = f.fix.lines();
        if let Some(first) = fix.next() {
            let _ = writeln!(out, "           fix: {}", printable(first));
        }
        for line in fix {
            let _ = writeln!(out, "                {}", printable(line));
        }
    }
    let skips: Vec<&Finding> = report.findings.iter().filter(|f| f.skipped.is_some()).collect();
    if !skips.is_empty() {
        let _ = writeln!(out, "\n  skipped:");
        for f in skips {
            let reason = f.skipped.as_deref().unwrap_or_default();
            let _ = writeln!(
                out,
                "  {:<8} {}  {}: \"{}\"",
                f.rule.severity.name(),
                f.rule.id,
                printable(&f.address),
                printable(reason)
            );
        }
    }
    if failing > 0 {
        let _ = writeln!(
            out,
            "\n{failing} finding(s) at {} or above: fix them, or skip a rule with its reason (`checks: {{ skip: {{ <rule>: \"why\" }} }}` in the entry)",
            threshold.name()
        );
    }
    out
}

/// "2 findings (1 high, 1 medium), 1 skipped" / "no findings".
fn summary(active: &[&Finding], skipped: usize) -> String {
    let mut text = if active.is_empty() {
        "no findings".to_owned()
    } else {
        let counts: Vec<String> = [Severity::Critical, Severity::High, Severity::Medium, Severity::Low]
            .into_iter()
            .filter_map(|s| {
                let n = active.iter().filter(|f| f.rule.severity == s).count();
                (n > 0).then(|| format!("{n} {}", s.name()))
            })
            .collect();
        let plural = if active.len() == 1 { "" } else { "s" };
        format!("{} finding{plural} ({})", active.len(), counts.join(", "))
    };
    if skipped > 0 {
        let _ = write!(text, ", {skipped} skipped");
    }
    text
}

/// The JSON report of one stack (`check --format json`, and the `checks` of a JSON plan).
pub fn json(report: &CheckReport, sources: &Sources) -> Value {
    let findings: Vec<Value> = report
        .findings
        .iter()
        .map(|f| {
            json!({
                "rule": f.rule.id,
                "severity": f.rule.severity,
                "title": f.rule.title,
                "address": f.address,
                "field": f.field,
                "file": f.location.map(|l| sources.path(l.source).display().to_string()),
                "line": f.location.map(|l| l.line),
                "column": f.location.map(|l| l.column),
                "default": f.from_default,
                "reason": f.reason,
                "fix": f.fix,
                "skipped": f.skipped,
            })
        })
        .collect();
    json!({ "stack": report.stack, "findings": findings })
}
