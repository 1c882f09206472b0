//! CloudWatch metric alarms, by name: read a hundred at a time (DescribeAlarms takes up to 100
//! names) with their tags from the stack's tag listing (`tagging`; ListTagsForResource for an
//! alarm it leaves out); created and changed with
//! PutMetricAlarm, which writes every setting (tags only when it creates: changed tags go through
//! TagResource/UntagResource).

use std::collections::BTreeMap;

use aws_sdk_cloudwatch::types::{ComparisonOperator, Dimension, MetricAlarm, Statistic, Tag};

use async_trait::async_trait;
use platformctl_core::kinds::metric_alarm::{
    ACTIONS, ARN, COMPARISON, DATAPOINTS_TO_ALARM, DEF, DESCRIPTION, DIMENSIONS, EVALUATION_PERIODS, METRIC, NAME,
    NAMESPACE, PERIOD, STATISTIC, TAGS, THRESHOLD, TREAT_MISSING_DATA, out,
};
use platformctl_core::resource::{Address, Attrs, Kind, LiveResource, Observed, Value};

use crate::common::{TagChanges, opt_int, opt_str, pair_by_id, sorted_list, tag_pairs, tags_from_pairs};
use crate::error::SdkResultExt;
use crate::registry::{NewResource, Provider, confirmed};
use crate::tagging::{StackTags, listed_or_read};
use crate::{Aws, AwsError, ReadRequest};

pub(crate) struct Alarm;

/// DescribeAlarms' limit on `AlarmNames`.
const NAMES_PER_CALL: usize = 100;

/// Its type in the tagging API, whose listing carries its tags.
const LISTED_AS: &str = "cloudwatch:alarm";

#[async_trait]
impl Provider for Alarm {
    fn tag_listing_type(&self) -> Option<&'static str> {
        Some(LISTED_AS)
    }

    async fn read(&self, aws: &Aws, requests: &[ReadRequest]) -> Result<Vec<(Address, Observed)>, AwsError> {
        let names: Vec<String> = requests.iter().filter_map(|r| r.id.clone()).collect();
        let (alarms, tags) = futures::try_join!(alarms_named(aws, &names), StackTags::of(aws, LISTED_AS, names.len()))?;
        let found = futures::future::try_join_all(alarms.into_iter().map(|alarm| describe(aws, alarm, Some(&tags))));
        let listed = pair_by_id(requests, found.await?).into_iter().filter_map(|(address, observed)| match observed {
            Observed::Present(live) => Some((address, live)),
            Observed::Absent => None,
        });
        confirmed(Kind::MetricAlarm, requests, listed.collect(), |r| read_one(aws, r)).await
    }

    /// DescribeAlarms alone: its ARN, without its tags.
    async fn outputs(&self, aws: &Aws, request: &ReadRequest) -> Result<Option<Attrs>, AwsError> {
        let Some(name) = request.id.clone() else { return Ok(None) };
        Ok(alarms_named(aws, &[name]).await?.pop().map(|alarm| outputs_of(&alarm)))
    }

    async fn create(&self, aws: &Aws, new: &NewResource<'_>) -> Result<String, AwsError> {
        let tags = cloudwatch_tags(tag_pairs(new.attrs));
        put(aws, new.attrs, Some(tags)).await?;
        Ok(NAME.str(new.attrs).unwrap_or_default().to_owned())
    }

    async fn update(&self, aws: &Aws, _id: &str, before: &Attrs, after: &Attrs) -> Result<(), AwsError> {
        // Everything but the tags goes through PutMetricAlarm, which rewrites the whole alarm.
        if DEF.needs_modification(before, after, &[]) {
            put(aws, after, None).await?;
        }
        let arn = ARN.str(before).unwrap_or_default();
        TagChanges::between(before, after)
            .send(
                async |set| {
                    let tags = cloudwatch_tags(set);
                    let request = aws.cloudwatch.tag_resource().resource_arn(arn).set_tags(Some(tags));
                    request.send().await.map(drop).aws("TagResource")
                },
                async |keys| {
                    let request = aws.cloudwatch.untag_resource().resource_arn(arn).set_tag_keys(Some(keys));
                    request.send().await.map(drop).aws("UntagResource")
                },
            )
            .await
    }

    async fn delete(&self, aws: &Aws, id: &str, _: &Attrs) -> Result<(), AwsError> {
        aws.cloudwatch.delete_alarms().alarm_names(id).send().await.aws("DeleteAlarms")?;
        Ok(())
    }
}

