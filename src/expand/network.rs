//! The network section's resources: VPC, internet gateway and its attachment, subnets, NAT
//! gateways with their Elastic IPs, route tables, default routes and subnet associations.
//!
//! Private route tables are always one per AZ, whatever `nat_gateways` says: switching from
//! `single` to `per_az` then only adds NAT gateways and repoints routes, without re-associating
//! any subnet.

use super::tags;
use crate::model::{NatGateways, Network, Stack};
use crate::resource::{Address, Attrs, DesiredResource, Kind, Value};

pub const ANYWHERE: &str = "0.0.0.0/0";

pub fn vpc() -> Address {
    Address::new("network.vpc")
}

pub(super) fn expand(stack: &Stack, net: &Network, out: &mut Vec<DesiredResource>) {
    let s = &stack.name;
    let vpc = vpc();
    let igw = Address::new("network.internet_gateway");
    let attachment = Address::new("network.internet_gateway_attachment");

    out.push(DesiredResource::new(
        vpc.clone(),
        Kind::Vpc,
        Attrs::from([
            ("cidr_block".into(), Value::str(net.cidr.to_string())),
            ("enable_dns_support".into(), Value::Bool(true)),
            ("enable_dns_hostnames".into(), Value::Bool(true)),
            ("tags".into(), tags(stack, &vpc, s)),
        ]),
    ));
    out.push(DesiredResource::new(
        igw.clone(),
        Kind::InternetGateway,
        Attrs::from([("tags".into(), tags(stack, &igw, &format!("{s}-igw")))]),
    ));
    out.push(DesiredResource::new(
        attachment.clone(),
        Kind::InternetGatewayAttachment,
        Attrs::from([
            ("internet_gateway_id".into(), Value::Ref(igw.clone())),
            ("vpc_id".into(), Value::Ref(vpc.clone())),
        ]),
    ));

    for az in &net.azs {
        for (tier, cidr, public) in [("public", az.public, true), ("private", az.private, false)] {
            let address = subnet(tier, &az.name);
            out.push(DesiredResource::new(
                address.clone(),
                Kind::Subnet,
                Attrs::from([
                    ("vpc_id".into(), Value::Ref(vpc.clone())),
                    ("cidr_block".into(), Value::str(cidr.to_string())),
                    ("availability_zone".into(), Value::str(&az.name)),
                    ("map_public_ip_on_launch".into(), Value::Bool(public)),
                    ("tags".into(), tags(stack, &address, &format!("{s}-{tier}-{}", az.name))),
                ]),
            ));
        }
    }

    let public_rt = Address::new("network.route_table.public");
    out.push(route_table(stack, &public_rt, &format!("{s}-public")));
    out.push(
        route(&Address::new("network.route.public_default"), &public_rt, Value::Ref(igw.clone()), Value::Null)
            .after(&attachment),
    );
    for az in &net.azs {
        out.push(association(
            &Address::new(format!("network.route_table_association.public[{}]", az.name)),
            &subnet("public", &az.name),
            &public_rt,
        ));
    }

    let nat_azs: Vec<&str> = match net.nat_gateways {
        NatGateways::None => vec![],
        NatGateways::Single => vec![net.azs[0].name.as_str()],
        NatGateways::PerAz => net.azs.iter().map(|a| a.name.as_str()).collect(),
    };
    for az in &nat_azs {
        let eip = Address::new(format!("network.eip[{az}]"));
        let nat = nat(az);
        // AWS needs the internet gateway attached before it hands out public addresses, and
        // refuses to detach it while they are in use: both orders follow from these edges.
        out.push(
            DesiredResource::new(
                eip.clone(),
                Kind::ElasticIp,
                Attrs::from([("tags".into(), tags(stack, &eip, &format!("{s}-nat-{az}")))]),
            )
            .after(&attachment),
        );
        out.push(
            DesiredResource::new(
                nat.clone(),
                Kind::NatGateway,
                Attrs::from([
                    ("subnet_id".into(), Value::Ref(subnet("public", az))),
                    ("allocation_id".into(), Value::Ref(eip.clone())),
                    ("tags".into(), tags(stack, &nat, &format!("{s}-{az}"))),
                ]),
            )
            .after(&attachment),
        );
    }

    for az in &net.azs {
        let rt = Address::new(format!("network.route_table.private[{}]", az.name));
        out.push(route_table(stack, &rt, &format!("{s}-private-{}", az.name)));
        out.push(association(
            &Address::new(format!("network.route_table_association.private[{}]", az.name)),
            &subnet("private", &az.name),
            &rt,
        ));
        let nat_az = match net.nat_gateways {
            NatGateways::None => None,
            NatGateways::Single => Some(nat_azs[0]),
            NatGateways::PerAz => Some(az.name.as_str()),
        };
        if let Some(nat_az) = nat_az {
            out.push(route(
                &Address::new(format!("network.route.private_default[{}]", az.name)),
                &rt,
                Value::Null,
                Value::Ref(nat(nat_az)),
            ));
        }
    }
}

pub fn subnet(tier: &str, az: &str) -> Address {
    Address::new(format!("network.subnet.{tier}[{az}]"))
}

fn nat(az: &str) -> Address {
    Address::new(format!("network.nat[{az}]"))
}

fn route_table(stack: &Stack, address: &Address, name: &str) -> DesiredResource {
    DesiredResource::new(
        address.clone(),
        Kind::RouteTable,
        Attrs::from([("vpc_id".into(), Value::Ref(vpc())), ("tags".into(), tags(stack, address, name))]),
    )
}

fn route(address: &Address, table: &Address, gateway: Value, nat_gateway: Value) -> DesiredResource {
    DesiredResource::new(
        address.clone(),
        Kind::Route,
        Attrs::from([
            ("route_table_id".into(), Value::Ref(table.clone())),
            ("destination_cidr_block".into(), Value::str(ANYWHERE)),
            ("gateway_id".into(), gateway),
            ("nat_gateway_id".into(), nat_gateway),
        ]),
    )
}

fn association(address: &Address, subnet: &Address, table: &Address) -> DesiredResource {
    DesiredResource::new(
        address.clone(),
        Kind::RouteTableAssociation,
        Attrs::from([
            ("subnet_id".into(), Value::Ref(subnet.clone())),
            ("route_table_id".into(), Value::Ref(table.clone())),
        ]),
    )
}
