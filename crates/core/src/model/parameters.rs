//! Database parameters: the names and values a parameter group takes, the family of an engine
//! version, TLS required by default. (Which parameters only a restart applies is the kind's:
//! `kinds::parameter_group::STATIC`.)

use std::collections::BTreeMap;

use indexmap::IndexMap;

use super::Checker;
use crate::kinds::database::major_version as major;
use crate::spec::Located;

/// The parameter that makes RDS refuse connections without TLS.
pub const FORCE_SSL: &str = "rds.force_ssl";

/// The engine a parameter group is for: RDS for PostgreSQL or Aurora PostgreSQL.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Engine {
    Postgres,
    AuroraPostgres,
}

impl Engine {
    /// The engine's name in RDS (and in its families).
    pub fn name(self) -> &'static str {
        match self {
            Engine::Postgres => "postgres",
            Engine::AuroraPostgres => "aurora-postgresql",
        }
    }

    /// The parameter group family of a version: `postgres16`, `aurora-postgresql16`.
    pub fn family(self, version: &str) -> String {
        format!("{}{}", self.name(), major(version))
    }

    /// RDS's default group of the family, what an instance without a group of the stack uses.
    pub fn default_group(self, version: &str) -> String {
        format!("default.{}", self.family(version))
    }

    /// Whether RDS's default parameters already refuse connections without TLS: RDS for
    /// PostgreSQL from 15 on (`rds.force_ssl` defaults to 1 there, 0 before); Aurora
    /// PostgreSQL's default is 0.
    pub fn requires_tls_by_default(self, version: &str) -> bool {
        self == Engine::Postgres && major(version).parse::<u32>().is_ok_and(|m| m >= 15)
    }
}

/// A `parameters:` map checked: names as RDS writes them (lower case, digits, `_` and `.`),
/// values as text (`true`/`false` as RDS's `1`/`0`). With `tls_default`, `rds.force_ssl: "1"`
/// is added where the engine's default for the version does not require TLS and the stack does
/// not say otherwise.
pub(super) fn parameters(
    given: &IndexMap<Located<String>, Located<String>>,
    field: &str,
    tls_default: Option<(Engine, &str)>,
    check: &mut Checker,
) -> BTreeMap<String, String> {
    let mut out = BTreeMap::new();
    for (name, value) in given {
        let valid_name = name.starts_with(|c: char| c.is_ascii_lowercase() || c == '_')
            && name.len() <= 255
            && name.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_' || c == '.');
        if !valid_name {
            check.error(
                name.location(),
                format!("{field}.{}", name.value()),
                format!("`{}` is not a PostgreSQL parameter name", name.value()),
                "write it as RDS lists it, in lower case, e.g. `log_min_duration_statement` or `rds.force_ssl`",
            );
            continue;
        }
        let text = match value.trim() {
            "true" => "1",
            "false" => "0",
            v => v,
        };
        if text.is_empty() {
            check.error(
                value.location().or(name.location()),
                format!("{field}.{}", name.value()),
                "a parameter needs a value",
                "give its value as text, e.g. \"500\"; remove the line to go back to RDS's default",
            );
            continue;
        }
        out.insert(name.value().clone(), text.to_owned());
    }
    if let Some((engine, version)) = tls_default
        && !engine.requires_tls_by_default(version)
    {
        out.entry(FORCE_SSL.to_owned()).or_insert_with(|| "1".to_owned());
    }
    out
}

/// `reboot: allowed | never` (default never).
pub(super) fn reboot_allowed(reboot: Option<&Located<String>>, field: &str, check: &mut Checker) -> bool {
    match reboot.map(|r| r.as_str()) {
        None | Some("never") => false,
        Some("allowed") => true,
        Some(other) => {
            check.error(
                reboot.and_then(|r| r.location()),
                field,
                format!("`{other}` is not a reboot setting"),
                "`allowed` (platformctl reboots for parameters that need it) or `never` (the default: you restart them)",
            );
            false
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn families_and_default_groups_follow_the_major_version() {
        assert_eq!(Engine::Postgres.family("16.4"), "postgres16");
        assert_eq!(Engine::AuroraPostgres.family("15.7"), "aurora-postgresql15");
        assert_eq!(Engine::Postgres.default_group("17"), "default.postgres17");
    }

    #[test]
    fn tls_is_required_where_the_engine_default_does_not() {
        assert!(!Engine::Postgres.requires_tls_by_default("14.12"));
        assert!(Engine::Postgres.requires_tls_by_default("15.7"));
        assert!(Engine::Postgres.requires_tls_by_default("16.4"));
        assert!(!Engine::AuroraPostgres.requires_tls_by_default("16.8"));
    }
}
