//! The cache subnet group over the stack's private subnets, shared by its Redis groups.

use crate::resource::schema::*;

pub const NAME: Attr = Attr::replace("name");
pub const DESCRIPTION: Attr = Attr::in_place("description");
pub const SUBNET_IDS: Attr = Attr::in_place("subnet_ids").set();

pub mod out {
    use crate::resource::schema::Output;

    pub const NAME: Output = Output::fixed("name");
}

pub const DEF: KindDef =
    KindDef::new("cache_subnet_group", Service::ElastiCache, &[NAME, DESCRIPTION, SUBNET_IDS], Adoption::Id(NAME))
        .outputs(&[out::NAME]);
