//! The stacks of a folder in the order they can be applied, and which of them a change of
//! files can affect: what a CI pipeline needs to plan every stack a pull request touches and to
//! apply them wave by wave (a network before the stacks that borrow it, a primary before its
//! disaster-recovery replica).
//!
//! A stack depends on the stacks it uses: the lender of its network (`from_stack`), its peers
//! (`peering`) and its replicas' sources (`replica_of`). Pure: it works on loaded stacks.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use serde::Serialize;

use crate::model::Stack;

/// One stack file, loaded.
pub struct StackFile {
    pub file: PathBuf,
    pub stack: Stack,
    /// The files its plan depends on (`LoadedSpec::inputs`).
    pub inputs: Vec<PathBuf>,
}

/// A stack in a wave.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Entry {
    pub stack: String,
    pub file: String,
    /// Why it is listed, for `affected`: `changed`, `extends ...`, `policy file ...`, `uses ...`.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub because: Vec<String>,
}

#[derive(Debug, thiserror::Error, PartialEq)]
pub enum OrderError {
    #[error("stacks use each other in a circle: {}\n  hint: a stack cannot borrow from, peer with or replicate a stack that depends on it; break the circle", .0.join(" → "))]
    Cycle(Vec<String>),
    #[error(
        "two stack files name stack `{stack}`: {first} and {second}\n  hint: every stack (and every environment) needs a name of its own"
    )]
    Duplicate { stack: String, first: String, second: String },
}

/// The stacks `stack` uses.
fn uses(stack: &Stack) -> BTreeSet<String> {
    let mut used: BTreeSet<String> = stack.network_from.iter().cloned().collect();
    used.extend(stack.peerings.iter().map(|(_, peer)| peer.clone()));
    used.extend(stack.data.replicas_of_others.iter().filter(|r| !r.promoted).map(|r| r.source_stack.clone()));
    // The zones this stack adds records to, and the VPCs its private zones answer in.
    used.extend(stack.dns.iter().filter_map(|z| z.from_stack.clone()));
    used.extend(stack.dns.iter().flat_map(|z| z.vpcs.iter().cloned()));
    used
}

/// Waves of stacks: every stack after the stacks it uses (those of `files`; others are outside
/// this folder and assumed applied). Each wave sorted by name.
pub fn waves(files: &[StackFile]) -> Result<Vec<Vec<Entry>>, OrderError> {
    let mut by_name: BTreeMap<&str, &StackFile> = BTreeMap::new();
    for f in files {
        if let Some(other) = by_name.insert(&f.stack.name, f) {
            return Err(OrderError::Duplicate {
                stack: f.stack.name.clone(),
                first: other.file.display().to_string(),
                second: f.file.display().to_string(),
            });
        }
    }
    let needs: BTreeMap<&str, BTreeSet<String>> = by_name
        .iter()
        .map(|(name, f)| (*name, uses(&f.stack).into_iter().filter(|u| by_name.contains_key(u.as_str())).collect()))
        .collect();
    let mut placed: BTreeSet<String> = BTreeSet::new();
    let mut waves = Vec::new();
    while placed.len() < by_name.len() {
        let wave: Vec<&str> = needs
            .iter()
            .filter(|(name, deps)| !placed.contains(**name) && deps.iter().all(|d| placed.contains(d)))
            .map(|(name, _)| *name)
            .collect();
        if wave.is_empty() {
            return Err(OrderError::Cycle(cycle(&needs, &placed)));
        }
        placed.extend(wave.iter().map(|n| (*n).to_owned()));
        waves.push(
            wave.iter()
                .map(|name| Entry {
                    stack: (*name).to_owned(),
                    file: by_name[name].file.display().to_string(),
                    because: vec![],
                })
                .collect(),
        );
    }
    Ok(waves)
}

/// A circle among the stacks not yet placed: from one of them, follow its first unplaced need
/// until a stack repeats.
fn cycle(needs: &BTreeMap<&str, BTreeSet<String>>, placed: &BTreeSet<String>) -> Vec<String> {
    let Some(mut at) = needs.keys().find(|n| !placed.contains(**n)).map(|n| (*n).to_owned()) else { return vec![] };
    let mut path: Vec<String> = Vec::new();
    while !path.contains(&at) {
        path.push(at.clone());
        match needs.get(at.as_str()).and_then(|d| d.iter().find(|d| !placed.contains(*d))) {
            Some(next) => at = next.clone(),
            None => break,
        }
    }
    let start = path.iter().position(|p| *p == at).unwrap_or(0);
    let mut circle = path[start..].to_vec();
    circle.push(at);
    circle
}

