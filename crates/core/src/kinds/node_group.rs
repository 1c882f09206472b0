//! An EKS managed node group, after terraform-provider-aws's aws_eks_node_group: instance types,
//! capacity type, AMI type, subnets, node role and launch template are ForceNew (the AWS name
//! carries a hash of them, so the new group can exist beside the old one: it is created before
//! the old one is deleted). Scaling, labels, taints and the update config are
//! UpdateNodegroupConfig; the Kubernetes version, the AMI release and the launch template's
//! settings roll the nodes with UpdateNodegroupVersion. The desired size is only the initial
//! size (`initial_size`) unless the stack manages it (`manage_desired_size`): the cluster
//! autoscaler owns it otherwise. Its id is `<cluster>:<name>`.

use crate::resource::schema::*;
pub use crate::resource::schema::{ARN, TAGS};

pub const CLUSTER: Attr = Attr::replace("cluster");
pub const NAME: Attr = Attr::replace("name");
pub const NODE_ROLE_ARN: Attr = Attr::replace("node_role_arn");
pub const SUBNET_IDS: Attr = Attr::replace("subnet_ids").set();
pub const INSTANCE_TYPES: Attr = Attr::replace("instance_types");
pub const CAPACITY_TYPE: Attr = Attr::replace("capacity_type");
/// `AL2023_x86_64_STANDARD`, `BOTTLEROCKET_ARM_64`..., as EKS spells it.
pub const AMI_TYPE: Attr = Attr::replace("ami_type");
/// The group's own launch template (`launch_template`), whose default version it runs.
pub const LAUNCH_TEMPLATE_ID: Attr = Attr::replace("launch_template_id");
/// The template version the nodes run: the template's default (its output, read again when
/// the apply gets here, after the template's own update made a new one).
pub const LAUNCH_TEMPLATE_VERSION: Attr = Attr::in_place("launch_template_version");
/// The settings of the template version the nodes run (`launch_template::SETTINGS`): when
/// they differ from the template's, the group rolls onto its default version.
pub const LAUNCH_TEMPLATE: Attr = Attr::in_place("launch_template");
pub const VERSION: Attr = Attr::in_place("version");
/// The AMI release the nodes run (e.g. `1.31.3-20250103`), compared only where the stack pins it.
pub const RELEASE_VERSION: Attr = Attr::in_place("release_version");
/// How many nodes a roll may take down at once, a count or a percentage (one of them; AWS's
/// default, one node, when neither is set). Compared only where the stack sets them.
pub const MAX_UNAVAILABLE: Attr = Attr::in_place("max_unavailable");
pub const MAX_UNAVAILABLE_PERCENT: Attr = Attr::in_place("max_unavailable_percent");
pub const MIN_SIZE: Attr = Attr::in_place("min_size");
pub const MAX_SIZE: Attr = Attr::in_place("max_size");
/// Compared only with `manage_desired_size`.
pub const DESIRED_SIZE: Attr = Attr::in_place("desired_size");
pub const MANAGE_DESIRED_SIZE: Attr = Attr::local("manage_desired_size");
pub const INITIAL_SIZE: Attr = Attr::instruction("initial_size");
pub const LABELS: Attr = Attr::in_place("labels");
/// `{key, value, effect}` maps.
pub const TAINTS: Attr = Attr::in_place("taints");

pub mod out {
    use crate::resource::schema::Output;
    pub use crate::resource::schema::out::ARN;

    pub const NAME: Output = Output::fixed("name");
    /// The size AWS (or the autoscaler) has now.
    pub const DESIRED_SIZE: Output = Output::new("desired_size");
    pub const RELEASE_VERSION: Output = Output::new("release_version");
}

pub const DEF: KindDef = KindDef::new(
    "node_group",
    Service::Eks,
    &[
        CLUSTER,
        NAME,
        NODE_ROLE_ARN,
        SUBNET_IDS,
        INSTANCE_TYPES,
        CAPACITY_TYPE,
        AMI_TYPE,
        LAUNCH_TEMPLATE_ID,
        LAUNCH_TEMPLATE_VERSION,
        LAUNCH_TEMPLATE,
        VERSION,
        RELEASE_VERSION,
        MAX_UNAVAILABLE,
        MAX_UNAVAILABLE_PERCENT,
        MIN_SIZE,
        MAX_SIZE,
        DESIRED_SIZE,
        MANAGE_DESIRED_SIZE,
        INITIAL_SIZE,
        LABELS,
        TAINTS,
        TAGS,
        ARN,
    ],
    Adoption::NaturalKey(&[CLUSTER, NAME]),
)
.outputs(&[out::ARN, out::NAME, out::DESIRED_SIZE, out::RELEASE_VERSION])
.lifecycle(Lifecycle::CREATE_BEFORE_DESTROY)
.waits(45)
.moves_with(launch_template_of);

/// `eks.<cluster>.node_group[<group>]` → `eks.<cluster>.launch_template[<group>]`: a group's
/// launch template is named after it, so it moves with it.
fn launch_template_of(address: &str) -> Option<String> {
    address.contains(".node_group[").then(|| address.replacen(".node_group[", ".launch_template[", 1))
}
