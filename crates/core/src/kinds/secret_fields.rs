//! The non-secret fields of a secret's JSON (host, port, username...), merged in once the
//! endpoint they describe exists. Its id is the secret's ARN. The version platformctl wrote is
//! an output: while it is still the secret's current version, the fields are what was written,
//! so a plan compares them without reading the secret's value.

use crate::resource::schema::*;

pub const SECRET_ID: Attr = Attr::replace("secret_id");
pub const FIELDS: Attr = Attr::in_place("fields");

pub mod out {
    use crate::resource::schema::Output;

    /// The version of the secret that holds the fields as platformctl wrote them.
    pub const VERSION_ID: Output = Output::new("version_id");
}

pub const DEF: KindDef =
    KindDef::new("secret_fields", Service::SecretsManager, &[SECRET_ID, FIELDS], Adoption::Lookup(SECRET_ID))
        .outputs(&[out::VERSION_ID]);
