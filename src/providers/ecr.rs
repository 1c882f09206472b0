//! ECR repositories: scan on push, tag mutability and a lifecycle policy, compared as JSON.
//! One DescribeRepositories call for all of a stack's repositories; the lifecycle policy and
//! tags are per repository (ECR has no batch form).

use std::collections::BTreeMap;

use aws_sdk_ecr::types::{ImageScanningConfiguration, ImageTagMutability, Repository, Tag};

use super::common::{TagChanges, bool_attr, carry_over, changed, str_attr, tag_pairs, tags_from_pairs};
use super::{Aws, AwsError, ReadRequest};
use crate::resource::{Address, Attrs, LiveResource, Observed, Value, attr};

fn name_of(r: &ReadRequest) -> String {
    r.id.clone().or(str_attr(&r.attrs, "name").map(str::to_owned)).unwrap_or_default()
}

pub(super) async fn read(aws: &Aws, requests: &[ReadRequest]) -> Result<Vec<(Address, Observed)>, AwsError> {
    let names: Vec<String> = requests.iter().map(name_of).collect();
    // A missing name fails the whole call: list every repository instead and pick ours.
    let mut repositories: BTreeMap<String, Repository> = BTreeMap::new();
    let mut pages = aws.ecr.describe_repositories().into_paginator().items().send();
    while let Some(repo) = pages.next().await {
        let repo = repo.map_err(|e| AwsError::from_sdk("DescribeRepositories", e))?;
        if let Some(name) = repo.repository_name()
            && names.iter().any(|n| n == name)
        {
            repositories.insert(name.to_owned(), repo);
        }
    }
    let reads = requests.iter().map(|r| {
        let repositories = &repositories;
        async move {
            Ok::<_, AwsError>(match repositories.get(&name_of(r)) {
                Some(repo) => (r.address.clone(), Observed::Present(describe(aws, repo, r).await?)),
                None => (r.address.clone(), Observed::Absent),
            })
        }
    });
    futures::future::try_join_all(reads).await
}

async fn describe(aws: &Aws, repo: &Repository, r: &ReadRequest) -> Result<LiveResource, AwsError> {
    let name = repo.repository_name().unwrap_or_default();
    let arn = repo.repository_arn().unwrap_or_default();
    let (lifecycle, tags) = futures::join!(
        aws.ecr.get_lifecycle_policy().repository_name(name).send(),
        aws.ecr.list_tags_for_resource().resource_arn(arn).send(),
    );
    let lifecycle = match lifecycle {
        Ok(out) => out.lifecycle_policy_text().map_or(Value::Null, |text| {
            serde_json::from_str::<serde_json::Value>(text).map_or_else(|_| Value::str(text), Value::from_json)
        }),
        Err(e) => match AwsError::from_sdk("GetLifecyclePolicy", e) {
            e if e.is_not_found() => Value::Null,
            e => return Err(e),
        },
    };
    let tags = tags.map_err(|e| AwsError::from_sdk("ListTagsForResource", e))?;
    let mut attrs = Attrs::from([
        ("name".into(), Value::str(name)),
        ("scan_on_push".into(), Value::Bool(repo.image_scanning_configuration().is_some_and(|c| c.scan_on_push()))),
        (
            "tag_mutability".into(),
            Value::str(repo.image_tag_mutability().map_or("MUTABLE", ImageTagMutability::as_str)),
        ),
        ("lifecycle_policy".into(), lifecycle),
        ("tags".into(), tags_from_pairs(tags.tags().iter().map(|t| (Some(t.key()), Some(t.value()))))),
        ("arn".into(), Value::str(arn)),
    ]);
    carry_over(r, &mut attrs, &["force_delete"]);
    let outputs = Attrs::from([
        ("arn".into(), Value::str(arn)),
        ("uri".into(), Value::str(repo.repository_uri().unwrap_or_default())),
    ]);
    Ok(LiveResource { id: name.to_owned(), attrs, ready: true, outputs })
}

fn ecr_tags(pairs: impl IntoIterator<Item = (String, String)>) -> Vec<Tag> {
    pairs.into_iter().filter_map(|(k, v)| Tag::builder().key(k).value(v).build().ok()).collect()
}

