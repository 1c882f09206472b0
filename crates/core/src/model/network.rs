//! The network section: one VPC CIDR, and per availability zone one public and one private
//! subnet. Checks CIDR syntax, that each block is a network address, AWS's prefix limits
//! (/16 to /28), containment in the VPC, overlaps, one subnet of each kind per AZ, and that
//! the AZs belong to the stack's region.

use std::collections::BTreeMap;

use ipnet::Ipv4Net;

use super::Checker;
use super::acls::NetworkAcl;
use super::kms::{KmsKeyRef, key_arn_ref};
use crate::spec::{FlowLogsSpec, Located, NatGatewaysSpec, NetworkSpec};

#[derive(Clone, Debug, PartialEq)]
pub struct Network {
    pub cidr: Ipv4Net,
    pub azs: Vec<AvailabilityZone>,
    pub nat_gateways: NatGateways,
    /// The VPC's default security group is emptied of its rules (and they are restored on
    /// destroy).
    pub restrict_default_security_group: bool,
    /// `enable_dns_hostnames` of the VPC.
    pub dns_hostnames: bool,
    /// `map_public_ip_on_launch` of the public subnets.
    pub public_ip_on_launch: bool,
    pub flow_logs: Option<FlowLogs>,
    /// Tags of each tier's subnets, as written (the load balancer discovery tags an EKS stack
    /// adds are expansion's).
    pub public_subnet_tags: BTreeMap<String, String>,
    pub private_subnet_tags: BTreeMap<String, String>,
    /// Network ACLs of the tiers that have one (the others keep the VPC's default ACL).
    pub acls: Vec<NetworkAcl>,
}

/// VPC flow logs to a log group of the stack.
#[derive(Clone, Debug, PartialEq)]
pub struct FlowLogs {
    /// `ALL`, `ACCEPT` or `REJECT`, as EC2 spells it.
    pub traffic: String,
    /// `None`: kept forever.
    pub retention_days: Option<i64>,
    /// Encryption of the log group.
    pub kms_key: Option<KmsKeyRef>,
}

