//! Reads a stack file and turns its YAML into a `StackSpec`, collecting every shape error with
//! its line and column. Each top-level section, and each named entry of a section, is
//! deserialised on its own so that one mistake does not hide the next.
//!
//! Refuses, with a clear error and never a panic: a missing file, a directory, binary or
//! non-UTF-8 content, an empty file, malformed YAML, duplicate keys, YAML anchors and tags.

use std::path::{Path, PathBuf};

use marked_yaml::{LoadError, LoaderOptions, Node, from_node};
use serde::de::DeserializeOwned;

use super::StackSpec;
use super::located::{Located, location_of};
use crate::diagnostics::{Diagnostic, Diagnostics, Location};

/// The top-level sections this version of the format knows. A unit test checks that this list
/// and `StackSpec`'s fields (and so the JSON Schema) are the same.
pub const SECTIONS: &[&str] = &[
    "stack",
    "region",
    "tags",
    "network",
    "security_groups",
    "secrets",
    "postgres",
    "aurora",
    "redis",
    "eks",
    "ecr",
    "log_groups",
    "state",
    "peering",
];

/// A parsed stack file: its spec, where it came from and its text (for error excerpts).
/// Shape errors do not stop here: they travel with the sections that did parse, so that
/// validation reports them together with its own.
#[derive(Debug)]
pub struct LoadedSpec {
    pub path: PathBuf,
    pub source: String,
    pub spec: StackSpec,
    pub problems: Vec<Diagnostic>,
    /// Top-level sections that were present but could not be read.
    pub unreadable_sections: Vec<String>,
}

/// Why a stack file could not be turned into a `StackSpec`.
#[derive(Debug, thiserror::Error)]
pub enum StackFileError {
    #[error("cannot read stack file `{path}`: {source}\n  hint: {hint}")]
    Unreadable { path: PathBuf, source: std::io::Error, hint: &'static str },
    #[error("`{path}` is a directory, not a stack file\n  hint: pass the YAML file itself, e.g. `{path}/stack.yaml`")]
    Directory { path: PathBuf },
    #[error(
        "`{path}` is not a text file ({what})\n  hint: a stack file is UTF-8 YAML text; check that the right file was passed"
    )]
    NotText { path: PathBuf, what: &'static str },
    #[error("{0}")]
    Invalid(Diagnostics),
}

/// Reads and parses a stack file from disk.
pub fn load_file(path: &Path) -> Result<LoadedSpec, StackFileError> {
    if path.is_dir() {
        return Err(StackFileError::Directory { path: path.to_path_buf() });
    }
    let bytes = std::fs::read(path).map_err(|source| {
        let hint = match source.kind() {
            std::io::ErrorKind::NotFound => "check the path; stack files usually live in `stacks/`",
            std::io::ErrorKind::PermissionDenied => "check the file's permissions",
            _ => "check that the path names a readable file",
        };
        StackFileError::Unreadable { path: path.to_path_buf(), source, hint }
    })?;
    if bytes.contains(&0) {
        return Err(StackFileError::NotText { path: path.to_path_buf(), what: "it contains NUL bytes" });
    }
    let source = String::from_utf8(bytes)
        .map_err(|_| StackFileError::NotText { path: path.to_path_buf(), what: "it is not valid UTF-8" })?;
    parse_str(path, &source)
}

/// Parses stack YAML already in memory; `path` is used only in messages.
pub fn parse_str(path: &Path, source: &str) -> Result<LoadedSpec, StackFileError> {
    let mut diags = Diagnostics::new(path, source);
    let mut unreadable_sections = Vec::new();
    match parse_into(source, &mut diags, &mut unreadable_sections) {
        Some(spec) => Ok(LoadedSpec {
            path: path.to_path_buf(),
            source: source.to_owned(),
            spec,
            problems: diags.items().to_vec(),
            unreadable_sections,
        }),
        None => Err(StackFileError::Invalid(diags)),
    }
}

