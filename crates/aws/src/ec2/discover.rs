//! What `generate` reads of a VPC: its subnets, gateways, route tables, NAT gateways and security
//! groups, into platformctl-core's `Discovered*` (see crate::discover).

use aws_sdk_ec2::types::{Filter, NatGatewayState};
use platformctl_core::resource::discovered::{
    DiscoveredNat, DiscoveredRouteTable, DiscoveredRule, DiscoveredSecurityGroup, DiscoveredSubnet, DiscoveredVpc,
};

use crate::discover::not_found;
use crate::error::SdkResultExt;
use crate::{Aws, AwsError};

fn in_vpc(vpc: &str) -> Filter {
    Filter::builder().name("vpc-id").values(vpc).build()
}

pub(crate) async fn vpc(aws: &Aws, id: &str) -> Result<DiscoveredVpc, AwsError> {
    let vpcs = aws.ec2.describe_vpcs().vpc_ids(id).send().await.aws("DescribeVpcs")?;
    let vpc = vpcs.vpcs().first().ok_or_else(|| not_found("VPC", id))?;
    let subnets = aws.ec2.describe_subnets().filters(in_vpc(id)).send().await.aws("DescribeSubnets")?;
    let gateway = Filter::builder().name("attachment.vpc-id").values(id).build();
    let gateways =
        aws.ec2.describe_internet_gateways().filters(gateway).send().await.aws("DescribeInternetGateways")?;
    let tables = aws.ec2.describe_route_tables().filters(in_vpc(id)).send().await.aws("DescribeRouteTables")?;
    let nats = aws.ec2.describe_nat_gateways().filter(in_vpc(id)).send().await.aws("DescribeNatGateways")?;
    let default_group = Filter::builder().name("group-name").values("default").build();
    let defaults = aws
        .ec2
        .describe_security_groups()
        .filters(in_vpc(id))
        .filters(default_group)
        .send()
        .await
        .aws("DescribeSecurityGroups")?;
    let hostnames = aws
        .ec2
        .describe_vpc_attribute()
        .vpc_id(id)
        .attribute(aws_sdk_ec2::types::VpcAttributeName::EnableDnsHostnames)
        .send()
        .await
        .aws("DescribeVpcAttribute")?;
    Ok(DiscoveredVpc {
        id: id.to_owned(),
        dns_hostnames: hostnames.enable_dns_hostnames().and_then(|v| v.value()) == Some(true),
        cidr: vpc.cidr_block().unwrap_or_default().to_owned(),
        subnets: subnets
            .subnets()
            .iter()
            .map(|s| DiscoveredSubnet {
                id: s.subnet_id().unwrap_or_default().to_owned(),
                cidr: s.cidr_block().unwrap_or_default().to_owned(),
                az: s.availability_zone().unwrap_or_default().to_owned(),
                public_ip_on_launch: s.map_public_ip_on_launch() == Some(true),
            })
            .collect(),
        internet_gateway: gateways.internet_gateways().first().and_then(|g| g.internet_gateway_id()).map(str::to_owned),
        route_tables: tables
            .route_tables()
            .iter()
            .map(|t| DiscoveredRouteTable {
                id: t.route_table_id().unwrap_or_default().to_owned(),
                main: t.associations().iter().any(|a| a.main() == Some(true)),
                subnets: t.associations().iter().filter_map(|a| a.subnet_id()).map(str::to_owned).collect(),
                default_route: t
                    .routes()
                    .iter()
                    .find(|r| r.destination_cidr_block() == Some("0.0.0.0/0"))
                    .and_then(|r| r.gateway_id().or(r.nat_gateway_id()))
                    .map(str::to_owned),
            })
            .collect(),
        nat_gateways: nats
            .nat_gateways()
            .iter()
            .filter(|n| matches!(n.state(), Some(NatGatewayState::Available | NatGatewayState::Pending)))
            .map(|n| DiscoveredNat {
                id: n.nat_gateway_id().unwrap_or_default().to_owned(),
                subnet: n.subnet_id().unwrap_or_default().to_owned(),
                allocation: n.nat_gateway_addresses().first().and_then(|a| a.allocation_id()).map(str::to_owned),
            })
            .collect(),
        default_security_group_open: defaults
            .security_groups()
            .first()
            .is_some_and(|g| !g.ip_permissions().is_empty() || !g.ip_permissions_egress().is_empty()),
    })
}

pub(crate) async fn security_groups(aws: &Aws, vpc: &str) -> Result<Vec<DiscoveredSecurityGroup>, AwsError> {
    let groups = aws.ec2.describe_security_groups().filters(in_vpc(vpc)).send().await.aws("DescribeSecurityGroups")?;
    let mut found = Vec::new();
    for g in groups.security_groups().iter().filter(|g| g.group_name() != Some("default")) {
        let id = g.group_id().unwrap_or_default().to_owned();
        let of_group = Filter::builder().name("group-id").values(&id).build();
        let rules =
            aws.ec2.describe_security_group_rules().filters(of_group).send().await.aws("DescribeSecurityGroupRules")?;
        let (mut ingress, mut egress) = (Vec::new(), Vec::new());
        for r in rules.security_group_rules() {
            let rule = DiscoveredRule {
                protocol: r.ip_protocol().unwrap_or("-1").to_owned(),
                from_port: r.from_port().filter(|p| *p >= 0),
                to_port: r.to_port().filter(|p| *p >= 0),
                cidr: r.cidr_ipv4().map(str::to_owned),
                group: r.referenced_group_info().and_then(|g| g.group_id()).map(str::to_owned),
                description: r.description().filter(|d| !d.is_empty()).map(str::to_owned),
            };
            if r.is_egress() == Some(true) { egress.push(rule) } else { ingress.push(rule) }
        }
        ingress.sort();
        egress.sort();
        found.push(DiscoveredSecurityGroup {
            id,
            name: g.group_name().unwrap_or_default().to_owned(),
            description: g.description().unwrap_or_default().to_owned(),
            ingress,
            egress,
            managed_by: managed_by(g.tags()),
        });
    }
    found.sort_by(|a, b| a.name.cmp(&b.name));
    Ok(found)
}

/// Who made a group, by the tags EKS and Kubernetes controllers put on theirs: EKS's cluster
/// group, a load balancer's group the AWS Load Balancer Controller (or the in-tree service
/// controller) made. Those are theirs to change and delete.
fn managed_by(tags: &[aws_sdk_ec2::types::Tag]) -> Option<String> {
    let tag = |key: &str| tags.iter().find(|t| t.key() == Some(key)).and_then(|t| t.value());
    if let Some(cluster) = tag("aws:eks:cluster-name") {
        return Some(format!("EKS, for cluster {cluster}"));
    }
    if let Some(cluster) = tag("elbv2.k8s.aws/cluster") {
        return Some(format!("the AWS Load Balancer Controller of cluster {cluster}"));
    }
    let kubernetes = tags.iter().filter_map(|t| t.key()).find_map(|k| k.strip_prefix("kubernetes.io/cluster/"));
    kubernetes.map(|cluster| format!("Kubernetes, for cluster {cluster}"))
}
