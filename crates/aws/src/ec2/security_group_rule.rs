//! Ingress and egress rules, one permission each (one CIDR or one peer group), with AWS's rule
//! ids. AWS stores a permission once: a pending create is found again by its content, and a
//! duplicate error on create means the rule is already there. (A group's default allow-all
//! egress rule is the group's `default_egress`, not a rule of the stack.)

use async_trait::async_trait;
use aws_sdk_ec2::Client;
use aws_sdk_ec2::types::{
    IpPermission, IpRange, ResourceType, SecurityGroupRule, SecurityGroupRuleRequest, SecurityGroupRuleUpdate,
    UserIdGroupPair,
};
use platformctl_core::kinds::security_group_rule::{
    CIDR_IPV4, DESCRIPTION, EGRESS, FROM_PORT, GROUP_ID, PERMISSION, PROTOCOL, SOURCE_GROUP_ID, TAGS, TO_PORT,
};
use platformctl_core::resource::{Address, Attrs, LiveResource, Observed};

use super::{filter, opt_str, parent_ids, retag, tag_spec, tags_value};
use crate::error::SdkResultExt;
use crate::registry::{NewResource, Provider};
use crate::{Aws, AwsError, ReadRequest};

pub(crate) struct Rule;

#[async_trait]
impl Provider for Rule {
    async fn read(&self, aws: &Aws, requests: &[ReadRequest]) -> Result<Vec<(Address, Observed)>, AwsError> {
        read(&aws.ec2, requests).await
    }

    async fn create(&self, aws: &Aws, new: &NewResource<'_>) -> Result<String, AwsError> {
        let attrs = new.attrs;
        let description = DESCRIPTION.str(attrs).map(str::to_owned);
        let mut permission = IpPermission::builder()
            .ip_protocol(PROTOCOL.str(attrs).unwrap_or_default())
            .from_port(FROM_PORT.i32(attrs).unwrap_or(-1))
            .to_port(TO_PORT.i32(attrs).unwrap_or(-1));
        if let Some(cidr) = CIDR_IPV4.str(attrs) {
            permission =
                permission.ip_ranges(IpRange::builder().cidr_ip(cidr).set_description(description.clone()).build());
        }
        if let Some(source) = SOURCE_GROUP_ID.str(attrs) {
            permission = permission
                .user_id_group_pairs(UserIdGroupPair::builder().group_id(source).set_description(description).build());
        }
        let group = GROUP_ID.str(attrs).unwrap_or_default();
        let tags = tag_spec(ResourceType::SecurityGroupRule, attrs);
        let result = if EGRESS.is_true(attrs) {
            let request = aws.ec2.authorize_security_group_egress().group_id(group).ip_permissions(permission.build());
            let out = request.tag_specifications(tags).send().await.aws("AuthorizeSecurityGroupEgress");
            out.map(|o| o.security_group_rules().first().and_then(|r| r.security_group_rule_id()).map(str::to_owned))
        } else {
            let request = aws.ec2.authorize_security_group_ingress().group_id(group).ip_permissions(permission.build());
            let out = request.tag_specifications(tags).send().await.aws("AuthorizeSecurityGroupIngress");
            out.map(|o| o.security_group_rules().first().and_then(|r| r.security_group_rule_id()).map(str::to_owned))
        };
        match result {
            Ok(Some(id)) => Ok(id),
            Ok(None) => find_existing(&aws.ec2, new.address, attrs).await,
            Err(e) if e.code() == Some("InvalidPermission.Duplicate") => {
                find_existing(&aws.ec2, new.address, attrs).await
            }
            Err(e) => Err(e),
        }
    }

