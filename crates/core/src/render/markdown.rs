//! The plan as a pull request comment (`plan --format markdown`): the counts in the first line,
//! destructive changes (replace, delete) first and marked, one collapsible block per resource
//! with its attribute changes, the data-loss warnings. No secret values: none is an attribute.

use std::fmt::Write;

use super::escape::{fence_for, html};
use super::human::attribute_lines;
use crate::checks::{CheckReport, Finding, Severity};
use crate::diagnostics::Sources;
use crate::plan::{Action, Change, Plan};

fn heading(plan: &Plan, stack: &str) -> String {
    let s = plan.summary();
    if !plan.has_changes() {
        return format!("**platformctl plan `{stack}`: no changes.** AWS matches the stack.");
    }
    format!(
        "**platformctl plan `{stack}`: {} to create, {} to update, {} to replace, {} to delete.**",
        s.create, s.update, s.replace, s.delete
    )
}

fn block(out: &mut String, plan: &Plan, c: &Change) {
    let (mark, verb) = match c.action {
        Action::Create => ("🟢", "create"),
        Action::Update => ("🟡", "update in place"),
        Action::Replace => ("🟣", "<b>replace</b>"),
        Action::Delete => ("🔴", "<b>delete</b>"),
    };
    let id = c.id.as_deref().map(|i| format!(" <code>{}</code>", html(i))).unwrap_or_default();
    let address = html(c.address.as_str());
    let _ = writeln!(out, "<details><summary>{mark} {verb} <code>{address}</code> ({}){id}</summary>\n", c.kind);
    for reason in &c.reasons {
        let _ = writeln!(out, "- {}", html(reason));
    }
    if plan.creates_before_destroying(&c.address) {
        let _ = writeln!(out, "- the new one is created first; the old one is deleted once it is ready");
    }
    if let Some(loss) = plan.data_loss.iter().find(|l| l.address == c.address) {
        let _ = writeln!(out, "- ⚠️ **data loss**: {}", html(&loss.reason));
    }
    let mut lines = String::new();
    for a in &c.attributes {
        attribute_lines(&mut lines, c.action, a);
    }
    if !lines.is_empty() {
        // The attribute lines are already printable; the fence outlasts any backticks in them.
        let fence = fence_for(&lines);
        let _ = writeln!(out, "\n{fence}\n{lines}{fence}");
    }
    let _ = writeln!(out, "\n</details>");
}

pub fn plan_markdown(plan: &Plan, stack: &str) -> String {
    let mut out = heading(plan, stack);
    out.push('\n');
    if let Some(partial) = &plan.partial {
        let _ = writeln!(out, "\n> [!WARNING]\n> {}", html(&partial.warning()));
    }
    if !plan.moved.is_empty() {
        let _ = writeln!(out, "\n**Moved** (same AWS resource, new address):\n");
        for m in &plan.moved {
            let _ = writeln!(out, "- <code>{}</code> → <code>{}</code>", html(m.from.as_str()), html(m.to.as_str()));
        }
    }
    for n in &plan.notices {
        let _ = writeln!(out, "\n> [!NOTE]\n> {}", html(n).replace('\n', "\n> "));
    }
    if !plan.has_changes() {
        return out;
    }
    if !plan.data_loss.is_empty() {
        let list: Vec<String> =
            plan.data_loss.iter().map(|l| format!("<code>{}</code>", html(l.address.as_str()))).collect();
        let _ = writeln!(
            out,
            "\n> [!WARNING]\n> This plan destroys the data of {}: apply refuses it without `--allow-data-loss`.",
            list.join(", ")
        );
    }
    let destructive: Vec<&Change> =
        plan.changes.iter().filter(|c| matches!(c.action, Action::Replace | Action::Delete)).collect();
    let others: Vec<&Change> =
        plan.changes.iter().filter(|c| !matches!(c.action, Action::Replace | Action::Delete)).collect();
    if !destructive.is_empty() {
        let _ = writeln!(out, "\n#### Destructive changes\n");
        destructive.iter().for_each(|c| block(&mut out, plan, c));
    }
    if !others.is_empty() {
        let _ = writeln!(out, "\n#### Other changes\n");
        others.iter().for_each(|c| block(&mut out, plan, c));
    }
    out
}

/// `platformctl check`'s findings under a plan comment: a table, most severe first, with the
/// skipped rules and their reasons folded away. Nothing when the stack has no finding.
pub fn checks(report: &CheckReport, sources: &Sources) -> String {
    if report.findings.is_empty() {
        return String::new();
    }
    let mut active: Vec<&Finding> = report.active().collect();
    active.sort_by_key(|f| std::cmp::Reverse(f.rule.severity));
    let failing = report.failing(Severity::High).count();
    let mut out = String::from("\n#### Checks\n\n");
    if failing > 0 {
        let _ = writeln!(
            out,
            "> [!CAUTION]\n> {failing} finding(s) at high or above: apply refuses them until they are fixed or skipped with a reason.\n"
        );
    }
    if !active.is_empty() {
        let _ = writeln!(out, "| severity | rule | resource | where | finding | fix |\n|---|---|---|---|---|---|");
        for f in &active {
            let _ = writeln!(
                out,
                "| {} | {} | <code>{}</code> | <code>{}</code> | {} | <code>{}</code> |",
                f.rule.severity.name(),
                f.rule.id,
                html(&f.address),
                html(&super::checks::position(f, sources)),
                html(&f.reason),
                html(&f.fix).replace('\n', "<br>"),
            );
        }
    }
    let skipped: Vec<&Finding> = report.findings.iter().filter(|f| f.skipped.is_some()).collect();
    if !skipped.is_empty() {
        let _ = writeln!(out, "\n<details><summary>{} skipped</summary>\n", skipped.len());
        for f in skipped {
            let reason = f.skipped.as_deref().unwrap_or_default();
            let _ = writeln!(out, "- {} <code>{}</code>: {}", f.rule.id, html(&f.address), html(reason));
        }
        let _ = writeln!(out, "\n</details>");
    }
    out
}
