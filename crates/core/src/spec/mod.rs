//! The stack file format (v1) as raw serde types: exactly what the YAML says, with positions,
//! nothing checked beyond shape. Meaning and cross-field rules belong to `model`, which turns a
//! `StackSpec` into a validated `Stack`. The JSON Schema shipped in `docs/` is generated from
//! these types (`platformctl schema`), so editors and the parser can never disagree.
//!
//! A new section (postgres, redis, eks, ...) is one more field here, one more entry in
//! `load::SECTIONS`, and its own types beside these.

mod alarms;
mod checks;
mod credentials;
mod data;
mod dns;
mod eks;
mod kms;
mod load;
mod located;

use indexmap::IndexMap;
use schemars::JsonSchema;
use serde::Deserialize;

pub use alarms::{AlarmSpec, MetricSpec, NotificationSpec};
pub use checks::ChecksSpec;
pub use credentials::{AccountIdsSpec, AssumeRoleSpec};
pub use data::{
    AuroraSpec, CrossRegionReplicaSpec, DatabaseFields, GenerateSpec, PerformanceInsightsSettings,
    PerformanceInsightsSpec, PostgresSpec, ReadReplicasSpec, ReaderAutoscalingSpec, RedisSpec, ReplicaOfSpec,
    ReplicaSpec, SecretSpec, ServerlessSpec,
};
pub use dns::{CertificateSpec, DnsSpec, HealthCheckSpec, RecordSpec, ZoneSpec};
pub use eks::{
    AccessEntrySpec, AccessPolicySpec, AddonRoleSpec, AddonSpec, EcrSpec, EksSpec, LogGroupSpec, Never, NodeGroupSpec,
    RetentionSpec, ServiceAccountSpec, TaintSpec, UpdateConfigSpec,
};
pub use kms::KmsKeySpec;
pub use load::{LoadedSpec, SECTIONS, StackFileError, load_file, parse_str};
pub use located::{Located, location_of};

