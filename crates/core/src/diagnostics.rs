//! Input errors that point at a place in a stack file: file, line, column, field, what was
//! expected, and a hint. Collected, never thrown one at a time, so a user sees every mistake in
//! one run. Rendering to text lives here too because it needs the source lines for the excerpt.
//! A stack may be read from several files (an environment file and the files it extends): each
//! location names its file.

use std::fmt;
use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};

/// A 1-based position in one of the stack's files (`source` indexes `Sources`: 0 is the file
/// the command was given, then the files it extends, in order).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct Location {
    pub source: usize,
    pub line: usize,
    pub column: usize,
}

impl Location {
    /// A position in the file the command was given.
    pub fn new(line: usize, column: usize) -> Location {
        Location { source: 0, line, column }
    }
}

/// The files a stack is read from, with their text: the stack (or environment) file, then
/// each file it extends.
#[derive(Clone, Debug, Default)]
pub struct Sources {
    files: Vec<(PathBuf, String)>,
}

impl Sources {
    pub fn single(path: &Path, text: &str) -> Sources {
        Sources { files: vec![(path.to_path_buf(), text.to_owned())] }
    }

    /// Adds a file and returns its source id.
    pub fn push(&mut self, path: &Path, text: &str) -> usize {
        self.files.push((path.to_path_buf(), text.to_owned()));
        self.files.len() - 1
    }

    /// The file the command was given.
    pub fn main(&self) -> &Path {
        self.files.first().map_or(Path::new("(stack)"), |(p, _)| p)
    }

    pub fn path(&self, source: usize) -> &Path {
        self.files.get(source).map_or(self.main(), |(p, _)| p)
    }

    pub fn text(&self, source: usize) -> &str {
        self.files.get(source).map_or("", |(_, t)| t)
    }

    /// The folder of the file a value was written in: where its relative paths start.
    pub fn dir_of(&self, location: Option<Location>) -> &Path {
        // `stack.yaml`'s folder is the empty path: joined, `policies/x.json` stays as written.
        let path = self.path(location.map_or(0, |l| l.source));
        path.parent().unwrap_or(Path::new(""))
    }

    pub fn paths(&self) -> impl Iterator<Item = &Path> {
        self.files.iter().map(|(p, _)| p.as_path())
    }

    /// What a saved plan was made from: the SHA-256 of the stack file's text, or, when it
    /// extends others, of every file's path and text in order.
    pub fn digest(&self) -> String {
        let mut hasher = Sha256::new();
        match self.files.as_slice() {
            [(_, text)] => hasher.update(text.as_bytes()),
            files => {
                for (path, text) in files {
                    hasher.update(path.display().to_string().as_bytes());
                    hasher.update([0]);
                    hasher.update(text.as_bytes());
                    hasher.update([0]);
                }
            }
        }
        hasher.finalize().iter().map(|b| format!("{b:02x}")).collect()
    }
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

/// Every problem found in one stack, with its files' text for excerpts.
#[derive(Clone, Debug)]
pub struct Diagnostics {
    sources: Sources,
    items: Vec<Diagnostic>,
}

impl Diagnostics {
    pub fn new(sources: &Sources) -> Self {
        Diagnostics { sources: sources.clone(), items: Vec::new() }
    }

    /// The file the command was given.
    pub fn file(&self) -> &Path {
        self.sources.main()
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
        use crate::render::escape::{printable, window};
        for d in self.sorted() {
            out.push_str(&format!("error: {}\n", printable(&d.message)));
            match d.location {
                Some(loc) => {
                    let file = self.sources.path(loc.source).display();
                    let field = printable(&d.field);
                    out.push_str(&format!("  --> {file}:{}:{} ({field})\n", loc.line, loc.column));
                    if let Some(line) = self.sources.text(loc.source).lines().nth(loc.line.saturating_sub(1)) {
                        let gutter = loc.line.to_string().len();
                        let pad = " ".repeat(gutter);
                        // A long line (minified YAML) is shown around the column only.
                        let (text, column) = window(line, loc.column.max(1), 120);
                        let text = text.replace('\t', " ");
                        out.push_str(&format!("{pad} |\n{} | {}\n", loc.line, printable(&text)));
                        let caret_pad = " ".repeat(column.saturating_sub(1));
                        out.push_str(&format!("{pad} | {caret_pad}^\n"));
                    }
                }
                None => out.push_str(&format!("  --> {} ({})\n", self.file().display(), d.field)),
            }
            if let Some(hint) = &d.hint {
                out.push_str(&format!("  hint: {}\n", printable(hint)));
            }
            out.push('\n');
        }
        let n = self.items.len();
        out.push_str(&format!("{} error{} in {}\n", n, if n == 1 { "" } else { "s" }, self.file().display()));
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
        let mut d = Diagnostics::new(&Sources::single(Path::new("s.yaml"), src));
        d.push(
            Diagnostic::new(Some(Location::new(2, 9)), "region", "unknown region `mars-1`")
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
        let mut d = Diagnostics::new(&Sources::single(Path::new("s.yaml"), "a: 1\nb: 2\n"));
        d.push(Diagnostic::new(Some(Location::new(2, 1)), "b", "second"));
        d.push(Diagnostic::new(None, "stack", "missing"));
        d.push(Diagnostic::new(Some(Location::new(1, 1)), "a", "first"));
        let text = d.render();
        let missing = text.find("missing").unwrap();
        let first = text.find("first").unwrap();
        let second = text.find("second").unwrap();
        assert!(missing < first && first < second, "{text}");
        assert!(text.contains("3 errors"));
    }

    #[test]
    fn each_error_names_the_file_that_set_the_value() {
        let mut sources = Sources::single(Path::new("prod.yaml"), "extends: base.yaml\nstack: prod\n");
        let base = sources.push(Path::new("base.yaml"), "stack: base\nregion: mars-1\n");
        let mut d = Diagnostics::new(&sources);
        d.push(Diagnostic::new(Some(Location { source: base, line: 2, column: 9 }), "region", "unknown region"));
        let text = d.render();
        assert!(text.contains("--> base.yaml:2:9 (region)\n  |\n2 | region: mars-1"), "{text}");
        assert!(text.ends_with("1 error in prod.yaml\n"), "{text}");
        assert_ne!(
            sources.digest(),
            Sources::single(Path::new("prod.yaml"), "extends: base.yaml\nstack: prod\n").digest()
        );
    }
}
