//! Raw types of the compute sections: `eks` (clusters with node groups, add-ons and IAM roles
//! for service accounts), `ecr` and `log_groups`. Defaults and limits are documented here and
//! enforced in `model::eks`.

use indexmap::IndexMap;
use schemars::JsonSchema;
use serde::Deserialize;

use super::{ChecksSpec, Located};

/// An EKS cluster in the stack's subnets.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct EksSpec {
    /// Kubernetes version, e.g. `"1.31"`. Upgrades go one minor version at a time.
    pub version: Located<String>,
    /// The API server is reachable from the internet (from `public_access_cidrs`). Default
    /// false: reach it from the VPC, a VPN or a bastion.
    pub endpoint_public_access: Option<Located<bool>>,
    /// The API server is reachable from inside the VPC. Default true.
    pub endpoint_private_access: Option<Located<bool>>,
    /// The subnets the control plane's network interfaces go in: `all` the stack's (default)
    /// or its `private` ones only, as many clusters made with Terraform's EKS module are.
    /// Changing it replaces the cluster (EKS cannot move one).
    pub control_plane_subnets: Option<Located<String>>,
    /// Who may reach the public endpoint; required with `endpoint_public_access: true`
    /// (`[0.0.0.0/0]` opens it to everyone, and only when written).
    pub public_access_cidrs: Option<Located<Vec<Located<String>>>>,
    /// Control plane log types sent to CloudWatch: `api`, `audit`, `authenticator`,
    /// `controllerManager`, `scheduler`. Default: all five; `[]` sends none.
    pub logging: Option<Vec<Located<String>>>,
    /// Retention of the `/aws/eks/<cluster>/cluster` log group, in days (a CloudWatch value:
    /// 1, 3, 5, 7, 14, 30, 60, 90, ...). Default 365: it holds the audit log.
    pub log_retention_days: Option<Located<i64>>,
    /// KMS key (alias or ARN) for envelope encryption of Kubernetes secrets. Added to a running
    /// cluster in place; changing or removing it replaces the cluster (EKS cannot).
    pub secrets_kms_key: Option<Located<String>>,
    /// Who may authenticate to the cluster: `API` (access entries only; the default for a new
    /// cluster) or `API_AND_CONFIG_MAP` (also the `aws-auth` ConfigMap). One way only:
    /// CONFIG_MAP → API_AND_CONFIG_MAP → API. Unset on a cluster that exists: left as it is.
    pub authentication_mode: Option<Located<String>>,
    /// The identity that creates the cluster gets cluster admin through an access entry
    /// (EKS's `bootstrapClusterCreatorAdminPermissions`, read only at creation). Default true.
    pub bootstrap_cluster_creator_admin: Option<Located<bool>>,
    /// Access entries by name: who may use the cluster, with which EKS access policies.
    #[serde(default)]
    pub access: IndexMap<Located<String>, AccessEntrySpec>,
    /// Inbound rules added to the security group EKS creates for the cluster (the control
    /// plane's network interfaces and, by default, every node): e.g. the API from a VPN CIDR or
    /// from a group of this stack. EKS's own rules in the group are left alone.
    #[serde(default)]
    pub cluster_security_group_ingress: Vec<super::IngressRuleSpec>,
    /// EKS add-ons by name: `vpc-cni`, `kube-proxy`, `coredns`, ...
    #[serde(default)]
    pub addons: IndexMap<Located<String>, AddonSpec>,
    /// Managed node groups, in the private subnets.
    #[serde(default)]
    pub node_groups: IndexMap<Located<String>, NodeGroupSpec>,
    /// IAM roles for Kubernetes service accounts (IRSA), by service account name.
    #[serde(default)]
    pub service_accounts: IndexMap<Located<String>, ServiceAccountSpec>,
    /// `platformctl check` settings for this entry: rules skipped, each with its reason.
    pub checks: Option<ChecksSpec>,
}