/// An AZ with the stack's subnets in it.
#[derive(Clone, Debug, PartialEq)]
pub struct AvailabilityZone {
    pub name: String,
    pub public: Ipv4Net,
    pub private: Ipv4Net,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum NatGateways {
    None,
    Single,
    PerAz,
}

impl Network {
    pub fn private_cidrs(&self) -> Vec<Ipv4Net> {
        self.azs.iter().map(|az| az.private).collect()
    }
    pub fn public_cidrs(&self) -> Vec<Ipv4Net> {
        self.azs.iter().map(|az| az.public).collect()
    }
}

/// AWS's limits for VPC and subnet prefixes.
const MIN_PREFIX: u8 = 16;
const MAX_PREFIX: u8 = 28;

pub(super) fn validate(spec: &NetworkSpec, region: Option<&str>, check: &mut Checker) -> Option<Network> {
    let vpc = parse_block(&spec.cidr, "network.cidr", check);
    let azs = availability_zones(&spec.azs, region, check);
    let public = subnets(&spec.public_subnets, "network.public_subnets", vpc, azs.len(), check);
    let private = subnets(&spec.private_subnets, "network.private_subnets", vpc, azs.len(), check);
    check_overlaps(&public, &private, check);

    let nat_gateways = match spec.nat_gateways.as_ref().map(|n| *n.value()).unwrap_or_default() {
        NatGatewaysSpec::None => NatGateways::None,
        NatGatewaysSpec::Single => NatGateways::Single,
        NatGatewaysSpec::PerAz => NatGateways::PerAz,
    };

    let vpc = vpc?;
    if azs.len() != spec.azs.len() || public.iter().chain(&private).any(|s| s.1.is_none()) {
        return None;
    }
    if public.len() != azs.len() || private.len() != azs.len() {
        return None;
    }
    let azs = azs
        .into_iter()
        .zip(public.iter().zip(&private))
        .map(|(name, (p, q))| AvailabilityZone { name, public: p.1.unwrap(), private: q.1.unwrap() })
        .collect();
    let restrict_default_security_group = spec.restrict_default_security_group.as_ref().is_none_or(|r| *r.value());
    let dns_hostnames = spec.dns_hostnames.as_ref().is_none_or(|d| *d.value());
    let public_ip_on_launch = spec.public_ip_on_launch.as_ref().is_none_or(|p| *p.value());
    let flow_logs = match &spec.flow_logs {
        Some(f) => Some(flow_logs(f, check)?),
        None => None,
    };
    let public_subnet_tags = super::naming::user_tags(&spec.public_subnet_tags, "network.public_subnet_tags", check);
    let private_subnet_tags = super::naming::user_tags(&spec.private_subnet_tags, "network.private_subnet_tags", check);
    let acls = super::acls::validate(&spec.acls, vpc, check);
    Some(Network {
        cidr: vpc,
        azs,
        nat_gateways,
        restrict_default_security_group,
        dns_hostnames,
        public_ip_on_launch,
        flow_logs,
        public_subnet_tags,
        private_subnet_tags,
        acls,
    })
}

fn flow_logs(spec: &FlowLogsSpec, check: &mut Checker) -> Option<FlowLogs> {
    if let Some(d) = &spec.destination
        && d.as_str() != "cloudwatch"
    {
        check.error(
            d.location(),
            "network.flow_logs.destination",
            format!("`{}` is not a flow log destination platformctl delivers to", d.value()),
            "use `cloudwatch` (S3 destinations are not supported yet)",
        );
        return None;
    }
    let traffic = match spec.traffic.as_ref().map(|t| t.as_str()) {
        None | Some("all") => "ALL",
        Some("accept") => "ACCEPT",
        Some("reject") => "REJECT",
        Some(other) => {
            check.error(
                spec.traffic.as_ref().and_then(|t| t.location()),
                "network.flow_logs.traffic",
                format!("unknown traffic `{other}`"),
                "use `all`, `accept` or `reject`",
            );
            return None;
        }
    };
    let retention_days =
        super::eks::retention_setting(spec.retention_days.as_ref(), "network.flow_logs.retention_days", check)?;
    let kms_key = spec.kms_key.as_ref().and_then(|k| key_arn_ref(k, "network.flow_logs.kms_key", check));
    Some(FlowLogs { traffic: traffic.to_owned(), retention_days, kms_key })
}

fn availability_zones(azs: &Located<Vec<Located<String>>>, region: Option<&str>, check: &mut Checker) -> Vec<String> {
    if azs.is_empty() {
        check.error(
            azs.location(),
            "network.azs",
            "at least one availability zone is needed",
            "list the AZs, e.g. `[eu-west-1a, eu-west-1b]`",
        );
    }
    let mut out: Vec<String> = Vec::new();
    for (i, az) in azs.iter().enumerate() {
        let field = format!("network.azs[{i}]");
        if out.contains(az.value()) {
            check.error(
                az.location(),
                field,
                format!("`{}` is listed twice", az.value()),
                "list each availability zone once",
            );
            continue;
        }
        if let Some(region) = region {
            let belongs = az
                .strip_prefix(region)
                .is_some_and(|rest| rest.len() == 1 && rest.chars().all(|c| c.is_ascii_lowercase()));
            if !belongs {
                check.error(
                    az.location(),
                    field,
                    format!("`{}` is not an availability zone of the stack's region `{region}`", az.value()),
                    format!("AZ names are the region plus a letter, e.g. `{region}a`"),
                );
                continue;
            }
        }
        out.push(az.value().clone());
    }
    out
}

fn parse_block(text: &Located<String>, field: &str, check: &mut Checker) -> Option<Ipv4Net> {
    let net: Ipv4Net = match text.trim().parse() {
        Ok(n) => n,
        Err(_) => {
            check.error(
                text.location(),
                field,
                format!("`{}` is not an IPv4 CIDR block", text.value()),
                "write it as address/prefix, e.g. `10.0.0.0/16`",
            );
            return None;
        }
    };
    if net.trunc() != net {
        check.error(
            text.location(),
            field,
            format!("`{net}` has host bits set"),
            format!("the network address of this block is `{}`", net.trunc()),
        );
        return None;
    }
    if !(MIN_PREFIX..=MAX_PREFIX).contains(&net.prefix_len()) {
        check.error(
            text.location(),
            field,
            format!("`{net}`: AWS allows prefixes from /{MIN_PREFIX} to /{MAX_PREFIX}"),
            "pick a block between /16 (65,536 addresses) and /28 (16 addresses)",
        );
        return None;
    }
    Some(net)
}

/// A subnet as written: its position for messages, its field path, its block if it parsed.
type SubnetEntry = (Option<crate::diagnostics::Location>, Option<Ipv4Net>, String);

fn subnets(
    list: &Located<Vec<Located<String>>>,
    field: &str,
    vpc: Option<Ipv4Net>,
    az_count: usize,
    check: &mut Checker,
) -> Vec<SubnetEntry> {
    if list.len() != az_count {
        check.error(
            list.location(),
            field,
            format!("{} subnet(s) given for {} availability zone(s)", list.len(), az_count),
            "give exactly one subnet per AZ, in the order of `network.azs`",
        );
    }
    list.iter()
        .enumerate()
        .map(|(i, text)| {
            let path = format!("{field}[{i}]");
            let net = parse_block(text, &path, check).filter(|net| match vpc {
                Some(vpc) if !vpc.contains(net) => {
                    check.error(
                        text.location(),
                        path.clone(),
                        format!("subnet `{net}` is not inside the VPC CIDR `{vpc}`"),
                        format!("pick a block within `{vpc}`"),
                    );
                    false
                }
                _ => true,
            });
            (text.location(), net, path)
        })
        .collect()
}

fn check_overlaps(public: &[SubnetEntry], private: &[SubnetEntry], check: &mut Checker) {
    let all: Vec<&SubnetEntry> = public.iter().chain(private).collect();
    for (i, later) in all.iter().enumerate() {
        let Some(b) = later.1 else { continue };
        if let Some(earlier) = all[..i].iter().find(|e| e.1.is_some_and(|a| overlaps(a, b))) {
            check.error(
                later.0,
                later.2.clone(),
                format!("subnet `{b}` overlaps `{}` ({})", earlier.1.unwrap(), earlier.2),
                "subnets of a VPC must not share addresses; pick a free block",
            );
        }
    }
}

pub fn overlaps(a: Ipv4Net, b: Ipv4Net) -> bool {
    a.contains(&b.network()) || b.contains(&a.network())
}

#[cfg(test)]
mod tests {
    use super::super::test_support::stack_from;
    use super::*;

