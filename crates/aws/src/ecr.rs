//! ECR repositories: scan on push, tag mutability and a lifecycle policy, compared as JSON.
//! One DescribeRepositories listing for all of a stack's repositories and their tags from the
//! stack's tag listing (`tagging`); the lifecycle policy is read per repository (ECR has no
//! batch form).

use std::collections::BTreeMap;

use aws_sdk_ecr::types::{
    EncryptionConfiguration, EncryptionType, ImageScanningConfiguration, ImageTagMutability,
    Repository as EcrRepository, Tag,
};

use async_trait::async_trait;
use platformctl_core::kinds::ecr_repository::{
    ARN, FORCE_DELETE, KMS_KEY, LIFECYCLE_POLICY, NAME, SCAN_ON_PUSH, TAG_MUTABILITY, TAGS, out,
};
use platformctl_core::resource::{Address, Attrs, Kind, LiveResource, Observed, Value};

use crate::common::{TagChanges, opt_str, tag_pairs, tags_from_pairs};
use crate::error::SdkResultExt;
use crate::registry::{NewResource, Provider, confirmed};
use crate::tagging::{StackTags, listed_or_read};
use crate::{Aws, AwsError, ReadRequest};

pub(crate) struct Repository;

/// Its type in the tagging API, whose listing carries its tags.
const LISTED_AS: &str = "ecr:repository";

#[async_trait]
impl Provider for Repository {
    fn tag_listing_type(&self) -> Option<&'static str> {
        Some(LISTED_AS)
    }

    async fn read(&self, aws: &Aws, requests: &[ReadRequest]) -> Result<Vec<(Address, Observed)>, AwsError> {
        let names: Vec<String> = requests.iter().map(name_of).collect();
        let (repositories, tags) =
            futures::try_join!(repositories_named(aws, &names), StackTags::of(aws, LISTED_AS, names.len()))?;
        let listed = requests.iter().filter_map(|r| Some((r, repositories.get(&name_of(r))?))).map(|(r, repo)| {
            let tags = &tags;
            async move { Ok::<_, AwsError>((r.address.clone(), describe(aws, repo, Some(tags)).await?)) }
        });
        let listed = futures::future::try_join_all(listed).await?.into_iter().collect();
        confirmed(Kind::EcrRepository, requests, listed, |r| read_one(aws, r)).await
    }

    /// DescribeRepositories alone: its ARN and URI, without the lifecycle policy and tags.
    async fn outputs(&self, aws: &Aws, request: &ReadRequest) -> Result<Option<Attrs>, AwsError> {
        Ok(repository(aws, request).await?.as_ref().map(outputs_of))
    }

    async fn create(&self, aws: &Aws, new: &NewResource<'_>) -> Result<String, AwsError> {
        let attrs = new.attrs;
        let name = NAME.str(attrs).unwrap_or_default();
        aws.ecr
            .create_repository()
            .repository_name(name)
            .image_scanning_configuration(scanning(attrs))
            .image_tag_mutability(mutability(attrs))
            .set_encryption_configuration(encryption(attrs)?)
            .set_tags(Some(ecr_tags(tag_pairs(attrs))))
            .send()
            .await
            .aws("CreateRepository")?;
        if LIFECYCLE_POLICY.get(attrs) != &Value::Null {
            put_lifecycle(aws, name, attrs).await?;
        }
        Ok(name.to_owned())
    }

    async fn update(&self, aws: &Aws, id: &str, before: &Attrs, after: &Attrs) -> Result<(), AwsError> {
        if SCAN_ON_PUSH.changed(before, after) {
            aws.ecr
                .put_image_scanning_configuration()
                .repository_name(id)
                .image_scanning_configuration(scanning(after))
                .send()
                .await
                .aws("PutImageScanningConfiguration")?;
        }
        if TAG_MUTABILITY.changed(before, after) {
            aws.ecr
                .put_image_tag_mutability()
                .repository_name(id)
                .image_tag_mutability(mutability(after))
                .send()
                .await
                .aws("PutImageTagMutability")?;
        }
        if LIFECYCLE_POLICY.changed(before, after) {
            put_lifecycle(aws, id, after).await?;
        }
        let arn = ARN.str(before).unwrap_or_default();
        TagChanges::between(before, after)
            .send(
                async |set| {
                    let request = aws.ecr.tag_resource().resource_arn(arn).set_tags(Some(ecr_tags(set)));
                    request.send().await.map(drop).aws("TagResource")
                },
                async |keys| {
                    let request = aws.ecr.untag_resource().resource_arn(arn).set_tag_keys(Some(keys));
                    request.send().await.map(drop).aws("UntagResource")
                },
            )
            .await
    }

    /// Refused by ECR while images remain, unless the stack says `force_delete: true`.
    async fn delete(&self, aws: &Aws, id: &str, attrs: &Attrs) -> Result<(), AwsError> {
        let result = aws.ecr.delete_repository().repository_name(id).force(FORCE_DELETE.is_true(attrs)).send().await;
        match result {
            Ok(_) => Ok(()),
            Err(e) => {
                let mut e = crate::error::from_sdk("DeleteRepository", e);
                if e.code() == Some("RepositoryNotEmptyException") {
                    e.message.push_str(
                        " — the repository still holds images: delete them, or set `force_delete: true` on it and apply first",
                    );
                }
                Err(e)
            }
        }
    }
}

fn name_of(r: &ReadRequest) -> String {
    r.id.clone().unwrap_or_default()
}

