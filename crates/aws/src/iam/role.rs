//! IAM roles, read from the account listing (GetAccountAuthorizationDetails) when there are more
//! than a few, each confirmed with GetRole and its policy listings where the listing disagrees
//! with the state (IAM's reads are eventually consistent). A role is created with its trust
//! policy and tags, then its managed policies are attached and its inline policies put;
//! deleting detaches and removes them first, as IAM requires.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use async_trait::async_trait;
use aws_sdk_iam::types::EntityType;
use platformctl_core::kinds::iam_role::{ASSUME_ROLE_POLICY, INLINE_POLICIES, MANAGED_POLICIES, NAME, TAGS, out};
use platformctl_core::resource::{Address, Attrs, Kind, LiveResource, Observed, Value};

use super::policy::{from_text, to_text};
use super::{tags, tags_of};
use crate::common::{TagChanges, eventually, read_each, sorted_list, tags_from_pairs};
use crate::error::SdkResultExt;
use crate::registry::{NewResource, Provider, confirmed};
use crate::{Aws, AwsError, ReadRequest};

pub(crate) struct Role;

#[async_trait]
impl Provider for Role {
    async fn read(&self, aws: &Aws, requests: &[ReadRequest]) -> Result<Vec<(Address, Observed)>, AwsError> {
        if requests.len() < LIST_FROM {
            return read_each(requests, |r| read_one(aws, r)).await;
        }
        let listed = account_roles(aws, requests).await?;
        confirmed(Kind::IamRole, requests, listed, |r| read_one(aws, r)).await
    }

    /// GetRole alone: its ARN, without the policy listings and documents of a whole read.
    async fn outputs(&self, aws: &Aws, request: &ReadRequest) -> Result<Option<Attrs>, AwsError> {
        let name = request.id.as_deref().unwrap_or_default();
        match aws.iam.get_role().role_name(name).send().await.aws("GetRole") {
            Ok(out) => Ok(out.role().map(|role| outputs_of(Some(role.arn())))),
            Err(e) if e.is_not_found() => Ok(None),
            Err(e) => Err(e),
        }
    }

    async fn create(&self, aws: &Aws, new: &NewResource<'_>) -> Result<String, AwsError> {
        let attrs = new.attrs;
        let name = NAME.str(attrs).unwrap_or_default();
        let trust = to_text(ASSUME_ROLE_POLICY.get(attrs));
        eventually(principal_not_visible_yet, || async {
            aws.iam
                .create_role()
                .role_name(name)
                .assume_role_policy_document(&trust)
                .set_tags(Some(tags(attrs)))
                .send()
                .await
                .aws("CreateRole")
        })
        .await?;
        for arn in MANAGED_POLICIES.strings(attrs) {
            attach(aws, name, &arn).await?;
        }
        for (policy, doc) in inline_policies(attrs) {
            put_inline(aws, name, &policy, &doc).await?;
        }
        Ok(name.to_owned())
    }

    async fn update(&self, aws: &Aws, id: &str, before: &Attrs, after: &Attrs) -> Result<(), AwsError> {
        if ASSUME_ROLE_POLICY.changed(before, after) {
            let trust = to_text(ASSUME_ROLE_POLICY.get(after));
            eventually(principal_not_visible_yet, || async {
                aws.iam
                    .update_assume_role_policy()
                    .role_name(id)
                    .policy_document(&trust)
                    .send()
                    .await
                    .aws("UpdateAssumeRolePolicy")
            })
            .await?;
        }
        let old: BTreeSet<String> = MANAGED_POLICIES.strings(before).into_iter().collect();
        let new: BTreeSet<String> = MANAGED_POLICIES.strings(after).into_iter().collect();
        for arn in new.difference(&old) {
            attach(aws, id, arn).await?;
        }
        for arn in old.difference(&new) {
            detach(aws, id, arn).await?;
        }
        let (old, new) = (inline_policies(before), inline_policies(after));
        for (policy, doc) in &new {
            if old.get(policy) != Some(doc) {
                put_inline(aws, id, policy, doc).await?;
            }
        }
        for policy in old.keys().filter(|p| !new.contains_key(*p)) {
            delete_inline(aws, id, policy).await?;
        }
        TagChanges::between(before, after)
            .send(
                async |set| {
                    let request = aws.iam.tag_role().role_name(id).set_tags(Some(tags_of(set)));
                    request.send().await.map(drop).aws("TagRole")
                },
                async |keys| {
                    let request = aws.iam.untag_role().role_name(id).set_tag_keys(Some(keys));
                    request.send().await.map(drop).aws("UntagRole")
                },
            )
            .await
    }

