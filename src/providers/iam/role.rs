//! IAM roles: one GetRole plus the policy listings per role (IAM has no batch describe). A
//! role is created with its trust policy and tags, then its managed policies are attached and
//! its inline policies put; deleting detaches and removes them first, as IAM requires.

use std::collections::{BTreeMap, BTreeSet};

use super::policy::{from_text, to_text};
use super::{tags, tags_of};
use crate::providers::common::{TagChanges, changed, eventually, sorted_list, str_attr, str_list, tags_from_pairs};
use crate::providers::{Aws, AwsError, ReadRequest};
use crate::resource::{Address, Attrs, LiveResource, Observed, Value, attr};

/// IAM's largest page.
const PAGE: i32 = 1000;

pub(super) async fn read(aws: &Aws, requests: &[ReadRequest]) -> Result<Vec<(Address, Observed)>, AwsError> {
    // IAM has no batch describe: one GetRole (and policy listings) per role, all at once.
    let reads = requests.iter().map(|r| async move {
        let name = r.id.clone().or(str_attr(&r.attrs, "name").map(str::to_owned)).unwrap_or_default();
        match describe(aws, &name).await {
            Ok(found) => Ok((r.address.clone(), Observed::Present(found))),
            Err(e) if e.is_not_found() => Ok((r.address.clone(), Observed::Absent)),
            Err(e) => Err(e),
        }
    });
    futures::future::try_join_all(reads).await
}

async fn describe(aws: &Aws, name: &str) -> Result<LiveResource, AwsError> {
    // The role and its two policy listings at once, then every inline document at once.
    let (out, attached, inline_names) = futures::try_join!(
        async { aws.iam.get_role().role_name(name).send().await.map_err(|e| AwsError::from_sdk("GetRole", e)) },
        async {
            let request = aws.iam.list_attached_role_policies().role_name(name).max_items(PAGE);
            request.send().await.map_err(|e| AwsError::from_sdk("ListAttachedRolePolicies", e))
        },
        async {
            let request = aws.iam.list_role_policies().role_name(name).max_items(PAGE);
            request.send().await.map_err(|e| AwsError::from_sdk("ListRolePolicies", e))
        },
    )?;
    let role = out.role().ok_or_else(|| AwsError::local("GetRole", format!("no role in the answer for {name}")))?;
    let documents = inline_names.policy_names().iter().map(|policy| async move {
        let doc = aws
            .iam
            .get_role_policy()
            .role_name(name)
            .policy_name(policy)
            .send()
            .await
            .map_err(|e| AwsError::from_sdk("GetRolePolicy", e))?;
        Ok::<_, AwsError>((policy.clone(), from_text(doc.policy_document())))
    });
    let inline: BTreeMap<String, Value> = futures::future::try_join_all(documents).await?.into_iter().collect();
    let attrs = Attrs::from([
        ("name".into(), Value::str(role.role_name())),
        ("assume_role_policy".into(), role.assume_role_policy_document().map_or(Value::Null, from_text)),
        ("managed_policies".into(), sorted_list(attached.attached_policies().iter().filter_map(|p| p.policy_arn()))),
        ("inline_policies".into(), Value::Map(inline)),
        ("tags".into(), tags_from_pairs(role.tags().iter().map(|t| (Some(t.key()), Some(t.value()))))),
    ]);
    let outputs = Attrs::from([("arn".into(), Value::str(role.arn()))]);
    Ok(LiveResource { id: role.role_name().to_owned(), attrs, ready: true, outputs })
}

/// IAM is eventually consistent: a trust policy naming an OIDC provider created a moment ago
/// can be refused as an invalid principal until IAM has caught up.
fn principal_not_visible_yet(e: &AwsError) -> bool {
    e.code() == Some("MalformedPolicyDocument") && e.message.to_ascii_lowercase().contains("principal")
}

pub(super) async fn create(aws: &Aws, attrs: &Attrs) -> Result<String, AwsError> {
    let name = str_attr(attrs, "name").unwrap_or_default();
    let trust = to_text(attr(attrs, "assume_role_policy"));
    eventually(principal_not_visible_yet, || async {
        aws.iam
            .create_role()
            .role_name(name)
            .assume_role_policy_document(&trust)
            .set_tags(Some(tags(attr(attrs, "tags"))))
            .send()
            .await
            .map_err(|e| AwsError::from_sdk("CreateRole", e))
    })
    .await?;
    for arn in str_list(attrs, "managed_policies") {
        attach(aws, name, &arn).await?;
    }
    for (policy, doc) in inline_policies(attrs) {
        put_inline(aws, name, &policy, &doc).await?;
    }
    Ok(name.to_owned())
}

fn inline_policies(attrs: &Attrs) -> BTreeMap<String, Value> {
    attr(attrs, "inline_policies").as_map().cloned().unwrap_or_default()
}

async fn attach(aws: &Aws, role: &str, arn: &str) -> Result<(), AwsError> {
    aws.iam
        .attach_role_policy()
        .role_name(role)
        .policy_arn(arn)
        .send()
        .await
        .map_err(|e| AwsError::from_sdk("AttachRolePolicy", e))?;
    Ok(())
}

async fn detach(aws: &Aws, role: &str, arn: &str) -> Result<(), AwsError> {
    match aws.iam.detach_role_policy().role_name(role).policy_arn(arn).send().await {
        Ok(_) => Ok(()),
        Err(e) => match AwsError::from_sdk("DetachRolePolicy", e) {
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
        .map_err(|e| AwsError::from_sdk("PutRolePolicy", e))?;
    Ok(())
}

async fn delete_inline(aws: &Aws, role: &str, policy: &str) -> Result<(), AwsError> {
    match aws.iam.delete_role_policy().role_name(role).policy_name(policy).send().await {
        Ok(_) => Ok(()),
        Err(e) => match AwsError::from_sdk("DeleteRolePolicy", e) {
            e if e.is_not_found() => Ok(()),
            e => Err(e),
        },
    }
}

pub(super) async fn update(aws: &Aws, id: &str, before: &Attrs, after: &Attrs) -> Result<(), AwsError> {
    if changed(before, after, "assume_role_policy") {
        let trust = to_text(attr(after, "assume_role_policy"));
        eventually(principal_not_visible_yet, || async {
            aws.iam
                .update_assume_role_policy()
                .role_name(id)
                .policy_document(&trust)
                .send()
                .await
                .map_err(|e| AwsError::from_sdk("UpdateAssumeRolePolicy", e))
        })
        .await?;
    }
    let old: BTreeSet<String> = str_list(before, "managed_policies").into_iter().collect();
    let new: BTreeSet<String> = str_list(after, "managed_policies").into_iter().collect();
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
                request.send().await.map(drop).map_err(|e| AwsError::from_sdk("TagRole", e))
            },
            async |keys| {
                let request = aws.iam.untag_role().role_name(id).set_tag_keys(Some(keys));
                request.send().await.map(drop).map_err(|e| AwsError::from_sdk("UntagRole", e))
            },
        )
        .await
}

/// Detaches and deletes every policy first (including ones added outside platformctl: IAM
/// refuses to delete a role that has any), then the role.
pub(super) async fn delete(aws: &Aws, id: &str) -> Result<(), AwsError> {
    let found = describe(aws, id).await?;
    for arn in str_list(&found.attrs, "managed_policies") {
        detach(aws, id, &arn).await?;
    }
    for policy in inline_policies(&found.attrs).keys() {
        delete_inline(aws, id, policy).await?;
    }
    aws.iam.delete_role().role_name(id).send().await.map_err(|e| AwsError::from_sdk("DeleteRole", e))?;
    Ok(())
}