    async fn update(&self, aws: &Aws, id: &str, before: &Attrs, after: &Attrs) -> Result<(), AwsError> {
        if DESCRIPTION.changed(before, after) {
            let rule = SecurityGroupRuleRequest::builder()
                .ip_protocol(PROTOCOL.str(after).unwrap_or_default())
                .from_port(FROM_PORT.i32(after).unwrap_or(-1))
                .to_port(TO_PORT.i32(after).unwrap_or(-1))
                .set_cidr_ipv4(CIDR_IPV4.str(after).map(str::to_owned))
                .set_referenced_group_id(SOURCE_GROUP_ID.str(after).map(str::to_owned))
                .description(DESCRIPTION.str(after).unwrap_or_default());
            aws.ec2
                .modify_security_group_rules()
                .group_id(GROUP_ID.str(after).unwrap_or_default())
                .security_group_rules(
                    SecurityGroupRuleUpdate::builder()
                        .security_group_rule_id(id)
                        .security_group_rule(rule.build())
                        .build(),
                )
                .send()
                .await
                .aws("ModifySecurityGroupRules")?;
        }
        retag(&aws.ec2, id, before, after).await
    }

    async fn delete(&self, aws: &Aws, id: &str, attrs: &Attrs) -> Result<(), AwsError> {
        let group = GROUP_ID.str(attrs).unwrap_or_default();
        if EGRESS.is_true(attrs) {
            let request = aws.ec2.revoke_security_group_egress().group_id(group).security_group_rule_ids(id);
            request.send().await.aws("RevokeSecurityGroupEgress")?;
        } else {
            let request = aws.ec2.revoke_security_group_ingress().group_id(group).security_group_rule_ids(id);
            request.send().await.aws("RevokeSecurityGroupIngress")?;
        }
        Ok(())
    }
}

async fn list(ec2: &Client, group_ids: Vec<String>) -> Result<Vec<SecurityGroupRule>, AwsError> {
    if group_ids.is_empty() {
        return Ok(vec![]);
    }
    let rules: Vec<SecurityGroupRule> = super::all_pages!(
        ec2.describe_security_group_rules().filters(filter("group-id", group_ids.clone())),
        "DescribeSecurityGroupRules"
    )?;
    Ok(rules.into_iter().filter(|r| r.group_id().is_some_and(|g| group_ids.iter().any(|x| x == g))).collect())
}

fn attrs_of(r: &SecurityGroupRule) -> Attrs {
    Attrs::from([
        GROUP_ID.to(r.group_id().unwrap_or_default()),
        EGRESS.to(r.is_egress().unwrap_or(false).then_some(true)),
        PROTOCOL.to(r.ip_protocol().unwrap_or_default()),
        FROM_PORT.to(r.from_port().unwrap_or(-1)),
        TO_PORT.to(r.to_port().unwrap_or(-1)),
        CIDR_IPV4.to(opt_str(r.cidr_ipv4())),
        SOURCE_GROUP_ID.to(opt_str(r.referenced_group_info().and_then(|g| g.group_id()))),
        DESCRIPTION.to(opt_str(r.description())),
        TAGS.to(tags_value(r.tags())),
    ])
}

/// Same permission: everything that identifies a rule in AWS.
fn same_permission(a: &Attrs, b: &Attrs) -> bool {
    PERMISSION.iter().all(|k| k.get(a) == k.get(b))
}

async fn read(ec2: &Client, requests: &[ReadRequest]) -> Result<Vec<(Address, Observed)>, AwsError> {
    let rules = list(ec2, parent_ids(requests, GROUP_ID)).await?;
    Ok(requests
        .iter()
        .map(|req| {
            let found = rules.iter().find(|r| match &req.id {
                Some(id) => r.security_group_rule_id() == Some(id.as_str()),
                None => same_permission(&attrs_of(r), &req.attrs),
            });
            let observed = match found {
                Some(r) => Observed::Present(LiveResource {
                    id: r.security_group_rule_id().unwrap_or_default().to_owned(),
                    attrs: attrs_of(r),
                    ready: true,
                    outputs: Attrs::new(),
                }),
                None => Observed::Absent,
            };
            (req.address.clone(), observed)
        })
        .collect())
}

async fn find_existing(ec2: &Client, address: &Address, attrs: &Attrs) -> Result<String, AwsError> {
    let req = ReadRequest::new(address, None, attrs.clone());
    match read(ec2, std::slice::from_ref(&req)).await?.pop() {
        Some((_, Observed::Present(r))) => Ok(r.id),
        _ => Err(AwsError::local("AuthorizeSecurityGroupIngress", "AWS reports the rule exists but does not list it")),
    }
}
