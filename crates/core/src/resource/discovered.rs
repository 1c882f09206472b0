//! What `platformctl generate` found in AWS, as plain data: platformctl-aws's `discover` fills
//! it in, platformctl-core's `generate` says it as a stack file.

/// A VPC and what is in it, as AWS has it.
#[derive(Clone, Debug, Default)]
pub struct DiscoveredVpc {
    pub id: String,
    pub cidr: String,
    pub subnets: Vec<DiscoveredSubnet>,
    /// The VPC's internet gateway, if one is attached.
    pub internet_gateway: Option<String>,
    pub route_tables: Vec<DiscoveredRouteTable>,
    /// NAT gateways (available ones), with their subnet and Elastic IP allocation.
    pub nat_gateways: Vec<DiscoveredNat>,
    /// The default security group has rules (AWS's default allows its members everything).
    pub default_security_group_open: bool,
    /// `enableDnsHostnames`.
    pub dns_hostnames: bool,
}

#[derive(Clone, Debug, Default)]
pub struct DiscoveredSubnet {
    pub id: String,
    pub cidr: String,
    pub az: String,
    pub public_ip_on_launch: bool,
}

#[derive(Clone, Debug, Default)]
pub struct DiscoveredRouteTable {
    pub id: String,
    pub main: bool,
    pub subnets: Vec<String>,
    /// The target of its `0.0.0.0/0` route: `igw-...`, `nat-...`, or none.
    pub default_route: Option<String>,
}

#[derive(Clone, Debug, Default)]
pub struct DiscoveredNat {
    pub id: String,
    pub subnet: String,
    pub allocation: Option<String>,
}

/// A security group of the VPC (not its default one).
#[derive(Clone, Debug, Default)]
pub struct DiscoveredSecurityGroup {
    pub id: String,
    pub name: String,
    pub description: String,
    pub ingress: Vec<DiscoveredRule>,
    pub egress: Vec<DiscoveredRule>,
    /// Made by EKS or a Kubernetes controller (by its tags): theirs, not the stack's.
    pub managed_by: Option<String>,
}

#[derive(Clone, Debug, Default, PartialEq, Eq, PartialOrd, Ord)]
pub struct DiscoveredRule {
    /// `tcp`, `udp`, `icmp`, or `-1` (all).
    pub protocol: String,
    pub from_port: Option<i32>,
    pub to_port: Option<i32>,
    pub cidr: Option<String>,
    /// The other security group's id.
    pub group: Option<String>,
    pub description: Option<String>,
}

#[derive(Clone, Debug, Default)]
pub struct DiscoveredRepository {
    pub name: String,
    pub scan_on_push: bool,
    pub immutable_tags: bool,
}

#[derive(Clone, Debug, Default)]
pub struct DiscoveredLogGroup {
    pub name: String,
    pub retention_days: Option<i32>,
    pub kms_key: Option<String>,
}

/// An RDS PostgreSQL instance as platformctl reads one (the `db_instance` kind's attributes), and
/// its subnet group's (`db_subnet_group`).
#[derive(Clone, Debug, Default)]
pub struct DiscoveredDatabase {
    pub identifier: String,
    pub attrs: super::Attrs,
    pub subnet_group: Option<super::Attrs>,
    /// Its read replicas: in this region by identifier, in others by ARN.
    pub read_replicas: Vec<DiscoveredReplica>,
    /// Its parameter group (`db_parameter_group`'s attributes), when it is not RDS's default.
    pub parameter_group: Option<super::Attrs>,
}

/// A read replica of a PostgreSQL instance.
#[derive(Clone, Debug, Default)]
pub struct DiscoveredReplica {
    /// Its identifier; an ARN for one in another region (not read).
    pub identifier: String,
    pub instance_class: Option<String>,
    /// Automated backups of the replica itself, in days.
    pub backup_retention_days: i64,
}

/// An Aurora PostgreSQL cluster as platformctl reads one (the `db_cluster` kind's attributes),
/// with its instances and parameter groups.
#[derive(Clone, Debug, Default)]
pub struct DiscoveredAurora {
    pub identifier: String,
    pub attrs: super::Attrs,
    pub subnet_group: Option<super::Attrs>,
    /// The cluster's parameter group, when it is not RDS's default.
    pub parameter_group: Option<super::Attrs>,
    /// Its instances' parameter group (the first's), when it is not RDS's default.
    pub member_parameter_group: Option<super::Attrs>,
    pub members: Vec<DiscoveredMember>,
    /// The names of the scaling policies on its readers; `None` where they could not be read.
    pub reader_scaling_policies: Option<Vec<String>>,
}

