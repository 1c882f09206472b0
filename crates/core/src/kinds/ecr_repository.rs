//! An ECR repository: scan on push, tag mutability and a lifecycle policy (JSON). ECR refuses
//! to delete one that holds images unless `force_delete`.

use crate::resource::schema::*;
pub use crate::resource::schema::{ARN, TAGS};

pub const NAME: Attr = Attr::replace("name");
pub const SCAN_ON_PUSH: Attr = Attr::in_place("scan_on_push");
pub const TAG_MUTABILITY: Attr = Attr::in_place("tag_mutability");
pub const LIFECYCLE_POLICY: Attr = Attr::in_place("lifecycle_policy").json();
pub const FORCE_DELETE: Attr = Attr::local("force_delete");
/// The KMS key of the images (none: AES-256), as applied: ECR cannot change it.
pub const KMS_KEY: Attr = Attr::replace("kms_key").unreported();

pub mod out {
    use crate::resource::schema::Output;
    pub use crate::resource::schema::out::ARN;

    /// What `docker push` takes.
    pub const URI: Output = Output::fixed("uri");
}

pub const DEF: KindDef = KindDef::new(
    "ecr_repository",
    Service::Ecr,
    &[NAME, SCAN_ON_PUSH, TAG_MUTABILITY, LIFECYCLE_POLICY, FORCE_DELETE, KMS_KEY, TAGS, ARN],
    Adoption::Id(NAME),
)
.outputs(&[out::ARN, out::URI])
.shown(&[("uri", Shown::Output(out::URI)), ("arn", Shown::Output(out::ARN))]);