/// A platformctl stack: one region, one state file.
#[derive(Debug, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(title = "platformctl stack (format v1)")]
pub struct StackSpec {
    /// Name of the stack: lowercase letters, digits and dashes, at most 32 characters. AWS names
    /// and the `platformctl:stack` tag derive from it.
    // Optional for serde so that a missing name gets our own error and hint; required in the
    // schema, which is what editors see.
    #[schemars(with = "String")]
    pub stack: Option<Located<String>>,
    /// The AWS region every resource of the stack lives in, e.g. `eu-west-1`.
    #[schemars(with = "String")]
    pub region: Option<Located<String>>,
    /// Tags added to every taggable resource of the stack.
    #[serde(default)]
    pub tags: IndexMap<Located<String>, Located<String>>,
    /// The stack's VPC: subnets, gateways and routes — or `{ from_stack: <name> }` to use the
    /// network another stack of the same state backend created (seed 003's split states).
    #[schemars(with = "Option<NetworkSection>")]
    pub network: Option<NetworkSpec>,
    /// `network: { from_stack: ... }`, read into its own field (see `load`).
    #[serde(skip)]
    #[schemars(skip)]
    pub network_from: Option<Located<String>>,
    /// Security groups in the stack's VPC, by name.
    #[serde(default)]
    pub security_groups: IndexMap<Located<String>, SecurityGroupSpec>,
    /// Customer-managed KMS keys, by name: other sections encrypt with one as `kms_key: <name>`.
    #[serde(default)]
    pub kms_keys: IndexMap<Located<String>, KmsKeySpec>,
    /// Secrets Manager secrets, by name: generated passwords and tokens, or external values.
    #[serde(default)]
    pub secrets: IndexMap<Located<String>, SecretSpec>,
    /// RDS for PostgreSQL instances, by name — or, with `replica_of`, read replicas of another
    /// stack's instance (seed 001's cross-region disaster-recovery replica).
    #[serde(default)]
    #[schemars(with = "IndexMap<String, data::PostgresEntry>")]
    pub postgres: IndexMap<Located<String>, PostgresSpec>,
    /// `postgres:` entries with `replica_of`, read into their own field (see `load`).
    #[serde(skip)]
    #[schemars(skip)]
    pub postgres_replicas: IndexMap<Located<String>, CrossRegionReplicaSpec>,
    /// Aurora PostgreSQL clusters, by name.
    #[serde(default)]
    pub aurora: IndexMap<Located<String>, AuroraSpec>,
    /// ElastiCache Redis replication groups, by name.
    #[serde(default)]
    pub redis: IndexMap<Located<String>, RedisSpec>,
    /// EKS clusters, by name, with their node groups, add-ons and service account roles.
    #[serde(default)]
    pub eks: IndexMap<Located<String>, EksSpec>,
    /// ECR repositories, by repository name.
    #[serde(default)]
    pub ecr: IndexMap<Located<String>, EcrSpec>,
    /// CloudWatch Logs log groups, by log group name.
    #[serde(default)]
    pub log_groups: IndexMap<Located<String>, LogGroupSpec>,
    /// SNS topics alarms notify, by name, with their email and HTTPS subscriptions.
    #[serde(default)]
    pub notifications: IndexMap<Located<String>, NotificationSpec>,
    /// CloudWatch alarms, by name: presets for what the stack creates, or any metric.
    #[serde(default)]
    pub alarms: IndexMap<Located<String>, AlarmSpec>,
    /// Route 53 hosted zones and their records.
    pub dns: Option<DnsSpec>,
    /// ACM certificates by name, validated through DNS records in a zone of `dns.zones`.
    #[serde(default)]
    pub certificates: IndexMap<Located<String>, CertificateSpec>,
    /// Where the state lives: a local file (default) or S3 with locking.
    pub state: Option<StateSpec>,
    /// VPC peerings with other stacks' networks (another region too), by name.
    #[serde(default)]
    pub peering: IndexMap<Located<String>, PeeringSpec>,
    /// This file is an environment of another stack file: that file's settings, with this
    /// file's merged over them (mappings by key, lists and values replaced, `null` removes). The
    /// path is relative to this file; an environment names its own `stack`.
    pub extends: Option<String>,
    /// The AWS account(s) this stack may run in. Checked with STS before anything is read or
    /// written: other credentials are refused, naming both accounts.
    #[schemars(with = "Option<AccountIdsSpec>")]
    pub account_id: Option<Located<AccountIdsSpec>>,
    /// A role assumed through STS before any other AWS call (its account is the one checked).
    pub assume_role: Option<AssumeRoleSpec>,
    /// `platformctl check` settings for the whole stack: rules skipped, each with its reason.
    pub checks: Option<ChecksSpec>,
    /// Addresses that changed, old to new (`"postgres.users": "postgres.accounts"`): the entry
    /// and everything under it keep their AWS resources, which keep their AWS names (tags follow
    /// the new address). An entry may stay in the file after it took effect.
    #[serde(default)]
    pub moved: IndexMap<Located<String>, Located<String>>,
}

/// A peering with another stack's VPC: requested here, accepted in the other stack's region,
/// routes to each other's CIDR in both sides' private route tables (all owned by this stack).
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct PeeringSpec {
    /// The other stack's name; its state sits beside this one on the same backend.
    pub stack: Located<String>,
}

/// Where the stack's state lives. `--backend-config KEY=VALUE` overrides any field.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct StateSpec {
    /// `local` (default) or `s3`.
    pub backend: Located<String>,
    /// S3: the bucket (turn on versioning: every write is a new version to go back to).
    pub bucket: Option<Located<String>>,
    /// S3: the object key, e.g. `prod/user-service.json`; the lock is `<key>.lock`.
    pub key: Option<Located<String>>,
    /// S3: the bucket's region; the stack's by default.
    pub region: Option<Located<String>>,
    /// local: the state file, relative to the stack file; `.platformctl/<stack>.state.json` by
    /// default.
    pub path: Option<Located<String>>,
    /// S3: a KMS key (an existing key's `alias/...` or ARN) encrypting the state and lock
    /// objects (SSE-KMS); the bucket's default encryption when absent.
    pub kms_key: Option<Located<String>>,
}

