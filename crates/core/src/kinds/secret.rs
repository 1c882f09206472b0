//! A Secrets Manager secret. The generated value itself is never an attribute: it is made once,
//! in the create call, and lives only in Secrets Manager. `generate`, `value_key` and
//! `copy_from` say how to make it; the deletion settings act only on delete.

pub use crate::resource::schema::TAGS;
use crate::resource::schema::*;

pub const NAME: Attr = Attr::replace("name");
pub const DESCRIPTION: Attr = Attr::in_place("description");
pub const RECOVERY_WINDOW_DAYS: Attr = Attr::local("recovery_window_days");
pub const FORCE_DELETE: Attr = Attr::local("force_delete");
/// The KMS key encrypting the value (none: `aws/secretsmanager`). DescribeSecret reports it as
/// given (an alias stays an alias), so it is compared with what was applied.
pub const KMS_KEY: Attr = Attr::in_place("kms_key").unreported();
/// `{length, punctuation}`: how to generate the value; none for an external secret.
pub const GENERATE: Attr = Attr::instruction("generate");
/// The JSON key the value is stored under (`password`, `auth_token`); none for a bare value.
pub const VALUE_KEY: Attr = Attr::instruction("value_key");
/// `{secret, region, key}`: a value copied once, AWS to AWS, from another secret.
pub const COPY_FROM: Attr = Attr::instruction("copy_from");

pub mod out {
    use crate::resource::schema::Output;
    pub use crate::resource::schema::out::ARN;

    /// The version holding `AWSCURRENT`.
    pub const VERSION_ID: Output = Output::new("version_id");
}

pub const DEF: KindDef = KindDef::new(
    "secret",
    Service::SecretsManager,
    &[NAME, DESCRIPTION, KMS_KEY, RECOVERY_WINDOW_DAYS, FORCE_DELETE, GENERATE, VALUE_KEY, COPY_FROM, TAGS],
    Adoption::Lookup(NAME),
)
.outputs(&[out::ARN, out::VERSION_ID])
.shown(&[("arn", Shown::Output(out::ARN))]);
