//! Asking before changing AWS: only on a terminal, only `yes` counts. Without a terminal and
//! without `--auto-approve`, refuse at once with a hint rather than wait for input.

use std::io::{BufRead, IsTerminal, Write};

pub fn confirm(question: &str) -> anyhow::Result<bool> {
    if !std::io::stdin().is_terminal() {
        anyhow::bail!(
            "refusing to change AWS without confirmation: standard input is not a terminal\n  hint: review the plan above, then pass `--auto-approve`"
        );
    }
    let mut stderr = std::io::stderr();
    write!(stderr, "{question}\n  Only `yes` is accepted: ")?;
    stderr.flush()?;
    let mut answer = String::new();
    std::io::stdin().lock().read_line(&mut answer)?;
    Ok(answer.trim() == "yes")
}