/// The VPC and its subnets: one public and one private subnet per availability zone.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct NetworkSpec {
    /// The VPC's IPv4 CIDR block, e.g. `10.0.0.0/16` (a prefix from /16 to /28).
    pub cidr: Located<String>,
    /// Availability zones of the stack's region, e.g. `[eu-west-1a, eu-west-1b]`.
    pub azs: Located<Vec<Located<String>>>,
    /// One public subnet CIDR per availability zone, in the order of `azs`.
    pub public_subnets: Located<Vec<Located<String>>>,
    /// One private subnet CIDR per availability zone, in the order of `azs`.
    pub private_subnets: Located<Vec<Located<String>>>,
    /// NAT gateways for the private subnets' internet access.
    #[serde(default)]
    pub nat_gateways: Option<Located<NatGatewaysSpec>>,
    /// Empty the VPC's default security group of its rules (CIS AWS 5.4), so that nothing
    /// placed in it by mistake is reachable; its rules are restored on destroy. Default true.
    pub restrict_default_security_group: Option<Located<bool>>,
    /// The VPC gives instances DNS host names (`ip-10-0-1-5.eu-west-1.compute.internal`), which
    /// EKS nodes and private endpoints rely on. Default true.
    pub dns_hostnames: Option<Located<bool>>,
    /// Instances launched in the public subnets get a public IPv4 address. Default true; `false`
    /// keeps them private unless given an Elastic IP (what checkov's CKV_AWS_130 asks for).
    pub public_ip_on_launch: Option<Located<bool>>,
    /// VPC flow logs, to a CloudWatch Logs group of the stack (`/platformctl/<stack>/vpc-flow-logs`)
    /// written through a role platformctl creates. Off when absent; `flow_logs: {}` for the
    /// defaults.
    pub flow_logs: Option<FlowLogsSpec>,
    /// Tags of the public subnets, over the stack's. With an EKS cluster in the stack they
    /// start with `kubernetes.io/role/elb: "1"`, which the AWS Load Balancer Controller looks
    /// for to place internet-facing load balancers.
    #[serde(default)]
    pub public_subnet_tags: IndexMap<Located<String>, Located<String>>,
    /// Tags of the private subnets, over the stack's. With an EKS cluster in the stack they
    /// start with `kubernetes.io/role/internal-elb: "1"` (internal load balancers).
    #[serde(default)]
    pub private_subnet_tags: IndexMap<Located<String>, Located<String>>,
    /// Network ACLs by tier (`public`, `private`): stateless rules evaluated by number before
    /// any security group, associated with every subnet of the tier. A tier without one keeps
    /// the VPC's default ACL (all traffic allowed).
    #[serde(default)]
    pub acls: IndexMap<Located<String>, AclSpec>,
    /// `platformctl check` settings for this entry: rules skipped, each with its reason.
    pub checks: Option<ChecksSpec>,
}

/// A tier's network ACL. Traffic no rule allows is denied (the ACL's last rule, `*`); replies
/// need their own rules (ephemeral ports 1024-65535), as ACLs are stateless.
#[derive(Debug, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct AclSpec {
    /// Inbound rules, evaluated by number.
    #[serde(default)]
    pub ingress: Vec<AclRuleSpec>,
    /// Outbound rules, evaluated by number.
    #[serde(default)]
    pub egress: Vec<AclRuleSpec>,
}

