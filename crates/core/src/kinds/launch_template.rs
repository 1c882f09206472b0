//! The EC2 launch template an EKS managed node group's nodes start from, one per group: the
//! instance metadata service with session tokens required and a hop limit of 1 (so pods,
//! one network hop further than the node, cannot reach the node role's credentials), an
//! encrypted root volume (with the stack's key if it says so), and optional user data. Every setting changes in place: a new
//! template version becomes the default, and the node group rolls onto it
//! (`node_group::LAUNCH_TEMPLATE`). Only the name forces a replacement.

pub use crate::resource::schema::TAGS;
use crate::resource::schema::*;

/// `<stack>-<cluster>-<group>`: EC2 names must be unique per region.
pub const NAME: Attr = Attr::replace("name");
/// `required` (IMDSv2 only) or `optional`.
pub const HTTP_TOKENS: Attr = Attr::in_place("http_tokens");
/// How many network hops the metadata service's answer may travel: 1 stops at the node.
pub const HOP_LIMIT: Attr = Attr::in_place("http_put_response_hop_limit");
/// The root volume's device (`/dev/xvda`; Bottlerocket's data volume is `/dev/xvdb`).
pub const ROOT_DEVICE: Attr = Attr::in_place("root_device");
pub const ROOT_VOLUME_GB: Attr = Attr::in_place("root_volume_gb");
pub const ROOT_VOLUME_TYPE: Attr = Attr::in_place("root_volume_type");
pub const ROOT_VOLUME_ENCRYPTED: Attr = Attr::in_place("root_volume_encrypted");
/// The key the root volume is encrypted with; absent: the account's EBS default key.
pub const ROOT_VOLUME_KMS_KEY: Attr = Attr::in_place("root_volume_kms_key");
/// The user data as the nodes get it (a MIME multi-part document EKS merges with its own, or
/// Bottlerocket's TOML settings), not base64.
pub const USER_DATA: Attr = Attr::in_place("user_data");
/// The nodes' security groups when the stack adds its own: the cluster's security group (which
/// EKS no longer adds by itself once a template names groups) and the stack's. Absent: EKS
/// gives the nodes the cluster's group.
pub const SECURITY_GROUP_IDS: Attr = Attr::in_place("security_group_ids").set();

/// The template's attributes: its name, what a node runs with, its tags.
const ATTRS: [Attr; 11] = [
    NAME,
    HTTP_TOKENS,
    HOP_LIMIT,
    ROOT_DEVICE,
    ROOT_VOLUME_GB,
    ROOT_VOLUME_TYPE,
    ROOT_VOLUME_ENCRYPTED,
    ROOT_VOLUME_KMS_KEY,
    USER_DATA,
    SECURITY_GROUP_IDS,
    TAGS,
];

/// What a node runs with: the settings a template version holds, and a node group compares
/// with the version it uses (`node_group::LAUNCH_TEMPLATE`, a map with these names).
pub const SETTINGS: &[Attr] = ATTRS.as_slice().split_at(1).1.split_at(ATTRS.len() - 2).0;

pub mod out {
    use crate::resource::schema::Output;

    /// The version new nodes start from, a number as a string (as EKS takes and reports it).
    pub const DEFAULT_VERSION: Output = Output::new("default_version");
}

pub const DEF: KindDef =
    KindDef::new("launch_template", Service::Ec2, &ATTRS, Adoption::Tag).outputs(&[out::DEFAULT_VERSION]);
