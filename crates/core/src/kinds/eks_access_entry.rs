//! An EKS access entry: an IAM principal let into the cluster (authentication mode `API` or
//! `API_AND_CONFIG_MAP`), with its Kubernetes groups and the EKS access policies associated to
//! it, each on the cluster or on namespaces. Its id is `<cluster>:<principal ARN>`. The groups
//! change in place (UpdateAccessEntry); so do the policies (AssociateAccessPolicy and
//! DisassociateAccessPolicy); another principal is another entry.

pub use crate::resource::schema::TAGS;
use crate::resource::schema::*;

pub const CLUSTER: Attr = Attr::replace("cluster");
/// The IAM role or user ARN.
pub const PRINCIPAL: Attr = Attr::replace("principal");
pub const KUBERNETES_GROUPS: Attr = Attr::in_place("kubernetes_groups").set();
/// `{ <access policy ARN>: "cluster" | [namespaces, sorted] }`.
pub const POLICIES: Attr = Attr::in_place("policies");

pub const DEF: KindDef = KindDef::new(
    "eks_access_entry",
    Service::Eks,
    &[CLUSTER, PRINCIPAL, KUBERNETES_GROUPS, POLICIES, TAGS],
    Adoption::NaturalKey(&[CLUSTER, PRINCIPAL]),
);
