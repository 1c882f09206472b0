//! IAM roles: one GetRole plus the policy listings per role (IAM has no batch describe). A
//! role is created with its trust policy and tags, then its managed policies are attached and
//! its inline policies put; deleting detaches and removes them first, as IAM requires.

use std::collections::{BTreeMap, BTreeSet};

use async_trait::async_trait;
use platformctl_core::kinds::iam_role::{ASSUME_ROLE_POLICY, INLINE_POLICIES, MANAGED_POLICIES, NAME, TAGS, out};
use platformctl_core::resource::{Address, Attrs, LiveResource, Observed, Value};

use super::policy::{from_text, to_text};
use super::{tags, tags_of};
use crate::common::{TagChanges, eventually, sorted_list, tags_from_pairs};
use crate::error::SdkResultExt;
use crate::registry::{NewResource, Provider};
use crate::{Aws, AwsError, ReadRequest};

pub(crate) struct Role;

#[async_trait]
impl Provider for Role {
    async fn read(&self, aws: &Aws, requests: &[ReadRequest]) -> Result<Vec<(Address, Observed)>, AwsError> {
        // IAM has no batch describe: one GetRole (and policy listings) per role, all at once.
        let reads = requests.iter().map(|r| async move {
            let name = r.id.clone().unwrap_or_default();
            match describe(aws, &name).await {
                Ok(found) => Ok((r.address.clone(), Observed::Present(found))),
                Err(e) if e.is_not_found() => Ok((r.address.clone(), Observed::Absent)),
                Err(e) => Err(e),
            }
        });
        futures::future::try_join_all(reads).await
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
    let attrs = Attrs::from([
        NAME.to(Value::str(role.role_name())),
        ASSUME_ROLE_POLICY.to(role.assume_role_policy_document().map_or(Value::Null, from_text)),
        MANAGED_POLICIES.to(sorted_list(attached.attached_policies().iter().filter_map(|p| p.policy_arn()))),
        INLINE_POLICIES.to(Value::Map(inline)),
        TAGS.to(tags_from_pairs(role.tags().iter().map(|t| (Some(t.key()), Some(t.value()))))),
    ]);
    let outputs = Attrs::from([out::ARN.to(role.arn())]);
    Ok(LiveResource { id: role.role_name().to_owned(), attrs, ready: true, outputs })
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
