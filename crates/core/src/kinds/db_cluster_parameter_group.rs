//! A DB cluster parameter group: the PostgreSQL settings an Aurora cluster applies to all its
//! instances (see `parameter_group`).

pub use super::parameter_group::*;
use crate::resource::schema::*;

pub const DEF: KindDef = KindDef::new("db_cluster_parameter_group", Service::Rds, ATTRIBUTES, Adoption::Id(NAME))
    .lifecycle(Lifecycle::CREATE_BEFORE_DESTROY);
