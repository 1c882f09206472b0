//! An EKS managed node group, after terraform-provider-aws's aws_eks_node_group: instance types,
//! capacity type, disk size, subnets and node role are ForceNew (the AWS name carries a hash of
//! them, so the new group can exist beside the old one: it is created before the old one is
//! deleted). Scaling, labels and taints are UpdateNodegroupConfig; the version
//! UpdateNodegroupVersion. The desired size is only the initial size (`initial_size`) unless
//! the stack manages it (`manage_desired_size`): the cluster autoscaler owns it otherwise.
//! Its id is `<cluster>:<name>`.

use crate::resource::schema::*;
pub use crate::resource::schema::{ARN, TAGS};

pub const CLUSTER: Attr = Attr::replace("cluster");
pub const NAME: Attr = Attr::replace("name");
pub const NODE_ROLE_ARN: Attr = Attr::replace("node_role_arn");
pub const SUBNET_IDS: Attr = Attr::replace("subnet_ids").set();
pub const INSTANCE_TYPES: Attr = Attr::replace("instance_types");
pub const CAPACITY_TYPE: Attr = Attr::replace("capacity_type");
pub const DISK_SIZE: Attr = Attr::replace("disk_size");
pub const VERSION: Attr = Attr::in_place("version");
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

    pub const NAME: Output = Output("name");
    /// The size AWS (or the autoscaler) has now.
    pub const DESIRED_SIZE: Output = Output("desired_size");
    pub const RELEASE_VERSION: Output = Output("release_version");
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
        DISK_SIZE,
        VERSION,
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
.waits(45);
