//! The compute tier: EKS clusters (node groups, add-ons, service account roles), ECR
//! repositories and log groups. Checks fields against AWS's limits and the references they
//! make: secrets a service account reads exist in this stack, a policy file is a readable IAM
//! policy document, node groups have private subnets to live in.

use ipnet::Ipv4Net;

use super::Checker;
use super::controller_presets::{
    CONTROLLER_PRESETS, ControllerPreset, PresetScope, controller_preset, needs_hosted_zones,
};
use super::data::{flag, int_in};
use super::kms::{KmsKeyRef, key_arn_ref, key_ref};
use crate::diagnostics::Sources;
use crate::spec::{
    AddonRoleSpec, AddonSpec, EcrSpec, EksSpec, Located, LogGroupSpec, NodeGroupSpec, RetentionSpec,
    ServiceAccountSpec, StackSpec, UpdateConfigSpec,
};

pub use crate::kinds::eks_cluster::LOG_TYPES;
/// Retention periods CloudWatch Logs accepts, in days.
pub const RETENTION_DAYS: &[i64] =
    &[1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653];
/// How long log groups keep events unless the stack says otherwise: a year, what audits and
/// incident reviews reach back to (checkov CKV_AWS_338).
const DEFAULT_RETENTION_DAYS: i64 = 365;
/// IAM's limit on the inline policies of one role, in characters (whitespace excluded).
const INLINE_POLICY_LIMIT: usize = 10_240;

#[derive(Clone, Debug, PartialEq)]
pub struct Eks {
    pub name: String,
    pub version: KubernetesVersion,
    pub endpoint_public_access: bool,
    pub endpoint_private_access: bool,
    /// The control plane in the private subnets only (`control_plane_subnets: private`); else
    /// in all the stack's subnets.
    pub control_plane_private_only: bool,
    pub public_access_cidrs: Vec<String>,
    pub logging: Vec<String>,
    pub log_retention_days: i64,
    pub secrets_kms_key: Option<KmsKeyRef>,
    pub addons: Vec<Addon>,
    pub node_groups: Vec<NodeGroup>,
    pub service_accounts: Vec<ServiceAccount>,
    /// `API` or `API_AND_CONFIG_MAP` when the stack sets it; `None`: a new cluster gets `API`,
    /// an existing one keeps its mode.
    pub authentication_mode: Option<String>,
    pub bootstrap_cluster_creator_admin: bool,
    pub access: Vec<super::eks_access::AccessEntry>,
    /// Inbound rules added to the cluster security group EKS creates.
    pub cluster_security_group_ingress: Vec<super::GroupRule>,
}

/// A Kubernetes `major.minor` version.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct KubernetesVersion {
    pub major: u32,
    pub minor: u32,
}

impl KubernetesVersion {
    pub fn parse(s: &str) -> Option<Self> {
        let (major, minor) = s.split_once('.')?;
        let digits = |p: &str| !p.is_empty() && p.len() <= 3 && p.chars().all(|c| c.is_ascii_digit());
        if !digits(major) || !digits(minor) {
            return None;
        }
        Some(KubernetesVersion { major: major.parse().ok()?, minor: minor.parse().ok()? })
    }

    /// The version an upgrade goes to: EKS upgrades one minor version at a time.
    pub fn next_minor(self) -> Self {
        KubernetesVersion { major: self.major, minor: self.minor + 1 }
    }
}

impl std::fmt::Display for KubernetesVersion {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}.{}", self.major, self.minor)
    }
}

#[derive(Clone, Debug, PartialEq)]
pub struct Addon {
    pub name: String,
    pub version: Option<String>,
    pub configuration: Option<serde_json::Map<String, serde_json::Value>>,
    /// `OVERWRITE`, `PRESERVE` or `NONE`, as EKS spells it.
    pub resolve_conflicts: String,
    /// Its own role, instead of the node role's permissions.
    pub role: Option<AddonRole>,
}

/// An add-on's own role: for its service account, with these managed policies.
#[derive(Clone, Debug, PartialEq)]
pub struct AddonRole {
    pub namespace: &'static str,
    pub service_account: &'static str,
    pub managed_policies: Vec<String>,
    pub identity: Identity,
}

/// The add-ons that may have a role of their own: the service account each runs as, and
/// AWS's managed policies for it.
pub const ADDON_ROLES: &[(&str, &str, &str, &[&str])] = &[
    ("vpc-cni", "kube-system", "aws-node", &["arn:aws:iam::aws:policy/AmazonEKS_CNI_Policy"]),
    (
        "aws-ebs-csi-driver",
        "kube-system",
        "ebs-csi-controller-sa",
        &["arn:aws:iam::aws:policy/service-role/AmazonEBSCSIDriverPolicy"],
    ),
    (
        "aws-efs-csi-driver",
        "kube-system",
        "efs-csi-controller-sa",
        &["arn:aws:iam::aws:policy/service-role/AmazonEFSCSIDriverPolicy"],
    ),
    (
        "amazon-cloudwatch-observability",
        "amazon-cloudwatch",
        "cloudwatch-agent",
        &["arn:aws:iam::aws:policy/CloudWatchAgentServerPolicy", "arn:aws:iam::aws:policy/AWSXrayWriteOnlyAccess"],
    ),
];

#[derive(Clone, Debug, PartialEq)]
pub struct NodeGroup {
    pub name: String,
    pub instance_types: Vec<String>,
    /// `ON_DEMAND` or `SPOT`, as EKS spells it.
    pub capacity_type: String,
    pub min_size: i64,
    pub max_size: i64,
    pub desired_size: i64,
    pub manage_desired_size: bool,
    pub disk_size_gb: i64,
    /// The root volume's key; `None`: the account's EBS default.
    pub kms_key: Option<KmsKeyRef>,
    pub labels: Vec<(String, String)>,
    pub taints: Vec<Taint>,
    /// The AZs whose private subnets hold the nodes; `None`: all the stack's.
    pub azs: Option<Vec<String>>,
    /// As EKS spells it, e.g. `AL2023_x86_64_STANDARD`.
    pub ami_type: String,
    pub release_version: Option<String>,
    pub metadata_hop_limit: i64,
    /// The stack's fragment, as written (wrapped for the AMI when the template is made).
    pub user_data: Option<String>,
    pub max_unavailable: Option<MaxUnavailable>,
    /// The stack's security groups the nodes join besides the cluster's.
    pub security_groups: Vec<String>,
}

impl NodeGroup {
    /// Bottlerocket reads TOML settings from its user data and keeps containers on a second
    /// volume; Amazon Linux takes MIME parts and has one root volume.
    pub fn is_bottlerocket(&self) -> bool {
        self.ami_type.starts_with("BOTTLEROCKET_")
    }
}

/// How many nodes a roll may take down at once.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MaxUnavailable {
    Nodes(i64),
    Percent(i64),
}