/// PutMetricAlarm with every setting of `attrs` (it replaces the alarm's whole definition).
async fn put(aws: &Aws, attrs: &Attrs, tags: Option<Vec<Tag>>) -> Result<(), AwsError> {
    let threshold = THRESHOLD.get(attrs).as_decimal().ok_or_else(|| {
        AwsError::local("PutMetricAlarm", format!("threshold `{}` is not a number", THRESHOLD.get(attrs)))
    })?;
    let dimensions = DIMENSIONS
        .map(attrs)
        .into_iter()
        .flatten()
        .map(|(name, value)| Dimension::builder().name(name).value(value.as_str().unwrap_or_default()).build())
        .collect();
    let actions = ACTIONS.strings(attrs);
    aws.cloudwatch
        .put_metric_alarm()
        .alarm_name(NAME.str(attrs).unwrap_or_default())
        .set_alarm_description(DESCRIPTION.str(attrs).map(str::to_owned))
        .namespace(NAMESPACE.str(attrs).unwrap_or_default())
        .metric_name(METRIC.str(attrs).unwrap_or_default())
        .set_dimensions(Some(dimensions))
        .statistic(Statistic::from(STATISTIC.str(attrs).unwrap_or_default()))
        .set_period(PERIOD.i32(attrs))
        .set_evaluation_periods(EVALUATION_PERIODS.i32(attrs))
        .set_datapoints_to_alarm(DATAPOINTS_TO_ALARM.i32(attrs))
        .threshold(threshold)
        .comparison_operator(ComparisonOperator::from(COMPARISON.str(attrs).unwrap_or_default()))
        .set_treat_missing_data(TREAT_MISSING_DATA.str(attrs).map(str::to_owned))
        .set_alarm_actions(Some(actions.clone()))
        .set_ok_actions(Some(actions))
        .actions_enabled(true)
        .set_tags(tags)
        .send()
        .await
        .aws("PutMetricAlarm")?;
    Ok(())
}

/// Tags as CloudWatch takes them.
fn cloudwatch_tags(pairs: impl IntoIterator<Item = (String, String)>) -> Vec<Tag> {
    pairs.into_iter().map(|(k, v)| Tag::builder().key(k).value(v).build()).collect()
}

/// The alarms of these names that exist, a hundred names a DescribeAlarms, all at once.
async fn alarms_named(aws: &Aws, names: &[String]) -> Result<Vec<MetricAlarm>, AwsError> {
    let batches = names.chunks(NAMES_PER_CALL).map(|batch| async move {
        let mut alarms = Vec::new();
        let request = aws.cloudwatch.describe_alarms().set_alarm_names(Some(batch.to_vec()));
        let mut pages = request.into_paginator().send();
        while let Some(page) = pages.next().await {
            alarms.extend(page.aws("DescribeAlarms")?.metric_alarms().iter().cloned());
        }
        Ok::<_, AwsError>(alarms)
    });
    Ok(futures::future::try_join_all(batches).await?.into_iter().flatten().collect())
}

/// One alarm, read directly with its tags.
async fn read_one(aws: &Aws, request: &ReadRequest) -> Result<Option<LiveResource>, AwsError> {
    let Some(name) = request.id.clone() else { return Ok(None) };
    match alarms_named(aws, &[name]).await?.pop() {
        Some(alarm) => describe(aws, alarm, None).await.map(Some),
        None => Ok(None),
    }
}

/// The alarm with its tags, from the stack's tag listing where it shows them.
async fn describe(aws: &Aws, alarm: MetricAlarm, listing: Option<&StackTags>) -> Result<LiveResource, AwsError> {
    let name = alarm.alarm_name().unwrap_or_default();
    let arn = alarm.alarm_arn().unwrap_or_default();
    let list_tags = || async {
        let tags = aws.cloudwatch.list_tags_for_resource().resource_arn(arn).send().await.aws("ListTagsForResource")?;
        Ok(tags_from_pairs(tags.tags().iter().map(|t| (t.key(), t.value()))))
    };
    let tags = listed_or_read(listing, arn, list_tags).await?;
    let dimensions: BTreeMap<String, Value> =
        alarm.dimensions().iter().filter_map(|d| Some((d.name()?.to_owned(), Value::str(d.value()?)))).collect();
    let attrs = Attrs::from([
        NAME.to(name),
        DESCRIPTION.to(opt_str(alarm.alarm_description())),
        NAMESPACE.to(opt_str(alarm.namespace())),
        METRIC.to(opt_str(alarm.metric_name())),
        DIMENSIONS.to(dimensions),
        STATISTIC.to(opt_str(alarm.statistic().map(Statistic::as_str))),
        PERIOD.to(opt_int(alarm.period())),
        EVALUATION_PERIODS.to(opt_int(alarm.evaluation_periods())),
        DATAPOINTS_TO_ALARM.to(opt_int(alarm.datapoints_to_alarm())),
        THRESHOLD.to(alarm.threshold().map_or(Value::Null, Value::decimal)),
        COMPARISON.to(opt_str(alarm.comparison_operator().map(ComparisonOperator::as_str))),
        TREAT_MISSING_DATA.to(opt_str(alarm.treat_missing_data())),
        ACTIONS.to(sorted_list(alarm.alarm_actions().iter().map(String::as_str))),
        TAGS.to(tags),
        ARN.to(arn),
    ]);
    Ok(LiveResource { id: name.to_owned(), attrs, ready: true, outputs: outputs_of(&alarm) })
}

fn outputs_of(alarm: &MetricAlarm) -> Attrs {
    Attrs::from([out::ARN.to(alarm.alarm_arn().unwrap_or_default())])
}