/// An access entry: an IAM principal, its access policies and Kubernetes groups.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct AccessEntrySpec {
    /// The IAM role or user ARN, e.g. `arn:aws:iam::123456789012:role/PlatformAdmins`; or the
    /// role of one of this stack's service accounts: `service_account:<name>` (this cluster's)
    /// or `service_account:<cluster>/<name>` (another cluster's, e.g. a CD controller there).
    pub principal: Located<String>,
    /// EKS access policies: `cluster-admin`, `admin`, `edit`, `view` or a policy ARN, on the
    /// whole cluster, or `{ policy, namespaces: [..] }` on those namespaces.
    #[serde(default)]
    pub policies: Vec<Located<AccessPolicySpec>>,
    /// Kubernetes groups the principal is in (for RBAC bindings of your own).
    #[serde(default)]
    pub kubernetes_groups: Vec<Located<String>>,
}

/// `view`, or `{ policy: view, namespaces: [payments] }`.
#[derive(Debug, JsonSchema)]
#[serde(untagged)]
pub enum AccessPolicySpec {
    Cluster(String),
    Scoped { policy: String, namespaces: Vec<String> },
}

/// By hand: a bare name, or a mapping with `policy` and `namespaces` (YAML scalars arrive as
/// text; serde's untagged buffering would lose the field names in its errors).
impl<'de> Deserialize<'de> for AccessPolicySpec {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        #[derive(Deserialize)]
        #[serde(deny_unknown_fields)]
        struct Scoped {
            policy: String,
            namespaces: Vec<String>,
        }
        struct Visitor;
        impl<'de> serde::de::Visitor<'de> for Visitor {
            type Value = AccessPolicySpec;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("an access policy like `view`, or `{ policy: view, namespaces: [payments] }`")
            }
            fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<Self::Value, E> {
                Ok(AccessPolicySpec::Cluster(v.to_owned()))
            }
            fn visit_map<A: serde::de::MapAccess<'de>>(self, map: A) -> Result<Self::Value, A::Error> {
                let s = Scoped::deserialize(serde::de::value::MapAccessDeserializer::new(map))?;
                Ok(AccessPolicySpec::Scoped { policy: s.policy, namespaces: s.namespaces })
            }
        }
        d.deserialize_any(Visitor)
    }
}

/// An EKS add-on.
#[derive(Debug, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct AddonSpec {
    /// e.g. `v1.11.3-eksbuild.2`. Default: the newest version for the cluster's Kubernetes
    /// version, chosen at creation.
    pub version: Option<Located<String>>,
    /// The add-on's configuration values (its JSON schema is AWS's); compared as JSON, so key
    /// order never shows as a change.
    pub configuration: Option<Located<serde_json::Map<String, serde_json::Value>>>,
    /// What EKS does with fields changed in the cluster: `overwrite` (default), `preserve`
    /// (updates only) or `none`.
    pub resolve_conflicts: Option<Located<String>>,
    /// A role of its own for the add-on's service account, instead of the node role:
    /// `{ managed_policies, identity }` (AWS's policy for the add-on by default; `irsa` or
    /// `pod_identity`). For `vpc-cni`, the CNI policy then leaves the node role.
    pub service_account_role: Option<Located<AddonRoleSpec>>,
}

/// An add-on's own role.
#[derive(Debug, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct AddonRoleSpec {
    /// Managed policy ARNs. Default: AWS's policy for the add-on (vpc-cni:
    /// `AmazonEKS_CNI_Policy`; aws-ebs-csi-driver: `AmazonEBSCSIDriverPolicy`;
    /// aws-efs-csi-driver: `AmazonEFSCSIDriverPolicy`; amazon-cloudwatch-observability:
    /// `CloudWatchAgentServerPolicy` and `AWSXrayWriteOnlyAccess`).
    #[serde(default)]
    pub managed_policies: Vec<Located<String>>,
    /// `irsa` (default) or `pod_identity`, as for `service_accounts`.
    pub identity: Option<Located<String>>,
}