/// The AMI types of EKS managed node groups platformctl accepts (EKS's `AMITypes`, without
/// Windows, whose user data and volumes differ, and `CUSTOM`, which needs an AMI id).
pub const AMI_TYPES: &[&str] = &[
    "AL2023_x86_64_STANDARD",
    "AL2023_ARM_64_STANDARD",
    "AL2023_x86_64_NVIDIA",
    "AL2023_ARM_64_NVIDIA",
    "AL2023_x86_64_NEURON",
    "BOTTLEROCKET_x86_64",
    "BOTTLEROCKET_ARM_64",
    "BOTTLEROCKET_x86_64_FIPS",
    "BOTTLEROCKET_ARM_64_FIPS",
    "BOTTLEROCKET_x86_64_NVIDIA",
    "BOTTLEROCKET_ARM_64_NVIDIA",
    "AL2_x86_64",
    "AL2_x86_64_GPU",
    "AL2_ARM_64",
];

/// Whether an instance type runs on AWS Graviton (ARM): a `g` among the letters after the
/// generation digit (`m7g`, `c6gn`, `t4g`, `x2gd`, `g5g`), not before it (`g5` is x86 with GPUs).
fn is_graviton(instance_type: &str) -> bool {
    let family = instance_type.split('.').next().unwrap_or_default();
    family.find(|c: char| c.is_ascii_digit()).is_some_and(|i| family[i..].contains('g'))
}

#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct Taint {
    pub key: String,
    pub value: Option<String>,
    /// `NO_SCHEDULE`, `PREFER_NO_SCHEDULE` or `NO_EXECUTE`, as EKS spells it.
    pub effect: String,
}

#[derive(Clone, Debug, PartialEq)]
pub struct ServiceAccount {
    pub name: String,
    pub namespace: String,
    pub read_secrets: Vec<String>,
    /// The policy file's document, parsed.
    pub policy: Option<serde_json::Value>,
    pub managed_policies: Vec<String>,
    pub identity: Identity,
    pub preset: Option<ControllerPreset>,
}

/// How a service account's pods get their role.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Identity {
    /// IAM roles for service accounts: the role trusts the cluster's OIDC provider.
    Irsa,
    /// EKS Pod Identity: the role trusts `pods.eks.amazonaws.com`, an association names the
    /// service account.
    PodIdentity,
}

/// The add-on that hands Pod Identity credentials to pods.
pub const POD_IDENTITY_AGENT: &str = "eks-pod-identity-agent";

#[derive(Clone, Debug, PartialEq)]
pub struct Ecr {
    pub name: String,
    pub scan_on_push: bool,
    /// `MUTABLE` or `IMMUTABLE`, as ECR spells it.
    pub tag_mutability: String,
    pub keep_images: Option<i64>,
    pub force_delete: bool,
    /// KMS encryption of the images; ECR's AES-256 when `None`.
    pub kms_key: Option<KmsKeyRef>,
}

#[derive(Clone, Debug, PartialEq)]
pub struct LogGroup {
    pub name: String,
    pub retention_days: Option<i64>,
    /// Encryption of the events; CloudWatch Logs' own when `None`.
    pub kms_key: Option<KmsKeyRef>,
}

/// The validated compute tier of a stack.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct ComputeTier {
    pub eks: Vec<Eks>,
    pub ecr: Vec<Ecr>,
    pub log_groups: Vec<LogGroup>,
}

pub(super) fn validate(
    spec: &StackSpec,
    stack_name: Option<&str>,
    has_private_subnets: bool,
    sources: &Sources,
    check: &mut Checker,
) -> ComputeTier {
    let stack = stack_name.unwrap_or("stack");
    let eks = spec
        .eks
        .iter()
        .filter_map(|(name, e)| cluster(name, e, stack, spec, has_private_subnets, sources, check))
        .collect();
    let ecr = spec.ecr.iter().filter_map(|(name, r)| repository(name, r, check)).collect();
    let log_groups = spec.log_groups.iter().filter_map(|(name, g)| log_group(name, g, check)).collect();
    ComputeTier { eks, ecr, log_groups }
}

fn cluster(
    name: &Located<String>,
    e: &EksSpec,
    stack: &str,
    spec: &StackSpec,
    has_private_subnets: bool,
    sources: &Sources,
    check: &mut Checker,
) -> Option<Eks> {
    let field = format!("eks.{}", name.value());
    if !super::naming::is_identifier_part(name) {
        check.error(
            name.location(),
            &field,
            format!("invalid name `{}`", name.value()),
            "use lowercase letters, digits and single dashes, starting with a letter",
        );
    }
    if !has_private_subnets {
        check.error(
            name.location(),
            &field,
            "an EKS cluster needs the stack's network: its nodes live in the private subnets",
            "add a `network:` section with `private_subnets`",
        );
    }
    let version = KubernetesVersion::parse(e.version.value());
    if version.is_none() {
        check.error(
            e.version.location(),
            format!("{field}.version"),
            format!("`{}` is not a Kubernetes version", e.version.value()),
            "write it as a quoted `major.minor` string, e.g. \"1.31\"",
        );
    }
    let endpoint_public_access = flag(&e.endpoint_public_access, false);
    let public_access_cidrs = match &e.public_access_cidrs {
        Some(list) => list.iter().filter_map(|c| cidr(c, &format!("{field}.public_access_cidrs"), check)).collect(),
        None if endpoint_public_access => {
            check.error(
                e.endpoint_public_access.as_ref().and_then(|p| p.location()),
                format!("{field}.public_access_cidrs"),
                "a public endpoint needs the list of who may reach it",
                "add `public_access_cidrs: [<office or VPN egress CIDR>]` (write `[0.0.0.0/0]` to open it to everyone)",
            );
            Vec::new()
        }
        // What EKS reports for a cluster without a public endpoint.
        None => vec!["0.0.0.0/0".to_owned()],
    };
    let written_logging = e.logging.as_deref().unwrap_or_default();
    for t in written_logging {
        if !LOG_TYPES.contains(&t.as_str()) {
            check.error(
                t.location(),
                format!("{field}.logging"),
                format!("unknown log type `{}`", t.value()),
                format!("EKS log types are: {}", LOG_TYPES.join(", ")),
            );
        }
    }
    let mut logging: Vec<String> = match &e.logging {
        Some(list) => list.iter().map(|t| t.value().clone()).collect(),
        None => LOG_TYPES.iter().map(|t| (*t).to_owned()).collect(),
    };
    logging.sort();
    logging.dedup();
    let log_retention_days = e
        .log_retention_days
        .as_ref()
        .map_or(Some(DEFAULT_RETENTION_DAYS), |d| retention(d, &format!("{field}.log_retention_days"), check));
    let secrets_kms_key =
        e.secrets_kms_key.as_ref().and_then(|k| key_ref(k, &format!("{field}.secrets_kms_key"), check));

    let addons = e.addons.iter().filter_map(|(n, a)| addon(n, a, &field, check)).collect();
    let stack_azs: Option<Vec<&str>> = spec.network.as_ref().map(|n| n.azs.iter().map(|a| a.as_str()).collect());
    if let Some(azs) = &stack_azs
        && azs.len() < 2
    {
        check.error(
            name.location(),
            &field,
            "an EKS control plane needs subnets in at least two availability zones",
            "list two AZs or more under `network.azs` (node groups can still use one, with `azs:`)",
        );
    }
    let stack_groups: Vec<&str> = spec.security_groups.keys().map(|k| k.as_str()).collect();
    let node_groups = e
        .node_groups
        .iter()
        .filter_map(|(n, g)| node_group(n, g, &field, stack_azs.as_deref(), &stack_groups, check))
        .collect();
    let service_accounts = e
        .service_accounts
        .iter()
        .filter_map(|(n, s)| service_account(n, s, &field, stack, name, spec, sources, check))
        .collect();
    Some(Eks {
        name: name.value().clone(),
        version: version?,
        endpoint_public_access,
        endpoint_private_access: flag(&e.endpoint_private_access, true),
        control_plane_private_only: control_plane_private_only(e.control_plane_subnets.as_ref(), &field, check),
        public_access_cidrs,
        logging,
        log_retention_days: log_retention_days?,
        secrets_kms_key,
        addons,
        node_groups,
        service_accounts,
        authentication_mode: super::eks_access::authentication_mode(
            e.authentication_mode.as_ref(),
            &format!("{field}.authentication_mode"),
            check,
        ),
        bootstrap_cluster_creator_admin: flag(&e.bootstrap_cluster_creator_admin, true),
        access: super::eks_access::access_entries(&e.access, &field, &stack_service_accounts(spec, name), check),
        cluster_security_group_ingress: super::security_groups::ingress_rules(
            &e.cluster_security_group_ingress,
            &format!("{field}.cluster_security_group_ingress"),
            &spec.security_groups,
            has_private_subnets,
            check,
        ),
    })
}

