//! Reads a stack file and turns its YAML into a `StackSpec`, collecting every shape error with
//! its file, line and column. Each top-level section, and each named entry of a section, is
//! deserialised on its own so that one mistake does not hide the next.
//!
//! An environment file extends a base (`extends: ../user-service.yaml`, chains allowed, cycles
//! refused): the base's YAML is read first and the environment's merged over it — mappings by
//! key, recursively; lists and scalars replaced; `null` removes a key. Every value keeps the
//! file and line that set it, so errors point there. An environment names its own `stack:`.
//!
//! Refuses, with a clear error and never a panic: a missing file, a directory, binary or
//! non-UTF-8 content, an empty file, malformed YAML, duplicate keys, YAML anchors and tags.

use std::path::{Path, PathBuf};

use marked_yaml::types::MarkedMappingNode;
use marked_yaml::{LoadError, LoaderOptions, Node, from_node};
use serde::de::DeserializeOwned;

use super::StackSpec;
use super::located::{Located, location_of, marker_location};
use crate::diagnostics::{Diagnostic, Diagnostics, Location, Sources};

/// The top-level sections this version of the format knows. A unit test checks that this list
/// and `StackSpec`'s fields (and so the JSON Schema) are the same.
pub const SECTIONS: &[&str] = &[
    "stack",
    "region",
    "tags",
    "network",
    "security_groups",
    "kms_keys",
    "secrets",
    "postgres",
    "aurora",
    "redis",
    "eks",
    "ecr",
    "log_groups",
    "notifications",
    "alarms",
    "dns",
    "certificates",
    "state",
    "peering",
    "extends",
    "account_id",
    "assume_role",
    "checks",
    "moved",
];

/// A parsed stack file: its spec, the files it came from and their text (for error excerpts).
/// Shape errors do not stop here: they travel with the sections that did parse, so that
/// validation reports them together with its own.
#[derive(Debug)]
pub struct LoadedSpec {
    pub sources: Sources,
    pub spec: StackSpec,
    pub problems: Vec<Diagnostic>,
    /// Top-level sections that were present but could not be read.
    pub unreadable_sections: Vec<String>,
    /// The YAML as merged from the files (environments over their bases), every node with its
    /// position: where `platformctl check` finds the line that sets a value, or the section
    /// that leaves it at its default.
    pub tree: Node,
}

impl LoadedSpec {
    /// Every file the stack's plan depends on: the stack file, the files it extends and the
    /// policy files it reads (resolved from the file that names them).
    pub fn inputs(&self) -> Vec<PathBuf> {
        let mut files: Vec<PathBuf> = self.sources.paths().map(Path::to_path_buf).collect();
        for eks in self.spec.eks.values() {
            for sa in eks.service_accounts.values() {
                if let Some(file) = &sa.policy_file {
                    files.push(self.sources.dir_of(file.location()).join(file.value()));
                }
            }
        }
        files
    }
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
    #[error("{0}\n  hint: a stack file is a regular YAML file of the repository; check that the right file was passed")]
    NotAStackFile(crate::input_file::InputError),
    #[error("{0}")]
    Invalid(Diagnostics),
}

/// Reads and parses a stack file from disk, with the files it extends.
pub fn load_file(path: &Path) -> Result<LoadedSpec, StackFileError> {
    let mut sources = Sources::default();
    let mut found = Vec::new();
    let root = read_tree(path, &mut sources, &mut Vec::new(), &mut found)?;
    // The problems found while reading, now that every file they may point into is known.
    let mut diags = Diagnostics::new(&sources);
    found.into_iter().for_each(|d| diags.push(d));
    match root {
        Some(root) => parsed(root, sources, &mut diags),
        None => Err(StackFileError::Invalid(diags)),
    }
}

