//! An EKS Pod Identity association: the pods of one service account (cluster, namespace, name)
//! get one IAM role's credentials from the Pod Identity agent. The role changes in place
//! (UpdatePodIdentityAssociation); another service account is another association. Its id is
//! `<cluster>:<association id>`; an interrupted create is found by cluster, namespace and
//! service account (ListPodIdentityAssociations).

use crate::resource::schema::*;
pub use crate::resource::schema::{ARN, TAGS};

pub const CLUSTER: Attr = Attr::replace("cluster");
pub const NAMESPACE: Attr = Attr::replace("namespace");
pub const SERVICE_ACCOUNT: Attr = Attr::replace("service_account");
pub const ROLE_ARN: Attr = Attr::in_place("role_arn");

pub const DEF: KindDef = KindDef::new(
    "eks_pod_identity_association",
    Service::Eks,
    &[CLUSTER, NAMESPACE, SERVICE_ACCOUNT, ROLE_ARN, TAGS, ARN],
    Adoption::NaturalKey(&[CLUSTER, NAMESPACE, SERVICE_ACCOUNT]),
);