/// The repositories of these names that exist, by name. A missing name fails a
/// DescribeRepositories by names: every repository is listed instead (1,000 a page) and ours
/// picked.
async fn repositories_named(aws: &Aws, names: &[String]) -> Result<BTreeMap<String, EcrRepository>, AwsError> {
    let mut repositories = BTreeMap::new();
    let mut pages = aws.ecr.describe_repositories().max_results(1000).into_paginator().items().send();
    while let Some(repo) = pages.next().await {
        let repo = repo.aws("DescribeRepositories")?;
        if let Some(name) = repo.repository_name()
            && names.iter().any(|n| n == name)
        {
            repositories.insert(name.to_owned(), repo);
        }
    }
    Ok(repositories)
}

/// One repository, read directly: DescribeRepositories by its name, then `describe`.
async fn read_one(aws: &Aws, request: &ReadRequest) -> Result<Option<LiveResource>, AwsError> {
    match repository(aws, request).await? {
        Some(repo) => describe(aws, &repo, None).await.map(Some),
        None => Ok(None),
    }
}

/// The repository by its name (a direct read, never a listing that may lag), if it exists.
async fn repository(aws: &Aws, request: &ReadRequest) -> Result<Option<EcrRepository>, AwsError> {
    match aws.ecr.describe_repositories().repository_names(name_of(request)).send().await {
        Ok(out) => Ok(out.repositories().first().cloned()),
        Err(e) => match crate::error::from_sdk("DescribeRepositories", e) {
            e if e.is_not_found() => Ok(None),
            e => Err(e),
        },
    }
}

/// The repository with its lifecycle policy (ECR has no batch read of those) and its tags,
/// from the stack's tag listing where it shows them.
async fn describe(aws: &Aws, repo: &EcrRepository, listing: Option<&StackTags>) -> Result<LiveResource, AwsError> {
    let name = repo.repository_name().unwrap_or_default();
    let arn = repo.repository_arn().unwrap_or_default();
    let list_tags = || async {
        let tags = aws.ecr.list_tags_for_resource().resource_arn(arn).send().await.aws("ListTagsForResource")?;
        Ok(tags_from_pairs(tags.tags().iter().map(|t| (Some(t.key()), Some(t.value())))))
    };
    let tags = listed_or_read(listing, arn, list_tags);
    let (lifecycle, tags) = futures::join!(aws.ecr.get_lifecycle_policy().repository_name(name).send(), tags);
    let lifecycle = match lifecycle {
        // The text as ECR stores it: the declaration compares it as JSON.
        Ok(out) => opt_str(out.lifecycle_policy_text()),
        Err(e) => match crate::error::from_sdk("GetLifecyclePolicy", e) {
            e if e.is_not_found() => Value::Null,
            e => return Err(e),
        },
    };
    let tags = tags?;
    let attrs = Attrs::from([
        NAME.to(Value::str(name)),
        SCAN_ON_PUSH.to(Value::Bool(repo.image_scanning_configuration().is_some_and(|c| c.scan_on_push()))),
        (
            "tag_mutability".into(),
            Value::str(repo.image_tag_mutability().map_or("MUTABLE", ImageTagMutability::as_str)),
        ),
        LIFECYCLE_POLICY.to(lifecycle),
        TAGS.to(tags),
        ARN.to(Value::str(arn)),
    ]);
    Ok(LiveResource { id: name.to_owned(), attrs, ready: true, outputs: outputs_of(repo) })
}

fn outputs_of(repo: &EcrRepository) -> Attrs {
    let uri = repo.repository_uri().unwrap_or_default();
    Attrs::from([out::ARN.to(repo.repository_arn().unwrap_or_default()), out::URI.to(uri)])
}

fn ecr_tags(pairs: impl IntoIterator<Item = (String, String)>) -> Vec<Tag> {
    pairs.into_iter().filter_map(|(k, v)| Tag::builder().key(k).value(v).build().ok()).collect()
}

fn scanning(attrs: &Attrs) -> ImageScanningConfiguration {
    ImageScanningConfiguration::builder().scan_on_push(SCAN_ON_PUSH.is_true(attrs)).build()
}

fn mutability(attrs: &Attrs) -> ImageTagMutability {
    ImageTagMutability::from(TAG_MUTABILITY.str(attrs).unwrap_or("MUTABLE"))
}

async fn put_lifecycle(aws: &Aws, name: &str, attrs: &Attrs) -> Result<(), AwsError> {
    match LIFECYCLE_POLICY.get(attrs) {
        Value::Null => match aws.ecr.delete_lifecycle_policy().repository_name(name).send().await {
            Ok(_) => Ok(()),
            Err(e) => match crate::error::from_sdk("DeleteLifecyclePolicy", e) {
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
                .aws("PutLifecyclePolicy")?;
            Ok(())
        }
    }
}

/// KMS encryption with the stack's key; none (ECR's AES-256) without one.
fn encryption(attrs: &Attrs) -> Result<Option<EncryptionConfiguration>, AwsError> {
    let Some(key) = KMS_KEY.str(attrs) else { return Ok(None) };
    EncryptionConfiguration::builder()
        .encryption_type(EncryptionType::Kms)
        .kms_key(key)
        .build()
        .map(Some)
        .map_err(|e| AwsError::local("CreateRepository", e.to_string()))
}

/// A repository as `generate` says it.
pub(crate) async fn discovered(
    aws: &Aws,
    name: &str,
) -> Result<platformctl_core::resource::discovered::DiscoveredRepository, AwsError> {
    let out = aws.ecr.describe_repositories().repository_names(name).send().await.aws("DescribeRepositories")?;
    let r = out.repositories().first().ok_or_else(|| crate::discover::not_found("ECR repository", name))?;
    Ok(platformctl_core::resource::discovered::DiscoveredRepository {
        name: name.to_owned(),
        scan_on_push: r.image_scanning_configuration().is_some_and(|c| c.scan_on_push()),
        immutable_tags: r.image_tag_mutability().is_some_and(|m| m.as_str() == "IMMUTABLE"),
    })
}