/// Reads one file of the chain: its text checked, its YAML parsed with its own source id, then
/// merged over the base it extends. `None` with diagnostics when it cannot be read as YAML.
fn read_tree(
    path: &Path,
    sources: &mut Sources,
    chain: &mut Vec<PathBuf>,
    diags: &mut Vec<Diagnostic>,
) -> Result<Option<Node>, StackFileError> {
    let text = read_text(path)?;
    let id = sources.push(path, &text);
    if text.lines().all(|l| l.trim().is_empty() || l.trim_start().starts_with('#')) {
        let file = if id == 0 { "the stack file" } else { "the base stack file" };
        diags.push(
            Diagnostic::new(None, "(file)", format!("{file} is empty")).with_hint(
                "a stack needs at least `stack: <name>` and `region: <aws region>`; see docs/stack-format.md",
            ),
        );
        return Ok(None);
    }
    let options = LoaderOptions::default().error_on_duplicate_keys(true);
    let mut root = match marked_yaml::parse_yaml_with_options(id, &text, options) {
        Ok(node) => node,
        Err(err) => {
            diags.push(yaml_error(err));
            return Ok(None);
        }
    };
    if depth(&root, MAX_DEPTH) > MAX_DEPTH {
        diags.push(
            Diagnostic::new(
                location_of(root.span()),
                "(file)",
                format!("the YAML nests deeper than {MAX_DEPTH} levels"),
            )
            .with_hint("a stack file needs a handful of levels; check that the right file was passed"),
        );
        return Ok(None);
    }
    let Some(mapping) = root.as_mapping_mut() else {
        diags.push(Diagnostic::new(location_of(root.span()), "(file)", "a stack file must be a YAML mapping"));
        return Ok(None);
    };
    let Some(extends) = mapping.remove("extends") else { return Ok(Some(root)) };
    let at = location_of(extends.span());
    let Some(base) = extends.as_scalar().map(|s| s.as_str().to_owned()).filter(|s| !s.is_empty()) else {
        diags.push(
            Diagnostic::new(at, "extends", "`extends` names the base stack file")
                .with_hint("write the path relative to this file, e.g. `extends: ../user-service.yaml`"),
        );
        return Ok(None);
    };
    if mapping.get_node("stack").is_none() {
        diags.push(
            Diagnostic::new(at, "stack", "an environment file names its own stack").with_hint(
                "add `stack: <name>` (e.g. `stack: user-service-staging`): each environment is its own stack with its own state",
            ),
        );
    }
    let base_path = crate::input_file::lexically_normal(&path.parent().unwrap_or(Path::new("")).join(&base));
    let canonical = std::fs::canonicalize(path).unwrap_or_else(|_| path.to_path_buf());
    chain.push(canonical);
    let base_canonical = std::fs::canonicalize(&base_path).unwrap_or_else(|_| base_path.clone());
    if chain.len() >= MAX_EXTENDS {
        diags.push(
            Diagnostic::new(at, "extends", format!("more than {MAX_EXTENDS} files extend each other"))
                .with_hint("an environment extends a base, at most a few levels deep"),
        );
        return Ok(None);
    }
    if chain.contains(&base_canonical) {
        let cycle: Vec<String> = chain.iter().chain([&base_canonical]).map(|p| p.display().to_string()).collect();
        diags.push(
            Diagnostic::new(at, "extends", format!("`extends` goes round in a circle: {}", cycle.join(" → ")))
                .with_hint("a base stack file must not extend its environments"),
        );
        return Ok(None);
    }
    if !base_path.is_file() {
        diags.push(
            Diagnostic::new(at, "extends", format!("there is no stack file `{}`", base_path.display()))
                .with_hint("the path is relative to this file, e.g. `extends: ../user-service.yaml`"),
        );
        return Ok(None);
    }
    let Some(base_root) = read_tree(&base_path, sources, chain, diags)? else { return Ok(None) };
    let own_stack = root.as_mapping().and_then(|m| m.get_scalar("stack")).map(|s| s.as_str().to_owned());
    let base_stack = base_root.as_mapping().and_then(|m| m.get_scalar("stack")).map(|s| s.as_str().to_owned());
    if own_stack.is_some() && own_stack == base_stack {
        let stack_at = root.as_mapping().and_then(|m| m.get_node("stack")).and_then(|n| location_of(n.span()));
        diags.push(
            Diagnostic::new(stack_at, "stack", "an environment's stack has the name of its base's").with_hint(
                "give the environment a name of its own, e.g. `<base>-staging`, or both would share one state",
            ),
        );
    }
    Ok(Some(merge(base_root, root)))
}

