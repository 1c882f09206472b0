//! Input errors that point at a place in a stack file: file, line, column, field, what was
//! expected, and a hint. Collected, never thrown one at a time, so a user sees every mistake in
//! one run. Rendering to text lives here too because it needs the source lines for the excerpt.

use std::fmt;
use std::path::{Path, PathBuf};

/// A 1-based position in a source file.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct Location {
    pub line: usize,
    pub column: usize,
}

/// One problem found in a stack file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Diagnostic {
    /// Where the problem is; `None` when the input has no position to point at (e.g. an empty
    /// file or a missing top-level field).
    pub location: Option<Location>,
    /// The field path in the stack, like `network.public_subnets[1]`.
    pub field: String,
    pub message: String,
    pub hint: Option<String>,
}

impl Diagnostic {
    pub fn new(location: Option<Location>, field: impl Into<String>, message: impl Into<String>) -> Self {
        Diagnostic { location, field: field.into(), message: message.into(), hint: None }
    }

    pub fn with_hint(mut self, hint: impl Into<String>) -> Self {
        self.hint = Some(hint.into());
        self
    }
}

/// Every problem found in one stack file, with the file's text for excerpts.
#[derive(Clone, Debug)]
pub struct Diagnostics {
    pub file: PathBuf,
    source: String,
    items: Vec<Diagnostic>,
}

impl Diagnostics {
    pub fn new(file: &Path, source: &str) -> Self {
        Diagnostics { file: file.to_path_buf(), source: source.to_owned(), items: Vec::new() }
    }

    pub fn push(&mut self, diagnostic: Diagnostic) {
        self.items.push(diagnostic);
    }

    pub fn is_empty(&self) -> bool {
        self.items.is_empty()
    }

    pub fn len(&self) -> usize {
        self.items.len()
    }

    pub fn items(&self) -> &[Diagnostic] {
        &self.items
    }

    /// Sorted by position so the output reads top to bottom like the file.
    fn sorted(&self) -> Vec<&Diagnostic> {
        let mut items: Vec<&Diagnostic> = self.items.iter().collect();
        items.sort_by_key(|d| (d.location.is_some(), d.location));
        items
    }

    /// Renders like a compiler: message, `--> file:line:col (field)`, the source line with a
    /// caret under the column, then the hint.
    pub fn render(&self) -> String {
        let mut out = String::new();
        let lines: Vec<&str> = self.source.lines().collect();
        for d in self.sorted() {
            out.push_str(&format!("error: {}\n", d.message));
            match d.location {
                Some(loc) => {
                    out.push_str(&format!("  --> {}:{}:{} ({})\n", self.file.display(), loc.line, loc.column, d.field));
                    if let Some(text) = lines.get(loc.line.saturating_sub(1)) {
                        let gutter = loc.line.to_string().len();
                        let pad = " ".repeat(gutter);
                        out.push_str(&format!("{pad} |\n{} | {}\n", loc.line, text));
                        let caret_pad: String = text
                            .chars()
                            .take(loc.column.saturating_sub(1))
                            .map(|c| if c == '\t' { '\t' } else { ' ' })
                            .collect();
                        out.push_str(&format!("{pad} | {caret_pad}^\n"));
                    }
                }
                None => out.push_str(&format!("  --> {} ({})\n", self.file.display(), d.field)),
            }
            if let Some(hint) = &d.hint {
                out.push_str(&format!("  hint: {hint}\n"));
            }
            out.push('\n');
        }
        let n = self.items.len();
        out.push_str(&format!("{} error{} in {}\n", n, if n == 1 { "" } else { "s" }, self.file.display()));
        out
    }
}

impl fmt::Display for Diagnostics {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.render())
    }
}

impl std::error::Error for Diagnostics {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn render_points_at_line_and_column_with_hint() {
        let src = "stack: demo\nregion: mars-1\n";
        let mut d = Diagnostics::new(Path::new("s.yaml"), src);
        d.push(
            Diagnostic::new(Some(Location { line: 2, column: 9 }), "region", "unknown region `mars-1`")
                .with_hint("use an AWS region such as `eu-west-1`"),
        );
        let text = d.render();
        assert!(text.contains("--> s.yaml:2:9 (region)"), "{text}");
        assert!(text.contains("2 | region: mars-1\n  |         ^"), "{text}");
        assert!(text.contains("hint: use an AWS region"), "{text}");
        assert!(text.ends_with("1 error in s.yaml\n"), "{text}");
    }

    #[test]
    fn render_orders_by_position_and_handles_missing_location() {
        let mut d = Diagnostics::new(Path::new("s.yaml"), "a: 1\nb: 2\n");
        d.push(Diagnostic::new(Some(Location { line: 2, column: 1 }), "b", "second"));
        d.push(Diagnostic::new(None, "stack", "missing"));
        d.push(Diagnostic::new(Some(Location { line: 1, column: 1 }), "a", "first"));
        let text = d.render();
        let missing = text.find("missing").unwrap();
        let first = text.find("first").unwrap();
        let second = text.find("second").unwrap();
        assert!(missing < first && first < second, "{text}");
        assert!(text.contains("3 errors"));
    }
}
