//! Network ACLs (tagged, found like every tagged EC2 kind), their numbered entries (identified
//! by ACL, direction and number: AWS cannot tag them) and the subnets' associations with them
//! (a subnet always has exactly one: "creating" one moves the subnet to the stack's ACL,
//! deleting it moves the subnet back to the VPC's default ACL).

use async_trait::async_trait;
use aws_sdk_ec2::Client;
use aws_sdk_ec2::types::{Filter, IcmpTypeCode, NetworkAcl as Acl, PortRange, ResourceType, RuleAction};
use platformctl_core::kinds::network_acl::{TAGS, VPC_ID};
use platformctl_core::kinds::{network_acl_association as association, network_acl_entry as entry};
use platformctl_core::resource::{Address, Attrs, LiveResource, Observed, Value};

use super::{Tagged, filter, opt_str, parent_ids, tag_spec, tags_value};
use crate::error::SdkResultExt;
use crate::registry::{NewResource, Provider};
use crate::{Aws, AwsError, ReadRequest};

pub(crate) struct NetworkAcl;

#[async_trait]
impl Tagged for NetworkAcl {
    const ID_FILTER: &'static str = ID_FILTER;

    async fn describe(ec2: &Client, filters: Vec<Filter>) -> Result<Vec<LiveResource>, AwsError> {
        Ok(list(ec2, filters)
            .await?
            .iter()
            .map(|acl| LiveResource {
                id: acl.network_acl_id().unwrap_or_default().to_owned(),
                attrs: Attrs::from([VPC_ID.to(acl.vpc_id().unwrap_or_default()), TAGS.to(tags_value(acl.tags()))]),
                ready: true,
                outputs: Attrs::new(),
            })
            .collect())
    }

    async fn create(aws: &Aws, new: &NewResource<'_>) -> Result<String, AwsError> {
        let out = aws
            .ec2
            .create_network_acl()
            .vpc_id(VPC_ID.str(new.attrs).unwrap_or_default())
            .tag_specifications(tag_spec(ResourceType::NetworkAcl, new.attrs))
            .send()
            .await
            .aws("CreateNetworkAcl")?;
        Ok(out.network_acl().and_then(|a| a.network_acl_id()).unwrap_or_default().to_owned())
    }

    async fn delete(ec2: &Client, id: &str) -> Result<(), AwsError> {
        ec2.delete_network_acl().network_acl_id(id).send().await.aws("DeleteNetworkAcl")?;
        Ok(())
    }
}

/// The ACLs the filters select. By id, one call per ACL with `NetworkAclIds` (an ACL that is
/// gone fails only its own call): moto has no `network-acl-id` filter (HTTP 500), and real AWS
/// answers both the same.
async fn list(ec2: &Client, filters: Vec<Filter>) -> Result<Vec<Acl>, AwsError> {
    let by_id = filters.iter().find(|f| f.name() == Some(ID_FILTER)).map(|f| f.values().to_vec());
    let Some(ids) = by_id else {
        return super::all_pages!(ec2.describe_network_acls().set_filters(Some(filters)), "DescribeNetworkAcls");
    };
    super::describe_each(&ids, |id| async move {
        let out = ec2.describe_network_acls().network_acl_ids(id).send().await.aws("DescribeNetworkAcls")?;
        Ok(out.network_acls().to_vec())
    })
    .await
}

const ID_FILTER: &str = "network-acl-id";

pub(crate) struct Entry;

/// A Create- or ReplaceNetworkAclEntry request with the rule of `attrs` (the two SDK builders
/// are different types with the same fields).
macro_rules! with_rule {
    ($request:expr, $attrs:expr) => {
        $request
            .network_acl_id(entry::ACL_ID.str($attrs).unwrap_or_default())
            .egress(entry::EGRESS.is_true($attrs))
            .rule_number(entry::RULE_NUMBER.i32($attrs).unwrap_or_default())
            .rule_action(RuleAction::from(entry::ACTION.str($attrs).unwrap_or("deny")))
            .protocol(entry::PROTOCOL.str($attrs).unwrap_or("-1"))
            .cidr_block(entry::CIDR_BLOCK.str($attrs).unwrap_or_default())
            .set_port_range(port_range($attrs))
            .set_icmp_type_code(icmp($attrs))
    };
}

