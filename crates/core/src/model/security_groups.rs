//! Security groups and their ingress rules. Resolves `from:` into a typed source, checks ports
//! against the protocol, that `sg:` references name a group of this stack, that subnet and VPC
//! sources have a network to refer to, and that no rule is written twice.

use indexmap::IndexMap;
use ipnet::Ipv4Net;

use super::Checker;
use crate::spec::{EgressRuleSpec, IngressRuleSpec, Located, SecurityGroupSpec};

#[derive(Clone, Debug, PartialEq)]
pub struct SecurityGroup {
    pub name: String,
    pub description: String,
    pub ingress: Vec<GroupRule>,
    /// `None`: AWS's default allow-all egress stays; `Some`: only these rules go out.
    pub egress: Option<Vec<GroupRule>>,
}

#[derive(Clone, Debug, PartialEq)]
pub struct GroupRule {
    pub protocol: Protocol,
    pub ports: Option<PortRange>,
    /// Where traffic comes from (ingress) or goes to (egress).
    pub peer: RuleSource,
    pub description: Option<String>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Protocol {
    Tcp,
    Udp,
    Icmp,
    All,
}

impl Protocol {
    /// The value EC2 uses for `IpProtocol`.
    pub fn aws_name(self) -> &'static str {
        match self {
            Protocol::Tcp => "tcp",
            Protocol::Udp => "udp",
            Protocol::Icmp => "icmp",
            Protocol::All => "-1",
        }
    }
    pub fn name(self) -> &'static str {
        match self {
            Protocol::Tcp => "tcp",
            Protocol::Udp => "udp",
            Protocol::Icmp => "icmp",
            Protocol::All => "all",
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PortRange {
    pub from: u16,
    pub to: u16,
}

impl std::fmt::Display for PortRange {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.from == self.to { write!(f, "{}", self.from) } else { write!(f, "{}-{}", self.from, self.to) }
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum RuleSource {
    PrivateSubnets,
    PublicSubnets,
    Vpc,
    Cidr(Ipv4Net),
    /// Another security group of this stack, by name.
    Group(String),
}

impl RuleSource {
    /// How the source is written in the stack file; used in addresses, so it must be stable.
    pub fn spelling(&self) -> String {
        match self {
            RuleSource::PrivateSubnets => "private_subnets".into(),
            RuleSource::PublicSubnets => "public_subnets".into(),
            RuleSource::Vpc => "vpc".into(),
            RuleSource::Cidr(n) => n.to_string(),
            RuleSource::Group(g) => format!("sg:{g}"),
        }
    }
}

/// EC2 accepts only these characters in group names and descriptions.
fn is_ec2_text(s: &str) -> bool {
    s.chars().all(|c| c.is_ascii_alphanumeric() || " ._-:/()#,@[]+=&;{}!$*".contains(c))
}

pub(super) fn validate(
    groups: &IndexMap<Located<String>, SecurityGroupSpec>,
    has_network_section: bool,
    check: &mut Checker,
) -> Vec<SecurityGroup> {
    if !groups.is_empty() && !has_network_section {
        let at = groups.keys().next().and_then(|k| k.location());
        check.error(at, "security_groups", "security groups need the stack's VPC", "add a `network:` section");
    }
    let mut out = Vec::new();
    for (name, spec) in groups {
        let field = format!("security_groups.{}", name.value());
        let name_ok = !name.is_empty()
            && name.len() <= 200
            && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
            && !name.to_ascii_lowercase().starts_with("sg-");
        if !name_ok {
            check.error(
                name.location(),
                field.clone(),
                format!("invalid security group name `{}`", name.value()),
                "use letters, digits, `-` and `_`, not starting with `sg-`",
            );
        }
        let description = match &spec.description {
            Some(d) if d.is_empty() || d.len() > 255 || !is_ec2_text(d) => {
                check.error(
                    d.location(),
                    format!("{field}.description"),
                    "a security group description must have 1 to 255 characters of a-z, A-Z, 0-9, spaces and ._-:/()#,@[]+=&;{}!$*",
                    "rewrite it in plain ASCII",
                );
                String::new()
            }
            Some(d) => d.value().clone(),
            None => format!("Managed by platformctl: {}", name.value()),
        };
        let ingress_fields = spec.ingress.iter().map(RuleFields::ingress);
        let ingress = rules(ingress_fields, &format!("{field}.ingress"), groups, has_network_section, check);
        let egress = spec.egress.as_ref().map(|egress| {
            let fields = egress.iter().map(RuleFields::egress);
            let egress = rules(fields, &format!("{field}.egress"), groups, has_network_section, check);
            for (i, rule) in egress.iter().enumerate() {
                if rule.protocol == Protocol::All && rule.peer == RuleSource::Cidr(Ipv4Net::default()) {
                    check.error(
                        spec.egress.as_ref().and_then(|e| e.get(i)).and_then(|e| e.to.location()),
                        format!("{field}.egress"),
                        "all traffic to 0.0.0.0/0 is AWS's default egress rule",
                        "leave `egress:` out to keep the default, or list only what the group may reach",
                    );
                }
            }
            egress
        });
        out.push(SecurityGroup { name: name.value().clone(), description, ingress, egress });
    }
    out
}

/// Inbound rules written for a group this stack does not declare (the cluster group EKS
/// creates), checked as a declared group's are.
pub(super) fn ingress_rules(
    specs: &[IngressRuleSpec],
    field: &str,
    groups: &IndexMap<Located<String>, SecurityGroupSpec>,
    has_network: bool,
    check: &mut Checker,
) -> Vec<GroupRule> {
    rules(specs.iter().map(RuleFields::ingress), field, groups, has_network, check)
}

/// The fields of an ingress or egress rule as written: the same but for the peer's key
/// (`from` or `to`).
struct RuleFields<'a> {
    protocol: &'a Located<String>,
    port: &'a Option<Located<u32>>,
    ports: &'a Option<Located<String>>,
    peer: &'a Located<String>,
    peer_key: &'static str,
    description: &'a Option<Located<String>>,
}

impl<'a> RuleFields<'a> {
    fn ingress(r: &'a IngressRuleSpec) -> RuleFields<'a> {
        let (protocol, port, ports, description) = (&r.protocol, &r.port, &r.ports, &r.description);
        RuleFields { protocol, port, ports, peer: &r.from, peer_key: "from", description }
    }

    fn egress(r: &'a EgressRuleSpec) -> RuleFields<'a> {
        let (protocol, port, ports, description) = (&r.protocol, &r.port, &r.ports, &r.description);
        RuleFields { protocol, port, ports, peer: &r.to, peer_key: "to", description }
    }
}

/// A group's rules of one direction, each checked, a repeated one refused.
fn rules<'a>(
    specs: impl Iterator<Item = RuleFields<'a>>,
    field: &str,
    groups: &IndexMap<Located<String>, SecurityGroupSpec>,
    has_network: bool,
    check: &mut Checker,
) -> Vec<GroupRule> {
    let mut out: Vec<GroupRule> = Vec::new();
    for (i, spec) in specs.enumerate() {
        let rule_field = format!("{field}[{i}]");
        let Some(rule) = rule(&spec, &rule_field, groups, has_network, check) else { continue };
        if out.iter().any(|r| r.protocol == rule.protocol && r.ports == rule.ports && r.peer == rule.peer) {
            check.error(
                spec.peer.location(),
                rule_field,
                "this rule repeats an earlier rule of the group",
                "remove one of them",
            );
            continue;
        }
        out.push(rule);
    }
    out
}

fn rule(
    spec: &RuleFields,
    field: &str,
    groups: &IndexMap<Located<String>, SecurityGroupSpec>,
    has_network: bool,
    check: &mut Checker,
) -> Option<GroupRule> {
    let protocol = protocol(spec.protocol, field, check);
    let ports = ports(spec.protocol, spec.port, spec.ports, protocol, field, check);
    let source = rule_source(spec.peer, spec.peer_key, field, groups, has_network, check);
    let description = match &spec.description {
        Some(d) if d.len() > 255 || !is_ec2_text(d) => {
            check.error(
                d.location(),
                format!("{field}.description"),
                "a rule description must be at most 255 ASCII characters",
                "shorten or simplify it",
            );
            None
        }
        d => d.as_ref().map(|d| d.value().clone()),
    };
    Some(GroupRule { protocol: protocol?, ports: ports.ok()?, peer: source?, description })
}

/// `tcp`, `udp`, `icmp` or `all` (`-1`), as rules of security groups and network ACLs write it.
pub(super) fn protocol(text: &Located<String>, field: &str, check: &mut Checker) -> Option<Protocol> {
    match text.as_str() {
        "tcp" => Some(Protocol::Tcp),
        "udp" => Some(Protocol::Udp),
        "icmp" => Some(Protocol::Icmp),
        "all" | "-1" => Some(Protocol::All),
        other => {
            check.error(
                text.location(),
                format!("{field}.protocol"),
                format!("unknown protocol `{other}`"),
                "use `tcp`, `udp`, `icmp` or `all`",
            );
            None
        }
    }
}

/// The ports of a rule (of a security group or a network ACL): tcp and udp need `port` or
/// `ports`, the others take none.
pub(super) fn ports(
    protocol_text: &Located<String>,
    port: &Option<Located<u32>>,
    ports: &Option<Located<String>>,
    protocol: Option<Protocol>,
    field: &str,
    check: &mut Checker,
) -> Result<Option<PortRange>, ()> {
    let wants_ports = matches!(protocol, Some(Protocol::Tcp | Protocol::Udp));
    let at = port
        .as_ref()
        .map(|p| p.location())
        .or(ports.as_ref().map(|p| p.location()))
        .flatten()
        .or(protocol_text.location());
    let range = match (port, ports) {
        (Some(_), Some(_)) => {
            check.error(at, field, "give either `port` or `ports`, not both", "use `port: 5432` or `ports: 8000-8100`");
            return Err(());
        }
        (Some(p), None) => {
            let Ok(port) = u16::try_from(*p.value()) else {
                check.error(
                    p.location(),
                    format!("{field}.port"),
                    format!("port {} is out of range", p.value()),
                    "ports go from 0 to 65535",
                );
                return Err(());
            };
            Some(PortRange { from: port, to: port })
        }
        (None, Some(text)) => {
            let parsed = text
                .split_once('-')
                .and_then(|(a, b)| Some((a.trim().parse::<u16>().ok()?, b.trim().parse::<u16>().ok()?)));
            match parsed {
                Some((from, to)) if from <= to => Some(PortRange { from, to }),
                _ => {
                    check.error(
                        text.location(),
                        format!("{field}.ports"),
                        format!("`{}` is not a port range", text.value()),
                        "write `FROM-TO` with FROM <= TO, both 0 to 65535, e.g. `8000-8100`",
                    );
                    return Err(());
                }
            }
        }
        (None, None) => None,
    };
    match (wants_ports, range) {
        (true, None) => {
            check.error(at, field, "tcp and udp rules need `port` or `ports`", "add e.g. `port: 5432`");
            Err(())
        }
        (false, Some(_)) if protocol.is_some() => {
            check.error(
                at,
                field,
                "only tcp and udp rules take ports",
                "remove `port`/`ports`, or use protocol `tcp` or `udp`",
            );
            Err(())
        }
        (_, r) => Ok(r),
    }
}

fn rule_source(
    from: &Located<String>,
    key: &str,
    field: &str,
    groups: &IndexMap<Located<String>, SecurityGroupSpec>,
    has_network: bool,
    check: &mut Checker,
) -> Option<RuleSource> {
    let field = format!("{field}.{key}");
    let needs_network = |check: &mut Checker, what: &str| {
        if !has_network {
            check.error(
                from.location(),
                field.clone(),
                format!("`{what}` needs a `network:` section"),
                "add the network, or use a CIDR",
            );
        }
    };
    let source = match from.as_str() {
        "private_subnets" => RuleSource::PrivateSubnets,
        "public_subnets" => RuleSource::PublicSubnets,
        "vpc" => RuleSource::Vpc,
        s if s.starts_with("sg:") => {
            let name = &s[3..];
            if !groups.contains_key(name) {
                let known: Vec<String> = groups.keys().map(|k| format!("`sg:{}`", k.value())).collect();
                check.error(
                    from.location(),
                    field,
                    format!("security group `{name}` is not defined in this stack"),
                    if known.is_empty() {
                        "define it under `security_groups:`".to_owned()
                    } else {
                        format!("defined groups: {}", known.join(", "))
                    },
                );
                return None;
            }
            RuleSource::Group(name.to_owned())
        }
        s => match s.parse::<Ipv4Net>() {
            Ok(net) if net.trunc() == net => RuleSource::Cidr(net),
            Ok(net) => {
                check.error(
                    from.location(),
                    field,
                    format!("`{net}` has host bits set"),
                    format!("did you mean `{}`?", net.trunc()),
                );
                return None;
            }
            Err(_) => {
                check.error(
                    from.location(),
                    field,
                    format!("unknown source `{s}`"),
                    "use `private_subnets`, `public_subnets`, `vpc`, a CIDR like `10.0.0.0/16`, or `sg:<name>`",
                );
                return None;
            }
        },
    };
    if matches!(source, RuleSource::PrivateSubnets | RuleSource::PublicSubnets | RuleSource::Vpc) {
        needs_network(check, from.as_str());
    }
    Some(source)
}

#[cfg(test)]
mod tests {
    use super::super::test_support::stack_from;

    fn sg_stack(rules: &str) -> String {
        format!(
            "stack: s\nregion: eu-west-1\nnetwork:\n  cidr: 10.0.0.0/16\n  azs: [eu-west-1a]\n  public_subnets: [10.0.0.0/24]\n  private_subnets: [10.0.1.0/24]\nsecurity_groups:\n  web:\n    ingress:\n{rules}"
        )
    }

    #[test]
    fn port_rules() {
        let out = stack_from(&sg_stack(
            "      - { protocol: tcp, from: vpc }\n      - { protocol: all, port: 1, from: vpc }\n      - { protocol: tcp, ports: 9-1, from: vpc }\n      - { protocol: tcp, port: 70000, from: vpc }\n      - { protocol: sctp, port: 1, from: vpc }\n",
        ))
        .unwrap_err();
        for expected in [
            "need `port` or `ports`",
            "only tcp and udp rules take ports",
            "`9-1` is not a port range",
            "port 70000 is out of range",
            "unknown protocol `sctp`",
        ] {
            assert!(out.contains(expected), "missing {expected:?} in {out}");
        }
    }

    #[test]
    fn duplicate_rules_and_bad_sources() {
        let out = stack_from(&sg_stack(
            "      - { protocol: tcp, port: 80, from: vpc }\n      - { protocol: tcp, port: 80, from: vpc }\n      - { protocol: tcp, port: 81, from: 10.0.0.1/16 }\n      - { protocol: tcp, port: 82, from: everywhere }\n",
        ))
        .unwrap_err();
        assert!(out.contains("repeats an earlier rule"), "{out}");
        assert!(out.contains("did you mean `10.0.0.0/16`?"), "{out}");
        assert!(out.contains("unknown source `everywhere`"), "{out}");
    }

    #[test]
    fn all_traffic_and_self_reference_are_fine() {
        let stack = stack_from(&sg_stack(
            "      - { protocol: all, from: sg:web }\n      - { protocol: icmp, from: 0.0.0.0/0 }\n",
        ))
        .unwrap();
        assert_eq!(stack.security_groups[0].ingress.len(), 2);
    }
}
