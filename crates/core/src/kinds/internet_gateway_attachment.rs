//! An internet gateway attached to a VPC. AWS gives attachments no id and no tags: it is found
//! by the pair it joins (id `<igw>|<vpc>`).

use crate::resource::schema::*;

pub const INTERNET_GATEWAY_ID: Attr = Attr::replace("internet_gateway_id");
pub const VPC_ID: Attr = Attr::replace("vpc_id");

pub const DEF: KindDef = KindDef::new(
    "internet_gateway_attachment",
    Service::Ec2,
    &[INTERNET_GATEWAY_ID, VPC_ID],
    Adoption::NaturalKey(&[INTERNET_GATEWAY_ID, VPC_ID]),
);
