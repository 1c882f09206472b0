//! The validated stack: typed, cross-checked, free of positions. `validate` turns a raw
//! `StackSpec` into a `Stack` or returns every problem at once as `Diagnostics`.
//!
//! One module per section; each checks its own fields and the references it makes to other
//! sections. Nothing here touches AWS: AZ membership, CIDR containment and name rules are
//! checked offline, so `platformctl validate` works without credentials.

mod acls;
mod alarms;
mod backend;
mod checks;
mod controller_presets;
mod credentials;
mod data;
mod dns;
mod eks;
pub(crate) mod eks_access;
mod kms;
mod naming;
mod network;
pub mod parameters;
mod security_groups;

use std::collections::BTreeMap;
use std::path::Path;

use crate::diagnostics::{Diagnostic, Diagnostics, Location};
use crate::spec::{LoadedSpec, StackFileError};

pub use acls::{AclRule, NetworkAcl, Tier};
pub use alarms::{Alarm, AlarmSubject, DefaultThreshold, Members, MetricAlarm, Notification, Preset, PresetAlarm};
pub use backend::{BACKEND_KEYS, Backend};
pub use checks::CheckSkip;
pub use controller_presets::{CONTROLLER_PRESETS, ControllerPreset};
pub use credentials::{AssumeRole, Credentials};
pub use data::{
    Aurora, CrossRegionReplica, DataTier, DatabaseCore, ELASTICACHE_PUNCTUATION, MasterPassword, PerformanceInsights,
    Postgres, RDS_PUNCTUATION, ReadReplica, ReaderAutoscaling, Redis, SERVERLESS_CLASS, Secret, SecretValue,
    Serverless,
};
pub use dns::{
    CHECKER_REGIONS, Certificate, HealthCheck, RECORD_TYPES, Record, RecordTarget, Routing, RoutingPolicy, Zone,
};
pub use eks::{
    ADDON_ROLES, AMI_TYPES, Addon, AddonRole, ComputeTier, Ecr, Eks, Identity, KubernetesVersion, LOG_TYPES, LogGroup,
    MaxUnavailable, NodeGroup, POD_IDENTITY_AGENT, ServiceAccount, Taint, role_name,
};
pub use eks_access::{ACCESS_POLICIES, AccessEntry, AccessPrincipal};
pub use kms::{KmsKey, KmsKeyRef};
pub use network::{AvailabilityZone, FlowLogs, NatGateways, Network, overlaps};
pub use security_groups::{GroupRule, PortRange, Protocol, RuleSource, SecurityGroup};

/// A stack that passed validation.
#[derive(Clone, Debug, PartialEq)]
pub struct Stack {
    pub name: String,
    pub region: String,
    /// User tags, applied to every taggable resource.
    pub tags: BTreeMap<String, String>,
    /// The stack's own network; `None` with `network_from` (the lender's network is then a
    /// `cross_stack::Neighbours` of this stack, read when a session opens).
    pub network: Option<Network>,
    /// `network: { from_stack: ... }`: the stack whose network this one uses.
    pub network_from: Option<String>,
    pub security_groups: Vec<SecurityGroup>,
    /// Customer-managed KMS keys, in the order of the file.
    pub kms_keys: Vec<KmsKey>,
    pub data: DataTier,
    pub compute: ComputeTier,
    /// SNS topics alarms notify, in the order of the file.
    pub notifications: Vec<Notification>,
    /// CloudWatch alarms (a preset entry stands for several), in the order of the file.
    pub alarms: Vec<Alarm>,
    /// Route 53 hosted zones and their records, in the order of the file.
    pub dns: Vec<Zone>,
    /// Route 53 health checks (`dns.health_checks`), which routed records follow.
    pub health_checks: Vec<HealthCheck>,
    /// ACM certificates validated through records in `dns` zones.
    pub certificates: Vec<Certificate>,
    /// Where the state lives.
    pub backend: Backend,
    /// Peerings with other stacks' networks: (peering name, other stack).
    pub peerings: Vec<(String, String)>,
    /// The accounts it may run in and the role to assume first.
    pub credentials: Credentials,
    /// `moved:`: old address → new, in the file's order (`state::moves`).
    pub moved: Vec<(String, String)>,
    /// Rules of `platformctl check` skipped, each with its reason.
    pub check_skips: Vec<CheckSkip>,
}

