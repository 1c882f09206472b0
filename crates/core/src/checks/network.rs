//! The network's rules: security group ingress from the internet (SSH, RDP, HTTP, every port,
//! database and cache ports; the stack's groups and the EKS cluster groups), the VPC's default security group and its flow logs.

use super::Findings;
use super::catalogue::*;
use crate::expand::security_groups::rule_key;
use crate::model::{GroupRule, Protocol, RuleSource, Stack};

/// Database and cache ports no one should reach from the internet: PostgreSQL, MySQL, SQL
/// Server, Oracle, Redis, Memcached, MongoDB, Elasticsearch/OpenSearch, Redshift, Cassandra.
const DATA_PORTS: &[u16] = &[5432, 3306, 1433, 1521, 6379, 11211, 27017, 9200, 5439, 9042];

pub(super) fn evaluate(stack: &Stack, found: &mut Findings) {
    for sg in &stack.security_groups {
        let owner = format!("security_group.{}", sg.name);
        internet_ingress(&sg.ingress, &owner, &["security_groups", sg.name.as_str(), "ingress"], found);
    }
    for eks in &stack.compute.eks {
        let owner = format!("eks.{}.cluster_security_group", eks.name);
        let path = ["eks", eks.name.as_str(), "cluster_security_group_ingress"];
        internet_ingress(&eks.cluster_security_group_ingress, &owner, &path, found);
    }
    if let Some(net) = &stack.network
        && net.flow_logs.is_none()
    {
        found.add(
            FLOW_LOGS,
            "network.vpc",
            &["network", "flow_logs"],
            "the VPC's traffic is not recorded",
            "flow_logs: {}   # all traffic, to /platformctl/<stack>/vpc-flow-logs, kept 365 days",
        );
    }
    if let Some(net) = &stack.network
        && !net.restrict_default_security_group
    {
        found.add(
            DEFAULT_SG,
            "network.default_security_group",
            &["network", "restrict_default_security_group"],
            "the VPC's default security group keeps AWS's rules: its members reach each other on every port",
            "restrict_default_security_group: true",
        );
    }
}

/// Ingress rules open to the whole internet: SSH, RDP, plain HTTP, every port, data ports.
/// `owner` is the address the rules' addresses hang from; `path` the list's path in the file.
fn internet_ingress(rules: &[GroupRule], owner: &str, path: &[&str], found: &mut Findings) {
    for (index, rule) in rules.iter().enumerate() {
        let RuleSource::Cidr(net) = rule.peer else { continue };
        if net.prefix_len() != 0 {
            continue;
        }
        let address = format!("{owner}.ingress[{}]", rule_key(rule, &rule.peer.spelling()));
        let index = index.to_string();
        let path: Vec<&str> = path.iter().copied().chain([index.as_str()]).collect();
        let mut flag = |rule_def: &'static Rule, reason: String| {
            found.add(
                rule_def,
                &address,
                &path,
                reason,
                "from: sg:<the group that needs it>   # or your office CIDR, or a load balancer's group",
            );
        };
        let every_port = covers_every_port(rule);
        for (rule_def, port, what) in [(SG_SSH, 22, "SSH"), (SG_RDP, 3389, "RDP"), (SG_HTTP, 80, "plain HTTP")] {
            if covers(rule, port) {
                flag(rule_def, format!("{what} (port {port}) is open to {net}"));
            }
        }
        if every_port {
            flag(SG_ALL_PORTS, format!("every port is open to {net}"));
        }
        let data: Vec<String> = DATA_PORTS.iter().filter(|p| covers(rule, **p)).map(u16::to_string).collect();
        if every_port {
            flag(SG_DATA_PORTS, format!("every database and cache port is open to {net}"));
        } else if !data.is_empty() {
            flag(SG_DATA_PORTS, format!("database or cache port {} is open to {net}", data.join(", ")));
        }
    }
}

/// The rule lets TCP traffic reach `port`.
fn covers(rule: &GroupRule, port: u16) -> bool {
    match (rule.protocol, rule.ports) {
        (Protocol::All, _) => true,
        (Protocol::Tcp, Some(p)) => (p.from..=p.to).contains(&port),
        (Protocol::Tcp, None) => true,
        (Protocol::Udp | Protocol::Icmp, _) => false,
    }
}

/// The rule opens every port: all protocols, or TCP/UDP over the whole range.
fn covers_every_port(rule: &GroupRule) -> bool {
    match (rule.protocol, rule.ports) {
        (Protocol::All, _) => true,
        (Protocol::Tcp | Protocol::Udp, Some(p)) => p.from <= 1 && p.to == u16::MAX,
        (Protocol::Tcp | Protocol::Udp, None) => true,
        (Protocol::Icmp, _) => false,
    }
}
