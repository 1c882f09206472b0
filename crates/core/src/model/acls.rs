//! `network.acls`: a network ACL per subnet tier, its numbered rules checked (numbers unique
//! per direction, AWS's range, ports as security groups take them).

use std::collections::BTreeSet;

use indexmap::IndexMap;
use ipnet::Ipv4Net;

use super::Checker;
use super::security_groups::{PortRange, Protocol, ports, protocol};
use crate::spec::{AclRuleSpec, AclSpec, Located};

/// The subnets a network ACL is associated with.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Tier {
    Public,
    Private,
}

impl Tier {
    pub fn name(self) -> &'static str {
        match self {
            Tier::Public => "public",
            Tier::Private => "private",
        }
    }
}

/// A tier's network ACL.
#[derive(Clone, Debug, PartialEq)]
pub struct NetworkAcl {
    pub tier: Tier,
    pub ingress: Vec<AclRule>,
    pub egress: Vec<AclRule>,
}

/// One numbered rule.
#[derive(Clone, Debug, PartialEq)]
pub struct AclRule {
    pub number: i64,
    pub allow: bool,
    pub protocol: Protocol,
    pub ports: Option<PortRange>,
    pub cidr: Ipv4Net,
}

/// AWS's numbers for rules of the stack: 32767 is the ACL's own `*` rule.
const MAX_RULE_NUMBER: i64 = 32766;
/// The first number when rules give none, and the step between them (room to insert).
const FIRST_RULE_NUMBER: i64 = 100;
const RULE_NUMBER_STEP: i64 = 10;

pub(super) fn validate(
    acls: &IndexMap<Located<String>, AclSpec>,
    vpc: Ipv4Net,
    check: &mut Checker,
) -> Vec<NetworkAcl> {
    acls.iter()
        .filter_map(|(tier, spec)| {
            let field = format!("network.acls.{}", tier.value());
            let tier = match tier.as_str() {
                "public" => Tier::Public,
                "private" => Tier::Private,
                other => {
                    check.error(
                        tier.location(),
                        &field,
                        format!("`{other}` is not a subnet tier"),
                        "the tiers are `public` and `private`",
                    );
                    return None;
                }
            };
            let ingress = rules(&spec.ingress, &format!("{field}.ingress"), vpc, check);
            let egress = rules(&spec.egress, &format!("{field}.egress"), vpc, check);
            Some(NetworkAcl { tier, ingress, egress })
        })
        .collect()
}

fn rules(specs: &[AclRuleSpec], field: &str, vpc: Ipv4Net, check: &mut Checker) -> Vec<AclRule> {
    let mut numbers = BTreeSet::new();
    let mut next = FIRST_RULE_NUMBER;
    let mut out = Vec::new();
    for (i, spec) in specs.iter().enumerate() {
        let field = format!("{field}[{i}]");
        let number = spec.number.as_ref().map_or(next, |n| *n.value());
        next = number + RULE_NUMBER_STEP;
        let at = spec.number.as_ref().and_then(|n| n.location()).or(spec.action.location());
        if !(1..=MAX_RULE_NUMBER).contains(&number) {
            check.error(
                at,
                format!("{field}.number"),
                format!("rule number {number} is out of range"),
                "ACL rules are numbered 1 to 32766 (32767 is the ACL's own last rule)",
            );
            continue;
        }
        if !numbers.insert(number) {
            check.error(
                at,
                format!("{field}.number"),
                format!("rule number {number} is used twice"),
                "give each rule of a direction its own number (unnumbered rules count on by 10)",
            );
            continue;
        }
        let allow = match spec.action.as_str() {
            "allow" => Some(true),
            "deny" => Some(false),
            other => {
                check.error(
                    spec.action.location(),
                    format!("{field}.action"),
                    format!("unknown action `{other}`"),
                    "use `allow` or `deny`",
                );
                None
            }
        };
        let protocol = protocol(&spec.protocol, &field, check);
        let ports = ports(&spec.protocol, &spec.port, &spec.ports, protocol, &field, check);
        let cidr = match spec.cidr.as_str() {
            "vpc" => Some(vpc),
            text => match text.parse::<Ipv4Net>() {
                Ok(net) if net.trunc() == net => Some(net),
                _ => {
                    check.error(
                        spec.cidr.location(),
                        format!("{field}.cidr"),
                        format!("`{text}` is not a network block"),
                        "write a CIDR at its network address (`10.0.0.0/16`, `0.0.0.0/0`) or `vpc`",
                    );
                    None
                }
            },
        };
        if let (Some(allow), Some(protocol), Ok(ports), Some(cidr)) = (allow, protocol, ports, cidr) {
            out.push(AclRule { number, allow, protocol, ports, cidr });
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use crate::model::test_support::stack_from;

    const NETWORK: &str = "stack: app\nregion: eu-west-1\nnetwork:\n  cidr: 10.0.0.0/16\n  azs: [eu-west-1a]\n  public_subnets: [10.0.0.0/20]\n  private_subnets: [10.0.128.0/20]\n  nat_gateways: none\n";

    #[test]
    fn rules_are_numbered_in_order_and_mistakes_point_at_the_rule() {
        let stack = stack_from(&format!(
            "{NETWORK}  acls:\n    private:\n      ingress:\n        - {{ action: allow, protocol: tcp, port: 5432, cidr: vpc }}\n        - {{ action: allow, protocol: tcp, ports: 1024-65535, cidr: 0.0.0.0/0 }}\n        - {{ number: 200, action: deny, protocol: all, cidr: 0.0.0.0/0 }}\n"
        ))
        .unwrap();
        let acl = &stack.network.unwrap().acls[0];
        let numbers: Vec<i64> = acl.ingress.iter().map(|r| r.number).collect();
        assert_eq!(numbers, [100, 110, 200]);
        assert_eq!(acl.ingress[0].cidr.to_string(), "10.0.0.0/16");

        let errors = stack_from(&format!(
            "{NETWORK}  acls:\n    db:\n      ingress: []\n    private:\n      egress:\n        - {{ number: 100, action: allow, protocol: all, cidr: 0.0.0.0/0 }}\n        - {{ number: 100, action: permit, protocol: tcp, cidr: 10.0.0.1/16 }}\n        - {{ number: 40000, action: allow, protocol: tcp, port: 443, cidr: vpc }}\n"
        ))
        .unwrap_err();
        for expected in [
            "`db` is not a subnet tier",
            "rule number 100 is used twice",
            "rule number 40000 is out of range",
            "network.acls.private.egress[2].number",
        ] {
            assert!(errors.contains(expected), "{expected}: {errors}");
        }
    }
}