/// One numbered ACL rule.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct AclRuleSpec {
    /// 1 to 32766, unique in its direction; default: the previous rule's number + 10 (the
    /// first: 100). Lower numbers are evaluated first.
    pub number: Option<Located<i64>>,
    /// `allow` or `deny`.
    pub action: Located<String>,
    /// `tcp`, `udp`, `icmp` or `all`.
    pub protocol: Located<String>,
    /// A single port (tcp, udp).
    pub port: Option<Located<u32>>,
    /// A port range `FROM-TO` (tcp, udp), e.g. `1024-65535` for replies.
    pub ports: Option<Located<String>>,
    /// The peer: a CIDR, or `vpc` for the VPC's block.
    pub cidr: Located<String>,
}

/// Where and what a VPC's flow logs record.
#[derive(Debug, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct FlowLogsSpec {
    /// `cloudwatch` (the default and, for now, the only destination).
    pub destination: Option<Located<String>>,
    /// `all` (default), `accept` or `reject`: which traffic is recorded. Changing it replaces the
    /// flow log.
    pub traffic: Option<Located<String>>,
    /// Days the log group keeps records (a CloudWatch period), or `never`. Default 365.
    pub retention_days: Option<Located<RetentionSpec>>,
    /// KMS key encrypting the log group: a key of `kms_keys` by name or an existing key's ARN.
    pub kms_key: Option<Located<String>>,
}

/// What the schema shows for `network`: a network of the stack's own, or another stack's.
#[derive(JsonSchema)]
#[serde(untagged)]
#[allow(dead_code)]
enum NetworkSection {
    Own(Box<NetworkSpec>),
    FromStack(NetworkFromSpec),
}

/// Another stack's network, used through its state: its VPC and subnets are referred to, never
/// changed; destroying that stack is refused while this one uses it.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct NetworkFromSpec {
    /// The other stack's name (its state is found through this stack's backend settings).
    pub from_stack: Located<String>,
}

/// How many NAT gateways the private subnets use.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum NatGatewaysSpec {
    /// No NAT gateway: private subnets have no route to the internet.
    None,
    /// One NAT gateway, in the first AZ's public subnet, shared by every private subnet.
    #[default]
    Single,
    /// One NAT gateway per AZ, so one AZ's outage does not cut the others off.
    PerAz,
}

/// A security group in the stack's VPC. AWS's default rule (all egress allowed) is kept.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct SecurityGroupSpec {
    /// The group's description (ASCII; changing it replaces the group, as AWS cannot edit it).
    pub description: Option<Located<String>>,
    /// Inbound rules.
    #[serde(default)]
    pub ingress: Vec<IngressRuleSpec>,
    /// Outbound rules. When given, AWS's default rule allowing all traffic out is removed and
    /// only these are allowed (`egress: []`: nothing out); when absent, the default stays.
    pub egress: Option<Vec<EgressRuleSpec>>,
    /// `platformctl check` settings for this entry: rules skipped, each with its reason.
    pub checks: Option<ChecksSpec>,
}

/// One outbound rule. `to` is `private_subnets`, `public_subnets`, `vpc`, a CIDR, or
/// `sg:<name>` for another security group of this stack.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct EgressRuleSpec {
    /// `tcp`, `udp`, `icmp` or `all`.
    pub protocol: Located<String>,
    /// A single port (tcp, udp).
    pub port: Option<Located<u32>>,
    /// A port range `FROM-TO` (tcp, udp).
    pub ports: Option<Located<String>>,
    /// Where traffic may go.
    pub to: Located<String>,
    /// Shown on the rule in AWS.
    pub description: Option<Located<String>>,
}

/// One inbound rule. `from` is `private_subnets`, `public_subnets`, `vpc`, a CIDR, or
/// `sg:<name>` for another security group of this stack.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct IngressRuleSpec {
    /// `tcp`, `udp`, `icmp` or `all`.
    pub protocol: Located<String>,
    /// A single port (tcp, udp).
    pub port: Option<Located<u32>>,
    /// A port range `FROM-TO` (tcp, udp).
    pub ports: Option<Located<String>>,
    /// Where traffic may come from.
    pub from: Located<String>,
    /// Shown on the rule in AWS.
    pub description: Option<Located<String>>,
}