/// A managed node group.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct NodeGroupSpec {
    /// EC2 instance types, e.g. `[m6i.large]`. Changing them replaces the group (new one first).
    pub instance_types: Located<Vec<Located<String>>>,
    /// `on_demand` (default) or `spot`.
    pub capacity: Option<Located<String>>,
    pub min_size: Located<i64>,
    pub max_size: Located<i64>,
    /// The initial size. After creation the cluster autoscaler owns it, unless
    /// `manage_desired_size: true`.
    pub desired_size: Located<i64>,
    /// Keep the desired size at `desired_size` on every apply. Default false.
    pub manage_desired_size: Option<Located<bool>>,
    /// Root volume size in GiB (gp3, encrypted). Default 20. Changing it rolls the nodes.
    pub disk_size_gb: Option<Located<i64>>,
    /// The KMS key the root volume is encrypted with: a key of `kms_keys` (its policy then lets
    /// EC2 use it for the account's principals, EC2 Auto Scaling's among them), an alias or an
    /// ARN. Default: the account's EBS default key. Changing it rolls the nodes.
    pub kms_key: Option<Located<String>>,
    /// The AMI family and architecture, as EKS spells it: `AL2023_x86_64_STANDARD` (default;
    /// `AL2023_ARM_64_STANDARD` when every instance type is a Graviton one),
    /// `AL2023_ARM_64_STANDARD`, `BOTTLEROCKET_x86_64`, `BOTTLEROCKET_ARM_64`, `AL2_x86_64`...
    /// Changing it replaces the group (new one first).
    pub ami_type: Option<Located<String>>,
    /// Pin the AMI release, e.g. `1.31.3-20250103`; unset: the newest at creation, kept until
    /// the Kubernetes version changes. Changing it rolls the nodes.
    pub release_version: Option<Located<String>>,
    /// How many network hops the instance metadata service answers (IMDSv2 is always
    /// required). Default 1: the node itself, not its pods, which get AWS credentials through
    /// IRSA or Pod Identity instead of the node role.
    pub metadata_hop_limit: Option<Located<i64>>,
    /// A fragment added to the nodes' user data: a shell script for Amazon Linux (run before
    /// the node joins; EKS adds its own part), TOML settings for Bottlerocket. Changing it rolls
    /// the nodes.
    pub user_data: Option<Located<String>>,
    /// How many nodes a roll (new version, new launch template settings) may take down at once.
    pub update_config: Option<Located<UpdateConfigSpec>>,
    /// Security groups of the stack (`security_groups:`) the nodes join besides the cluster's
    /// own, e.g. one a database's group admits (`from: sg:nodes`). Changing them rolls the nodes.
    #[serde(default)]
    pub security_groups: Vec<Located<String>>,
    /// Kubernetes labels on the nodes.
    #[serde(default)]
    pub labels: IndexMap<Located<String>, Located<String>>,
    /// Kubernetes taints on the nodes.
    #[serde(default)]
    pub taints: Vec<Located<TaintSpec>>,
    /// Pin the nodes to some of the stack's AZs (their private subnets), e.g. one AZ for a
    /// cheap failover cluster; all of them by default. The control plane keeps them all.
    pub azs: Option<Located<Vec<Located<String>>>>,
}

/// How many nodes a roll may take down at once: a count or a percentage of the group.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateConfigSpec {
    /// 1 to 100 nodes.
    pub max_unavailable: Option<Located<i64>>,
    /// 1 to 100 percent.
    pub max_unavailable_percent: Option<Located<i64>>,
}

/// A Kubernetes taint.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct TaintSpec {
    pub key: Located<String>,
    #[serde(default)]
    pub value: Option<Located<String>>,
    /// `NoSchedule`, `PreferNoSchedule` or `NoExecute`.
    pub effect: Located<String>,
}

