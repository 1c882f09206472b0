//! Where a finding's field is written: the merged YAML tree walked key by key. A field left
//! at its default has no line of its own, so the finding points at the deepest section that
//! is written — the entry that leaves it unset.

use marked_yaml::Node;

use crate::diagnostics::Location;
use crate::spec::location_of;

/// The position of `path` in `tree` (keys; list items by index), and whether the whole path is
/// written. `None` only for a path whose first key is absent from an empty file.
pub(super) fn locate(tree: &Node, path: &[String]) -> (Option<Location>, bool) {
    let mut node = tree;
    let mut found = location_of(tree.span());
    for key in path {
        let next = match node {
            Node::Mapping(m) => m.iter().find(|(k, _)| k.as_str() == key).map(|(k, v)| (location_of(k.span()), v)),
            Node::Sequence(s) => key.parse::<usize>().ok().and_then(|i| s.get(i)).map(|v| (location_of(v.span()), v)),
            Node::Scalar(_) => None,
        };
        match next {
            Some((at, child)) => {
                found = at.or(found);
                node = child;
            }
            None => return (found, false),
        }
    }
    (found, true)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn path(p: &str) -> Vec<String> {
        p.split('.').map(str::to_owned).collect()
    }

    #[test]
    fn a_written_field_is_found_and_a_default_points_at_its_entry() {
        let tree = marked_yaml::parse_yaml(0, "stack: a\npostgres:\n  users:\n    multi_az: false\n").unwrap();
        let (at, written) = locate(&tree, &path("postgres.users.multi_az"));
        assert_eq!((at.map(|l| (l.line, l.column)), written), (Some((4, 5)), true));
        let (at, written) = locate(&tree, &path("postgres.users.storage_encrypted"));
        assert_eq!((at.map(|l| (l.line, l.column)), written), (Some((3, 3)), false));
    }

    #[test]
    fn list_items_are_found_by_index() {
        let tree = marked_yaml::parse_yaml(
            0,
            "security_groups:\n  web:\n    ingress:\n      - { port: 22 }\n      - { port: 80 }\n",
        )
        .unwrap();
        let (at, written) = locate(&tree, &path("security_groups.web.ingress.1"));
        assert_eq!((at.map(|l| l.line), written), (Some(5), true));
    }
}