/// Collects diagnostics for one stack file while sections validate themselves.
pub(crate) struct Checker<'a> {
    diags: &'a mut Diagnostics,
    /// The names of the stack's `kms_keys`, which any `kms_key:` field may name.
    kms_keys: Vec<String>,
}

impl Checker<'_> {
    pub(crate) fn error(
        &mut self,
        at: Option<Location>,
        field: impl Into<String>,
        message: impl Into<String>,
        hint: impl Into<String>,
    ) {
        self.diags.push(Diagnostic::new(at, field, message).with_hint(hint));
    }
}

/// Loads, parses and validates a stack file: the front half of every command.
pub fn load_stack(path: &Path) -> Result<(LoadedSpec, Stack), StackFileError> {
    let loaded = crate::spec::load_file(path)?;
    let stack = validate(&loaded).map_err(StackFileError::Invalid)?;
    Ok((loaded, stack))
}

/// Validates a parsed stack file, reporting all errors, not only the first.
pub fn validate(loaded: &LoadedSpec) -> Result<Stack, Diagnostics> {
    let mut diags = Diagnostics::new(&loaded.sources);
    for problem in &loaded.problems {
        diags.push(problem.clone());
    }
    let network_written = spec_has_network(loaded);
    let spec = &loaded.spec;
    let kms_key_names = spec.kms_keys.keys().map(|k| k.value().clone()).collect();
    let mut check = Checker { diags: &mut diags, kms_keys: kms_key_names };

    let name = naming::stack_name(spec.stack.as_ref(), &mut check);
    let region = naming::region(spec.region.as_ref(), &mut check);
    let tags = naming::user_tags(&spec.tags, "tags", &mut check);
    let network = spec.network.as_ref().and_then(|n| network::validate(n, region.as_deref(), &mut check));
    let security_groups = security_groups::validate(&spec.security_groups, network_written, &mut check);
    let kms_keys = kms::validate(&spec.kms_keys, &loaded.sources, &mut check);
    let data = data::validate(spec, name.as_deref(), network_written, &mut check);
    let compute = eks::validate(spec, name.as_deref(), network_written, &loaded.sources, &mut check);
    let notifications = alarms::validate_notifications(&spec.notifications, &mut check);
    let alarms = alarms::validate_alarms(spec, &mut check);
    // A private zone is associated with this stack's own VPC.
    let endpoints = dns::Endpoints {
        postgres: spec.postgres.keys().chain(spec.postgres_replicas.keys()).map(|k| k.as_str()).collect(),
        aurora: spec.aurora.keys().map(|k| k.as_str()).collect(),
        redis: spec.redis.keys().map(|k| k.as_str()).collect(),
    };
    let has_own_network = network_written && spec.network_from.is_none();
    let (dns, health_checks) =
        dns::validate(spec.dns.as_ref(), name.as_deref(), has_own_network, &endpoints, &mut check);
    let certificates = dns::validate_certificates(&spec.certificates, &dns, &mut check);
    let credentials = credentials::validate(spec, name.as_deref(), &mut check);
    let backend = backend::validate(spec.state.as_ref(), &mut check);
    let check_skips = checks::validate(spec, &mut check);
    let moved = validate_moved(&spec.moved, &mut check);
    let mut peerings = Vec::new();
    for (peering, p) in &spec.peering {
        let field = format!("peering.{}", peering.value());
        if !naming::is_identifier_part(peering) {
            check.error(
                peering.location(),
                &field,
                format!("invalid name `{}`", peering.value()),
                "use lowercase letters, digits and dashes",
            );
        }
        if !naming::is_identifier_part(&p.stack) || Some(p.stack.as_str()) == name.as_deref() {
            check.error(
                p.stack.location(),
                format!("{field}.stack"),
                format!("`{}` is not another stack's name", p.stack.value()),
                "name the stack whose VPC to peer with, e.g. `stack: user-service`",
            );
        }
        if !network_written || spec.network_from.is_some() {
            check.error(
                peering.location(),
                &field,
                "a peering needs this stack's own network",
                "declare `network:` with its CIDR and subnets",
            );
        }
        peerings.push((peering.value().clone(), p.stack.value().clone()));
    }
    let network_from = spec.network_from.as_ref().and_then(|from| {
        if !naming::is_identifier_part(from) || Some(from.as_str()) == name.as_deref() {
            check.error(
                from.location(),
                "network.from_stack",
                format!("`{}` is not another stack's name", from.value()),
                "name the stack that declares the network, e.g. `from_stack: networking`",
            );
            return None;
        }
        Some(from.value().clone())
    });

    match (name, region) {
        (Some(name), Some(region)) if diags.is_empty() => Ok(Stack {
            name,
            region,
            tags,
            network,
            network_from,
            security_groups,
            kms_keys,
            data,
            compute,
            notifications,
            alarms,
            dns,
            health_checks,
            certificates,
            backend,
            peerings,
            credentials,
            moved,
            check_skips,
        }),
        _ => Err(diags),
    }
}

