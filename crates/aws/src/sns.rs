//! SNS topics with their subscriptions. A topic with an ARN is read with GetTopicAttributes,
//! ListSubscriptionsByTopic and ListTagsForResource, every topic at once; a pending create
//! (no ARN yet) is looked for among the account's topics by name (ListTopics, once per read).
//!
//! Subscriptions are `<protocol>:<endpoint>` strings. An email subscription waiting for its
//! confirmation is listed without an ARN: it counts as subscribed (not drift), and AWS drops it
//! by itself if nobody confirms within three days — it cannot be unsubscribed before that.

use std::collections::{BTreeMap, BTreeSet};

use aws_sdk_sns::types::{Subscription, Tag};

use async_trait::async_trait;
use platformctl_core::kinds::sns_topic::{KMS_KEY, NAME, SUBSCRIPTIONS, TAGS, out};
use platformctl_core::resource::{Address, Attrs, LiveResource, Observed};

use crate::common::{TagChanges, observed_at, sorted_list, tag_pairs, tags_from_pairs};
use crate::error::SdkResultExt;
use crate::registry::{NewResource, Provider};
use crate::{Aws, AwsError, ReadRequest};

pub(crate) struct Topic;

#[async_trait]
impl Provider for Topic {
    async fn read(&self, aws: &Aws, requests: &[ReadRequest]) -> Result<Vec<(Address, Observed)>, AwsError> {
        let listed = if requests.iter().any(|r| r.id.is_none()) { topic_arns(aws).await? } else { Vec::new() };
        let reads = requests.iter().map(|r| {
            let arn = r.id.clone().or_else(|| {
                let name = NAME.str(&r.attrs)?;
                listed.iter().find(|arn| name_of(arn) == name).cloned()
            });
            async move {
                let observed = observed_at(arn, |arn| async move { describe(aws, &arn).await }).await?;
                Ok((r.address.clone(), observed))
            }
        });
        futures::future::try_join_all(reads).await
    }

    /// CreateTopic returns the existing topic of that name (with the same attributes) rather
    /// than failing, so an interrupted create that got this far is simply taken up again.
    async fn create(&self, aws: &Aws, new: &NewResource<'_>) -> Result<String, AwsError> {
        let attrs = new.attrs;
        let tags = sns_tags(tag_pairs(attrs), "CreateTopic")?;
        let created = aws
            .sns
            .create_topic()
            .name(NAME.str(attrs).unwrap_or_default())
            .set_attributes(KMS_KEY.str(attrs).map(|key| [(KMS_ATTRIBUTE.to_owned(), key.to_owned())].into()))
            .set_tags(Some(tags))
            .send()
            .await
            .aws("CreateTopic")?;
        let arn = created.topic_arn().unwrap_or_default().to_owned();
        let existing = subscriptions(aws, &arn).await?;
        subscribe_missing(aws, &arn, &existing, attrs).await?;
        Ok(arn)
    }

    async fn update(&self, aws: &Aws, id: &str, before: &Attrs, after: &Attrs) -> Result<(), AwsError> {
        if KMS_KEY.changed(before, after) {
            // An empty key turns the encryption off.
            let key = KMS_KEY.str(after).unwrap_or_default();
            let request = aws.sns.set_topic_attributes().topic_arn(id).attribute_name(KMS_ATTRIBUTE);
            request.attribute_value(key).send().await.aws("SetTopicAttributes")?;
        }
        if SUBSCRIPTIONS.changed(before, after) {
            let existing = subscriptions(aws, id).await?;
            subscribe_missing(aws, id, &existing, after).await?;
            let wanted: BTreeSet<String> = SUBSCRIPTIONS.strings(after).into_iter().collect();
            for (endpoint, arn) in existing.iter().filter(|(e, _)| !wanted.contains(*e)) {
                match arn {
                    Some(arn) => {
                        aws.sns.unsubscribe().subscription_arn(arn).send().await.aws("Unsubscribe")?;
                    }
                    None => tracing::warn!(
                        topic = id,
                        subscription = %endpoint,
                        "an unconfirmed subscription cannot be removed; AWS drops it after three days unconfirmed"
                    ),
                }
            }
        }
        TagChanges::between(before, after)
            .send(
                async |set| {
                    let tags = sns_tags(set, "TagResource")?;
                    let request = aws.sns.tag_resource().resource_arn(id).set_tags(Some(tags));
                    request.send().await.map(drop).aws("TagResource")
                },
                async |keys| {
                    let request = aws.sns.untag_resource().resource_arn(id).set_tag_keys(Some(keys));
                    request.send().await.map(drop).aws("UntagResource")
                },
            )
            .await
    }