fn cidr(v: &Located<String>, field: &str, check: &mut Checker) -> Option<String> {
    match v.parse::<Ipv4Net>() {
        Ok(net) if net.trunc() == net => Some(net.to_string()),
        Ok(net) => {
            check.error(
                v.location(),
                field,
                format!("`{}` has host bits set", v.value()),
                format!("did you mean `{}`?", net.trunc()),
            );
            None
        }
        Err(_) => {
            check.error(v.location(), field, format!("`{}` is not an IPv4 CIDR", v.value()), "e.g. `203.0.113.0/24`");
            None
        }
    }
}

/// A log group's `retention_days`: a CloudWatch period, `never` (`Some(None)`), or the
/// default year when absent; `None` when invalid (reported).
/// `control_plane_subnets`: `all` (default) or `private`.
fn control_plane_private_only(setting: Option<&Located<String>>, field: &str, check: &mut Checker) -> bool {
    match setting.map(|s| s.as_str()) {
        None | Some("all") => false,
        Some("private") => true,
        Some(other) => {
            check.error(
                setting.and_then(|s| s.location()),
                format!("{field}.control_plane_subnets"),
                format!("`{other}` is not a choice of subnets for the control plane"),
                "`all` (the stack's public and private subnets, the default) or `private`",
            );
            false
        }
    }
}

pub(super) fn retention_setting(
    setting: Option<&Located<RetentionSpec>>,
    field: &str,
    check: &mut Checker,
) -> Option<Option<i64>> {
    match setting.map(|d| (d, *d.value())) {
        Some((_, RetentionSpec::Forever(_))) => Some(None),
        Some((d, RetentionSpec::Days(days))) => Some(Some(retention(&Located::at(days, d.location()), field, check)?)),
        None => Some(Some(DEFAULT_RETENTION_DAYS)),
    }
}

fn retention(v: &Located<i64>, field: &str, check: &mut Checker) -> Option<i64> {
    if RETENTION_DAYS.contains(v.value()) {
        return Some(*v.value());
    }
    let nearest = RETENTION_DAYS.iter().min_by_key(|d| (*d - v.value()).abs()).copied().unwrap_or(30);
    check.error(
        v.location(),
        field,
        format!("CloudWatch Logs does not keep logs for {} days", v.value()),
        format!("use one of CloudWatch's periods, e.g. {nearest}"),
    );
    None
}

fn addon(name: &Located<String>, a: &AddonSpec, cluster: &str, check: &mut Checker) -> Option<Addon> {
    let field = format!("{cluster}.addons.{}", name.value());
    let ok_name = !name.is_empty() && name.chars().all(|c| c.is_ascii_alphanumeric() || "-_".contains(c));
    if !ok_name {
        check.error(
            name.location(),
            &field,
            format!("`{}` is not an add-on name", name.value()),
            "use AWS's name, e.g. `vpc-cni`, `kube-proxy`, `coredns`",
        );
    }
    if let Some(v) = &a.version
        && !(v.starts_with('v') && v.len() > 1 && !v.contains(char::is_whitespace))
    {
        check.error(
            v.location(),
            format!("{field}.version"),
            format!("`{}` is not an add-on version", v.value()),
            "write it as AWS does, e.g. `v1.11.3-eksbuild.2`, or leave it out for the newest",
        );
    }
    let resolve_conflicts = match a.resolve_conflicts.as_ref().map(|r| r.as_str()) {
        None | Some("overwrite") => "OVERWRITE",
        Some("preserve") => "PRESERVE",
        Some("none") => "NONE",
        Some(other) => {
            let at = a.resolve_conflicts.as_ref().and_then(|r| r.location());
            check.error(
                at,
                format!("{field}.resolve_conflicts"),
                format!("unknown value `{other}`"),
                "use `overwrite`, `preserve` or `none`",
            );
            return None;
        }
    };
    let role = a.service_account_role.as_ref().and_then(|r| addon_role(name, r, &field, check));
    ok_name.then(|| Addon {
        name: name.value().clone(),
        version: a.version.as_ref().map(|v| v.value().clone()),
        configuration: a.configuration.as_ref().map(|c| c.value().clone()),
        resolve_conflicts: resolve_conflicts.to_owned(),
        role,
    })
}

/// An add-on's own role: only for the add-ons whose service account platformctl knows.
fn addon_role(name: &str, r: &Located<AddonRoleSpec>, field: &str, check: &mut Checker) -> Option<AddonRole> {
    let field = format!("{field}.service_account_role");
    let Some((_, namespace, service_account, defaults)) = ADDON_ROLES.iter().find(|(a, ..)| *a == name) else {
        let known: Vec<&str> = ADDON_ROLES.iter().map(|(a, ..)| *a).collect();
        check.error(
            r.location(),
            field,
            format!("platformctl does not know which service account `{name}` runs as"),
            format!("a role of its own is for {}", known.join(", ")),
        );
        return None;
    };
    for arn in &r.managed_policies {
        managed_policy_arn(arn, &format!("{field}.managed_policies"), check);
    }
    let managed_policies = if r.managed_policies.is_empty() {
        defaults.iter().map(|p| (*p).to_owned()).collect()
    } else {
        r.managed_policies.iter().map(|p| p.value().clone()).collect()
    };
    let identity = identity(r.identity.as_ref(), &format!("{field}.identity"), check);
    Some(AddonRole { namespace, service_account, managed_policies, identity })
}

/// A managed policy ARN.
fn managed_policy_arn(arn: &Located<String>, field: &str, check: &mut Checker) {
    if !(arn.starts_with("arn:aws") && arn.contains(":policy/")) {
        check.error(
            arn.location(),
            field,
            format!("`{}` is not a managed policy ARN", arn.value()),
            "e.g. `arn:aws:iam::aws:policy/AutoScalingFullAccess`",
        );
    }
}

