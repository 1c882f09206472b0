//! SARIF 2.1.0 for GitHub code scanning: one run for all the stacks checked, the rules with
//! findings as the tool's rule metadata, each result at its YAML line. Skipped findings are
//! results with an accepted in-source suppression (and its reason), as SARIF records them.

use std::path::Path;

use serde_json::{Value, json};

use crate::checks::{CheckReport, Rule, Severity};
use crate::diagnostics::Sources;

const SCHEMA: &str = "https://json.schemastore.org/sarif-2.1.0.json";

/// The SARIF log of the reports of one `check` (or `plan`) run.
pub fn sarif(reports: &[(CheckReport, Sources)]) -> Value {
    let mut rules: Vec<&'static Rule> = reports.iter().flat_map(|(r, _)| r.rules()).collect();
    rules.sort_by_key(|r| r.id);
    rules.dedup_by_key(|r| r.id);
    let descriptors: Vec<Value> = rules
        .iter()
        .map(|r| {
            json!({
                "id": r.id,
                "name": r.id,
                "shortDescription": { "text": r.title },
                "fullDescription": { "text": r.why },
                "help": { "text": format!("{} See docs/checks.md ({}) for the rule and how to skip it with a reason.", r.why, r.id) },
                "defaultConfiguration": { "level": level(r.severity) },
                "properties": { "security-severity": security_severity(r.severity), "tags": ["security"] },
            })
        })
        .collect();
    let index = |id: &str| rules.iter().position(|r| r.id == id).unwrap_or(0);
    let mut results = Vec::new();
    for (report, sources) in reports {
        for f in &report.findings {
            let (uri, line, column) = match f.location {
                Some(l) => (uri(sources.path(l.source)), l.line.max(1), l.column.max(1)),
                None => (uri(sources.main()), 1, 1),
            };
            let mut result = json!({
                "ruleId": f.rule.id,
                "ruleIndex": index(f.rule.id),
                "level": level(f.rule.severity),
                "message": { "text": format!("{}: {} ({}). Fix: {}", f.address, f.reason, f.field, f.fix.replace('\n', "; ")) },
                "locations": [{
                    "physicalLocation": {
                        "artifactLocation": { "uri": uri, "uriBaseId": "%SRCROOT%" },
                        "region": { "startLine": line, "startColumn": column },
                    },
                    "logicalLocations": [{ "fullyQualifiedName": format!("{}/{}", report.stack, f.address), "kind": "resource" }],
                }],
                "partialFingerprints": { "platformctl/v1": format!("{}:{}:{}", report.stack, f.rule.id, f.address) },
            });
            if let Some(reason) = &f.skipped {
                result["suppressions"] = json!([{ "kind": "inSource", "status": "accepted", "justification": reason }]);
            }
            results.push(result);
        }
    }
    json!({
        "$schema": SCHEMA,
        "version": "2.1.0",
        "runs": [{
            "tool": { "driver": {
                "name": "platformctl",
                "semanticVersion": env!("CARGO_PKG_VERSION"),
                "rules": descriptors,
            } },
            "originalUriBaseIds": { "%SRCROOT%": { "description": { "text": "the repository's root (where platformctl ran)" } } },
            "results": results,
        }],
    })
}

/// A path as a relative URI: forward slashes, no leading `./`.
fn uri(path: &Path) -> String {
    let text = path.to_string_lossy().replace('\\', "/");
    text.strip_prefix("./").unwrap_or(&text).to_owned()
}

/// SARIF's levels: code scanning shows `error` for what fails the build.
fn level(severity: Severity) -> &'static str {
    match severity {
        Severity::Critical | Severity::High => "error",
        Severity::Medium => "warning",
        Severity::Low => "note",
    }
}

/// GitHub's security severity score, which it maps back to critical/high/medium/low.
fn security_severity(severity: Severity) -> &'static str {
    match severity {
        Severity::Critical => "9.5",
        Severity::High => "8.0",
        Severity::Medium => "5.5",
        Severity::Low => "2.0",
    }
}
