//! Output for people and machines, in one place: the human plan (Terraform-like, colour only
//! when asked), the versioned JSON plan, and apply summaries. The engine hands data here and
//! never formats text itself.

pub mod human;
pub mod json;
pub mod markdown;

/// Whether stdout should get colour: a terminal, and `NO_COLOR` unset.
pub fn colour_on_stdout() -> bool {
    use std::io::IsTerminal;
    std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty()) && std::io::stdout().is_terminal()
}