    #[test]
    fn tier_tags_are_checked_like_the_stacks_and_reach_their_subnets() {
        let net = "stack: app\nregion: eu-west-1\nnetwork:\n  cidr: 10.0.0.0/16\n  azs: [eu-west-1a, eu-west-1b]\n  public_subnets: [10.0.0.0/20, 10.0.16.0/20]\n  private_subnets: [10.0.128.0/20, 10.0.144.0/20]\n  nat_gateways: none\n";
        let errors = stack_from(&format!("{net}  private_subnet_tags: {{ Name: x, aws:y: z }}\n")).unwrap_err();
        assert!(
            errors.contains("network.private_subnet_tags.Name") && errors.contains("set by platformctl"),
            "{errors}"
        );
        assert!(errors.contains("reserved by AWS"), "{errors}");

        // With a cluster the discovery tag comes by default; a tier's own tag wins over it.
        let eks = "eks:\n  main: { version: \"1.33\" }\n";
        let stack =
            stack_from(&format!("{net}  public_subnet_tags: {{ kubernetes.io/role/elb: \"0\", tier: edge }}\n{eks}"))
                .unwrap();
        let resources = crate::expand::expand(&stack, &crate::cross_stack::Neighbours::default());
        let tags_of = |address: &str| {
            let r = resources.iter().find(|r| r.address.as_str() == address).unwrap();
            crate::kinds::subnet::TAGS.get(&r.attrs).as_map().unwrap().clone()
        };
        let public = tags_of("network.subnet.public[eu-west-1a]");
        assert_eq!((public["kubernetes.io/role/elb"].as_str(), public["tier"].as_str()), (Some("0"), Some("edge")));
        let private = tags_of("network.subnet.private[eu-west-1a]");
        assert_eq!(private["kubernetes.io/role/internal-elb"].as_str(), Some("1"));
        assert!(!private.contains_key("tier"));
    }