/// `irsa` (default) or `pod_identity`.
fn identity(given: Option<&Located<String>>, field: &str, check: &mut Checker) -> Identity {
    match given.map(|i| i.as_str()) {
        None | Some("irsa") => Identity::Irsa,
        Some("pod_identity") => Identity::PodIdentity,
        Some(other) => {
            check.error(
                given.and_then(|i| i.location()),
                field,
                format!("`{other}` is not a workload identity"),
                "`irsa` (a role trusting the cluster's OIDC provider) or `pod_identity` (EKS Pod Identity)",
            );
            Identity::Irsa
        }
    }
}

fn node_group(
    name: &Located<String>,
    g: &NodeGroupSpec,
    cluster: &str,
    stack_azs: Option<&[&str]>,
    stack_groups: &[&str],
    check: &mut Checker,
) -> Option<NodeGroup> {
    let field = format!("{cluster}.node_groups.{}", name.value());
    // The AWS name adds `-` and 8 hex digits (see expand::eks); EKS allows 63 characters.
    if !super::naming::is_identifier_part(name) || name.len() > 54 {
        check.error(
            name.location(),
            &field,
            format!("invalid node group name `{}`", name.value()),
            "use lowercase letters, digits and single dashes, starting with a letter, at most 54 characters",
        );
    }
    if g.instance_types.is_empty() {
        check.error(
            g.instance_types.location(),
            format!("{field}.instance_types"),
            "a node group needs at least one instance type",
            "e.g. `instance_types: [m6i.large]`",
        );
    }
    for t in g.instance_types.iter() {
        let ok = t.split_once('.').is_some_and(|(family, size)| {
            !family.is_empty()
                && !size.is_empty()
                && t.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '.' || c == '-')
        });
        if !ok {
            check.error(
                t.location(),
                format!("{field}.instance_types"),
                format!("`{}` is not an EC2 instance type", t.value()),
                "use a type like `m6i.large`",
            );
        }
    }
    let capacity_type = match g.capacity.as_ref().map(|c| c.as_str()) {
        None | Some("on_demand") => Some("ON_DEMAND"),
        Some("spot") => Some("SPOT"),
        Some(other) => {
            check.error(
                g.capacity.as_ref().and_then(|c| c.location()),
                format!("{field}.capacity"),
                format!("unknown capacity `{other}`"),
                "use `on_demand` or `spot`",
            );
            None
        }
    };
    let min = int_in(&g.min_size, &format!("{field}.min_size"), 0, 1000, check);
    let max = int_in(&g.max_size, &format!("{field}.max_size"), 1, 1000, check);
    let desired = int_in(&g.desired_size, &format!("{field}.desired_size"), 0, 1000, check);
    if let (Some(lo), Some(hi), Some(d)) = (min, max, desired)
        && !(lo <= d && d <= hi)
    {
        check.error(
            g.desired_size.location(),
            format!("{field}.desired_size"),
            format!("desired size {d} is outside min_size {lo} .. max_size {hi}"),
            "EKS needs min_size <= desired_size <= max_size",
        );
    }
    let disk_size_gb = match &g.disk_size_gb {
        Some(d) => int_in(d, &format!("{field}.disk_size_gb"), 1, 16384, check),
        None => Some(20),
    };
    for key in g.labels.keys() {
        if !label_key(key) {
            check.error(
                key.location(),
                format!("{field}.labels"),
                format!("`{}` is not a Kubernetes label key", key.value()),
                "use letters, digits, `-`, `_`, `.`, optionally with a `prefix/`",
            );
        }
    }
    let mut taints = Vec::new();
    for t in &g.taints {
        let effect = match t.effect.as_str() {
            "NoSchedule" => "NO_SCHEDULE",
            "PreferNoSchedule" => "PREFER_NO_SCHEDULE",
            "NoExecute" => "NO_EXECUTE",
            other => {
                check.error(
                    t.effect.location(),
                    format!("{field}.taints"),
                    format!("unknown taint effect `{other}`"),
                    "use `NoSchedule`, `PreferNoSchedule` or `NoExecute`",
                );
                continue;
            }
        };
        if !label_key(&t.key) {
            check.error(
                t.key.location(),
                format!("{field}.taints"),
                format!("`{}` is not a Kubernetes taint key", t.key.value()),
                "use letters, digits, `-`, `_`, `.`, optionally with a `prefix/`",
            );
        }
        taints.push(Taint {
            key: t.key.value().clone(),
            value: t.value.as_ref().map(|v| v.value().clone()),
            effect: effect.to_owned(),
        });
    }
    taints.sort();
    if let Some(azs) = &g.azs {
        if azs.is_empty() {
            check.error(
                azs.location(),
                format!("{field}.azs"),
                "a node group needs at least one availability zone",
                "list one or more of the stack's AZs, or leave `azs` out for all",
            );
        }
        // A borrowed network (`from_stack`) is checked when its state is read.
        for az in azs.iter().filter(|az| stack_azs.is_some_and(|known| !known.contains(&az.as_str()))) {
            check.error(
                az.location(),
                format!("{field}.azs"),
                format!("`{}` is not one of the stack's AZs", az.value()),
                format!("the stack's AZs are: {}", stack_azs.unwrap_or_default().join(", ")),
            );
        }
    }
    let ami_type = ami_type(g, &field, check);
    for group in g.security_groups.iter().filter(|s| !stack_groups.contains(&s.as_str())) {
        check.error(
            group.location(),
            format!("{field}.security_groups"),
            format!("no security group `{}` in this stack", group.value()),
            if stack_groups.is_empty() {
                "declare it under `security_groups:`".to_owned()
            } else {
                format!("the stack's security groups: {}", stack_groups.join(", "))
            },
        );
    }
    let metadata_hop_limit = match &g.metadata_hop_limit {
        Some(h) => int_in(h, &format!("{field}.metadata_hop_limit"), 1, 64, check),
        None => Some(1),
    };
    let max_unavailable = g.update_config.as_ref().and_then(|u| max_unavailable(u, &field, check));
    if let Some(user_data) = &g.user_data
        && user_data.trim().is_empty()
    {
        check.error(
            user_data.location(),
            format!("{field}.user_data"),
            "the user data fragment is empty",
            "write the script (Amazon Linux) or the TOML settings (Bottlerocket), or leave `user_data` out",
        );
    }
    if let Some(release) = &g.release_version
        && !release.chars().next().is_some_and(|c| c.is_ascii_digit())
    {
        check.error(
            release.location(),
            format!("{field}.release_version"),
            format!("`{}` is not an AMI release version", release.value()),
            "use a release EKS lists for the group's AMI type, e.g. `1.31.3-20250103` (Bottlerocket: `1.29.0-c55d099c`)",
        );
    }
    Some(NodeGroup {
        name: name.value().clone(),
        instance_types: g.instance_types.iter().map(|t| t.value().clone()).collect(),
        capacity_type: capacity_type?.to_owned(),
        min_size: min?,
        max_size: max?,
        desired_size: desired?,
        manage_desired_size: flag(&g.manage_desired_size, false),
        disk_size_gb: disk_size_gb?,
        kms_key: g.kms_key.as_ref().and_then(|k| key_ref(k, &format!("{field}.kms_key"), check)),
        labels: g.labels.iter().map(|(k, v)| (k.value().clone(), v.value().clone())).collect(),
        taints,
        azs: g.azs.as_ref().map(|azs| azs.iter().map(|a| a.value().clone()).collect()),
        ami_type: ami_type?,
        release_version: g.release_version.as_ref().map(|r| r.value().clone()),
        metadata_hop_limit: metadata_hop_limit?,
        user_data: g.user_data.as_ref().map(|u| u.value().clone()),
        max_unavailable,
        security_groups: g.security_groups.iter().map(|s| s.value().clone()).collect(),
    })
}