/// `over` merged onto `base`: mappings by key, recursively; lists and scalars replaced; a
/// `null` value removes the key.
fn merge(base: Node, over: Node) -> Node {
    match (base, over) {
        (Node::Mapping(mut base), Node::Mapping(over)) => {
            let span = *over.span();
            for (key, value) in over.iter() {
                if is_null(value) {
                    base.remove(key.as_str());
                } else if let Some(slot) = base.get_mut(key.as_str()) {
                    // In place: the base's order of keys is kept.
                    let old = std::mem::replace(slot, Node::Mapping(MarkedMappingNode::new_empty(span)));
                    *slot = merge(old, value.clone());
                } else {
                    base.insert(key.clone(), value.clone());
                }
            }
            *base.span_mut() = span;
            Node::Mapping(base)
        }
        (_, over) => over,
    }
}

/// `key: null`, `key: ~` or `key:` (not the quoted string "null").
fn is_null(node: &Node) -> bool {
    node.as_scalar().is_some_and(|s| s.may_coerce() && matches!(s.as_str(), "null" | "~" | "" | "Null" | "NULL"))
}

/// A file's text, checked before parsing (`input_file`).
fn read_text(path: &Path) -> Result<String, StackFileError> {
    use crate::input_file::InputError;
    crate::input_file::read(path).map_err(|e| match e {
        InputError::Unreadable { path, source } => {
            let hint = match source.kind() {
                std::io::ErrorKind::NotFound => "check the path; stack files usually live in `stacks/`",
                std::io::ErrorKind::PermissionDenied => "check the file's permissions",
                _ => "check that the path names a readable file",
            };
            StackFileError::Unreadable { path, source, hint }
        }
        InputError::Directory { path } => StackFileError::Directory { path },
        InputError::NotText { path, what } => StackFileError::NotText { path, what },
        other => StackFileError::NotAStackFile(other),
    })
}

/// How deep a stack file's YAML may nest; the format needs six levels.
const MAX_DEPTH: usize = 32;
/// How many files a chain of `extends` may have.
const MAX_EXTENDS: usize = 8;

/// How deep `node` nests, counting no further than `limit + 1`.
fn depth(node: &Node, limit: usize) -> usize {
    if limit == 0 {
        return 1;
    }
    1 + match node {
        Node::Mapping(m) => m.values().map(|v| depth(v, limit - 1)).max().unwrap_or(0),
        Node::Sequence(s) => s.iter().map(|v| depth(v, limit - 1)).max().unwrap_or(0),
        Node::Scalar(_) => 0,
    }
}

/// Parses stack YAML already in memory (no `extends`); `path` is used only in messages.
pub fn parse_str(path: &Path, source: &str) -> Result<LoadedSpec, StackFileError> {
    let sources = Sources::single(path, source);
    let mut diags = Diagnostics::new(&sources);
    if source.lines().all(|l| l.trim().is_empty() || l.trim_start().starts_with('#')) {
        diags.push(
            Diagnostic::new(None, "(file)", "the stack file is empty").with_hint(
                "a stack needs at least `stack: <name>` and `region: <aws region>`; see docs/stack-format.md",
            ),
        );
        return Err(StackFileError::Invalid(diags));
    }
    let options = LoaderOptions::default().error_on_duplicate_keys(true);
    match marked_yaml::parse_yaml_with_options(0, source, options) {
        Ok(root) if depth(&root, MAX_DEPTH) > MAX_DEPTH => {
            diags.push(Diagnostic::new(
                location_of(root.span()),
                "(file)",
                format!("the YAML nests deeper than {MAX_DEPTH} levels"),
            ));
            Err(StackFileError::Invalid(diags))
        }
        Ok(root) => parsed(root, sources, &mut diags),
        Err(err) => {
            diags.push(yaml_error(err));
            Err(StackFileError::Invalid(diags))
        }
    }
}

