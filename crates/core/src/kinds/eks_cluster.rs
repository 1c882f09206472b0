//! An EKS cluster, after terraform-provider-aws's aws_eks_cluster: the name and role are
//! ForceNew, and the encryption config once set (adding it is AssociateEncryptionConfig); the version is UpdateClusterVersion; endpoint access and logging are
//! UpdateClusterConfig. Subnets can change in place on AWS since 2023 only within the same VPC
//! and AZs; platformctl replaces, as terraform-provider-aws did for years. Its etcd holds every
//! Kubernetes object: replacing it loses them. A cluster takes 10–15 minutes to create and as
//! long to delete.

use crate::resource::schema::*;
pub use crate::resource::schema::{ARN, TAGS};

pub const NAME: Attr = Attr::replace("name");
pub const ROLE_ARN: Attr = Attr::replace("role_arn");
pub const SUBNET_IDS: Attr = Attr::replace("subnet_ids").set();
/// Envelope encryption of Kubernetes secrets: added in place to a cluster without it
/// (AssociateEncryptionConfig); EKS cannot change or remove it, so that replaces the cluster.
pub const SECRETS_KMS_KEY: Attr = Attr::added_in_place("secrets_kms_key");
pub const VERSION: Attr = Attr::in_place("version");
pub const ENDPOINT_PUBLIC_ACCESS: Attr = Attr::in_place("endpoint_public_access");
pub const ENDPOINT_PRIVATE_ACCESS: Attr = Attr::in_place("endpoint_private_access");
pub const PUBLIC_ACCESS_CIDRS: Attr = Attr::in_place("public_access_cidrs").set();
/// Who may authenticate: `API` (access entries only), `API_AND_CONFIG_MAP` (also the
/// `aws-auth` ConfigMap), `CONFIG_MAP`. A one-way change: CONFIG_MAP → API_AND_CONFIG_MAP →
/// API. Compared only when the stack sets it (a cluster made before platformctl managed it
/// keeps its mode until the stack says otherwise); a new cluster gets `API`.
pub const AUTHENTICATION_MODE: Attr = Attr::in_place("authentication_mode");
/// The identity creating the cluster gets cluster admin through an access entry. EKS reads it
/// only at creation.
pub const BOOTSTRAP_CREATOR_ADMIN: Attr = Attr::instruction("bootstrap_cluster_creator_admin");
/// The control plane log types turned on.
pub const LOGGING: Attr = Attr::in_place("logging").set();

/// Every control plane log type EKS has.
pub const LOG_TYPES: &[&str] = &["api", "audit", "authenticator", "controllerManager", "scheduler"];

pub mod out {
    use crate::resource::schema::Output;
    pub use crate::resource::schema::out::ARN;

    pub const ENDPOINT: Output = Output::new("endpoint");
    pub const CERTIFICATE_AUTHORITY: Output = Output::new("certificate_authority");
    pub const OIDC_ISSUER: Output = Output::fixed("oidc_issuer");
    pub const VERSION: Output = Output::new("version");
    pub const PLATFORM_VERSION: Output = Output::new("platform_version");
    pub const SECURITY_GROUP_ID: Output = Output::fixed("security_group_id");
}

pub const DEF: KindDef = KindDef::new(
    "eks_cluster",
    Service::Eks,
    &[
        NAME,
        ROLE_ARN,
        SUBNET_IDS,
        SECRETS_KMS_KEY,
        VERSION,
        ENDPOINT_PUBLIC_ACCESS,
        ENDPOINT_PRIVATE_ACCESS,
        PUBLIC_ACCESS_CIDRS,
        LOGGING,
        AUTHENTICATION_MODE,
        BOOTSTRAP_CREATOR_ADMIN,
        TAGS,
        ARN,
    ],
    Adoption::Id(NAME),
)
.outputs(&[
    out::ARN,
    out::ENDPOINT,
    out::CERTIFICATE_AUTHORITY,
    out::OIDC_ISSUER,
    out::VERSION,
    out::PLATFORM_VERSION,
    out::SECURITY_GROUP_ID,
])
.shown(&[
    ("endpoint", Shown::Output(out::ENDPOINT)),
    ("certificate_authority", Shown::Output(out::CERTIFICATE_AUTHORITY)),
    ("oidc_issuer", Shown::Output(out::OIDC_ISSUER)),
    ("arn", Shown::Output(out::ARN)),
    ("version", Shown::Output(out::VERSION)),
])
.lifecycle(Lifecycle::DATA)
.waits(45);