/// The group's AMI type: the stack's, checked against EKS's list and the instance types'
/// architecture, or AL2023 for the instance types' architecture.
fn ami_type(g: &NodeGroupSpec, field: &str, check: &mut Checker) -> Option<String> {
    let graviton: Vec<bool> = g.instance_types.iter().map(|t| is_graviton(t)).collect();
    let arm = graviton.first().copied().unwrap_or(false);
    if graviton.iter().any(|&g| g != arm) {
        check.error(
            g.instance_types.location(),
            format!("{field}.instance_types"),
            "the instance types mix Graviton (ARM) and x86 ones",
            "a node group runs one AMI, of one architecture: split the types into two groups",
        );
        return None;
    }
    let Some(ami) = &g.ami_type else {
        return Some(if arm { "AL2023_ARM_64_STANDARD" } else { "AL2023_x86_64_STANDARD" }.to_owned());
    };
    if !AMI_TYPES.contains(&ami.as_str()) {
        check.error(
            ami.location(),
            format!("{field}.ami_type"),
            format!("unknown AMI type `{}`", ami.value()),
            format!("use one of {}", AMI_TYPES.join(", ")),
        );
        return None;
    }
    if ami.contains("ARM_64") != arm {
        let (types, wanted) = if arm { ("Graviton (ARM)", "an `ARM_64`") } else { ("x86", "an `x86_64`") };
        check.error(
            ami.location(),
            format!("{field}.ami_type"),
            format!("`{}` does not run on the group's {types} instance types", ami.value()),
            format!("use {wanted} AMI type, or instance types of its architecture"),
        );
        return None;
    }
    Some(ami.value().clone())
}

fn max_unavailable(u: &Located<UpdateConfigSpec>, field: &str, check: &mut Checker) -> Option<MaxUnavailable> {
    let field = format!("{field}.update_config");
    match (&u.max_unavailable, &u.max_unavailable_percent) {
        (Some(n), None) => int_in(n, &format!("{field}.max_unavailable"), 1, 100, check).map(MaxUnavailable::Nodes),
        (None, Some(p)) => {
            int_in(p, &format!("{field}.max_unavailable_percent"), 1, 100, check).map(MaxUnavailable::Percent)
        }
        _ => {
            check.error(
                u.location(),
                field,
                "an update config sets one of `max_unavailable` and `max_unavailable_percent`",
                "e.g. `update_config: { max_unavailable_percent: 33 }`",
            );
            None
        }
    }
}

/// Kubernetes label and taint keys: an optional DNS prefix and `/`, then a name of at most 63
/// letters, digits, `-`, `_`, `.`, starting and ending alphanumeric.
fn label_key(key: &str) -> bool {
    let name = key.rsplit_once('/').map_or(key, |(_, n)| n);
    !name.is_empty()
        && name.len() <= 63
        && name.chars().all(|c| c.is_ascii_alphanumeric() || "-_.".contains(c))
        && name.starts_with(|c: char| c.is_ascii_alphanumeric())
        && name.ends_with(|c: char| c.is_ascii_alphanumeric())
}

#[allow(clippy::too_many_arguments)]
fn service_account(
    name: &Located<String>,
    s: &ServiceAccountSpec,
    cluster_field: &str,
    stack: &str,
    cluster: &str,
    spec: &StackSpec,
    sources: &Sources,
    check: &mut Checker,
) -> Option<ServiceAccount> {
    let field = format!("{cluster_field}.service_accounts.{}", name.value());
    let dns_label = |v: &str| {
        !v.is_empty()
            && v.len() <= 63
            && v.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
            && !v.starts_with('-')
            && !v.ends_with('-')
    };
    if !dns_label(name) {
        check.error(
            name.location(),
            &field,
            format!("`{}` is not a Kubernetes service account name", name.value()),
            "use lowercase letters, digits and dashes",
        );
    }
    let role = role_name(stack, cluster, &format!("sa-{}", name.value()));
    if role.len() > 64 {
        check.error(
            name.location(),
            &field,
            format!("the IAM role name `{role}` would be longer than IAM's 64 characters"),
            "shorten the stack, cluster or service account name",
        );
    }
    if !dns_label(&s.namespace) {
        check.error(
            s.namespace.location(),
            format!("{field}.namespace"),
            format!("`{}` is not a Kubernetes namespace", s.namespace.value()),
            "use lowercase letters, digits and dashes, e.g. `kube-system`",
        );
    }
    for secret in &s.read_secrets {
        if !spec.secrets.contains_key(secret.as_str()) {
            let known: Vec<&str> = spec.secrets.keys().map(|k| k.as_str()).collect();
            check.error(
                secret.location(),
                format!("{field}.read_secrets"),
                format!("no secret `{}` in this stack", secret.value()),
                if known.is_empty() {
                    "declare it under `secrets:`".to_owned()
                } else {
                    format!("declared secrets: {}", known.join(", "))
                },
            );
        }
    }
    for arn in &s.managed_policies {
        managed_policy_arn(arn, &format!("{field}.managed_policies"), check);
    }
    let policy = s.policy_file.as_ref().and_then(|f| policy_file(f, &format!("{field}.policy_file"), sources, check));
    let preset = preset(s, &field, stack, cluster, spec, check);
    if s.read_secrets.is_empty() && s.policy_file.is_none() && s.managed_policies.is_empty() && s.preset.is_none() {
        check.error(
            name.location(),
            &field,
            "this service account role would grant nothing",
            "give it a `preset`, `read_secrets`, a `policy_file` or `managed_policies`",
        );
    }
    let inline_size = [policy.as_ref(), preset.as_ref().and_then(|p| p.document.as_ref())]
        .into_iter()
        .flatten()
        .map(|p| p.to_string().len())
        .sum::<usize>()
        + if s.read_secrets.is_empty() { 0 } else { 400 };
    if inline_size > INLINE_POLICY_LIMIT {
        check.error(
            s.policy_file.as_ref().and_then(|f| f.location()),
            format!("{field}.policy_file"),
            format!(
                "the role's inline policies would be about {inline_size} characters; IAM allows {INLINE_POLICY_LIMIT}"
            ),
            "create the policy as a managed policy and list its ARN under `managed_policies`",
        );
    }
    let identity = identity(s.identity.as_ref(), &format!("{field}.identity"), check);
    Some(ServiceAccount {
        identity,
        name: name.value().clone(),
        namespace: s.namespace.value().clone(),
        read_secrets: s.read_secrets.iter().map(|r| r.value().clone()).collect(),
        policy,
        managed_policies: s.managed_policies.iter().map(|a| a.value().clone()).collect(),
        preset,
    })
}