/// The spec of a (merged) document.
fn parsed(root: Node, sources: Sources, diags: &mut Diagnostics) -> Result<LoadedSpec, StackFileError> {
    let mut unreadable_sections = Vec::new();
    match parse_into(&root, diags, &mut unreadable_sections) {
        Some(spec) => {
            Ok(LoadedSpec { sources, spec, problems: diags.items().to_vec(), unreadable_sections, tree: root })
        }
        None => Err(StackFileError::Invalid(diags.clone())),
    }
}

fn parse_into(root: &Node, diags: &mut Diagnostics, unreadable: &mut Vec<String>) -> Option<StackSpec> {
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
            "kms_keys" => spec.kms_keys = named_entries(value, name, diags),
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
            "notifications" => spec.notifications = named_entries(value, name, diags),
            "alarms" => spec.alarms = named_entries(value, name, diags),
            "dns" => spec.dns = section(value, name, diags),
            "certificates" => spec.certificates = named_entries(value, name, diags),
            "state" => spec.state = section(value, name, diags),
            "peering" => spec.peering = named_entries(value, name, diags),
            "extends" => spec.extends = section(value, name, diags),
            "account_id" => spec.account_id = account_ids(value, diags),
            "assume_role" => spec.assume_role = section(value, name, diags),
            "checks" => spec.checks = section(value, name, diags),
            "moved" => spec.moved = section(value, name, diags).unwrap_or_default(),
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

/// `account_id: 123456789012` or a list of them, from the nodes' text (a number would lose the
/// leading zeros some account ids have).
fn account_ids(node: &Node, diags: &mut Diagnostics) -> Option<Located<super::AccountIdsSpec>> {
    let scalars: Option<Vec<String>> = match node {
        Node::Scalar(s) => Some(vec![s.as_str().to_owned()]),
        Node::Sequence(items) => items.iter().map(|i| i.as_scalar().map(|s| s.as_str().to_owned())).collect(),
        Node::Mapping(_) => None,
    };
    match scalars {
        Some(ids) => Some(Located::from_span(super::AccountIdsSpec(ids), node.span())),
        None => {
            diags.push(
                Diagnostic::new(location_of(node.span()), "account_id", "expected an account id or a list of them")
                    .with_hint("write `account_id: \"123456789012\"` or `account_id: [\"123456789012\", ...]`"),
            );
            None
        }
    }
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
    let location = err.start_mark().map(|m| marker_location(&m)).or(fallback);
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
    let at = |m: &marked_yaml::Marker| Some(marker_location(m));
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

    /// Files in a temporary folder, by relative path.
    fn files(list: &[(&str, &str)]) -> tempfile::TempDir {
        let dir = tempfile::tempdir().unwrap();
        for (name, text) in list {
            let path = dir.path().join(name);
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(path, text).unwrap();
        }
        dir
    }

    const BASE: &str = "stack: app\nregion: eu-west-1\ntags: { team: platform, cost: shared }\npostgres:\n  users: { engine_version: \"16.4\", instance_class: db.t4g.medium, storage_gb: 20, database: users, username: app, password_secret: pw, security_groups: [a, b] }\nlog_groups:\n  /app: { retention_days: 7 }\n";

    #[test]
    fn an_environment_merges_maps_replaces_lists_and_removes_nulls() {
        let dir = files(&[
            ("base.yaml", BASE),
            (
                "prod/app.yaml",
                "extends: ../base.yaml\nstack: app-prod\ntags: { cost: prod }\npostgres:\n  users: { instance_class: db.r6g.large, security_groups: [c] }\nlog_groups:\n  /app: null\n",
            ),
        ]);
        let loaded = load_file(&dir.path().join("prod/app.yaml")).unwrap();
        assert!(loaded.problems.is_empty(), "{:?}", loaded.problems);
        let spec = &loaded.spec;
        assert_eq!(spec.stack.as_ref().unwrap().value(), "app-prod");
        let tags: Vec<(String, String)> =
            spec.tags.iter().map(|(k, v)| (k.value().clone(), v.value().clone())).collect();
        assert_eq!(tags, [("team".into(), "platform".into()), ("cost".into(), "prod".into())]);
        let users = spec.postgres.values().next().unwrap();
        assert_eq!(users.instance_class.value(), "db.r6g.large", "the environment's field");
        assert_eq!(*users.storage_gb.value(), 20, "the base's field, kept");
        let groups: Vec<&str> = users.security_groups.iter().map(|g| g.value().as_str()).collect();
        assert_eq!(groups, ["c"], "a list replaced, not appended");
        assert!(spec.log_groups.is_empty(), "null removed the base's log group");
        let inputs: Vec<String> =
            loaded.inputs().iter().map(|p| p.strip_prefix(dir.path()).unwrap().display().to_string()).collect();
        assert_eq!(inputs, ["prod/app.yaml", "base.yaml"]);
    }

    #[test]
    fn a_chain_of_environments_applies_in_order() {
        let dir = files(&[
            ("base.yaml", BASE),
            ("mid.yaml", "extends: base.yaml\nstack: app-mid\ntags: { cost: mid, layer: mid }\n"),
            ("top.yaml", "extends: mid.yaml\nstack: app-top\ntags: { cost: top }\n"),
        ]);
        let loaded = load_file(&dir.path().join("top.yaml")).unwrap();
        let tags: Vec<String> = loaded.spec.tags.iter().map(|(k, v)| format!("{}={}", k.value(), v.value())).collect();
        assert_eq!(tags, ["team=platform", "cost=top", "layer=mid"]);
        assert_eq!(loaded.sources.paths().count(), 3);
    }

    #[test]
    fn each_error_points_into_the_file_that_set_the_value() {
        let dir = files(&[
            ("base.yaml", "stack: app\nregion: eu-west-1\nnetwork:\n  cidr: 10.0.0.0/16\n  colour: red\n"),
            (
                "env.yaml",
                "extends: base.yaml\nstack: app-env\nsecurity_groups:\n  web: { description: x, flavour: mint }\n",
            ),
        ]);
        let Err(StackFileError::Invalid(diags)) =
            crate::model::validate(&load_file(&dir.path().join("env.yaml")).unwrap()).map_err(StackFileError::Invalid)
        else {
            panic!("the unknown fields are errors")
        };
        let rendered = diags.to_string();
        assert!(rendered.contains("base.yaml:5:3"), "{rendered}");
        assert!(rendered.contains("env.yaml:4:26"), "{rendered}");
    }

    #[test]
    fn extends_mistakes_are_errors_at_the_extends_line() {
        let dir = files(&[
            ("a.yaml", "extends: b.yaml\nstack: a\n"),
            ("b.yaml", "extends: a.yaml\nstack: b\nregion: eu-west-1\n"),
            ("same.yaml", "extends: base.yaml\nstack: app\n"),
            ("base.yaml", BASE),
            ("nameless.yaml", "extends: base.yaml\nregion: eu-central-1\n"),
            ("empty-extends.yaml", "extends: ''\nstack: x\n"),
        ]);
        let message = |file: &str| match load_file(&dir.path().join(file)) {
            Err(StackFileError::Invalid(d)) => {
                d.items().iter().map(|d| d.message.clone()).collect::<Vec<_>>().join("; ")
            }
            Ok(loaded) if !loaded.problems.is_empty() => {
                loaded.problems.iter().map(|d| d.message.clone()).collect::<Vec<_>>().join("; ")
            }
            other => panic!("{file}: {other:?}"),
        };
        assert!(message("a.yaml").contains("circle"), "{}", message("a.yaml"));
        assert!(message("same.yaml").contains("name of its base"), "{}", message("same.yaml"));
        assert!(message("nameless.yaml").contains("names its own stack"), "{}", message("nameless.yaml"));
        assert!(message("empty-extends.yaml").contains("names the base"), "{}", message("empty-extends.yaml"));
    }
}
