//! What each command says when it is done: the apply and destroy summaries (on stderr: the
//! plan above is the data), `state list`, `validate`, `import`, `state rm|recover|push`,
//! `force-unlock`, `kubeconfig`, `promote`. One function per message, fed the data the command
//! returned.

use std::fmt::Write;
use std::path::Path;

use crate::plan::operations::ApplyReport;
use crate::resource::Address;
use crate::state::moves::Moved;
use crate::state::{ResourceState, State};

/// `platformctl order` and `affected`: the waves, and the same stacks flat in apply order (for
/// a CI matrix), as JSON.
pub fn waves(waves: &[Vec<crate::stack_order::Entry>]) -> String {
    let flat: Vec<&crate::stack_order::Entry> = waves.iter().flatten().collect();
    serde_json::to_string_pretty(&serde_json::json!({ "waves": waves, "stacks": flat })).expect("waves serialise")
}

/// The apply or destroy summary, and whether it succeeded. `retries`: AWS requests the SDK
/// retried (throttling, server errors).
pub fn apply_summary(report: &ApplyReport, destroy: bool, state: &str, retries: u64) -> (String, bool) {
    let verb = if destroy { "Destroy" } else { "Apply" };
    let retried = if retries > 0 {
        format!(", {retries} AWS requests retried (throttling or server errors)")
    } else {
        String::new()
    };
    if report.succeeded() {
        return (format!("{verb} complete: {} operations{retried}. State: {state}\n", report.completed.len()), true);
    }
    let mut out = String::new();
    for f in &report.failed {
        let _ = writeln!(out, "error: {f}");
    }
    for p in &report.panicked {
        let _ = writeln!(out, "error: an operation crashed (a platformctl bug, please report it): {p}");
    }
    if report.interrupted {
        let _ = writeln!(out, "{verb} interrupted.");
    }
    let _ = writeln!(
        out,
        "{verb} stopped: {} done, {} failed, {} not started. The state ({state}) records everything done so far; run the command again to continue.",
        report.completed.len(),
        report.failed.len(),
        report.not_started.len(),
    );
    if !report.not_started.is_empty() {
        let list: Vec<String> = report.not_started.iter().map(|o| o.to_string()).collect();
        let _ = writeln!(out, "Not started: {}", list.join(", "));
    }
    if !report.waits_left.is_empty() {
        let list: Vec<String> = report.waits_left.iter().map(|o| o.to_string()).collect();
        let _ =
            writeln!(out, "Sent to AWS, still in progress there (the next run waits for them): {}", list.join(", "));
    }
    (out, false)
}

/// `platformctl state list`: address, kind and id, one resource a line.
pub fn state_list(state: &State) -> String {
    let mut lines = String::new();
    for (address, r) in &state.resources {
        let id = r.id.as_deref().unwrap_or("(create pending)");
        let _ = writeln!(lines, "{address}\t{}\t{id}", r.kind);
    }
    if lines.is_empty() {
        lines.push_str("The state records no resources.\n");
    }
    lines
}

/// `platformctl state show`: one entry as JSON.
pub fn state_entry(entry: &ResourceState) -> String {
    serde_json::to_string_pretty(entry).expect("a state entry serialises")
}

pub fn validated(file: &Path, stack: &str, resources: usize) -> String {
    format!("{}: stack `{stack}` is valid ({resources} resources)", file.display())
}

pub fn imported(address: &str, id: &str) -> String {
    format!("Imported {id} as {address}. `platformctl plan` shows how it differs from the stack file.")
}

pub fn removed(address: &str, id: &str) -> String {
    format!("Removed {address} ({id}) from the state. It still exists in AWS; platformctl no longer manages it.")
}

pub fn moved(moved: &[Moved]) -> String {
    let lines: Vec<String> = moved.iter().map(|m| format!("  {} → {}", m.from, m.to)).collect();
    format!(
        "Moved {} entr{} of the state (same AWS resources, AWS names kept):\n{}",
        moved.len(),
        if moved.len() == 1 { "y" } else { "ies" },
        lines.join("\n")
    )
}

/// What `state mv --to-stack` did, for `moved_to_stack`.
pub struct MovedToStack<'a> {
    pub addresses: &'a [Address],
    pub from_state: &'a str,
    pub to_state: &'a str,
    pub retagged: usize,
    pub left: &'a [String],
}

