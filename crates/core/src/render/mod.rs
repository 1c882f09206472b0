//! Output for people and machines, in one place: the human plan (Terraform-like, colour only
//! when asked), the versioned JSON plan, the pull request comment, drift, the graph, progress,
//! and what every command reports when it is done (`report`). Commands hand data here and never
//! format text themselves.

pub mod checks;
pub mod drift;
pub mod escape;
pub mod graph;
pub mod human;
pub mod json;
pub mod markdown;
pub mod progress;
pub mod report;
pub mod sarif;

/// Whether stdout should get colour: a terminal, and `NO_COLOR` unset.
pub fn colour_on_stdout() -> bool {
    use std::io::IsTerminal;
    std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty()) && std::io::stdout().is_terminal()
}