/// The IAM role a Kubernetes service account assumes through the cluster's OIDC provider.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ServiceAccountSpec {
    /// The service account's namespace.
    pub namespace: Located<String>,
    /// How its pods get the role: `irsa` (the default: a role trusting the cluster's OIDC
    /// provider; annotate the service account with the role ARN) or `pod_identity` (a role
    /// trusting `pods.eks.amazonaws.com` and a Pod Identity association; the
    /// `eks-pod-identity-agent` add-on is added to the cluster).
    pub identity: Option<Located<String>>,
    /// Secrets of this stack it may read (`GetSecretValue`, `DescribeSecret` on exactly them).
    #[serde(default)]
    pub read_secrets: Vec<Located<String>>,
    /// An IAM policy document (JSON), relative to the stack file.
    pub policy_file: Option<Located<String>>,
    /// ARNs of managed policies to attach.
    #[serde(default)]
    pub managed_policies: Vec<Located<String>>,
    /// The policy platformctl maintains for a well-known controller (each follows a named
    /// upstream policy): `cluster-autoscaler`, `aws-load-balancer-controller`, `external-dns`,
    /// `cert-manager`, `external-secrets`, `ebs-csi`, `karpenter`. Combines with the other fields (extra
    /// statements in a `policy_file`, say).
    pub preset: Option<Located<String>>,
    /// Route 53 hosted zone ids (`Z...`) the `external-dns` and `cert-manager` presets may
    /// change; without them, records under the stack's own zones (`dns:`).
    #[serde(default)]
    pub hosted_zones: Vec<Located<String>>,
}

/// An ECR repository.
#[derive(Debug, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct EcrSpec {
    /// Scan images for vulnerabilities when pushed. Default true.
    pub scan_on_push: Option<Located<bool>>,
    /// `immutable` (default: a pushed tag always names the same image) or `mutable` tags.
    pub tag_mutability: Option<Located<String>>,
    /// Keep only the newest N images (a lifecycle policy); all when absent.
    pub keep_images: Option<Located<i64>>,
    /// Delete the repository on destroy even if it still holds images. Default false.
    pub force_delete: Option<Located<bool>>,
    /// KMS key encrypting the images: a key of `kms_keys` by name, or an existing key's alias
    /// or ARN; ECR's AES-256 when absent. Changing it replaces the repository.
    pub kms_key: Option<Located<String>>,
    /// `platformctl check` settings for this entry: rules skipped, each with its reason.
    pub checks: Option<ChecksSpec>,
}

/// A CloudWatch Logs log group.
#[derive(Debug, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct LogGroupSpec {
    /// Days to keep events (a CloudWatch value: 1, 3, 5, 7, 14, 30, 60, 90, ...), or `never` to
    /// keep them forever. Default 365.
    pub retention_days: Option<Located<RetentionSpec>>,
    /// KMS key encrypting the events: a key of `kms_keys` by name (its policy then lets
    /// CloudWatch Logs use it) or an existing key's ARN. In place.
    pub kms_key: Option<Located<String>>,
    /// `platformctl check` settings for this entry: rules skipped, each with its reason.
    pub checks: Option<ChecksSpec>,
}

/// How long a log group keeps events.
#[derive(Clone, Copy, Debug, PartialEq, Eq, JsonSchema)]
#[serde(untagged)]
pub enum RetentionSpec {
    Days(i64),
    Forever(Never),
}

/// `never`: events are kept until deleted by hand.
#[derive(Clone, Copy, Debug, PartialEq, Eq, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Never {
    Never,
}

// By hand rather than `untagged`: the YAML reader hands every scalar over as text, which an
// untagged enum would never take for a number.
impl<'de> Deserialize<'de> for RetentionSpec {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct Visitor;
        impl serde::de::Visitor<'_> for Visitor {
            type Value = RetentionSpec;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("a number of days (1, 3, 5, 7, 14, 30, 60, 90, ... 3653) or `never`")
            }
            fn visit_i64<E: serde::de::Error>(self, v: i64) -> Result<RetentionSpec, E> {
                Ok(RetentionSpec::Days(v))
            }
            fn visit_u64<E: serde::de::Error>(self, v: u64) -> Result<RetentionSpec, E> {
                i64::try_from(v)
                    .map(RetentionSpec::Days)
                    .map_err(|_| E::invalid_value(serde::de::Unexpected::Unsigned(v), &self))
            }
            fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<RetentionSpec, E> {
                match v {
                    "never" => Ok(RetentionSpec::Forever(Never::Never)),
                    _ => v
                        .parse()
                        .map(RetentionSpec::Days)
                        .map_err(|_| E::invalid_value(serde::de::Unexpected::Str(v), &self)),
                }
            }
        }
        deserializer.deserialize_any(Visitor)
    }
}
