//! The network section's resources: VPC, internet gateway and its attachment, subnets, NAT
//! gateways with their Elastic IPs, route tables, default routes and subnet associations, and
//! the VPC's default security group emptied of its rules.
//!
//! Private route tables are always one per AZ, whatever `nat_gateways` says: switching from
//! `single` to `per_az` then only adds NAT gateways and repoints routes, without re-associating
//! any subnet.

use super::tags;
use crate::kinds::{
    default_security_group, elastic_ip, internet_gateway, internet_gateway_attachment, nat_gateway, network_acl,
    network_acl_association, network_acl_entry, route, route_table, route_table_association, subnet as subnet_kind,
    vpc as vpc_kind,
};
use crate::model::{NatGateways, Network, NetworkAcl, Protocol, Stack};
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
            vpc_kind::CIDR_BLOCK.to(net.cidr.to_string()),
            vpc_kind::ENABLE_DNS_SUPPORT.to(true),
            vpc_kind::ENABLE_DNS_HOSTNAMES.to(net.dns_hostnames),
            vpc_kind::TAGS.to(tags(stack, &vpc, s)),
        ]),
    ));
    out.push(DesiredResource::new(
        igw.clone(),
        Kind::InternetGateway,
        Attrs::from([internet_gateway::TAGS.to(tags(stack, &igw, &format!("{s}-igw")))]),
    ));
    out.push(DesiredResource::new(
        attachment.clone(),
        Kind::InternetGatewayAttachment,
        Attrs::from([
            internet_gateway_attachment::INTERNET_GATEWAY_ID.to(Value::Ref(igw.clone())),
            internet_gateway_attachment::VPC_ID.to(Value::Ref(vpc.clone())),
        ]),
    ));
    if net.restrict_default_security_group {
        out.push(DesiredResource::new(
            Address::new("network.default_security_group"),
            Kind::DefaultSecurityGroup,
            Attrs::from([
                default_security_group::VPC_ID.to(Value::Ref(vpc.clone())),
                default_security_group::RULES.to(Value::List(Vec::new())),
            ]),
        ));
    }

    for az in &net.azs {
        for (tier, cidr, public) in [("public", az.public, true), ("private", az.private, false)] {
            let address = subnet(tier, &az.name);
            out.push(DesiredResource::new(
                address.clone(),
                Kind::Subnet,
                Attrs::from([
                    subnet_kind::VPC_ID.to(Value::Ref(vpc.clone())),
                    subnet_kind::CIDR_BLOCK.to(cidr.to_string()),
                    subnet_kind::AVAILABILITY_ZONE.to(&az.name),
                    subnet_kind::MAP_PUBLIC_IP_ON_LAUNCH.to(public && net.public_ip_on_launch),
                    subnet_kind::TAGS.to(subnet_tags(stack, net, &address, &format!("{s}-{tier}-{}", az.name), public)),
                ]),
            ));
        }
    }

    for a in &net.acls {
        acl(stack, net, a, out);
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

    let nat_azs = nat_azs(net);
    for az in &nat_azs {
        let eip = Address::new(format!("network.eip[{az}]"));
        let nat = nat(az);
        // AWS needs the internet gateway attached before it hands out public addresses, and
        // refuses to detach it while they are in use: both orders follow from these edges.
        out.push(
            DesiredResource::new(
                eip.clone(),
                Kind::ElasticIp,
                Attrs::from([elastic_ip::TAGS.to(tags(stack, &eip, &format!("{s}-nat-{az}")))]),
            )
            .after(&attachment),
        );
        out.push(
            DesiredResource::new(
                nat.clone(),
                Kind::NatGateway,
                Attrs::from([
                    nat_gateway::SUBNET_ID.to(Value::Ref(subnet("public", az))),
                    nat_gateway::ALLOCATION_ID.to(Value::Ref(eip.clone())),
                    nat_gateway::TAGS.to(tags(stack, &nat, &format!("{s}-{az}"))),
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

/// The AZs with a NAT gateway: none, the first, or every one.
pub(super) fn nat_azs(net: &Network) -> Vec<&str> {
    match net.nat_gateways {
        NatGateways::None => vec![],
        NatGateways::Single => vec![net.azs[0].name.as_str()],
        NatGateways::PerAz => net.azs.iter().map(|a| a.name.as_str()).collect(),
    }
}

/// The address of the NAT gateway in `az`.
pub(super) fn nat(az: &str) -> Address {
    Address::new(format!("network.nat[{az}]"))
}

fn route_table(stack: &Stack, address: &Address, name: &str) -> DesiredResource {
    DesiredResource::new(
        address.clone(),
        Kind::RouteTable,
        Attrs::from([route_table::VPC_ID.to(Value::Ref(vpc())), route_table::TAGS.to(tags(stack, address, name))]),
    )
}

fn route(address: &Address, table: &Address, gateway: Value, nat_gateway: Value) -> DesiredResource {
    DesiredResource::new(
        address.clone(),
        Kind::Route,
        Attrs::from([
            route::ROUTE_TABLE_ID.to(Value::Ref(table.clone())),
            route::DESTINATION_CIDR_BLOCK.to(ANYWHERE),
            route::GATEWAY_ID.to(gateway),
            route::NAT_GATEWAY_ID.to(nat_gateway),
        ]),
    )
}

fn association(address: &Address, subnet: &Address, table: &Address) -> DesiredResource {
    DesiredResource::new(
        address.clone(),
        Kind::RouteTableAssociation,
        Attrs::from([
            route_table_association::SUBNET_ID.to(Value::Ref(subnet.clone())),
            route_table_association::ROUTE_TABLE_ID.to(Value::Ref(table.clone())),
        ]),
    )
}

/// A tier's network ACL, its rules (addressed by direction and number) and one association per
/// subnet of the tier.
fn acl(stack: &Stack, net: &Network, acl: &NetworkAcl, out: &mut Vec<DesiredResource>) {
    let tier = acl.tier.name();
    let address = Address::new(format!("network.acl.{tier}"));
    out.push(DesiredResource::new(
        address.clone(),
        Kind::NetworkAcl,
        Attrs::from([
            network_acl::VPC_ID.to(Value::Ref(vpc())),
            network_acl::TAGS.to(tags(stack, &address, &format!("{}-{tier}", stack.name))),
        ]),
    ));
    for (direction, rules) in [("ingress", &acl.ingress), ("egress", &acl.egress)] {
        for rule in rules {
            let (from, to) = rule
                .ports
                .map_or((Value::Null, Value::Null), |p| (Value::Int(i64::from(p.from)), Value::Int(i64::from(p.to))));
            out.push(DesiredResource::new(
                Address::new(format!("{address}.{direction}[{}]", rule.number)),
                Kind::NetworkAclEntry,
                Attrs::from([
                    network_acl_entry::ACL_ID.to(Value::Ref(address.clone())),
                    network_acl_entry::EGRESS.to(direction == "egress"),
                    network_acl_entry::RULE_NUMBER.to(rule.number),
                    network_acl_entry::ACTION.to(if rule.allow { "allow" } else { "deny" }),
                    network_acl_entry::PROTOCOL.to(protocol_number(rule.protocol)),
                    network_acl_entry::CIDR_BLOCK.to(rule.cidr.to_string()),
                    network_acl_entry::FROM_PORT.to(from),
                    network_acl_entry::TO_PORT.to(to),
                ]),
            ));
        }
    }
    for az in &net.azs {
        // Rules first: a subnet moves to its ACL once the ACL says what it lets through.
        let mut association = DesiredResource::new(
            Address::new(format!("{address}.association[{}]", az.name)),
            Kind::NetworkAclAssociation,
            Attrs::from([
                network_acl_association::SUBNET_ID.to(Value::Ref(subnet(tier, &az.name))),
                network_acl_association::ACL_ID.to(Value::Ref(address.clone())),
            ]),
        );
        for (direction, rules) in [("ingress", &acl.ingress), ("egress", &acl.egress)] {
            for rule in rules {
                association = association.after(&Address::new(format!("{address}.{direction}[{}]", rule.number)));
            }
        }
        out.push(association);
    }
}

/// The protocol as network ACL entries give it: IANA's number, `-1` for all.
fn protocol_number(protocol: Protocol) -> &'static str {
    match protocol {
        Protocol::Tcp => "6",
        Protocol::Udp => "17",
        Protocol::Icmp => "1",
        Protocol::All => "-1",
    }
}

/// A subnet's tags: the stack's, then — in a stack with an EKS cluster — the tag the AWS Load
/// Balancer Controller discovers the tier's subnets by (`kubernetes.io/role/elb` public,
/// `kubernetes.io/role/internal-elb` private), then the tier's own tags, which win over both.
/// (`Name` and `platformctl:*` cannot be tier tags: validation refuses them.)
fn subnet_tags(stack: &Stack, net: &Network, address: &Address, name: &str, public: bool) -> Value {
    let mut all = tags(stack, address, name);
    let (discovery, own) = if public {
        ("kubernetes.io/role/elb", &net.public_subnet_tags)
    } else {
        ("kubernetes.io/role/internal-elb", &net.private_subnet_tags)
    };
    if let Value::Map(all) = &mut all {
        if !stack.compute.eks.is_empty() {
            all.insert(discovery.to_owned(), Value::str("1"));
        }
        all.extend(own.iter().map(|(k, v)| (k.clone(), Value::str(v))));
    }
    all
}
