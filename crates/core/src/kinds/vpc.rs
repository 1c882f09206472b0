//! A VPC: the stack's address space, with DNS support and DNS hostnames (set one per call).

pub use crate::resource::schema::TAGS;
use crate::resource::schema::*;

pub const CIDR_BLOCK: Attr = Attr::replace("cidr_block");
pub const ENABLE_DNS_SUPPORT: Attr = Attr::in_place("enable_dns_support");
pub const ENABLE_DNS_HOSTNAMES: Attr = Attr::in_place("enable_dns_hostnames");

pub const DEF: KindDef =
    KindDef::new("vpc", Service::Ec2, &[CIDR_BLOCK, ENABLE_DNS_SUPPORT, ENABLE_DNS_HOSTNAMES, TAGS], Adoption::Tag);
