//! The VPC's default security group (`default_security_group`): its rules revoked on "create"
//! and on every update, AWS's two default rules (all traffic from the group itself, all traffic
//! out) given back on "delete". The group itself belongs to the VPC: never created or deleted.

use async_trait::async_trait;
use aws_sdk_ec2::types::{IpPermission, SecurityGroup, UserIdGroupPair};
use platformctl_core::kinds::default_security_group::{RULES, VPC_ID};
use platformctl_core::resource::{Address, Attrs, LiveResource, Observed, Value};

use super::{filter, parent_ids};
use crate::error::SdkResultExt;
use crate::registry::{NewResource, Provider};
use crate::{Aws, AwsError, ReadRequest};

pub(crate) struct DefaultSecurityGroup;

/// The default groups of these VPCs.
async fn default_groups(aws: &Aws, vpc_ids: Vec<String>) -> Result<Vec<SecurityGroup>, AwsError> {
    if vpc_ids.is_empty() {
        return Ok(Vec::new());
    }
    let request = aws
        .ec2
        .describe_security_groups()
        .filters(filter("vpc-id", vpc_ids))
        .filters(filter("group-name", ["default"]));
    super::all_pages!(request, "DescribeSecurityGroups")
}

/// One line per source of each permission, as the plan shows it.
fn rules(group: &SecurityGroup) -> Vec<Value> {
    let mut out = Vec::new();
    let directions = [("ingress", "from", group.ip_permissions()), ("egress", "to", group.ip_permissions_egress())];
    for (direction, preposition, permissions) in directions {
        for p in permissions {
            let protocol = match p.ip_protocol().unwrap_or("-1") {
                "-1" => "all".to_owned(),
                other => other.to_owned(),
            };
            let ports = match (p.from_port(), p.to_port()) {
                (Some(from), Some(to)) if from >= 0 && from == to => format!(" {from}"),
                (Some(from), Some(to)) if from >= 0 => format!(" {from}-{to}"),
                _ => String::new(),
            };
            let sources = p
                .ip_ranges()
                .iter()
                .filter_map(|r| r.cidr_ip())
                .chain(p.ipv6_ranges().iter().filter_map(|r| r.cidr_ipv6()))
                .chain(p.user_id_group_pairs().iter().filter_map(|g| g.group_id()))
                .chain(p.prefix_list_ids().iter().filter_map(|l| l.prefix_list_id()));
            out.extend(sources.map(|s| Value::str(format!("{direction} {protocol}{ports} {preposition} {s}"))));
        }
    }
    out.sort_by_key(|v| v.as_str().map(str::to_owned));
    out
}

/// Revokes every rule the group has: by permission, then by rule id whatever is left (an
/// emulator that cannot match a permission naming the group itself keeps it otherwise).
async fn empty(aws: &Aws, group: &SecurityGroup) -> Result<(), AwsError> {
    let id = group.group_id().unwrap_or_default();
    if !group.ip_permissions().is_empty() {
        aws.ec2
            .revoke_security_group_ingress()
            .group_id(id)
            .set_ip_permissions(Some(group.ip_permissions().to_vec()))
            .send()
            .await
            .aws("RevokeSecurityGroupIngress")?;
    }
    if !group.ip_permissions_egress().is_empty() {
        aws.ec2
            .revoke_security_group_egress()
            .group_id(id)
            .set_ip_permissions(Some(group.ip_permissions_egress().to_vec()))
            .send()
            .await
            .aws("RevokeSecurityGroupEgress")?;
    }
    let left: Vec<_> = super::all_pages!(
        aws.ec2.describe_security_group_rules().filters(filter("group-id", [id])),
        "DescribeSecurityGroupRules"
    )?;
    let ids = |egress: bool| -> Vec<String> {
        left.iter()
            .filter(|r| r.is_egress() == Some(egress))
            .filter_map(|r| r.security_group_rule_id().map(str::to_owned))
            .collect()
    };
    let (ingress, egress) = (ids(false), ids(true));
    if !ingress.is_empty() {
        let request = aws.ec2.revoke_security_group_ingress().group_id(id).set_security_group_rule_ids(Some(ingress));
        request.send().await.aws("RevokeSecurityGroupIngress")?;
    }
    if !egress.is_empty() {
        let request = aws.ec2.revoke_security_group_egress().group_id(id).set_security_group_rule_ids(Some(egress));
        request.send().await.aws("RevokeSecurityGroupEgress")?;
    }
    Ok(())
}

/// The group of `vpc`, read now.
async fn group_of(aws: &Aws, vpc: &str) -> Result<SecurityGroup, AwsError> {
    default_groups(aws, vec![vpc.to_owned()]).await?.into_iter().next().ok_or_else(|| {
        AwsError::local("DescribeSecurityGroups", format!("the VPC {vpc} has no default security group"))
    })
}

#[async_trait]
impl Provider for DefaultSecurityGroup {
    async fn read(&self, aws: &Aws, requests: &[ReadRequest]) -> Result<Vec<(Address, Observed)>, AwsError> {
        let groups = default_groups(aws, parent_ids(requests, VPC_ID)).await?;
        Ok(requests
            .iter()
            .map(|req| {
                let vpc = VPC_ID.str(&req.attrs);
                let observed = match groups.iter().find(|g| g.vpc_id().is_some() && g.vpc_id() == vpc) {
                    Some(g) => Observed::Present(LiveResource {
                        id: g.group_id().unwrap_or_default().to_owned(),
                        attrs: Attrs::from([
                            VPC_ID.to(g.vpc_id().unwrap_or_default()),
                            RULES.to(Value::List(rules(g))),
                        ]),
                        ready: true,
                        outputs: Attrs::new(),
                    }),
                    None => Observed::Absent,
                };
                (req.address.clone(), observed)
            })
            .collect())
    }

    async fn create(&self, aws: &Aws, new: &NewResource<'_>) -> Result<String, AwsError> {
        let group = group_of(aws, VPC_ID.str(new.attrs).unwrap_or_default()).await?;
        empty(aws, &group).await?;
        Ok(group.group_id().unwrap_or_default().to_owned())
    }

    async fn update(&self, aws: &Aws, _id: &str, before: &Attrs, _after: &Attrs) -> Result<(), AwsError> {
        // Read again: what to revoke is the group's rules as they are, not as planned.
        let group = group_of(aws, VPC_ID.str(before).unwrap_or_default()).await?;
        empty(aws, &group).await
    }

    async fn delete(&self, aws: &Aws, id: &str, _attrs: &Attrs) -> Result<(), AwsError> {
        let from_itself = IpPermission::builder()
            .ip_protocol("-1")
            .user_id_group_pairs(UserIdGroupPair::builder().group_id(id).build())
            .build();
        let restored = aws.ec2.authorize_security_group_ingress().group_id(id).ip_permissions(from_itself).send().await;
        tolerate(restored.aws("AuthorizeSecurityGroupIngress").map(drop))?;
        // All traffic out: the rule every group starts with, as a stack's group gets it back.
        tolerate(super::security_group::set_default_egress(&aws.ec2, id, true).await)
    }
}

/// A rule already there, or the group gone with its VPC: nothing left to restore.
fn tolerate(result: Result<(), AwsError>) -> Result<(), AwsError> {
    match result {
        Err(e) if matches!(e.code(), Some("InvalidPermission.Duplicate" | "InvalidGroup.NotFound")) => Ok(()),
        other => other,
    }
}