/// The id of an entry: what identifies it in AWS.
fn entry_id(attrs: &Attrs) -> String {
    let direction = if entry::EGRESS.is_true(attrs) { "egress" } else { "ingress" };
    let number = entry::RULE_NUMBER.int(attrs).unwrap_or_default();
    format!("{}:{direction}:{number}", entry::ACL_ID.str(attrs).unwrap_or_default())
}

#[async_trait]
impl Provider for Entry {
    async fn read(&self, aws: &Aws, requests: &[ReadRequest]) -> Result<Vec<(Address, Observed)>, AwsError> {
        let acl_ids = parent_ids(requests, entry::ACL_ID);
        let acls =
            if acl_ids.is_empty() { vec![] } else { list(&aws.ec2, vec![filter("network-acl-id", acl_ids)]).await? };
        let found: Vec<LiveResource> = acls
            .iter()
            .flat_map(|acl| acl.entries().iter().map(move |e| (acl.network_acl_id().unwrap_or_default(), e)))
            // 32767 is the ACL's own last rule (`*`, deny everything else): not the stack's.
            .filter(|(_, e)| e.rule_number() != Some(32767))
            .map(|(acl, e)| {
                let attrs = Attrs::from([
                    entry::ACL_ID.to(acl),
                    entry::EGRESS.to(e.egress().unwrap_or(false)),
                    entry::RULE_NUMBER.to(i64::from(e.rule_number().unwrap_or_default())),
                    entry::ACTION.to(opt_str(e.rule_action().map(RuleAction::as_str))),
                    entry::PROTOCOL.to(opt_str(e.protocol())),
                    entry::CIDR_BLOCK.to(opt_str(e.cidr_block())),
                    entry::FROM_PORT
                        .to(e.port_range().and_then(|p| p.from()).map_or(Value::Null, |p| Value::Int(p.into()))),
                    entry::TO_PORT
                        .to(e.port_range().and_then(|p| p.to()).map_or(Value::Null, |p| Value::Int(p.into()))),
                ]);
                LiveResource { id: entry_id(&attrs), attrs, ready: true, outputs: Attrs::new() }
            })
            .collect();
        Ok(requests
            .iter()
            .map(|r| {
                let id = r.id.clone().unwrap_or_else(|| entry_id(&r.attrs));
                let hit = found.iter().find(|f| f.id == id).cloned();
                (r.address.clone(), hit.map_or(Observed::Absent, Observed::Present))
            })
            .collect())
    }

    async fn create(&self, aws: &Aws, new: &NewResource<'_>) -> Result<String, AwsError> {
        let a = new.attrs;
        let request = with_rule!(aws.ec2.create_network_acl_entry(), a);
        match request.send().await.aws("CreateNetworkAclEntry") {
            Ok(_) => {}
            // An interrupted run created it: made what the stack says.
            Err(e) if e.code() == Some("NetworkAclEntryAlreadyExists") => replace(aws, a).await?,
            Err(e) => return Err(e),
        }
        Ok(entry_id(a))
    }

    async fn update(&self, aws: &Aws, _: &str, _: &Attrs, after: &Attrs) -> Result<(), AwsError> {
        replace(aws, after).await
    }

    async fn delete(&self, aws: &Aws, _: &str, attrs: &Attrs) -> Result<(), AwsError> {
        aws.ec2
            .delete_network_acl_entry()
            .network_acl_id(entry::ACL_ID.str(attrs).unwrap_or_default())
            .egress(entry::EGRESS.is_true(attrs))
            .rule_number(entry::RULE_NUMBER.i32(attrs).unwrap_or_default())
            .send()
            .await
            .aws("DeleteNetworkAclEntry")?;
        Ok(())
    }
}

async fn replace(aws: &Aws, a: &Attrs) -> Result<(), AwsError> {
    with_rule!(aws.ec2.replace_network_acl_entry(), a).send().await.aws("ReplaceNetworkAclEntry")?;
    Ok(())
}

fn port_range(a: &Attrs) -> Option<PortRange> {
    let (from, to) = (entry::FROM_PORT.i32(a)?, entry::TO_PORT.i32(a)?);
    Some(PortRange::builder().from(from).to(to).build())
}