fn parse_into(source: &str, diags: &mut Diagnostics, unreadable: &mut Vec<String>) -> Option<StackSpec> {
    if source.lines().all(|l| l.trim().is_empty() || l.trim_start().starts_with('#')) {
        diags.push(
            Diagnostic::new(None, "(file)", "the stack file is empty").with_hint(
                "a stack needs at least `stack: <name>` and `region: <aws region>`; see docs/stack-format.md",
            ),
        );
        return None;
    }
    let options = LoaderOptions::default().error_on_duplicate_keys(true);
    let root = match marked_yaml::parse_yaml_with_options(0, source, options) {
        Ok(node) => node,
        Err(err) => {
            diags.push(yaml_error(err));
            return None;
        }
    };
    let Some(mapping) = root.as_mapping() else {
        diags.push(Diagnostic::new(location_of(root.span()), "(file)", "a stack file must be a YAML mapping"));
        return None;
    };

    let mut spec = StackSpec::default();
    for (key, value) in mapping.iter() {
        let name = key.as_str();
        let at = location_of(key.span());
        let before = diags.len();
        match name {
            "stack" => spec.stack = section(value, name, diags),
            "region" => spec.region = section(value, name, diags),
            "tags" => spec.tags = section(value, name, diags).unwrap_or_default(),
            "network" if value.as_mapping().is_some_and(|m| m.get_node("from_stack").is_some()) => {
                spec.network_from = section::<super::NetworkFromSpec>(value, name, diags).map(|n| n.from_stack)
            }
            "network" => spec.network = section(value, name, diags),
            "security_groups" => spec.security_groups = named_entries(value, name, diags),
            "secrets" => spec.secrets = named_entries(value, name, diags),
            "postgres" => {
                // An entry with `replica_of` is a replica of another stack's instance: its own type.
                let is_replica = |v: &Node| v.as_mapping().is_some_and(|m| m.get_node("replica_of").is_some());
                spec.postgres = named_entries_where(value, name, diags, |v| !is_replica(v));
                if value.as_mapping().is_some() {
                    spec.postgres_replicas = named_entries_where(value, name, diags, is_replica);
                }
            }
            "aurora" => spec.aurora = named_entries(value, name, diags),
            "redis" => spec.redis = named_entries(value, name, diags),
            "eks" => spec.eks = named_entries(value, name, diags),
            "ecr" => spec.ecr = named_entries(value, name, diags),
            "log_groups" => spec.log_groups = named_entries(value, name, diags),
            "state" => spec.state = section(value, name, diags),
            "peering" => spec.peering = named_entries(value, name, diags),
            _ => diags.push(
                Diagnostic::new(at, name, format!("unknown field `{name}`"))
                    .with_hint(format!("top-level fields are: {}", quoted_list(SECTIONS))),
            ),
        }
        if diags.len() > before && SECTIONS.contains(&name) {
            unreadable.push(name.to_owned());
        }
    }
    Some(spec)
}

/// Deserialises one section, recording its error (if any) instead of stopping.
fn section<T: DeserializeOwned>(node: &Node, path: &str, diags: &mut Diagnostics) -> Option<T> {
    match from_node::<T>(node) {
        Ok(v) => Some(v),
        Err(err) => {
            diags.push(serde_error(&err, path, location_of(node.span())));
            None
        }
    }
}

/// Deserialises a `name: settings` section entry by entry, so every bad entry is reported.
fn named_entries<T: DeserializeOwned>(
    node: &Node,
    path: &str,
    diags: &mut Diagnostics,
) -> indexmap::IndexMap<Located<String>, T> {
    named_entries_where(node, path, diags, |_| true)
}

/// `named_entries` for the entries whose settings `wanted` picks (sections with two shapes).
fn named_entries_where<T: DeserializeOwned>(
    node: &Node,
    path: &str,
    diags: &mut Diagnostics,
    wanted: impl Fn(&Node) -> bool,
) -> indexmap::IndexMap<Located<String>, T> {
    let mut out = indexmap::IndexMap::new();
    let Some(mapping) = node.as_mapping() else {
        diags.push(
            Diagnostic::new(location_of(node.span()), path, format!("`{path}` must be a mapping of names to settings"))
                .with_hint(format!("write it as `{path}:` followed by indented `name: {{ ... }}` entries")),
        );
        return out;
    };
    for (key, value) in mapping.iter().filter(|(_, v)| wanted(v)) {
        let entry_path = format!("{path}.{}", key.as_str());
        if let Some(v) = section::<T>(value, &entry_path, diags) {
            out.insert(Located::from_span(key.as_str().to_owned(), key.span()), v);
        }
    }
    out
}

fn serde_error(err: &marked_yaml::FromNodeError, section: &str, fallback: Option<Location>) -> Diagnostic {
    use marked_yaml::Error;
    let field = match err.path() {
        Some(p) if !p.is_empty() && p != "." => format!("{section}.{p}"),
        _ => section.to_owned(),
    };
    let location = err.start_mark().map(|m| Location { line: m.line(), column: m.column() }).or(fallback);
    let (message, hint) = match &**err {
        Error::UnknownFieldError(name, expected, _) => (
            format!("unknown field `{name}`"),
            Some(if expected.is_empty() {
                "this mapping takes no fields".to_owned()
            } else {
                format!("expected one of: {}", quoted_list(expected))
            }),
        ),
        Error::NotBoolean(_) => ("expected `true` or `false`".to_owned(), None),
        Error::IntegerParseFailure(e, _) => (format!("expected a whole number: {e}"), None),
        Error::FloatParseFailure(e, _) => (format!("expected a number: {e}"), None),
        Error::Other(msg, _) => (tidy_serde_message(msg), hint_for_serde_message(msg)),
    };
    let mut d = Diagnostic::new(location, field, message);
    d.hint = hint.or_else(|| Some("see docs/stack-format.md for this field".to_owned()));
    d
}

/// serde says "invalid type: sequence, expected a string"; keep it, minus trailing noise.
fn tidy_serde_message(msg: &str) -> String {
    msg.trim_end_matches('.').to_owned()
}

fn hint_for_serde_message(msg: &str) -> Option<String> {
    if msg.starts_with("missing field") {
        Some("add the field; see docs/stack-format.md".to_owned())
    } else if msg.starts_with("unknown variant") {
        Some("use one of the listed values".to_owned())
    } else {
        None
    }
}