/// The controller preset a service account names, scoped to this stack and cluster.
fn preset(
    s: &ServiceAccountSpec,
    field: &str,
    stack: &str,
    cluster: &str,
    spec: &StackSpec,
    check: &mut Checker,
) -> Option<ControllerPreset> {
    let zones_field = format!("{field}.hosted_zones");
    for zone in &s.hosted_zones {
        let ok = zone.len() <= 32
            && zone.starts_with('Z')
            && zone.chars().all(|c| c.is_ascii_uppercase() || c.is_ascii_digit());
        if !ok {
            check.error(
                zone.location(),
                &zones_field,
                format!("`{}` is not a Route 53 hosted zone id", zone.value()),
                "use the zone's id, e.g. `Z0123456789ABCDEFGHIJ` (`aws route53 list-hosted-zones`)",
            );
        }
    }
    let Some(name) = &s.preset else {
        if let Some(first) = s.hosted_zones.first() {
            check.error(
                first.location(),
                &zones_field,
                "hosted zones are for the `external-dns` and `cert-manager` presets",
                "add `preset: external-dns` (or `cert-manager`), or leave `hosted_zones` out",
            );
        }
        return None;
    };
    let preset_field = format!("{field}.preset");
    let stack_domains: Vec<String> =
        spec.dns.iter().flat_map(|d| d.zones.keys()).map(|z| z.trim_end_matches('.').to_ascii_lowercase()).collect();
    if needs_hosted_zones(name) && s.hosted_zones.is_empty() && stack_domains.is_empty() {
        check.error(
            name.location(),
            &preset_field,
            format!("the `{}` preset changes records only in the zones it is given", name.value()),
            "list them (`hosted_zones: [Z0123456789ABCDEFGHIJ]`), or give the stack its zones under `dns:`",
        );
    } else if !needs_hosted_zones(name)
        && let Some(first) = s.hosted_zones.first()
    {
        check.error(
            first.location(),
            &zones_field,
            format!("the `{}` preset changes no DNS records", name.value()),
            "leave `hosted_zones` out",
        );
    }
    let hosted_zones: Vec<String> = s.hosted_zones.iter().map(|z| z.value().clone()).collect();
    let parameter_paths: Vec<String> =
        spec.postgres.values().filter_map(|p| p.publish_ssm.as_ref().map(|path| path.value().clone())).collect();
    let scope = PresetScope {
        stack,
        region: spec.region.as_ref().map_or("*", |r| r.as_str()),
        cluster: &format!("{stack}-{cluster}"),
        hosted_zones: &hosted_zones,
        parameter_paths: &parameter_paths,
        node_role: &role_name(stack, cluster, "node"),
        stack_domains: &stack_domains,
    };
    // Karpenter's nodes take the node role of the managed node groups (whose access entry EKS
    // made), and Karpenter itself runs on those groups.
    let no_node_groups =
        spec.eks.iter().find(|(c, _)| c.as_str() == cluster).is_none_or(|(_, e)| e.node_groups.is_empty());
    if name.as_str() == "karpenter" && no_node_groups {
        check.error(
            name.location(),
            &preset_field,
            "Karpenter needs a managed node group in its cluster",
            "add one under `node_groups:`: Karpenter runs there, and its nodes use the same node role",
        );
    }
    let found = controller_preset(name, &scope);
    if found.is_none() {
        check.error(
            name.location(),
            &preset_field,
            format!("unknown preset `{}`", name.value()),
            format!("use one of {} (or a `policy_file`)", CONTROLLER_PRESETS.join(", ")),
        );
    }
    found
}

/// The service accounts of every cluster of the stack, for access entries naming one.
fn stack_service_accounts<'a>(spec: &'a StackSpec, cluster: &'a str) -> super::eks_access::StackServiceAccounts<'a> {
    let all =
        spec.eks.iter().flat_map(|(c, e)| e.service_accounts.keys().map(move |sa| (c.as_str(), sa.as_str()))).collect();
    super::eks_access::StackServiceAccounts { this_cluster: cluster, all }
}

/// The IAM role name for one of a cluster's roles: `<stack>-<cluster>-<purpose>`.
pub fn role_name(stack: &str, cluster: &str, purpose: &str) -> String {
    format!("{stack}-{cluster}-{purpose}")
}

/// Reads and checks a policy document (IAM or KMS): JSON with a `Statement`. A policy document, relative to the file that names it (a base's policy files stay its own
/// when an environment extends it).
pub(super) fn policy_file(
    v: &Located<String>,
    field: &str,
    sources: &Sources,
    check: &mut Checker,
) -> Option<serde_json::Value> {
    let dir = sources.dir_of(v.location());
    // What CI plans is the repository: a policy from elsewhere on the runner (`/etc/...`,
    // `../../`) would be read by the plan role and put into the role.
    if !crate::input_file::stays_inside(dir, std::path::Path::new(v.value())) {
        check.error(
            v.location(),
            field,
            format!("`{}` is outside the stack file's folder", v.value()),
            "put the policy beside the stack file (e.g. `policies/`) and give a relative path without `..`",
        );
        return None;
    }
    let path = dir.join(v.value());
    let text = match crate::input_file::read(&path) {
        Ok(t) => t,
        Err(e) => {
            check.error(v.location(), field, e.to_string(), "the path is relative to the stack file");
            return None;
        }
    };
    match serde_json::from_str::<serde_json::Value>(&text) {
        Ok(doc) if doc.get("Statement").is_some() => Some(doc),
        Ok(_) => {
            check.error(
                v.location(),
                field,
                format!("`{}` has no `Statement`", path.display()),
                "an IAM policy is `{\"Version\": \"2012-10-17\", \"Statement\": [...]}`",
            );
            None
        }
        Err(e) => {
            check.error(
                v.location(),
                field,
                format!("`{}` is not valid JSON: {e}", path.display()),
                "an IAM policy is `{\"Version\": \"2012-10-17\", \"Statement\": [...]}`",
            );
            None
        }
    }
}

