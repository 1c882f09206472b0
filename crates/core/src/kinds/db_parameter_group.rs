//! A DB parameter group: the PostgreSQL settings of an RDS instance or of an Aurora cluster's
//! instances (see `parameter_group`).

pub use super::parameter_group::*;
use crate::resource::schema::*;

pub const DEF: KindDef = KindDef::new("db_parameter_group", Service::Rds, ATTRIBUTES, Adoption::Id(NAME))
    .lifecycle(Lifecycle::CREATE_BEFORE_DESTROY);