/// `moved:` entries: addresses both, and not into themselves.
fn validate_moved(
    moved: &indexmap::IndexMap<crate::spec::Located<String>, crate::spec::Located<String>>,
    check: &mut Checker,
) -> Vec<(String, String)> {
    let mut out = Vec::new();
    for (from, to) in moved {
        let field = format!("moved.{}", from.value());
        let bad = [from, to].into_iter().find(|a| !crate::state::moves::is_address(a));
        if let Some(bad) = bad {
            check.error(
                bad.location(),
                &field,
                format!("`{}` is not an address", bad.value()),
                "write the addresses as `platformctl plan` shows them: `\"postgres.users\": \"postgres.accounts\"`",
            );
        } else if crate::plan::scope::covers(from, to) || crate::plan::scope::covers(to, from) {
            check.error(
                to.location(),
                &field,
                format!("`{}` cannot move into itself (`{}`)", from.value(), to.value()),
                "move an entry to a sibling address, e.g. `postgres.users` → `postgres.accounts`",
            );
        } else {
            out.push((from.value().clone(), to.value().clone()));
        }
    }
    out
}

/// The file has a network section, even one too broken to read (whose errors are already
/// reported): sections that refer to it should not add "no network" on top.
fn spec_has_network(loaded: &LoadedSpec) -> bool {
    loaded.spec.network.is_some()
        || loaded.spec.network_from.is_some()
        || loaded.unreadable_sections.iter().any(|s| s == "network")
}

#[cfg(test)]
pub(crate) mod test_support {
    use super::*;

    /// Parses and validates YAML text, returning the rendered diagnostics on failure.
    pub fn stack_from(src: &str) -> Result<Stack, String> {
        let loaded = match crate::spec::parse_str(Path::new("stack.yaml"), src) {
            Ok(l) => l,
            Err(StackFileError::Invalid(d)) => return Err(d.render()),
            Err(e) => return Err(e.to_string()),
        };
        validate(&loaded).map_err(|d| d.render())
    }

    /// A file of the repository (stacks, examples, fuzz regressions), by its path from the
    /// repository's root.
    pub fn repo_file(path: &str) -> std::path::PathBuf {
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../..").join(path)
    }

    /// Parses and validates a stack file of the repository (its policy files are found
    /// relative to it).
    pub fn stack_from_file(path: &str) -> Result<Stack, String> {
        let loaded = match crate::spec::load_file(&repo_file(path)) {
            Ok(l) => l,
            Err(StackFileError::Invalid(d)) => return Err(d.render()),
            Err(e) => return Err(e.to_string()),
        };
        validate(&loaded).map_err(|d| d.render())
    }

