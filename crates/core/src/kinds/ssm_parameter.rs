//! An SSM parameter: a database's connection details published for applications. A
//! SecureString's value comes from a secret (`value_from_secret`), read in the PutParameter
//! call; reads never decrypt it, so it is compared with what was applied.

pub use crate::resource::schema::TAGS;
use crate::resource::schema::*;

pub const NAME: Attr = Attr::replace("name");
pub const TYPE: Attr = Attr::replace("type");
pub const VALUE: Attr = Attr::in_place("value");
/// `{secret, key}`: the secret (and JSON key) the value is read from.
pub const VALUE_FROM_SECRET: Attr = Attr::in_place("value_from_secret").unreported();
/// The KMS key of a SecureString (none: `aws/ssm`): the one of the secret its value comes from.
pub const KMS_KEY: Attr = Attr::in_place("kms_key").unreported();

pub mod out {
    use crate::resource::schema::Output;

    pub const VERSION: Output = Output::new("version");
}

pub const DEF: KindDef = KindDef::new(
    "ssm_parameter",
    Service::Ssm,
    &[NAME, TYPE, VALUE, VALUE_FROM_SECRET, KMS_KEY, TAGS],
    Adoption::Id(NAME),
)
.outputs(&[out::VERSION]);