fn yaml_error(err: LoadError) -> Diagnostic {
    let at = |m: &marked_yaml::Marker| Some(Location { line: m.line(), column: m.column() });
    match err {
        LoadError::ScanError(mark, scan) => {
            Diagnostic::new(at(&mark), "(yaml)", format!("malformed YAML: {}", scan.info()))
                .with_hint("check indentation, quotes and brackets around this place")
        }
        LoadError::DuplicateKey(inner) => Diagnostic::new(
            location_of(inner.key.span()),
            inner.key.as_str(),
            format!("`{}` is given twice", inner.key.as_str()),
        )
        .with_hint(format!(
            "the first one is on line {}; keep one of them",
            location_of(inner.prev_key.span()).map_or(0, |l| l.line)
        )),
        LoadError::UnexpectedAnchor(mark) => {
            Diagnostic::new(at(&mark), "(yaml)", "YAML anchors and aliases are not supported")
                .with_hint("write the values out; stack files stay explicit")
        }
        LoadError::UnexpectedTag(mark) => Diagnostic::new(at(&mark), "(yaml)", "YAML tags (`!tag`) are not supported")
            .with_hint("remove the tag; quote the value if it is a string"),
        LoadError::MappingKeyMustBeScalar(mark) => {
            Diagnostic::new(at(&mark), "(yaml)", "mapping keys must be plain strings")
        }
        LoadError::TopLevelMustBeMapping(mark) | LoadError::TopLevelMustBeSequence(mark) => {
            Diagnostic::new(at(&mark), "(file)", "a stack file must be a YAML mapping")
                .with_hint("start with `stack: <name>` and `region: <aws region>`")
        }
    }
}

fn quoted_list(items: &[&str]) -> String {
    items.iter().map(|s| format!("`{s}`")).collect::<Vec<_>>().join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn errors(src: &str) -> Vec<Diagnostic> {
        match parse_str(Path::new("t.yaml"), src) {
            Ok(loaded) => loaded.problems,
            Err(StackFileError::Invalid(d)) => d.items().to_vec(),
            Err(e) => panic!("unexpected error {e}"),
        }
    }

    #[test]
    fn sections_match_the_schema() {
        let schema = schemars::schema_for!(StackSpec);
        let props = schema.get("properties").and_then(|p| p.as_object()).expect("properties");
        let mut from_schema: Vec<&str> = props.keys().map(String::as_str).collect();
        let mut sections = SECTIONS.to_vec();
        from_schema.sort();
        sections.sort();
        assert_eq!(from_schema, sections, "load::SECTIONS and StackSpec's fields disagree");
    }

    #[test]
    fn reports_every_unknown_field_with_position() {
        let errs = errors(
            "stack: a\nregion: eu-west-1\nnetwrok: {}\nsecurity_groups:\n  a: { descripton: x }\n  b: { ingress: [{ protocol: tcp, port: 1, from: vpc, colour: red }] }\n",
        );
        let msgs: Vec<String> =
            errs.iter().map(|d| format!("{}@{:?}", d.message, d.location.map(|l| l.line))).collect();
        assert_eq!(errs.len(), 3, "{msgs:?}");
        assert!(msgs[0].starts_with("unknown field `netwrok`@Some(3)"), "{msgs:?}");
        assert!(msgs.iter().any(|m| m.starts_with("unknown field `descripton`@Some(5)")), "{msgs:?}");
        assert!(msgs.iter().any(|m| m.starts_with("unknown field `colour`@Some(6)")), "{msgs:?}");
    }

    #[test]
    fn empty_and_comment_only_files_are_empty() {
        for src in ["", "   \n", "# nothing\n"] {
            let errs = errors(src);
            assert_eq!(errs.len(), 1);
            assert_eq!(errs[0].message, "the stack file is empty");
        }
    }

    #[test]
    fn malformed_yaml_and_non_mappings_are_errors_not_panics() {
        for src in [
            "stack: [unclosed\n",
            "- a\n- b\n",
            "just a string",
            "a: &x 1\nb: *x\n",
            "stack: !!str x\n",
            "? [a]\n: 1\n",
        ] {
            assert!(!errors(src).is_empty(), "no error for {src:?}");
        }
    }

    #[test]
    fn duplicate_keys_are_reported() {
        let errs = errors("stack: a\nstack: b\nregion: eu-west-1\n");
        assert_eq!(errs.len(), 1);
        assert!(errs[0].message.contains("given twice"), "{:?}", errs[0]);
        assert_eq!(errs[0].location.map(|l| l.line), Some(2));
    }

    #[test]
    fn wrong_types_name_the_field() {
        let errs = errors(
            "stack: a\nregion: eu-west-1\nnetwork:\n  cidr: [1]\n  azs: []\n  public_subnets: []\n  private_subnets: []\n",
        );
        assert_eq!(errs.len(), 1, "{errs:?}");
        assert!(errs[0].field.starts_with("network"), "{:?}", errs[0]);
        assert_eq!(errs[0].location.map(|l| l.line), Some(4), "{:?}", errs[0]);
    }
}