fn repository(name: &Located<String>, r: &EcrSpec, check: &mut Checker) -> Option<Ecr> {
    let field = format!("ecr.{}", name.value());
    // ECR: lowercase letters, digits and `._-/` separators, 2 to 256 characters.
    let ok = (2..=256).contains(&name.len())
        && name.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || "._-/".contains(c))
        && name.starts_with(|c: char| c.is_ascii_alphanumeric())
        && name.ends_with(|c: char| c.is_ascii_alphanumeric());
    if !ok {
        check.error(
            name.location(),
            &field,
            format!("`{}` is not an ECR repository name", name.value()),
            "use lowercase letters, digits and `.`, `_`, `-`, `/` between them, 2 to 256 characters",
        );
    }
    let tag_mutability = match r.tag_mutability.as_ref().map(|t| t.as_str()) {
        Some("mutable") => "MUTABLE",
        None | Some("immutable") => "IMMUTABLE",
        Some(other) => {
            check.error(
                r.tag_mutability.as_ref().and_then(|t| t.location()),
                format!("{field}.tag_mutability"),
                format!("unknown value `{other}`"),
                "use `mutable` or `immutable`",
            );
            return None;
        }
    };
    let keep_images = match &r.keep_images {
        Some(k) => Some(int_in(k, &format!("{field}.keep_images"), 1, 10_000, check)?),
        None => None,
    };
    let kms_key = r.kms_key.as_ref().and_then(|k| key_ref(k, &format!("{field}.kms_key"), check));
    ok.then(|| Ecr {
        name: name.value().clone(),
        scan_on_push: flag(&r.scan_on_push, true),
        tag_mutability: tag_mutability.to_owned(),
        keep_images,
        force_delete: flag(&r.force_delete, false),
        kms_key,
    })
}

fn log_group(name: &Located<String>, g: &LogGroupSpec, check: &mut Checker) -> Option<LogGroup> {
    let field = format!("log_groups.{}", name.value());
    let ok = (1..=512).contains(&name.len())
        && name.chars().all(|c| c.is_ascii_alphanumeric() || "_-/.#".contains(c))
        && !name.starts_with("aws/");
    if !ok {
        check.error(
            name.location(),
            &field,
            format!("`{}` is not a log group name", name.value()),
            "use letters, digits and `_-/.#`, e.g. `/platform/user-service`",
        );
    }
    let retention_days = retention_setting(g.retention_days.as_ref(), &format!("{field}.retention_days"), check)?;
    let kms_key = g.kms_key.as_ref().and_then(|k| key_arn_ref(k, &format!("{field}.kms_key"), check));
    ok.then(|| LogGroup { name: name.value().clone(), retention_days, kms_key })
}

#[cfg(test)]
mod tests {
    use crate::model::test_support::{USER_SERVICE, stack_from, stack_from_file};

    /// Secure defaults: a cluster that says nothing is private and logs everything for a year;
    /// a public endpoint must say who may reach it; ECR tags are immutable; log groups expire.
    #[test]
    fn a_cluster_that_says_nothing_is_private_and_logs_everything() {
        let src = format!(
            "{USER_SERVICE}eks:\n  main: {{ version: \"1.33\" }}\necr:\n  app: {{}}\nlog_groups:\n  /a: {{}}\n  /b: {{ retention_days: never }}\n"
        );
        let stack = stack_from(&src).unwrap();
        let eks = &stack.compute.eks[0];
        assert_eq!((eks.endpoint_public_access, eks.endpoint_private_access), (false, true));
        assert_eq!(eks.logging, ["api", "audit", "authenticator", "controllerManager", "scheduler"]);
        assert_eq!(eks.log_retention_days, 365);
        assert_eq!(stack.compute.ecr[0].tag_mutability, "IMMUTABLE");
        let retention: Vec<Option<i64>> = stack.compute.log_groups.iter().map(|g| g.retention_days).collect();
        assert_eq!(retention, [Some(365), None]);
        let public = src.replace("version: \"1.33\"", "version: \"1.33\", endpoint_public_access: true");
        let err = stack_from(&public).unwrap_err();
        assert!(err.contains("a public endpoint needs the list of who may reach it"), "{err}");
        let bad_retention = src.replace("retention_days: never", "retention_days: forever");
        let err = stack_from(&bad_retention).unwrap_err();
        assert!(err.contains("a number of days") && err.contains("`never`"), "{err}");
    }

    /// The control plane in all the stack's subnets by default, in the private ones when the
    /// stack says so; anything else is refused with the choices.
    #[test]
    fn the_control_plane_goes_in_all_subnets_or_the_private_ones() {
        let cluster_subnets = |fields: &str| -> Result<usize, String> {
            let stack = stack_from(&format!("{USER_SERVICE}eks:\n  main: {{ version: \"1.33\"{fields} }}\n"))?;
            let desired = crate::expand::expand(&stack, &Default::default());
            let cluster = desired.iter().find(|d| d.address.as_str() == "eks.main").unwrap();
            Ok(crate::kinds::eks_cluster::SUBNET_IDS.get(&cluster.attrs).to_string().matches("network.subnet.").count())
        };
        let (all, private) =
            (cluster_subnets("").unwrap(), cluster_subnets(", control_plane_subnets: private").unwrap());
        assert_eq!(all, 2 * private, "all: {all}, private: {private}");
        assert!(cluster_subnets(", control_plane_subnets: private").is_ok());
        let err = cluster_subnets(", control_plane_subnets: public").unwrap_err();
        assert!(err.contains("`public` is not a choice of subnets for the control plane"), "{err}");
    }

    #[test]
    fn the_seed_platform_validates() {
        let stack = stack_from_file("stacks/user-service.yaml").unwrap();
        let eks = &stack.compute.eks[0];
        assert_eq!((eks.version.major, eks.version.minor), (1, 31));
        assert_eq!(
            eks.addons.iter().map(|a| a.name.as_str()).collect::<Vec<_>>(),
            ["vpc-cni", "kube-proxy", "coredns"]
        );
        let lbc = eks.service_accounts.iter().find(|s| s.name == "aws-load-balancer-controller").unwrap();
        let preset = lbc.preset.as_ref().unwrap();
        assert!(preset.document.as_ref().is_some_and(|p| p["Statement"].is_array()) && lbc.policy.is_none());
        assert_eq!(stack.compute.ecr[0].tag_mutability, "IMMUTABLE");
        let example = stack_from_file("examples/eks-node-groups.yaml").unwrap();
        let groups = &example.compute.eks[0].node_groups;
        assert!(groups.iter().all(|g| g.min_size >= 3), "seed 003: at least 3 nodes per group");
        assert_eq!(groups[1].taints[0].effect, "NO_SCHEDULE");
    }

    #[test]
    fn compute_mistakes_are_reported_together() {
        let src = format!(
            "{USER_SERVICE}\
eks:
  main:
    version: 1.31.2
    public_access_cidrs: [10.0.0.1/8, nope]
    logging: [api, everything]
    log_retention_days: 31
    addons:
      vpc-cni: {{ version: 1.2, resolve_conflicts: always }}
    node_groups:
      apps:
        instance_types: [large]
        capacity: reserved
        min_size: 3
        max_size: 2
        desired_size: 5
        taints: [{{ key: dedicated, effect: Never }}]
    service_accounts:
      reader:
        namespace: Default
        read_secrets: [missing]
        policy_file: policies/none.json
      idle:
        namespace: default
ecr:
  User_Service: {{ tag_mutability: sometimes, keep_images: 0 }}
log_groups:
  /platform/app: {{ retention_days: 10 }}
"
        );
        insta::assert_snapshot!(stack_from(&src).unwrap_err());
    }
}

#[cfg(test)]
mod pinned_node_groups {
    use crate::model::test_support::stack_from_file;