fn scanning(attrs: &Attrs) -> ImageScanningConfiguration {
    ImageScanningConfiguration::builder().scan_on_push(bool_attr(attrs, "scan_on_push")).build()
}

fn mutability(attrs: &Attrs) -> ImageTagMutability {
    ImageTagMutability::from(str_attr(attrs, "tag_mutability").unwrap_or("MUTABLE"))
}

async fn put_lifecycle(aws: &Aws, name: &str, attrs: &Attrs) -> Result<(), AwsError> {
    match attr(attrs, "lifecycle_policy") {
        Value::Null => match aws.ecr.delete_lifecycle_policy().repository_name(name).send().await {
            Ok(_) => Ok(()),
            Err(e) => match AwsError::from_sdk("DeleteLifecyclePolicy", e) {
                e if e.is_not_found() => Ok(()),
                e => Err(e),
            },
        },
        policy => {
            aws.ecr
                .put_lifecycle_policy()
                .repository_name(name)
                .lifecycle_policy_text(serde_json::to_string(policy).unwrap_or_default())
                .send()
                .await
                .map_err(|e| AwsError::from_sdk("PutLifecyclePolicy", e))?;
            Ok(())
        }
    }
}

pub(super) async fn create(aws: &Aws, attrs: &Attrs) -> Result<String, AwsError> {
    let name = str_attr(attrs, "name").unwrap_or_default();
    aws.ecr
        .create_repository()
        .repository_name(name)
        .image_scanning_configuration(scanning(attrs))
        .image_tag_mutability(mutability(attrs))
        .set_tags(Some(ecr_tags(tag_pairs(attr(attrs, "tags")))))
        .send()
        .await
        .map_err(|e| AwsError::from_sdk("CreateRepository", e))?;
    if attr(attrs, "lifecycle_policy") != &Value::Null {
        put_lifecycle(aws, name, attrs).await?;
    }
    Ok(name.to_owned())
}

pub(super) async fn update(aws: &Aws, id: &str, before: &Attrs, after: &Attrs) -> Result<(), AwsError> {
    if changed(before, after, "scan_on_push") {
        aws.ecr
            .put_image_scanning_configuration()
            .repository_name(id)
            .image_scanning_configuration(scanning(after))
            .send()
            .await
            .map_err(|e| AwsError::from_sdk("PutImageScanningConfiguration", e))?;
    }
    if changed(before, after, "tag_mutability") {
        aws.ecr
            .put_image_tag_mutability()
            .repository_name(id)
            .image_tag_mutability(mutability(after))
            .send()
            .await
            .map_err(|e| AwsError::from_sdk("PutImageTagMutability", e))?;
    }
    if changed(before, after, "lifecycle_policy") {
        put_lifecycle(aws, id, after).await?;
    }
    let arn = str_attr(before, "arn").unwrap_or_default();
    TagChanges::between(before, after)
        .send(
            async |set| {
                let request = aws.ecr.tag_resource().resource_arn(arn).set_tags(Some(ecr_tags(set)));
                request.send().await.map(drop).map_err(|e| AwsError::from_sdk("TagResource", e))
            },
            async |keys| {
                let request = aws.ecr.untag_resource().resource_arn(arn).set_tag_keys(Some(keys));
                request.send().await.map(drop).map_err(|e| AwsError::from_sdk("UntagResource", e))
            },
        )
        .await
}

/// Refused by ECR while images remain, unless the stack says `force_delete: true`.
pub(super) async fn delete(aws: &Aws, id: &str, attrs: &Attrs) -> Result<(), AwsError> {
    let result = aws.ecr.delete_repository().repository_name(id).force(bool_attr(attrs, "force_delete")).send().await;
    match result {
        Ok(_) => Ok(()),
        Err(e) => {
            let mut e = AwsError::from_sdk("DeleteRepository", e);
            if e.code() == Some("RepositoryNotEmptyException") {
                e.message.push_str(
                    " — the repository still holds images: delete them, or set `force_delete: true` on it and apply first",
                );
            }
            Err(e)
        }
    }
}
