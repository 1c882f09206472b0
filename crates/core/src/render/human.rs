//! The plan as people read it: one block per changed resource with its symbol (`+`, `~`,
//! `-/+`, `-`), the attribute changes old → new, why it is replaced, whether it is drift, then
//! a summary line. Output makes sense without colour; colour is only emphasis.

use std::collections::BTreeSet;
use std::fmt::Write;

use anstyle::{AnsiColor, Style};

use super::escape::printable;
use crate::plan::{Action, AttrChange, Plan, Planned};
use crate::resource::{Kind, Value};

fn style(action: Action) -> Style {
    let colour = match action {
        Action::Create => AnsiColor::Green,
        Action::Update => AnsiColor::Yellow,
        Action::Replace => AnsiColor::Magenta,
        Action::Delete => AnsiColor::Red,
    };
    Style::new().fg_color(Some(colour.into())).bold()
}

fn paint(text: &str, s: Style, colour: bool) -> String {
    if colour { format!("{}{text}{}", s.render(), s.render_reset()) } else { text.to_owned() }
}

/// The whole plan as text for stdout.
pub fn plan_text(plan: &Plan, colour: bool) -> String {
    let mut out = String::new();
    if let Some(partial) = &plan.partial {
        let _ = writeln!(out, "{}", paint(&format!("Warning: {}", partial.warning()), style(Action::Update), colour));
    }
    for m in &plan.moved {
        let _ = writeln!(
            out,
            "{} {} → {} (moved: same AWS resource, new address)",
            paint(" =>", style(Action::Update), colour),
            printable(m.from.as_str()),
            printable(m.to.as_str())
        );
    }
    if !plan.adopted.is_empty() {
        let list: Vec<&str> = plan.adopted.iter().map(|a| a.as_str()).collect();
        let _ =
            writeln!(out, "Found in AWS after an interrupted apply, to be recorded in the state: {}", list.join(", "));
    }
    for d in &plan.deposed {
        let _ = writeln!(
            out,
            "Old generation of {} ({}) left by an interrupted replacement, to be deleted: {}",
            d.address,
            d.kind,
            d.ids.join(", ")
        );
    }
    if !plan.has_changes() {
        out.push_str(if plan.moved.is_empty() {
            "No changes: AWS matches the stack.\n"
        } else {
            "No changes in AWS: apply records the new addresses.\n"
        });
        notices(&mut out, plan);
        return out;
    }
    for c in &plan.changes {
        let symbol = paint(&format!("{:>3}", c.action.symbol()), style(c.action), colour);
        let id = c.id.as_deref().map(|i| format!(" {}", printable(i))).unwrap_or_default();
        let _ = writeln!(out, "{symbol} {} ({}){id}", printable(c.address.as_str()), c.kind);
        for reason in &c.reasons {
            let _ = writeln!(out, "      # {}", printable(reason));
        }
        if plan.creates_before_destroying(&c.address) {
            let _ = writeln!(out, "      # the new one is created first; the old one is deleted once it is ready");
        }
        for a in &c.attributes {
            attribute_lines(&mut out, c.action, a);
        }
        if c.kind == Kind::Secret && c.action != Action::Delete {
            let desired = plan.desired.get(&c.address).map(|d| &d.attrs);
            let copied = desired.and_then(|a| crate::kinds::secret::COPY_FROM.map(a)?.get("secret")?.as_str());
            let origin = match copied {
                Some(from) => format!("copied from {from} at creation, AWS to AWS"),
                None => "generated in AWS at creation".to_owned(),
            };
            let _ = writeln!(out, "      value = (sensitive: {origin}, never shown or stored)");
        }
        if let Some(loss) = plan.data_loss.iter().find(|l| l.address == c.address) {
            let warning = format!("      ! DATA LOSS: {}", loss.reason);
            let _ = writeln!(out, "{}", paint(&warning, style(Action::Delete), colour));
            if loss.deletion_protection {
                let _ = writeln!(
                    out,
                    "      ! deletion protection is on in AWS: apply will refuse until the stack sets `deletion_protection: false` and that is applied"
                );
            }
        }
    }
    let s = plan.summary();
    let _ = writeln!(
        out,
        "\nPlan: {} to create, {} to update, {} to replace, {} to delete.",
        s.create, s.update, s.replace, s.delete
    );
    if !plan.data_loss.is_empty() {
        let list: Vec<&str> = plan.data_loss.iter().map(|l| l.address.as_str()).collect();
        let warning =
            format!("Warning: this plan destroys the data of {}; apply needs --allow-data-loss.", list.join(", "));
        let _ = writeln!(out, "{}", paint(&warning, style(Action::Delete), colour));
    }
    notices(&mut out, plan);
    out
}

/// What the user should know that no change carries out (instances pending reboot).
fn notices(out: &mut String, plan: &Plan) {
    for n in &plan.notices {
        let lines: Vec<_> = n.lines().map(printable).collect();
        let _ = writeln!(out, "Note: {}", lines.join("\n"));
    }
}

pub(super) fn planned(p: &Planned) -> String {
    match p {
        Planned::Known(v) => v.to_string(),
        Planned::KnownAfterApply(a) => format!("(known after apply: from {a})"),
    }
}

pub(super) fn attribute_lines(out: &mut String, action: Action, a: &AttrChange) {
    let mut notes = Vec::new();
    if a.forces_replacement {
        notes.push("forces replacement");
    }
    if a.drift {
        notes.push("drift");
    }
    let note = if notes.is_empty() { String::new() } else { format!("  # {}", notes.join(", ")) };
    match (&a.before, &a.after) {
        (None, after) => {
            let _ = writeln!(out, "      {} = {}", a.name, planned(after));
        }
        // Maps (tags) show only the keys that change.
        (Some(Value::Map(old)), Planned::Known(Value::Map(new))) if action != Action::Create => {
            let keys: BTreeSet<&String> = old.keys().chain(new.keys()).collect();
            for k in keys {
                match (old.get(k), new.get(k)) {
                    (Some(o), Some(n)) if o == n => {}
                    (Some(o), Some(n)) => {
                        let _ = writeln!(out, "    ~ {}.{}: {o} → {n}{note}", a.name, printable(k));
                    }
                    (Some(o), None) => {
                        let _ = writeln!(out, "    - {}.{}: {o}{note}", a.name, printable(k));
                    }
                    (None, Some(n)) => {
                        let _ = writeln!(out, "    + {}.{}: {n}{note}", a.name, printable(k));
                    }
                    (None, None) => {}
                }
            }
        }
        (Some(before), after) => {
            let _ = writeln!(out, "    ~ {}: {before} → {}{note}", a.name, planned(after));
        }
    }
}

/// `platformctl output`: one block per resource, its outputs aligned.
pub fn outputs_text(outputs: &crate::outputs::Outputs) -> String {
    let mut out = String::new();
    for (address, fields) in outputs {
        let _ = writeln!(out, "{address}");
        let width = fields.keys().map(String::len).max().unwrap_or(0);
        for (name, value) in fields {
            let shown = match value {
                Value::Str(s) => s.clone(),
                other => other.to_string(),
            };
            let _ = writeln!(out, "  {name:<width$}  {shown}");
        }
    }
    out
}
