//! Ingress rules, one permission each (one CIDR or one source group), with AWS's rule ids.
//! AWS stores a permission once: a pending create is found again by its content, and a
//! duplicate error on create means the rule is already there.

use aws_sdk_ec2::Client;
use aws_sdk_ec2::types::{
    IpPermission, IpRange, ResourceType, SecurityGroupRule, SecurityGroupRuleRequest, SecurityGroupRuleUpdate,
    UserIdGroupPair,
};

use super::{filter, opt_str, parent_ids, str_attr, tag_spec, tags_value};
use crate::providers::{AwsError, ReadRequest};
use crate::resource::{Address, Attrs, LiveResource, Observed, Value, attr};

async fn list(ec2: &Client, group_ids: Vec<String>) -> Result<Vec<SecurityGroupRule>, AwsError> {
    if group_ids.is_empty() {
        return Ok(vec![]);
    }
    let rules: Vec<SecurityGroupRule> = super::all_pages!(
        ec2.describe_security_group_rules().filters(filter("group-id", group_ids.clone())),
        "DescribeSecurityGroupRules"
    )?;
    Ok(rules
        .into_iter()
        .filter(|r| !r.is_egress().unwrap_or(false) && r.group_id().is_some_and(|g| group_ids.iter().any(|x| x == g)))
        .collect())
}

fn attrs_of(r: &SecurityGroupRule) -> Attrs {
    Attrs::from([
        ("group_id".into(), Value::str(r.group_id().unwrap_or_default())),
        ("protocol".into(), Value::str(r.ip_protocol().unwrap_or_default())),
        ("from_port".into(), Value::Int(r.from_port().unwrap_or(-1).into())),
        ("to_port".into(), Value::Int(r.to_port().unwrap_or(-1).into())),
        ("cidr_ipv4".into(), opt_str(r.cidr_ipv4())),
        ("source_group_id".into(), opt_str(r.referenced_group_info().and_then(|g| g.group_id()))),
        ("description".into(), opt_str(r.description())),
        ("tags".into(), tags_value(r.tags())),
    ])
}

/// Same permission: everything that identifies a rule in AWS.
fn same_permission(a: &Attrs, b: &Attrs) -> bool {
    ["group_id", "protocol", "from_port", "to_port", "cidr_ipv4", "source_group_id"]
        .iter()
        .all(|k| attr(a, k) == attr(b, k))
}

pub(super) async fn read(ec2: &Client, requests: &[ReadRequest]) -> Result<Vec<(Address, Observed)>, AwsError> {
    let rules = list(ec2, parent_ids(requests, "group_id")).await?;
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

pub(super) async fn create(ec2: &Client, address: &Address, attrs: &Attrs) -> Result<String, AwsError> {
    let group_id = str_attr(attrs, "group_id").unwrap_or_default();
    let description = str_attr(attrs, "description").map(str::to_owned);
    let mut permission = IpPermission::builder()
        .ip_protocol(str_attr(attrs, "protocol").unwrap_or_default())
        .from_port(attr(attrs, "from_port").as_int().unwrap_or(-1) as i32)
        .to_port(attr(attrs, "to_port").as_int().unwrap_or(-1) as i32);
    if let Some(cidr) = str_attr(attrs, "cidr_ipv4") {
        permission =
            permission.ip_ranges(IpRange::builder().cidr_ip(cidr).set_description(description.clone()).build());
    }
    if let Some(source) = str_attr(attrs, "source_group_id") {
        permission = permission
            .user_id_group_pairs(UserIdGroupPair::builder().group_id(source).set_description(description).build());
    }
    let result = ec2
        .authorize_security_group_ingress()
        .group_id(group_id)
        .ip_permissions(permission.build())
        .tag_specifications(tag_spec(ResourceType::SecurityGroupRule, attrs))
        .send()
        .await
        .map_err(|e| AwsError::from_sdk("AuthorizeSecurityGroupIngress", e));
    match result {
        Ok(out) => match out.security_group_rules().first().and_then(|r| r.security_group_rule_id()) {
            Some(id) => Ok(id.to_owned()),
            None => find_existing(ec2, address, attrs).await,
        },
        Err(e) if e.code() == Some("InvalidPermission.Duplicate") => find_existing(ec2, address, attrs).await,
        Err(e) => Err(e),
    }
}

async fn find_existing(ec2: &Client, address: &Address, attrs: &Attrs) -> Result<String, AwsError> {
    let req = ReadRequest { address: address.clone(), id: None, attrs: attrs.clone() };
    match read(ec2, std::slice::from_ref(&req)).await?.pop() {
        Some((_, Observed::Present(r))) => Ok(r.id),
        _ => Err(AwsError::local("AuthorizeSecurityGroupIngress", "AWS reports the rule exists but does not list it")),
    }
}

pub(super) async fn update(ec2: &Client, id: &str, before: &Attrs, after: &Attrs) -> Result<(), AwsError> {
    if attr(before, "description") == attr(after, "description") {
        return Ok(());
    }
    let mut rule = SecurityGroupRuleRequest::builder()
        .ip_protocol(str_attr(after, "protocol").unwrap_or_default())
        .from_port(attr(after, "from_port").as_int().unwrap_or(-1) as i32)
        .to_port(attr(after, "to_port").as_int().unwrap_or(-1) as i32)
        .set_cidr_ipv4(str_attr(after, "cidr_ipv4").map(str::to_owned))
        .set_referenced_group_id(str_attr(after, "source_group_id").map(str::to_owned));
    rule = rule.description(str_attr(after, "description").unwrap_or_default());
    ec2.modify_security_group_rules()
        .group_id(str_attr(after, "group_id").unwrap_or_default())
        .security_group_rules(
            SecurityGroupRuleUpdate::builder().security_group_rule_id(id).security_group_rule(rule.build()).build(),
        )
        .send()
        .await
        .map_err(|e| AwsError::from_sdk("ModifySecurityGroupRules", e))?;
    Ok(())
}

pub(super) async fn delete(ec2: &Client, id: &str, attrs: &Attrs) -> Result<(), AwsError> {
    ec2.revoke_security_group_ingress()
        .group_id(str_attr(attrs, "group_id").unwrap_or_default())
        .security_group_rule_ids(id)
        .send()
        .await
        .map_err(|e| AwsError::from_sdk("RevokeSecurityGroupIngress", e))?;
    Ok(())
}