    fn with_azs(azs: &str) -> String {
        std::fs::read_to_string(crate::model::test_support::repo_file("examples/eks-node-groups.yaml"))
            .unwrap()
            .replace(
                "        labels: { workload: apps }",
                &format!("        labels: {{ workload: apps }}\n        azs: {azs}"),
            )
    }

    fn check(src: &str) -> Result<crate::model::Stack, String> {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("stack.yaml");
        std::fs::write(&path, src).unwrap();
        stack_from_file(path.to_str().unwrap())
    }

    #[test]
    fn a_node_group_can_live_in_one_az_of_the_stack() {
        let stack = check(&with_azs("[eu-west-1b]")).unwrap();
        let apps = crate::expand::expand(&stack, &Default::default())
            .into_iter()
            .find(|r| r.address.as_str() == "eks.main.node_group[apps]")
            .unwrap();
        assert_eq!(apps.attrs["subnet_ids"].to_string(), "[(id of network.subnet.private[eu-west-1b])]");
        let err = check(&with_azs("[eu-central-1a]")).unwrap_err();
        assert!(err.contains("`eu-central-1a` is not one of the stack's AZs"), "{err}");
        let one_az = with_azs("[eu-west-1a]")
            .replace("azs: [eu-west-1a, eu-west-1b, eu-west-1c]", "azs: [eu-west-1a]")
            .replace("[10.30.0.0/20, 10.30.16.0/20, 10.30.32.0/20]", "[10.30.0.0/20]")
            .replace("[10.30.64.0/18, 10.30.128.0/18, 10.30.192.0/18]", "[10.30.64.0/18]");
        let err = check(&one_az).unwrap_err();
        assert!(err.contains("at least two availability zones"), "{err}");
    }
}

#[cfg(test)]
mod hardened_nodes {
    use super::{MaxUnavailable, is_graviton};
    use crate::model::test_support::{USER_SERVICE, stack_from};

    fn group(fields: &str) -> String {
        format!(
            "{USER_SERVICE}eks:\n  main:\n    version: \"1.31\"\n    node_groups:\n      apps:\n        instance_types: [m6i.large]\n        min_size: 1\n        max_size: 3\n        desired_size: 1\n{fields}"
        )
    }

    #[test]
    fn the_ami_follows_the_instance_types_architecture() {
        assert!(
            ["m7g.large", "c6gn.xlarge", "t4g.small", "x2gd.large", "g5g.xlarge", "hpc7g.4xlarge"]
                .iter()
                .all(|t| is_graviton(t))
        );
        assert!(
            !["m6i.large", "g5.xlarge", "c5n.large", "m7i-flex.large", "inf2.xlarge"].iter().any(|t| is_graviton(t))
        );
        let stack = stack_from(&group("")).unwrap();
        let g = &stack.compute.eks[0].node_groups[0];
        assert_eq!((g.ami_type.as_str(), g.metadata_hop_limit, g.max_unavailable), ("AL2023_x86_64_STANDARD", 1, None));
        let arm = stack_from(&group("").replace("[m6i.large]", "[m7g.large, c7g.large]")).unwrap();
        assert_eq!(arm.compute.eks[0].node_groups[0].ami_type, "AL2023_ARM_64_STANDARD");
        let bottlerocket = stack_from(&group(
            "        ami_type: BOTTLEROCKET_x86_64\n        update_config: { max_unavailable_percent: 33 }\n        metadata_hop_limit: 2\n",
        ))
        .unwrap();
        let g = &bottlerocket.compute.eks[0].node_groups[0];
        assert!(g.is_bottlerocket());
        assert_eq!((g.metadata_hop_limit, g.max_unavailable), (2, Some(MaxUnavailable::Percent(33))));
    }

    #[test]
    fn node_mistakes_name_their_field() {
        for (fields, expected) in [
            ("        ami_type: AL2023_ARM_64_STANDARD\n", "does not run on the group's x86 instance types"),
            ("        ami_type: WINDOWS_CORE_2022_x86_64\n", "unknown AMI type `WINDOWS_CORE_2022_x86_64`"),
            ("        metadata_hop_limit: 0\n", "metadata_hop_limit"),
            ("        update_config: { max_unavailable: 1, max_unavailable_percent: 10 }\n", "sets one of"),
            ("        update_config: { max_unavailable_percent: 150 }\n", "150 is out of range"),
            ("        release_version: latest\n", "`latest` is not an AMI release version"),
            ("        user_data: \"  \"\n", "the user data fragment is empty"),
        ] {
            let err = stack_from(&group(fields)).unwrap_err();
            assert!(err.contains(expected) && err.contains("node_groups.apps"), "{fields}: {err}");
        }
        let mixed = group("").replace("[m6i.large]", "[m6i.large, m7g.large]");
        assert!(stack_from(&mixed).unwrap_err().contains("mix Graviton (ARM) and x86"));
    }
}

#[cfg(test)]
mod controller_presets {
    use crate::model::test_support::{USER_SERVICE, stack_from};

    fn account(fields: &str) -> Result<crate::model::Stack, String> {
        stack_from(&format!(
            "{USER_SERVICE}eks:\n  main:\n    version: \"1.31\"\n    service_accounts:\n      controller:\n        namespace: kube-system\n{fields}"
        ))
    }

    #[test]
    fn a_preset_is_scoped_to_the_stack_and_its_cluster() {
        let stack = account("        preset: cluster-autoscaler\n").unwrap();
        let preset = stack.compute.eks[0].service_accounts[0].preset.clone().unwrap();
        assert!(preset.follows.contains("cluster-autoscaler"), "{}", preset.follows);
        let doc = preset.document.unwrap().to_string();
        assert!(doc.contains("k8s.io/cluster-autoscaler/user-service-main"), "{doc}");
        assert!(doc.contains("arn:aws:eks:eu-west-1:*:nodegroup/user-service-main/*/*"), "{doc}");
        let dns = account("        preset: external-dns\n        hosted_zones: [Z0123456789ABCDEFGHIJ]\n").unwrap();
        let doc = dns.compute.eks[0].service_accounts[0].preset.clone().unwrap().document.unwrap().to_string();
        assert!(doc.contains("arn:aws:route53:::hostedzone/Z0123456789ABCDEFGHIJ"), "{doc}");
    }

    #[test]
    fn preset_mistakes_name_their_field() {
        for (fields, expected) in [
            ("        preset: cluster-api\n", "unknown preset `cluster-api`"),
            ("        preset: karpenter\n", "Karpenter needs a managed node group in its cluster"),
            ("        preset: external-dns\n", "changes records only in the zones it is given"),
            (
                "        preset: cert-manager\n        hosted_zones: [example.com]\n",
                "`example.com` is not a Route 53 hosted zone id",
            ),
            ("        preset: ebs-csi\n        hosted_zones: [Z0123]\n", "the `ebs-csi` preset changes no DNS records"),
            (
                "        managed_policies: [arn:aws:iam::aws:policy/ReadOnlyAccess]\n        hosted_zones: [Z0123]\n",
                "hosted zones are for",
            ),
        ] {
            let err = account(fields).unwrap_err();
            assert!(err.contains(expected) && err.contains("service_accounts.controller"), "{fields}: {err}");
        }
    }
}
