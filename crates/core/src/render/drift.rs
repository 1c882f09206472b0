//! `platformctl drift` for people: each drifted resource with what was expected and what AWS
//! has, or that it was deleted outside platformctl.

use crate::drift::Drifted;

/// The report for people.
pub fn text(drifted: &[Drifted]) -> String {
    if drifted.is_empty() {
        return "No drift: AWS matches what platformctl last applied.\n".to_owned();
    }
    let mut out = String::new();
    for d in drifted {
        if d.deleted {
            out.push_str(&format!("- {} ({}) {}: deleted outside platformctl\n", d.address, d.kind, d.id));
            continue;
        }
        out.push_str(&format!("~ {} ({}) {}\n", d.address, d.kind, d.id));
        for a in &d.attributes {
            out.push_str(&format!("    {}: expected {}, actual {}\n", a.name, a.expected, a.actual));
        }
    }
    out.push_str(&format!(
        "\nDrift: {} resource(s) changed outside platformctl. `platformctl plan` shows how apply repairs it.\n",
        drifted.len()
    ));
    out
}
