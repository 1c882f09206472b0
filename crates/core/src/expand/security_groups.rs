//! Security groups and one resource per ingress or egress permission. A rule whose peer is a
//! set of subnets becomes one permission per subnet CIDR, addressed by its content
//! (`security_group.db.ingress[tcp:5432:10.0.128.0/18]`, `security_group.app.egress[...]`), so
//! adding or reordering rules in the YAML never replaces the others.

use std::collections::BTreeSet;

use super::network::vpc;
use super::tags;
use crate::kinds::{security_group, security_group_rule};
use crate::model::{GroupRule, Network, Protocol, RuleSource, Stack};
use crate::resource::{Address, Attrs, DesiredResource, Kind, Value};

pub fn group(name: &str) -> Address {
    Address::new(format!("security_group.{name}"))
}

pub(super) fn expand(stack: &Stack, net: &Network, out: &mut Vec<DesiredResource>) {
    for sg in &stack.security_groups {
        let address = group(&sg.name);
        let aws_name = format!("{}-{}", stack.name, sg.name);
        out.push(DesiredResource::new(
            address.clone(),
            Kind::SecurityGroup,
            Attrs::from([
                security_group::VPC_ID.to(Value::Ref(vpc())),
                security_group::GROUP_NAME.to(&aws_name),
                security_group::DESCRIPTION.to(&sg.description),
                security_group::DEFAULT_EGRESS.to(sg.egress.is_none()),
                security_group::TAGS.to(tags(stack, &address, &aws_name)),
            ]),
        ));
        let egress = sg.egress.iter().flatten().map(|rule| (rule, "egress"));
        let rules = sg.ingress.iter().map(|rule| (rule, "ingress")).chain(egress);
        permissions(stack, net, &address, &Value::Ref(address.clone()), &aws_name, rules, out);
    }
}

/// One rule resource per permission the `(rule, direction)` pairs expand to, addressed under
/// `owner` and added to `in_group`: a group of this stack, or the cluster group EKS creates.
pub(super) fn permissions<'a>(
    stack: &Stack,
    net: &Network,
    owner: &Address,
    in_group: &Value,
    name: &str,
    rules: impl Iterator<Item = (&'a GroupRule, &'static str)>,
    out: &mut Vec<DesiredResource>,
) {
    // Two rules can expand to the same permission (`vpc` and the VPC's CIDR written out):
    // AWS stores it once, so it is emitted once.
    let mut seen = BTreeSet::new();
    for (rule, direction) in rules {
        for (peer_key, cidr, peer_group) in peers(rule, net) {
            let key = rule_key(rule, &peer_key);
            let rule_address = Address::new(format!("{owner}.{direction}[{key}]"));
            if !seen.insert(rule_address.clone()) {
                continue;
            }
            let (from, to) = match (rule.protocol, rule.ports) {
                (_, Some(p)) => (i64::from(p.from), i64::from(p.to)),
                // ICMP: every type and code; all protocols: no ports at all.
                (Protocol::Icmp | Protocol::All | Protocol::Tcp | Protocol::Udp, None) => (-1, -1),
            };
            let tags_value = tags(stack, &rule_address, &format!("{name}-{key}"));
            out.push(DesiredResource::new(
                rule_address,
                Kind::SecurityGroupRule,
                Attrs::from([
                    security_group_rule::GROUP_ID.to(in_group.clone()),
                    security_group_rule::EGRESS.to((direction == "egress").then_some(true)),
                    security_group_rule::PROTOCOL.to(rule.protocol.aws_name()),
                    security_group_rule::FROM_PORT.to(from),
                    security_group_rule::TO_PORT.to(to),
                    security_group_rule::CIDR_IPV4.to(cidr.map_or(Value::Null, Value::str)),
                    security_group_rule::SOURCE_GROUP_ID.to(peer_group.map_or(Value::Null, |g| Value::Ref(group(&g)))),
                    security_group_rule::DESCRIPTION.to(rule.description.as_ref().map_or(Value::Null, Value::str)),
                    security_group_rule::TAGS.to(tags_value),
                ]),
            ));
        }
    }
}

/// How a permission is named in its address: protocol, ports and source
/// (`tcp:5432:10.0.128.0/18`), never its position in the YAML.
pub(crate) fn rule_key(rule: &GroupRule, source_key: &str) -> String {
    format!("{}:{}{}", rule.protocol.name(), rule.ports.map(|p| format!("{p}:")).unwrap_or_default(), source_key)
}

/// (address key, CIDR, peer group) for each permission a rule expands to.
fn peers(rule: &GroupRule, net: &Network) -> Vec<(String, Option<String>, Option<String>)> {
    let cidrs =
        |nets: Vec<ipnet::Ipv4Net>| nets.into_iter().map(|n| (n.to_string(), Some(n.to_string()), None)).collect();
    match &rule.peer {
        RuleSource::PrivateSubnets => cidrs(net.private_cidrs()),
        RuleSource::PublicSubnets => cidrs(net.public_cidrs()),
        RuleSource::Vpc => cidrs(vec![net.cidr]),
        RuleSource::Cidr(c) => cidrs(vec![*c]),
        RuleSource::Group(g) => vec![(format!("sg:{g}"), None, Some(g.clone()))],
    }
}
