//! The `platformctl` binary: maps the outcome of a command to a process exit code.

use std::process::ExitCode;

fn main() -> ExitCode {
    platformctl::cli::main()
}