/// The stacks whose plan a change of `changed` files can change, in waves: a stack whose file,
/// base file or policy file changed, and every stack that uses one of those.
pub fn affected(files: &[StackFile], changed: &[PathBuf]) -> Result<Vec<Vec<Entry>>, OrderError> {
    let changed: BTreeSet<PathBuf> = changed.iter().map(|p| canonical(p)).collect();
    let mut because: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for f in files {
        for (i, input) in f.inputs.iter().enumerate() {
            if changed.contains(&canonical(input)) {
                let why = match i {
                    0 => "changed".to_owned(),
                    _ if input.extension().is_some_and(|e| e == "json") => format!("policy file {}", input.display()),
                    _ => format!("extends {}", input.display()),
                };
                because.entry(f.stack.name.clone()).or_default().push(why);
            }
        }
    }
    // Whatever uses an affected stack reads its state: it is affected too.
    loop {
        let before = because.len();
        for f in files {
            let used: Vec<String> = uses(&f.stack).into_iter().filter(|u| because.contains_key(u)).collect();
            for u in used {
                let reasons = because.entry(f.stack.name.clone()).or_default();
                let why = format!("uses {u}");
                if !reasons.contains(&why) {
                    reasons.push(why);
                }
            }
        }
        if because.len() == before {
            break;
        }
    }
    Ok(waves(files)?
        .into_iter()
        .map(|wave| {
            wave.into_iter()
                .filter_map(|mut e| {
                    e.because = because.get(&e.stack)?.clone();
                    Some(e)
                })
                .collect::<Vec<_>>()
        })
        .filter(|wave| !wave.is_empty())
        .collect())
}

fn canonical(path: &Path) -> PathBuf {
    std::fs::canonicalize(path).unwrap_or_else(|_| path.to_path_buf())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::test_support::stack_from;

    fn file(name: &str, extra: &str) -> StackFile {
        let stack = stack_from(&format!("stack: {name}\nregion: eu-west-1\n{extra}")).unwrap();
        StackFile {
            file: PathBuf::from(format!("stacks/{name}.yaml")),
            stack,
            inputs: vec![PathBuf::from(format!("stacks/{name}.yaml"))],
        }
    }

    const NETWORK: &str = "network:\n  cidr: 10.0.0.0/16\n  azs: [eu-west-1a]\n  public_subnets: [10.0.0.0/20]\n  private_subnets: [10.0.128.0/18]\n";

    fn names(waves: &[Vec<Entry>]) -> Vec<Vec<&str>> {
        waves.iter().map(|w| w.iter().map(|e| e.stack.as_str()).collect()).collect()
    }

    #[test]
    fn networks_before_their_borrowers_and_primaries_before_replicas() {
        let files = vec![
            file("k8s", "network: { from_stack: networking }\n"),
            file("networking", NETWORK),
            file("databases", "network: { from_stack: networking }\n"),
            file("dr", &format!("{NETWORK}peering:\n  main: {{ stack: networking }}\n")),
        ];
        let w = waves(&files).unwrap();
        assert_eq!(names(&w), [vec!["networking"], vec!["databases", "dr", "k8s"]]);
        let hit = affected(&files, &[PathBuf::from("stacks/networking.yaml")]).unwrap();
        assert_eq!(names(&hit), [vec!["networking"], vec!["databases", "dr", "k8s"]]);
        assert_eq!(hit[1][2].because, ["uses networking"]);
        let only = affected(&files, &[PathBuf::from("stacks/k8s.yaml")]).unwrap();
        assert_eq!(names(&only), [vec!["k8s"]]);
        assert_eq!(only[0][0].because, ["changed"]);
    }

    /// A zone's owner before the stacks adding records to it; a spoke VPC before the stack
    /// whose private zone answers in it.
    #[test]
    fn zones_before_the_stacks_that_use_them() {
        let zone = "dns:\n  zones:\n    example.com:\n      from_stack: web\n";
        let private =
            format!("{NETWORK}dns:\n  zones:\n    internal.example:\n      private: true\n      vpcs: [spoke]\n");
        let files = vec![file("web-dr", zone), file("web", &private), file("spoke", NETWORK)];
        assert_eq!(names(&waves(&files).unwrap()), [vec!["spoke"], vec!["web"], vec!["web-dr"]]);
    }

    #[test]
    fn a_circle_of_stacks_is_named() {
        let files = vec![
            file("a", &format!("{NETWORK}peering:\n  x: {{ stack: b }}\n")),
            file("b", &format!("{NETWORK}peering:\n  y: {{ stack: a }}\n")),
        ];
        let err = waves(&files).unwrap_err();
        assert_eq!(err, OrderError::Cycle(vec!["a".into(), "b".into(), "a".into()]));
        assert!(err.to_string().contains("a → b → a"), "{err}");
    }
}
