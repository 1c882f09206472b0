//! An EKS add-on. Its configuration is JSON that AWS stores as text, compared as a value.
//! Without a version in the stack, the create picks the newest for the cluster's Kubernetes
//! version and later reads do not compare it. Its id is `<cluster>:<name>`.

pub use crate::resource::schema::ARN;
use crate::resource::schema::*;

pub const CLUSTER: Attr = Attr::replace("cluster");
pub const NAME: Attr = Attr::replace("name");
pub const VERSION: Attr = Attr::in_place("version");
pub const CONFIGURATION: Attr = Attr::in_place("configuration").json();
/// The role of the add-on's service account (IRSA), instead of the node role's permissions.
pub const SERVICE_ACCOUNT_ROLE_ARN: Attr = Attr::in_place("service_account_role_arn");
/// `OVERWRITE` (default), `PRESERVE` or `NONE`: what EKS does with changes made in the cluster.
pub const RESOLVE_CONFLICTS: Attr = Attr::instruction("resolve_conflicts");

pub mod out {
    use crate::resource::schema::Output;
    pub use crate::resource::schema::out::ARN;

    /// The version EKS runs (chosen by AWS when the stack names none).
    pub const VERSION: Output = Output::new("version");
}

pub const DEF: KindDef = KindDef::new(
    "eks_addon",
    Service::Eks,
    &[CLUSTER, NAME, VERSION, CONFIGURATION, RESOLVE_CONFLICTS, SERVICE_ACCOUNT_ROLE_ARN, ARN],
    Adoption::NaturalKey(&[CLUSTER, NAME]),
)
.outputs(&[out::ARN, out::VERSION])
.waits(20);
