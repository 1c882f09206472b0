//! A KMS alias (`alias/<name>`), its id; the key it points at changes in place (UpdateAlias).
//! Aliases cannot be tagged: they are found by name.

use crate::resource::schema::*;

pub const NAME: Attr = Attr::replace("name");
/// The id of the key it points at.
pub const TARGET_KEY: Attr = Attr::in_place("target_key");

pub const DEF: KindDef = KindDef::new("kms_alias", Service::Kms, &[NAME, TARGET_KEY], Adoption::Id(NAME));