/// An instance of an Aurora cluster (`db_cluster_instance`'s attributes).
#[derive(Clone, Debug, Default)]
pub struct DiscoveredMember {
    pub identifier: String,
    pub attrs: super::Attrs,
    pub writer: bool,
}

/// A Redis (or Valkey) replication group as platformctl reads one (the `replication_group` kind's
/// reported attributes), with what only its member clusters say.
#[derive(Clone, Debug, Default)]
pub struct DiscoveredCache {
    pub id: String,
    pub attrs: super::Attrs,
    /// `7.1.0` as ElastiCache reports it.
    pub engine_version: String,
    pub security_group_ids: Vec<String>,
    pub subnet_group: Option<super::Attrs>,
    pub kms_key: Option<String>,
    pub auth_token: bool,
    /// Why its member clusters could not be read, if they could not.
    pub unreadable: Option<String>,
}

/// A Secrets Manager secret: referenced as `external` (its value stays in AWS).
#[derive(Clone, Debug, Default)]
pub struct DiscoveredSecret {
    pub arn: String,
    pub name: String,
    pub description: Option<String>,
    pub kms_key: Option<String>,
}

/// An EKS cluster as platformctl reads one (the `eks_cluster` kind's attributes and outputs),
/// with what belongs to it: roles, node groups, add-ons, the roles its service accounts assume.
#[derive(Clone, Debug, Default)]
pub struct DiscoveredCluster {
    pub name: String,
    pub attrs: super::Attrs,
    pub outputs: super::Attrs,
    /// The cluster role, as the `iam_role` kind reads it.
    pub cluster_role: Option<super::Attrs>,
    /// The node role of the node groups (each group's own is in its attributes), by role name.
    pub node_roles: Vec<super::Attrs>,
    /// `/aws/eks/<cluster>/cluster`, if it exists.
    pub log_group: Option<DiscoveredLogGroup>,
    pub node_groups: Vec<DiscoveredNodeGroup>,
    pub addons: Vec<DiscoveredAddon>,
    /// Roles whose trust is IRSA's through this cluster's OIDC provider for one service account,
    /// and roles of its Pod Identity associations.
    pub service_accounts: Vec<DiscoveredServiceAccount>,
    /// Access entries (`eks_access_entry`'s attributes), but the ones EKS makes for node roles.
    pub access_entries: Vec<super::Attrs>,
    /// What was found but is not read yet, or could not be read: (id, why).
    pub not_read: Vec<(String, String)>,
}

/// A managed node group as the `node_group` kind reads it (its launch template's settings
/// included), with its desired size.
#[derive(Clone, Debug, Default)]
pub struct DiscoveredNodeGroup {
    pub name: String,
    pub attrs: super::Attrs,
    pub desired_size: Option<i64>,
}

#[derive(Clone, Debug, Default)]
pub struct DiscoveredAddon {
    pub name: String,
    pub attrs: super::Attrs,
    /// Its service account role (`iam_role`'s attributes), when it has one.
    pub role: Option<super::Attrs>,
}

/// The role of one service account: IRSA's (assumable only by
/// `system:serviceaccount:<namespace>:<service_account>`) or a Pod Identity association's.
#[derive(Clone, Debug, Default)]
pub struct DiscoveredServiceAccount {
    pub namespace: String,
    pub service_account: String,
    /// The role as the `iam_role` kind reads it (trust with the `${oidc}` placeholder).
    pub role: super::Attrs,
    /// Through a Pod Identity association (not IRSA).
    pub pod_identity: bool,
}

/// The tags of what `generate` recorded, in the stack's words (`generate::found_tags`).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct FoundTags {
    /// On every taggable resource: the stack's `tags`.
    pub common: std::collections::BTreeMap<String, String>,
    /// What the first apply changes: one line per resource and tag.
    pub changes: Vec<String>,
}

/// What `generate` read.
#[derive(Clone, Debug, Default)]
pub struct Discovered {
    pub region: String,
    pub vpc: Option<DiscoveredVpc>,
    pub security_groups: Vec<DiscoveredSecurityGroup>,
    pub repositories: Vec<DiscoveredRepository>,
    pub log_groups: Vec<DiscoveredLogGroup>,
    pub postgres: Vec<DiscoveredDatabase>,
    pub aurora: Vec<DiscoveredAurora>,
    pub redis: Vec<DiscoveredCache>,
    pub secrets: Vec<DiscoveredSecret>,
    pub clusters: Vec<DiscoveredCluster>,
    /// The tags found on what was recorded (known once it is: a second pass writes them).
    pub tags: FoundTags,
    /// Whether files may be written beside the stack file (`--out`): a role's inline policy
    /// becomes a `policy_file` there.
    pub files_beside: bool,
    /// ARNs found by tag of kinds generate does not read.
    pub not_read: Vec<String>,
}
