//! The DB subnet group over the stack's private subnets, shared by its databases.

use crate::resource::schema::*;
pub use crate::resource::schema::{ARN, TAGS};

pub const NAME: Attr = Attr::replace("name");
pub const DESCRIPTION: Attr = Attr::in_place("description");
pub const SUBNET_IDS: Attr = Attr::in_place("subnet_ids").set();

pub mod out {
    use crate::resource::schema::Output;
    pub use crate::resource::schema::out::ARN;

    pub const NAME: Output = Output::fixed("name");
}

pub const DEF: KindDef =
    KindDef::new("db_subnet_group", Service::Rds, &[NAME, DESCRIPTION, SUBNET_IDS, TAGS, ARN], Adoption::Id(NAME))
        .outputs(&[out::NAME, out::ARN]);
