//! CloudWatch Logs log groups with their retention and encryption key. Read fifty to a
//! DescribeLogGroups call by name, with tags from the stack's tag listing (`tagging`).

use std::collections::HashMap;

use aws_sdk_cloudwatchlogs::types::LogGroup;

use async_trait::async_trait;
use platformctl_core::kinds::log_group::{ARN, KMS_KEY, NAME, RETENTION_DAYS, TAGS, out};
use platformctl_core::resource::{Address, Attrs, Kind, LiveResource, Observed, Value};

use crate::common::{TagChanges, opt_int, opt_str, tag_pairs, tags_from_pairs};
use crate::error::SdkResultExt;
use crate::registry::{NewResource, Provider, confirmed};
use crate::tagging::StackTags;
use crate::{Aws, AwsError, ReadRequest};

pub(crate) struct LogGroupProvider;

/// Its type in the tagging API, whose listing carries its tags.
const LISTED_AS: &str = "logs:log-group";

#[async_trait]
impl Provider for LogGroupProvider {
    fn tag_listing_type(&self) -> Option<&'static str> {
        Some(LISTED_AS)
    }

    /// DescribeLogGroups by name, fifty a call, and the stack's log group tags in one listing;
    /// a group the tag listing leaves out has its tags read on its own.
    async fn read(&self, aws: &Aws, requests: &[ReadRequest]) -> Result<Vec<(Address, Observed)>, AwsError> {
        let mut names: Vec<String> = requests.iter().map(name_of).collect();
        names.sort();
        names.dedup();
        let (groups, tags) = futures::try_join!(groups_named(aws, &names), StackTags::of(aws, LISTED_AS, names.len()))?;
        let listed = requests.iter().filter_map(|r| Some((r, groups.get(&name_of(r))?))).map(|(r, group)| {
            let tags = &tags;
            async move {
                let arn = arn_of(group);
                let tags = tags.or_read(&arn, || tags_of(aws, &arn)).await?;
                Ok::<_, AwsError>((r.address.clone(), live_group(group, tags)))
            }
        });
        let listed = futures::future::try_join_all(listed).await?.into_iter().collect();
        confirmed(Kind::LogGroup, requests, listed, |r| read_one(aws, r)).await
    }

    /// DescribeLogGroups alone: its ARNs, without its tags.
    async fn outputs(&self, aws: &Aws, request: &ReadRequest) -> Result<Option<Attrs>, AwsError> {
        Ok(group(aws, request).await?.map(|group| live_group(&group, Value::Null).outputs))
    }

    async fn create(&self, aws: &Aws, new: &NewResource<'_>) -> Result<String, AwsError> {
        let attrs = new.attrs;
        let name = NAME.str(attrs).unwrap_or_default();
        let tags: HashMap<String, String> = tag_pairs(attrs).into_iter().collect();
        let kms_key = KMS_KEY.str(attrs).map(str::to_owned);
        let created =
            aws.logs.create_log_group().log_group_name(name).set_kms_key_id(kms_key).set_tags(Some(tags)).send().await;
        if let Err(e) = created {
            let e = crate::error::from_sdk("CreateLogGroup", e);
            // EKS creates its cluster's group by itself if logging was on before we got here.
            if e.code() != Some("ResourceAlreadyExistsException") {
                return Err(e);
            }
            tracing::info!(log_group = name, "the log group already exists; taking it over");
            if KMS_KEY.get(attrs) != &Value::Null {
                set_kms_key(aws, name, attrs).await?;
            }
        }
        if RETENTION_DAYS.get(attrs) != &Value::Null {
            set_retention(aws, name, attrs).await?;
        }
        Ok(name.to_owned())
    }

    async fn update(&self, aws: &Aws, id: &str, before: &Attrs, after: &Attrs) -> Result<(), AwsError> {
        if RETENTION_DAYS.changed(before, after) {
            set_retention(aws, id, after).await?;
        }
        if KMS_KEY.changed(before, after) {
            set_kms_key(aws, id, after).await?;
        }
        let arn = ARN.str(before).unwrap_or_default();
        TagChanges::between(before, after)
            .send(
                async |set| {
                    let request = aws.logs.tag_resource().resource_arn(arn).set_tags(Some(set.into_iter().collect()));
                    request.send().await.map(drop).aws("TagResource")
                },
                async |keys| {
                    let request = aws.logs.untag_resource().resource_arn(arn).set_tag_keys(Some(keys));
                    request.send().await.map(drop).aws("UntagResource")
                },
            )
            .await
    }

    async fn delete(&self, aws: &Aws, id: &str, _: &Attrs) -> Result<(), AwsError> {
        aws.logs.delete_log_group().log_group_name(id).send().await.aws("DeleteLogGroup")?;
        Ok(())
    }
}

fn name_of(r: &ReadRequest) -> String {
    r.id.clone().unwrap_or_default()
}