    #[test]
    fn overlap_is_symmetric_and_exact() {
        let n = |s: &str| s.parse::<Ipv4Net>().unwrap();
        assert!(overlaps(n("10.0.0.0/16"), n("10.0.4.0/24")));
        assert!(overlaps(n("10.0.4.0/24"), n("10.0.0.0/16")));
        assert!(!overlaps(n("10.0.0.0/18"), n("10.0.64.0/18")));
    }

    #[test]
    fn seed_001_three_az_layout_validates() {
        let src = "stack: s\nregion: eu-west-1\nnetwork:\n  cidr: 10.0.0.0/16\n  azs: [eu-west-1a, eu-west-1b, eu-west-1c]\n  public_subnets: [10.0.0.0/21, 10.0.8.0/21, 10.0.16.0/21]\n  private_subnets: [10.0.64.0/18, 10.0.128.0/18, 10.0.192.0/18]\n  nat_gateways: per_az\n";
        let stack = stack_from(src).unwrap();
        assert_eq!(stack.network.unwrap().nat_gateways, NatGateways::PerAz);
    }

    #[test]
    fn host_bits_prefix_limits_and_count_mismatch() {
        let src = "stack: s\nregion: eu-west-1\nnetwork:\n  cidr: 10.0.0.1/16\n  azs: [eu-west-1a]\n  public_subnets: [10.0.0.0/29, 10.0.1.0/24]\n  private_subnets: [nonsense]\n";
        let out = stack_from(src).unwrap_err();
        assert!(out.contains("has host bits set"), "{out}");
        assert!(out.contains("the network address of this block is `10.0.0.0/16`"), "{out}");
        assert!(out.contains("2 subnet(s) given for 1 availability zone(s)"), "{out}");
        assert!(out.contains("/16 to /28"), "{out}");
        assert!(out.contains("`nonsense` is not an IPv4 CIDR block"), "{out}");
    }
}

#[cfg(test)]
mod properties {
    use proptest::prelude::*;

    use super::super::test_support::stack_from;
    use super::*;

    fn block() -> impl Strategy<Value = Ipv4Net> {
        // Blocks inside 10.0.0.0/8, /16 to /28, of any alignment the prefix allows.
        (16u8..=28, any::<u32>()).prop_map(|(prefix, bits)| {
            Ipv4Net::new(std::net::Ipv4Addr::from(0x0A00_0000 | (bits & 0x00FF_FFFF)), prefix).unwrap().trunc()
        })
    }

    proptest! {
        /// Overlap is symmetric, and exactly "some address is in both".
        #[test]
        fn overlap_matches_address_sets(a in block(), b in block()) {
            prop_assert_eq!(overlaps(a, b), overlaps(b, a));
            let shared = a.contains(&b.network()) || a.contains(&b.broadcast()) || b.contains(&a.network());
            prop_assert_eq!(overlaps(a, b), shared);
        }

        /// Validation accepts a network exactly when every subnet lies in the VPC and no two
        /// subnets share an address.
        #[test]
        fn subnets_are_accepted_exactly_when_inside_and_disjoint(
            vpc_bits in any::<u32>(),
            subnets in proptest::collection::vec(block(), 4),
        ) {
            let vpc = Ipv4Net::new(std::net::Ipv4Addr::from(0x0A00_0000 | (vpc_bits & 0x00FF_0000)), 16).unwrap();
            let inside = subnets.iter().all(|s| vpc.contains(s));
            let disjoint = (0..4).all(|i| (0..i).all(|j| !overlaps(subnets[i], subnets[j])));
            let src = format!(
                "stack: s\nregion: eu-west-1\nnetwork:\n  cidr: {vpc}\n  azs: [eu-west-1a, eu-west-1b]\n  public_subnets: [{}, {}]\n  private_subnets: [{}, {}]\n",
                subnets[0], subnets[1], subnets[2], subnets[3]
            );
            prop_assert_eq!(stack_from(&src).is_ok(), inside && disjoint, "{}", src);
        }
    }
}
