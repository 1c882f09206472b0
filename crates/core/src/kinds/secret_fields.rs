//! The non-secret fields of a secret's JSON (host, port, username...), merged in once the
//! endpoint they describe exists. Its id is the secret's ARN.

use crate::resource::schema::*;

pub const SECRET_ID: Attr = Attr::replace("secret_id");
pub const FIELDS: Attr = Attr::in_place("fields");

pub const DEF: KindDef =
    KindDef::new("secret_fields", Service::SecretsManager, &[SECRET_ID, FIELDS], Adoption::Lookup(SECRET_ID));