    /// Detaches and deletes every policy first (including ones added outside platformctl: IAM
    /// refuses to delete a role that has any), then the role.
    async fn delete(&self, aws: &Aws, id: &str, _: &Attrs) -> Result<(), AwsError> {
        let found = describe(aws, id).await?;
        for arn in MANAGED_POLICIES.strings(&found.attrs) {
            detach(aws, id, &arn).await?;
        }
        for policy in inline_policies(&found.attrs).keys() {
            delete_inline(aws, id, policy).await?;
        }
        aws.iam.delete_role().role_name(id).send().await.aws("DeleteRole")?;
        Ok(())
    }
}

/// IAM's largest page.
const PAGE: i32 = 1000;

/// From this many roles on, one account listing (GetAccountAuthorizationDetails: every role
/// with its trust policy, managed and inline policies and tags, 1,000 a page) replaces the
/// three to four calls per role of GetRole — and IAM's low request rate limits.
const LIST_FROM: usize = 4;

/// One role by its name.
async fn read_one(aws: &Aws, request: &ReadRequest) -> Result<Option<LiveResource>, AwsError> {
    describe(aws, request.id.as_deref().unwrap_or_default()).await.map(Some)
}

/// The requested roles as the account listing shows them, by address.
async fn account_roles(aws: &Aws, requests: &[ReadRequest]) -> Result<HashMap<Address, LiveResource>, AwsError> {
    let wanted: HashMap<&str, &Address> =
        requests.iter().filter_map(|r| Some((r.id.as_deref()?, &r.address))).collect();
    let listed = listed_roles(aws, |name| wanted.contains_key(name)).await?;
    Ok(listed.into_iter().filter_map(|live| Some(((*wanted.get(live.id.as_str())?).clone(), live))).collect())
}

/// Every role of the account (`generate` looks for the ones service accounts assume).
pub(crate) async fn every_role(aws: &Aws) -> Result<Vec<LiveResource>, AwsError> {
    listed_roles(aws, |_| true).await
}

/// The roles of the account listing whose names are `wanted`.
async fn listed_roles(aws: &Aws, wanted: impl Fn(&str) -> bool) -> Result<Vec<LiveResource>, AwsError> {
    let mut pages =
        aws.iam.get_account_authorization_details().filter(EntityType::Role).max_items(PAGE).into_paginator().send();
    let mut found = Vec::new();
    while let Some(page) = pages.next().await {
        for role in page.aws("GetAccountAuthorizationDetails")?.role_detail_list() {
            let name = role.role_name().unwrap_or_default();
            if !wanted(name) {
                continue;
            }
            let inline = role
                .role_policy_list()
                .iter()
                .filter_map(|p| Some((p.policy_name()?.to_owned(), from_text(p.policy_document()?))));
            let attached = role.attached_managed_policies().iter().filter_map(|p| p.policy_arn());
            let tags = role.tags().iter().map(|t| (Some(t.key()), Some(t.value())));
            found.push(live_role(
                name,
                role.arn(),
                role.assume_role_policy_document(),
                attached,
                inline.collect(),
                tags,
            ));
        }
    }
    Ok(found)
}