pub fn moved_to_stack(m: &MovedToStack) -> String {
    let list: Vec<&str> = m.addresses.iter().map(|a| a.as_str()).collect();
    let mut text = format!(
        "Moved {} from {} to {}: {}. Tags updated on {} of them.",
        if list.len() == 1 { "1 entry".to_owned() } else { format!("{} entries", list.len()) },
        m.from_state,
        m.to_state,
        list.join(", "),
        m.retagged
    );
    if !m.left.is_empty() {
        let _ = write!(text, "\nThe other stack's next plan still shows:\n  {}", m.left.join("\n  "));
    }
    text
}

/// What `generate` wrote, for `generated`.
pub struct Generated<'a> {
    pub file: Option<&'a Path>,
    pub state: &'a Path,
    pub recorded: usize,
    pub missing: &'a [Address],
    pub not_expressed: usize,
}

pub fn generated(g: &Generated) -> String {
    let file = g.file.map_or("the stack file above".to_owned(), |f| f.display().to_string());
    let mut text = format!(
        "Wrote {file} and its state {} ({} resource{} found in AWS and recorded). Nothing was changed in AWS.",
        g.state.display(),
        g.recorded,
        if g.recorded == 1 { "" } else { "s" }
    );
    if g.not_expressed > 0 {
        let _ = write!(
            text,
            "\n{} resource{} the format cannot say are listed at the end of the file, with their ids.",
            g.not_expressed,
            if g.not_expressed == 1 { "" } else { "s" }
        );
    }
    if !g.missing.is_empty() {
        let list: Vec<&str> = g.missing.iter().map(|a| a.as_str()).collect();
        let _ = write!(text, "\nNot found in AWS (the next apply creates them): {}", list.join(", "));
    }
    text.push_str("\nThe first apply adds platformctl's tags (`Name`, `platformctl:stack`, `platformctl:address`) to what it found; `plan` shows them.");
    text
}

pub fn recovered(found: usize, wanted: usize, location: &str, missing: &[Address]) -> String {
    let mut text = format!("Recovered {found} of {wanted} resources into {location}.");
    if !missing.is_empty() {
        let list: Vec<&str> = missing.iter().map(|a| a.as_str()).collect();
        let _ = write!(text, " Not found in AWS (the next apply creates them): {}", list.join(", "));
    }
    text
}

pub fn pushed(file: &Path, location: &str) -> String {
    format!("Pushed {} to {location}.", file.display())
}

pub fn unlocked(location: &str) -> String {
    format!("Unlocked {location}.")
}

pub fn kubeconfig_written(context: &str, cluster: &str, path: &Path) -> String {
    format!("Added context `{context}` for cluster {cluster} to {} and made it current.", path.display())
}

/// What a promotion did, and the stack file edit that keeps it.
pub struct Promoted<'a> {
    pub address: &'a str,
    pub identifier: &'a str,
    /// False when the instance was already standalone (a promote run again).
    pub sent: bool,
    pub endpoint: Option<&'a str>,
    /// The secret whose `host` now names the instance, if the stack has applied it.
    pub secret: Option<&'a str>,
    pub stack_file: &'a Path,
}

/// What `promote --dns` turned round: (this stack's record, the record it demoted).
pub fn dns_taken_over(flips: &[(String, Option<String>)], stack_file: &Path) -> String {
    let mut text = String::new();
    for (record, demoted) in flips {
        let _ = match demoted {
            Some(other) => writeln!(text, "{record} is now the failover primary; {other} the secondary."),
            None => writeln!(text, "{record} was the failover primary already."),
        };
    }
    let _ = write!(
        text,
        "Next: write `failover: primary` for these records in {} and `failover: secondary` for the demoted ones in their stack files; until then both stacks' plans keep the new roles (docs/teams.md, failing over).",
        stack_file.display()
    );
    text
}

pub fn promoted(p: &Promoted) -> String {
    let mut text =
        format!("{} {} {}.\n", if p.sent { "Promoted" } else { "Already promoted:" }, p.address, p.identifier);
    if let Some(endpoint) = p.endpoint {
        let _ = writeln!(text, "  Endpoint: {endpoint}");
    }
    if let Some(secret) = p.secret {
        let _ = writeln!(text, "  Secret {secret}: `host` now names it.");
    }
    let _ = write!(
        text,
        "Next: add `promoted: true` under `{}`'s `replica_of` in {}; until then plans offer to replace it with a new replica (refused without --allow-data-loss).",
        p.address,
        p.stack_file.display()
    );
    text
}