/// ICMP rules name a type and code: every one.
fn icmp(a: &Attrs) -> Option<IcmpTypeCode> {
    (entry::PROTOCOL.str(a) == Some("1")).then(|| IcmpTypeCode::builder().r#type(-1).code(-1).build())
}

pub(crate) struct Association;

/// `(ACL id, association id)` of each of the subnets' current associations.
async fn associations(ec2: &Client, subnet_ids: Vec<String>) -> Result<Vec<(String, String, String)>, AwsError> {
    if subnet_ids.is_empty() {
        return Ok(vec![]);
    }
    let acls = list(ec2, vec![filter("association.subnet-id", subnet_ids.clone())]).await?;
    Ok(acls
        .iter()
        .flat_map(|acl| {
            acl.associations().iter().filter_map(|a| {
                let subnet = a.subnet_id()?.to_owned();
                Some((subnet, acl.network_acl_id()?.to_owned(), a.network_acl_association_id()?.to_owned()))
            })
        })
        .filter(|(subnet, _, _)| subnet_ids.contains(subnet))
        .collect())
}

/// Moves a subnet to `acl`: its current association replaced.
async fn move_subnet(ec2: &Client, subnet: &str, acl: &str) -> Result<(), AwsError> {
    let current = associations(ec2, vec![subnet.to_owned()]).await?;
    let Some((_, _, association)) = current.first() else {
        return Err(AwsError::local(
            "ReplaceNetworkAclAssociation",
            format!("EC2 lists no network ACL association for subnet {subnet}"),
        ));
    };
    let request = ec2.replace_network_acl_association().association_id(association).network_acl_id(acl);
    request.send().await.aws("ReplaceNetworkAclAssociation")?;
    Ok(())
}

#[async_trait]
impl Provider for Association {
    async fn read(&self, aws: &Aws, requests: &[ReadRequest]) -> Result<Vec<(Address, Observed)>, AwsError> {
        let current = associations(&aws.ec2, parent_ids(requests, association::SUBNET_ID)).await?;
        Ok(requests
            .iter()
            .map(|r| {
                let subnet = r.id.as_deref().or(association::SUBNET_ID.str(&r.attrs)).unwrap_or_default();
                let observed = match current.iter().find(|(s, _, _)| s == subnet) {
                    Some((subnet, acl, _)) => Observed::Present(LiveResource {
                        id: subnet.clone(),
                        attrs: Attrs::from([association::SUBNET_ID.to(subnet), association::ACL_ID.to(acl)]),
                        ready: true,
                        outputs: Attrs::new(),
                    }),
                    None => Observed::Absent,
                };
                (r.address.clone(), observed)
            })
            .collect())
    }

    async fn create(&self, aws: &Aws, new: &NewResource<'_>) -> Result<String, AwsError> {
        let subnet = association::SUBNET_ID.str(new.attrs).unwrap_or_default();
        move_subnet(&aws.ec2, subnet, association::ACL_ID.str(new.attrs).unwrap_or_default()).await?;
        Ok(subnet.to_owned())
    }

    async fn update(&self, aws: &Aws, id: &str, _: &Attrs, after: &Attrs) -> Result<(), AwsError> {
        move_subnet(&aws.ec2, id, association::ACL_ID.str(after).unwrap_or_default()).await
    }

    /// Back to the VPC's default ACL (the subnet's VPC, found from the ACL it is on now).
    async fn delete(&self, aws: &Aws, id: &str, attrs: &Attrs) -> Result<(), AwsError> {
        let acl = association::ACL_ID.str(attrs).unwrap_or_default();
        let ours = list(&aws.ec2, vec![filter("network-acl-id", [acl])]).await?;
        let Some(vpc) = ours.iter().find(|a| a.network_acl_id() == Some(acl)).and_then(|a| a.vpc_id()) else {
            return Ok(()); // The ACL is gone: so is the association, the subnet is on the default.
        };
        let defaults = list(&aws.ec2, vec![filter("vpc-id", [vpc]), filter("default", ["true"])]).await?;
        let Some(default) = defaults.iter().find(|a| a.is_default() == Some(true)).and_then(|a| a.network_acl_id())
        else {
            return Err(AwsError::local("DescribeNetworkAcls", format!("{vpc} has no default network ACL")));
        };
        move_subnet(&aws.ec2, id, default).await
    }
}