/// A role as platformctl compares it, from either GetRole or the account listing.
fn live_role<'a>(
    name: &str,
    arn: Option<&str>,
    trust: Option<&str>,
    attached: impl Iterator<Item = &'a str>,
    inline: BTreeMap<String, Value>,
    tags: impl Iterator<Item = (Option<&'a str>, Option<&'a str>)>,
) -> LiveResource {
    let attrs = Attrs::from([
        NAME.to(Value::str(name)),
        ASSUME_ROLE_POLICY.to(trust.map_or(Value::Null, from_text)),
        MANAGED_POLICIES.to(sorted_list(attached)),
        INLINE_POLICIES.to(Value::Map(inline)),
        TAGS.to(tags_from_pairs(tags)),
    ]);
    LiveResource { id: name.to_owned(), attrs, ready: true, outputs: outputs_of(arn) }
}

fn outputs_of(arn: Option<&str>) -> Attrs {
    Attrs::from([out::ARN.to(arn.unwrap_or_default())])
}

async fn describe(aws: &Aws, name: &str) -> Result<LiveResource, AwsError> {
    // The role and its two policy listings at once, then every inline document at once.
    let (out, attached, inline_names) = futures::try_join!(
        async { aws.iam.get_role().role_name(name).send().await.aws("GetRole") },
        async {
            let request = aws.iam.list_attached_role_policies().role_name(name).max_items(PAGE);
            request.send().await.aws("ListAttachedRolePolicies")
        },
        async {
            let request = aws.iam.list_role_policies().role_name(name).max_items(PAGE);
            request.send().await.aws("ListRolePolicies")
        },
    )?;
    let role = out.role().ok_or_else(|| AwsError::local("GetRole", format!("no role in the answer for {name}")))?;
    let documents = inline_names.policy_names().iter().map(|policy| async move {
        let doc = aws.iam.get_role_policy().role_name(name).policy_name(policy).send().await.aws("GetRolePolicy")?;
        Ok::<_, AwsError>((policy.clone(), from_text(doc.policy_document())))
    });
    let inline: BTreeMap<String, Value> = futures::future::try_join_all(documents).await?.into_iter().collect();
    let attached = attached.attached_policies().iter().filter_map(|p| p.policy_arn());
    let tags = role.tags().iter().map(|t| (Some(t.key()), Some(t.value())));
    Ok(live_role(role.role_name(), Some(role.arn()), role.assume_role_policy_document(), attached, inline, tags))
}

/// IAM is eventually consistent: a trust policy naming an OIDC provider created a moment ago
/// can be refused as an invalid principal until IAM has caught up.
fn principal_not_visible_yet(e: &AwsError) -> bool {
    e.code() == Some("MalformedPolicyDocument") && e.message.to_ascii_lowercase().contains("principal")
}

fn inline_policies(attrs: &Attrs) -> BTreeMap<String, Value> {
    INLINE_POLICIES.map(attrs).cloned().unwrap_or_default()
}

async fn attach(aws: &Aws, role: &str, arn: &str) -> Result<(), AwsError> {
    aws.iam.attach_role_policy().role_name(role).policy_arn(arn).send().await.aws("AttachRolePolicy")?;
    Ok(())
}

async fn detach(aws: &Aws, role: &str, arn: &str) -> Result<(), AwsError> {
    match aws.iam.detach_role_policy().role_name(role).policy_arn(arn).send().await {
        Ok(_) => Ok(()),
        Err(e) => match crate::error::from_sdk("DetachRolePolicy", e) {
            e if e.is_not_found() => Ok(()),
            e => Err(e),
        },
    }
}

async fn put_inline(aws: &Aws, role: &str, policy: &str, doc: &Value) -> Result<(), AwsError> {
    aws.iam
        .put_role_policy()
        .role_name(role)
        .policy_name(policy)
        .policy_document(to_text(doc))
        .send()
        .await
        .aws("PutRolePolicy")?;
    Ok(())
}

async fn delete_inline(aws: &Aws, role: &str, policy: &str) -> Result<(), AwsError> {
    match aws.iam.delete_role_policy().role_name(role).policy_name(policy).send().await {
        Ok(_) => Ok(()),
        Err(e) => match crate::error::from_sdk("DeleteRolePolicy", e) {
            e if e.is_not_found() => Ok(()),
            e => Err(e),
        },
    }
}