    /// Deleting a topic deletes its subscriptions with it.
    async fn delete(&self, aws: &Aws, id: &str, _: &Attrs) -> Result<(), AwsError> {
        aws.sns.delete_topic().topic_arn(id).send().await.aws("DeleteTopic")?;
        Ok(())
    }
}

/// The topic attribute naming its encryption key.
const KMS_ATTRIBUTE: &str = "KmsMasterKeyId";

/// The topic's name: the last part of its ARN.
fn name_of(arn: &str) -> &str {
    arn.rsplit(':').next().unwrap_or_default()
}

/// Every topic ARN of the account and region.
async fn topic_arns(aws: &Aws) -> Result<Vec<String>, AwsError> {
    let mut arns = Vec::new();
    let mut pages = aws.sns.list_topics().into_paginator().send();
    while let Some(page) = pages.next().await {
        arns.extend(page.aws("ListTopics")?.topics().iter().filter_map(|t| t.topic_arn().map(str::to_owned)));
    }
    Ok(arns)
}

async fn describe(aws: &Aws, arn: &str) -> Result<LiveResource, AwsError> {
    // GetTopicAttributes is the existence check (NotFound for a deleted topic); the others
    // would answer for a deleted topic on some endpoints.
    let topic = aws.sns.get_topic_attributes().topic_arn(arn).send().await.aws("GetTopicAttributes")?;
    let key = topic.attributes().and_then(|a| a.get(KMS_ATTRIBUTE)).filter(|k| !k.is_empty());
    let (subscribed, tags) = futures::future::try_join(subscriptions(aws, arn), async {
        let tags = aws.sns.list_tags_for_resource().resource_arn(arn).send().await.aws("ListTagsForResource")?;
        Ok(tags_from_pairs(tags.tags().iter().map(|t| (Some(t.key()), Some(t.value())))))
    })
    .await?;
    let attrs = Attrs::from([
        NAME.to(name_of(arn)),
        SUBSCRIPTIONS.to(sorted_list(subscribed.keys().map(String::as_str))),
        KMS_KEY.to(key.map(String::as_str)),
        TAGS.to(tags),
    ]);
    Ok(LiveResource { id: arn.to_owned(), attrs, ready: true, outputs: Attrs::from([out::ARN.to(arn)]) })
}

/// The topic's subscriptions, `<protocol>:<endpoint>` → its ARN (`None` while an email
/// subscription waits for its confirmation: SNS lists it as `PendingConfirmation`).
async fn subscriptions(aws: &Aws, topic: &str) -> Result<BTreeMap<String, Option<String>>, AwsError> {
    let mut found = BTreeMap::new();
    let mut pages = aws.sns.list_subscriptions_by_topic().topic_arn(topic).into_paginator().items().send();
    while let Some(subscription) = pages.next().await {
        let subscription: Subscription = subscription.aws("ListSubscriptionsByTopic")?;
        let (Some(protocol), Some(endpoint)) = (subscription.protocol(), subscription.endpoint()) else { continue };
        let arn = subscription.subscription_arn().filter(|a| a.starts_with("arn:")).map(str::to_owned);
        found.insert(format!("{protocol}:{endpoint}"), arn);
    }
    Ok(found)
}

/// Subscribes the topic to every endpoint of `attrs` it does not have yet.
async fn subscribe_missing(
    aws: &Aws,
    topic: &str,
    existing: &BTreeMap<String, Option<String>>,
    attrs: &Attrs,
) -> Result<(), AwsError> {
    for subscription in SUBSCRIPTIONS.strings(attrs).iter().filter(|s| !existing.contains_key(*s)) {
        let Some((protocol, endpoint)) = subscription.split_once(':') else {
            return Err(AwsError::local("Subscribe", format!("`{subscription}` is not <protocol>:<endpoint>")));
        };
        aws.sns
            .subscribe()
            .topic_arn(topic)
            .protocol(protocol)
            .endpoint(endpoint)
            // The subscription's ARN even before an email is confirmed, so that a removal can
            // name it (only when it is confirmed, though: see the module's note).
            .return_subscription_arn(true)
            .send()
            .await
            .aws("Subscribe")?;
    }
    Ok(())
}

/// Tags as SNS takes them.
fn sns_tags(pairs: impl IntoIterator<Item = (String, String)>, operation: &'static str) -> Result<Vec<Tag>, AwsError> {
    pairs
        .into_iter()
        .map(|(k, v)| Tag::builder().key(k).value(v).build())
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| AwsError::local(operation, e.to_string()))
}
