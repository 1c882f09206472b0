//! Rules for the stack's own identity: its name, its region and the tags it adds everywhere.
//! Names derive AWS resource names (RDS identifiers among them, which must start with a letter
//! and cannot hold `--`), so the stack name is held to the strictest of those rules.

use std::collections::BTreeMap;

use indexmap::IndexMap;

use super::Checker;
use crate::spec::Located;

pub const MAX_STACK_NAME: usize = 32;
/// AWS allows 50 tags per resource; platformctl itself sets `Name`, `platformctl:stack` and
/// `platformctl:address`.
pub const MAX_USER_TAGS: usize = 47;

pub(super) fn stack_name(name: Option<&Located<String>>, check: &mut Checker) -> Option<String> {
    let Some(name) = name else {
        check.error(
            None,
            "stack",
            "missing field `stack`",
            "add `stack: <name>` at the top, e.g. `stack: user-service`",
        );
        return None;
    };
    let ok = name.len() <= MAX_STACK_NAME && is_identifier_part(name);
    if !ok {
        check.error(
            name.location(),
            "stack",
            format!("invalid stack name `{}`", name.value()),
            format!(
                "use lowercase letters, digits and single dashes, starting with a letter, at most {MAX_STACK_NAME} characters, e.g. `{}`",
                suggest_name(name)
            ),
        );
        return None;
    }
    Some(name.value().clone())
}

/// Lowercase letters, digits and single dashes, starting with a letter and not ending with a
/// dash: what can go into an RDS identifier or ElastiCache group id (`<stack>-<name>`).
pub(super) fn is_identifier_part(name: &str) -> bool {
    !name.is_empty()
        && name.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
        && name.starts_with(|c: char| c.is_ascii_lowercase())
        && !name.ends_with('-')
        && !name.contains("--")
}

fn suggest_name(name: &str) -> String {
    let mut s: String =
        name.to_ascii_lowercase().chars().map(|c| if c.is_ascii_alphanumeric() { c } else { '-' }).collect();
    while s.contains("--") {
        s = s.replace("--", "-");
    }
    let s = s.trim_matches('-');
    let s: String = s.chars().take(MAX_STACK_NAME).collect();
    if s.is_empty() || !s.starts_with(|c: char| c.is_ascii_lowercase()) { format!("s-{s}") } else { s }
}

/// Region names look like `eu-west-1`, `us-gov-west-1`, `ap-southeast-4`.
pub fn is_region_name(s: &str) -> bool {
    let parts: Vec<&str> = s.split('-').collect();
    parts.len() >= 3
        && parts.len() <= 4
        && parts[0].len() == 2
        && parts[..parts.len() - 1].iter().all(|p| !p.is_empty() && p.chars().all(|c| c.is_ascii_lowercase()))
        && parts[parts.len() - 1].parse::<u8>().is_ok()
}

pub(super) fn region(region: Option<&Located<String>>, check: &mut Checker) -> Option<String> {
    let Some(region) = region else {
        check.error(None, "region", "missing field `region`", "add `region: <aws region>`, e.g. `region: eu-west-1`");
        return None;
    };
    if !is_region_name(region) {
        check.error(
            region.location(),
            "region",
            format!("`{}` is not an AWS region name", region.value()),
            "use a region code such as `eu-west-1` or `us-east-1`",
        );
        return None;
    }
    Some(region.value().clone())
}

pub(super) fn user_tags(
    tags: &IndexMap<Located<String>, Located<String>>,
    section: &str,
    check: &mut Checker,
) -> BTreeMap<String, String> {
    let mut out = BTreeMap::new();
    for (key, value) in tags {
        let field = format!("{section}.{}", key.value());
        let lower = key.to_ascii_lowercase();
        if key.as_str() == "Name" || lower.starts_with("platformctl:") {
            check.error(
                key.location(),
                field,
                format!("the tag `{}` is set by platformctl", key.value()),
                "remove it: `Name` derives from the stack and resource, `platformctl:*` tags track ownership",
            );
        } else if lower.starts_with("aws:") {
            check.error(
                key.location(),
                field,
                "tag keys starting with `aws:` are reserved by AWS",
                "choose another key",
            );
        } else if key.is_empty() || key.chars().count() > 128 {
            check.error(key.location(), field, "a tag key must have 1 to 128 characters", "shorten the key");
        } else if value.chars().count() > 256 {
            check.error(value.location(), field, "a tag value may have at most 256 characters", "shorten the value");
        } else if let Some(bad) = key.chars().chain(value.chars()).find(|c| !tag_character(*c)) {
            check.error(
                value.location(),
                field,
                format!("tags may not hold {}", crate::render::escape::printable(&format!("`{bad}`"))),
                "AWS allows letters, digits, spaces and `+ - = . _ : / @` in tag keys and values",
            );
        } else {
            out.insert(key.value().clone(), value.value().clone());
        }
    }
    if tags.len() > MAX_USER_TAGS {
        let at = tags.keys().nth(MAX_USER_TAGS).and_then(|k| k.location());
        check.error(
            at,
            "tags",
            format!("{} tags given; at most {MAX_USER_TAGS} fit beside platformctl's own", tags.len()),
            "AWS allows 50 tags per resource; drop some",
        );
    }
    out
}

/// A character AWS accepts in tag keys and values, across services.
fn tag_character(c: char) -> bool {
    c.is_alphanumeric() || c == ' ' || "+-=._:/@".contains(c)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn region_names() {
        for ok in ["eu-west-1", "us-east-1", "us-gov-west-1", "ap-southeast-4"] {
            assert!(is_region_name(ok), "{ok}");
        }
        for bad in ["eu-west", "EU-west-1", "mars", "eu--1", "eu-west-x", ""] {
            assert!(!is_region_name(bad), "{bad}");
        }
    }

    #[test]
    fn name_suggestions_are_valid_names() {
        assert_eq!(suggest_name("User_Service"), "user-service");
        assert_eq!(suggest_name("9lives"), "s-9lives");
        assert_eq!(suggest_name("--x--"), "x");
    }
}
