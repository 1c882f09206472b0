//! Hosted zones. CreateHostedZone takes no tags: the zone is tagged right after, and its caller
//! reference (unique per create, so a retried create cannot make a second zone on AWS) names
//! the stack, so that a create interrupted before the tags still finds its zone — among the
//! zones of its name, the one whose caller reference or tags say this stack (a stack has one
//! zone per name). Deleting a zone that still holds records someone else made is
//! refused by Route 53 (HostedZoneNotEmpty): platformctl never deletes records it did not make,
//! so the error says which to remove.

use async_trait::async_trait;
use aws_sdk_route53::types::{HostedZoneConfig, TagResourceType, Vpc, VpcRegion};
use platformctl_core::kinds::hosted_zone::{COMMENT, NAME, TAGS, VPC_ID, out};
use platformctl_core::resource::tags::{ADDRESS_TAG, STACK_TAG, address_tag};
use platformctl_core::resource::{Address, Attrs, LiveResource, Observed};

use super::{plain_name, retag, tags_of, zone_id};
use crate::common::{opt_str, read_each, sorted_list, tags_from_pairs};
use crate::error::SdkResultExt;
use crate::registry::{NewResource, Provider};
use crate::{Aws, AwsError, ReadRequest};

pub(crate) struct Zone;

#[async_trait]
impl Provider for Zone {
    async fn read(&self, aws: &Aws, requests: &[ReadRequest]) -> Result<Vec<(Address, Observed)>, AwsError> {
        read_each(requests, |r| async move {
            let id = match &r.id {
                Some(id) => Some(id.clone()),
                None => pending(aws, r).await?,
            };
            match id {
                Some(id) => describe(aws, &id, VPC_ID.str(&r.attrs)).await.map(Some),
                None => Ok(None),
            }
        })
        .await
    }

    async fn create(&self, aws: &Aws, new: &NewResource<'_>) -> Result<String, AwsError> {
        let attrs = new.attrs;
        let vpc =
            VPC_ID.str(attrs).map(|id| Vpc::builder().vpc_id(id).vpc_region(VpcRegion::from(aws.region())).build());
        let config = HostedZoneConfig::builder()
            .set_comment(COMMENT.str(attrs).map(str::to_owned))
            .private_zone(vpc.is_some())
            .build();
        let created = aws
            .route53
            .create_hosted_zone()
            .name(NAME.str(attrs).unwrap_or_default())
            .caller_reference(format!("{}{}", caller_prefix(&aws.stack), new.token))
            .hosted_zone_config(config)
            .set_vpc(vpc)
            .send()
            .await
            .aws("CreateHostedZone")?;
        let id = created.hosted_zone().map(|z| zone_id(z.id()).to_owned()).unwrap_or_default();
        retag(aws, TagResourceType::Hostedzone, &id, &Attrs::new(), attrs).await?;
        Ok(id)
    }

    async fn update(&self, aws: &Aws, id: &str, before: &Attrs, after: &Attrs) -> Result<(), AwsError> {
        if COMMENT.changed(before, after) {
            let comment = COMMENT.str(after).unwrap_or_default();
            aws.route53
                .update_hosted_zone_comment()
                .id(id)
                .comment(comment)
                .send()
                .await
                .aws("UpdateHostedZoneComment")?;
        }
        retag(aws, TagResourceType::Hostedzone, id, before, after).await
    }

    async fn delete(&self, aws: &Aws, id: &str, attrs: &Attrs) -> Result<(), AwsError> {
        match aws.route53.delete_hosted_zone().id(id).send().await.aws("DeleteHostedZone") {
            Ok(_) => Ok(()),
            Err(e) if e.is_not_found() => Ok(()),
            Err(e) if e.code.as_deref() == Some("HostedZoneNotEmpty") => Err(AwsError {
                message: format!(
                    "{} (the zone {} holds records platformctl did not make, which it never deletes: remove them, e.g. in the Route 53 console, or keep the zone by keeping it in the stack)",
                    e.message,
                    NAME.str(attrs).unwrap_or(id)
                ),
                ..e
            }),
            Err(e) => Err(e),
        }
    }
}

/// What the caller reference of this stack's zones starts with (the create token follows).
fn caller_prefix(stack: &str) -> String {
    format!("platformctl:{stack}:")
}

/// The zone a create that did not finish made: among the zones of its name, the one this stack
/// created (its caller reference) or tagged.
async fn pending(aws: &Aws, r: &ReadRequest) -> Result<Option<String>, AwsError> {
    let Some(name) = NAME.str(&r.attrs) else { return Ok(None) };
    let listed = aws.route53.list_hosted_zones_by_name().dns_name(name).send().await.aws("ListHostedZonesByName")?;
    for z in listed.hosted_zones().iter().filter(|z| plain_name(z.name()) == name) {
        let id = zone_id(z.id());
        if z.caller_reference().starts_with(&caller_prefix(&aws.stack)) {
            return Ok(Some(id.to_owned()));
        }
        let tags = tags_of(aws, TagResourceType::Hostedzone, id).await?;
        let tag = |k: &str| tags.iter().find(|(key, _)| key == k).map(|(_, v)| v.as_str());
        if tag(STACK_TAG) == Some(aws.stack.as_str()) && tag(ADDRESS_TAG) == Some(address_tag(&r.address).as_str()) {
            return Ok(Some(id.to_owned()));
        }
    }
    Ok(None)
}

/// The zone as it is; `own_vpc`, the VPC the stack associates it with, is reported as its VPC
/// when it is among the zone's (other stacks' VPCs may be associated too, in any order).
async fn describe(aws: &Aws, id: &str, own_vpc: Option<&str>) -> Result<LiveResource, AwsError> {
    let out = aws.route53.get_hosted_zone().id(id).send().await.aws("GetHostedZone")?;
    let zone = out.hosted_zone().ok_or_else(|| AwsError::local("GetHostedZone", format!("no hosted zone {id}")))?;
    let config = zone.config();
    let private = config.is_some_and(|c| c.private_zone());
    let vpcs: Vec<&str> = out.vpcs().iter().filter_map(|v| v.vpc_id()).collect();
    let vpc = private.then(|| own_vpc.filter(|own| vpcs.contains(own)).or(vpcs.first().copied())).flatten();
    let name_servers = out.delegation_set().map(|d| d.name_servers()).unwrap_or_default();
    let tags = tags_of(aws, TagResourceType::Hostedzone, id).await?;
    Ok(LiveResource {
        id: id.to_owned(),
        attrs: Attrs::from([
            NAME.to(plain_name(zone.name())),
            VPC_ID.to(opt_str(vpc)),
            COMMENT.to(opt_str(config.and_then(|c| c.comment()).filter(|c| !c.is_empty()))),
            TAGS.to(tags_from_pairs(tags.iter().map(|(k, v)| (Some(k.as_str()), Some(v.as_str()))))),
        ]),
        ready: true,
        // A private zone has no name servers to delegate to.
        outputs: Attrs::from_iter(std::iter::once(out::ZONE_ID.to(id)).chain(
            (!private).then(|| out::NAME_SERVERS.to(sorted_list(name_servers.iter().map(|n| n.trim_end_matches('.'))))),
        )),
    })
}