    pub const USER_SERVICE: &str = "\
stack: user-service
region: eu-west-1
tags: { team: platform }
network:
  cidr: 10.0.0.0/16
  azs: [eu-west-1a, eu-west-1b]
  public_subnets:  [10.0.0.0/18, 10.0.64.0/18]
  private_subnets: [10.0.128.0/18, 10.0.192.0/18]
  nat_gateways: single
security_groups:
  bastion:
    description: SSH from the office
    ingress:
      - { protocol: tcp, port: 22, from: 203.0.113.0/24 }
  postgres:
    description: Postgres from the private subnets
    ingress:
      - { protocol: tcp, port: 5432, from: private_subnets }
      - { protocol: tcp, ports: 8000-8100, from: sg:bastion }
";
}

#[cfg(test)]
mod tests {
    use super::test_support::*;
    use super::*;

    /// The regression corpus (fuzz/regressions: inputs that crashed the fuzzer, and hostile
    /// ones written by hand), read from disk as the binary reads stack files: every one is
    /// refused with diagnostics, none panics, and the corpus is there.
    #[test]
    fn fuzz_regressions_are_refused_never_panic() {
        let dir = repo_file("fuzz/regressions");
        let mut files: Vec<std::path::PathBuf> = std::fs::read_dir(&dir)
            .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
            .flatten()
            .map(|e| e.path())
            .filter(|p| p.extension().is_some_and(|x| x == "yaml"))
            .collect();
        files.sort();
        assert!(files.len() >= 10, "the regression corpus is missing: {files:?}");
        for file in files {
            let relative = file.strip_prefix(repo_file("")).unwrap().to_str().unwrap().to_owned();
            let result = std::panic::catch_unwind(|| stack_from_file(&relative));
            match result {
                Ok(Err(diagnostics)) => assert!(diagnostics.contains("error"), "{relative}: {diagnostics}"),
                Ok(Ok(_)) => panic!("{relative} is meant to be refused"),
                Err(_) => panic!("{relative} panicked"),
            }
        }
    }

    #[test]
    fn moved_entries_are_addresses_and_never_into_themselves() {
        let ok = stack_from(&format!("{USER_SERVICE}moved:\n  postgres.users: postgres.accounts\n")).unwrap();
        assert_eq!(ok.moved, [("postgres.users".to_owned(), "postgres.accounts".to_owned())]);
        let bad = stack_from(&format!(
            "{USER_SERVICE}moved:\n  \"postgres users\": postgres.accounts\n  postgres.a: postgres.a.b\n"
        ))
        .unwrap_err();
        assert!(bad.contains("`postgres users` is not an address"), "{bad}");
        assert!(bad.contains("(moved.postgres users)"), "the field is named: {bad}");
        assert!(bad.contains("`postgres.a` cannot move into itself (`postgres.a.b`)"), "{bad}");
        assert!(bad.contains("hint:"), "{bad}");
    }

    #[test]
    fn the_seed_network_validates() {
        let stack = stack_from(USER_SERVICE).unwrap();
        assert_eq!(stack.name, "user-service");
        let net = stack.network.unwrap();
        assert_eq!(net.azs.len(), 2);
        assert_eq!(net.azs[1].private.to_string(), "10.0.192.0/18");
        assert_eq!(net.nat_gateways, NatGateways::Single);
        assert_eq!(stack.security_groups.len(), 2);
        assert_eq!(stack.security_groups[1].ingress[1].peer, RuleSource::Group("bastion".into()));
    }

    #[test]
    fn all_errors_are_reported_at_once() {
        let src = "\
stack: User_Service
region: eu-west-1
network:
  cidr: 10.0.0.0/16
  azs: [eu-west-1a, us-east-1b]
  public_subnets:  [10.0.0.0/18, 10.1.0.0/18]
  private_subnets: [10.0.128.0/18, 10.0.0.0/17]
security_groups:
  postgres:
    ingress:
      - { protocol: tcp, port: 5432, from: sg:nope }
";
        let out = stack_from(src).unwrap_err();
        insta::assert_snapshot!(out);
    }
}