/// The ARN without the `:*` DescribeLogGroups appends: what the tagging calls take.
fn arn_of(group: &LogGroup) -> String {
    group
        .log_group_arn()
        .map(str::to_owned)
        .or_else(|| group.arn().map(|a| a.trim_end_matches(":*").to_owned()))
        .unwrap_or_default()
}

/// DescribeLogGroups takes at most fifty names.
const NAMES_PER_DESCRIBE: usize = 50;

/// The log groups of these names that exist, by name.
async fn groups_named(aws: &Aws, names: &[String]) -> Result<HashMap<String, LogGroup>, AwsError> {
    let describes = names.chunks(NAMES_PER_DESCRIBE).map(|chunk| async move {
        let request = aws.logs.describe_log_groups().set_log_group_identifiers(Some(chunk.to_vec()));
        let mut pages = request.into_paginator().items().send();
        let mut groups = Vec::new();
        while let Some(group) = pages.next().await {
            groups.push(group.aws("DescribeLogGroups")?);
        }
        Ok::<_, AwsError>(groups)
    });
    let groups = futures::future::try_join_all(describes).await?.into_iter().flatten();
    Ok(groups.filter_map(|g| Some((g.log_group_name()?.to_owned(), g))).collect())
}

/// One log group, read directly: the prefix listing of its name, then its tags.
async fn read_one(aws: &Aws, request: &ReadRequest) -> Result<Option<LiveResource>, AwsError> {
    let Some(group) = group(aws, request).await? else { return Ok(None) };
    let tags = tags_of(aws, &arn_of(&group)).await?;
    Ok(Some(live_group(&group, tags)))
}

/// The log group by its name (the groups its name begins, paged), if it exists.
async fn group(aws: &Aws, request: &ReadRequest) -> Result<Option<LogGroup>, AwsError> {
    let name = name_of(request);
    let mut pages = aws.logs.describe_log_groups().log_group_name_prefix(&name).into_paginator().items().send();
    while let Some(group) = pages.next().await {
        let group = group.aws("DescribeLogGroups")?;
        if group.log_group_name() == Some(name.as_str()) {
            return Ok(Some(group));
        }
    }
    Ok(None)
}

async fn tags_of(aws: &Aws, arn: &str) -> Result<Value, AwsError> {
    let tags = aws.logs.list_tags_for_resource().resource_arn(arn).send().await.aws("ListTagsForResource")?;
    Ok(tags_from_pairs(tags.tags().into_iter().flatten().map(|(k, v)| (Some(k.as_str()), Some(v.as_str())))))
}

fn live_group(group: &LogGroup, tags: Value) -> LiveResource {
    let name = group.log_group_name().unwrap_or_default();
    let arn = arn_of(group);
    let attrs = Attrs::from([
        NAME.to(Value::str(name)),
        RETENTION_DAYS.to(opt_int(group.retention_in_days())),
        KMS_KEY.to(opt_str(group.kms_key_id())),
        TAGS.to(tags),
        ARN.to(Value::str(&arn)),
    ]);
    let outputs = Attrs::from([out::ARN.to(&arn), out::STREAMS_ARN.to(format!("{arn}:*"))]);
    LiveResource { id: name.to_owned(), attrs, ready: true, outputs }
}

async fn set_retention(aws: &Aws, name: &str, attrs: &Attrs) -> Result<(), AwsError> {
    match RETENTION_DAYS.i32(attrs) {
        Some(days) => {
            aws.logs
                .put_retention_policy()
                .log_group_name(name)
                .retention_in_days(days)
                .send()
                .await
                .aws("PutRetentionPolicy")?;
        }
        None => {
            aws.logs.delete_retention_policy().log_group_name(name).send().await.aws("DeleteRetentionPolicy")?;
        }
    }
    Ok(())
}

/// Encrypts new events with the key, or (none) with CloudWatch Logs' own again.
async fn set_kms_key(aws: &Aws, name: &str, attrs: &Attrs) -> Result<(), AwsError> {
    match KMS_KEY.str(attrs) {
        Some(key) => {
            let request = aws.logs.associate_kms_key().log_group_name(name).kms_key_id(key);
            request.send().await.aws("AssociateKmsKey")?;
        }
        None => {
            aws.logs.disassociate_kms_key().log_group_name(name).send().await.aws("DisassociateKmsKey")?;
        }
    }
    Ok(())
}

/// A log group as `generate` says it.
pub(crate) async fn discovered(
    aws: &Aws,
    name: &str,
) -> Result<platformctl_core::resource::discovered::DiscoveredLogGroup, AwsError> {
    let out = aws.logs.describe_log_groups().log_group_name_prefix(name).send().await.aws("DescribeLogGroups")?;
    let g = out
        .log_groups()
        .iter()
        .find(|g| g.log_group_name() == Some(name))
        .ok_or_else(|| crate::discover::not_found("log group", name))?;
    Ok(platformctl_core::resource::discovered::DiscoveredLogGroup {
        name: name.to_owned(),
        retention_days: g.retention_in_days(),
        kms_key: g.kms_key_id().map(str::to_owned),
    })
}
