//! One ChangeResourceRecordSets per zone for the record changes an apply makes together. Apply
//! runs independent operations in parallel, one provider call each; the first change queued for
//! a zone waits a moment for the others (`WINDOW`), then sends them all in one batch, which
//! Route 53 applies whole, and waits for it to reach every name server once. When Route 53
//! refuses a batch of several, each change is sent again on its own, so that only the change at
//! fault fails, with Route 53's own words.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::Duration;

use aws_sdk_route53::types::{Change, ChangeBatch};
use tokio::sync::oneshot;

use super::insync;
use crate::error::SdkResultExt;
use crate::{Aws, AwsError};

/// How long the first change of a zone waits for others.
const WINDOW: Duration = Duration::from_millis(100);
/// Route 53 takes up to 1,000 changes per batch; fewer keeps a request's size well in bounds.
const MOST_PER_BATCH: usize = 100;

/// Changes waiting for their zone's batch, by zone.
#[derive(Debug, Default)]
pub struct Batches {
    queued: Mutex<HashMap<String, Vec<Queued>>>,
}

#[derive(Debug)]
struct Queued {
    change: Change,
    done: oneshot::Sender<Result<(), AwsError>>,
}

/// Sends `change` to `zone` with the others queued for it, and returns once Route 53 has it
/// on every name server (or refused it).
pub(crate) async fn send(aws: &Aws, zone: &str, change: Change) -> Result<(), AwsError> {
    let (done, result) = oneshot::channel();
    let first = {
        let mut queued = aws.route53_batches.queued.lock().unwrap_or_else(|e| e.into_inner());
        let queue = queued.entry(zone.to_owned()).or_default();
        queue.push(Queued { change, done });
        queue.len() == 1
    };
    if first {
        // A task of its own: the batch goes out even if the caller that started it is dropped.
        tokio::spawn(flush(aws.clone(), zone.to_owned()));
    }
    result.await.unwrap_or_else(|_| Err(AwsError::interrupted("the record change was not sent")))
}

/// After the window, sends what is queued for `zone`.
async fn flush(aws: Aws, zone: String) {
    tokio::time::sleep(WINDOW).await;
    let batch = aws.route53_batches.queued.lock().unwrap_or_else(|e| e.into_inner()).remove(&zone).unwrap_or_default();
    for chunk in chunks(batch) {
        send_batch(&aws, &zone, chunk).await;
    }
}

fn chunks(mut batch: Vec<Queued>) -> Vec<Vec<Queued>> {
    let mut chunks = Vec::new();
    while batch.len() > MOST_PER_BATCH {
        let rest = batch.split_off(MOST_PER_BATCH);
        chunks.push(batch);
        batch = rest;
    }
    chunks.push(batch);
    chunks
}

/// One batch, its result told to each change's caller; a refused batch of several is sent
/// again change by change.
async fn send_batch(aws: &Aws, zone: &str, batch: Vec<Queued>) {
    let changes: Vec<Change> = batch.iter().map(|q| q.change.clone()).collect();
    let result = call(aws, zone, changes).await;
    match result {
        Err(e) if batch.len() > 1 && e.code.is_some() => {
            tracing::debug!(error = %e, zone, "batch refused: sending its changes one by one");
            for queued in batch {
                let alone = call(aws, zone, vec![queued.change.clone()]).await;
                let _ = queued.done.send(alone);
            }
        }
        result => {
            for queued in batch {
                let _ = queued.done.send(result.clone());
            }
        }
    }
}

/// One ChangeResourceRecordSets of `changes`, waited for until every name server has it.
pub(super) async fn call(aws: &Aws, zone: &str, changes: Vec<Change>) -> Result<(), AwsError> {
    let batch = ChangeBatch::builder()
        .set_changes(Some(changes))
        .build()
        .map_err(|e| AwsError::local("ChangeResourceRecordSets", e.to_string()))?;
    let out = aws
        .route53
        .change_resource_record_sets()
        .hosted_zone_id(zone)
        .change_batch(batch)
        .send()
        .await
        .aws("ChangeResourceRecordSets")?;
    insync(aws, out.change_info().map(|c| c.id())).await
}

#[cfg(test)]
mod tests {
    //! A refused batch, which no emulator gives (neither validates a batch as a whole): the
    //! real SDK client against aws-smithy-mocks answers in AWS's shapes.

    use aws_sdk_route53::Client;
    use aws_sdk_route53::operation::change_resource_record_sets::ChangeResourceRecordSetsOutput;
    use aws_sdk_route53::operation::get_change::GetChangeOutput;
    use aws_sdk_route53::types::{ChangeAction, ChangeInfo, ChangeStatus, ResourceRecord, ResourceRecordSet, RrType};
    use aws_smithy_mocks::mock;
    use aws_smithy_types::DateTime;

    use super::*;
    use crate::test_mocks::answer;

    fn change(name: &str) -> Change {
        let record = ResourceRecord::builder().value("192.0.2.1").build().unwrap();
        let set = ResourceRecordSet::builder().name(name).r#type(RrType::A).ttl(60).resource_records(record).build();
        Change::builder().action(ChangeAction::Create).resource_record_set(set.unwrap()).build().unwrap()
    }

    fn in_sync() -> ChangeInfo {
        ChangeInfo::builder()
            .id("/change/C1")
            .status(ChangeStatus::Insync)
            .submitted_at(DateTime::from_secs(0))
            .build()
            .unwrap()
    }

    const REFUSED: &str = "<ErrorResponse><Error><Type>Sender</Type><Code>InvalidChangeBatch</Code><Message>Tried to create resource record set [name='b.example.com.', type='A'] but it already exists</Message></Error></ErrorResponse>";

    #[tokio::test]
    async fn the_changes_of_a_zone_go_together_and_a_refused_batch_blames_only_its_culprit() {
        let batch = mock!(Client::change_resource_record_sets)
            .match_requests(|r| r.change_batch().is_some_and(|b| b.changes().len() == 2))
            .then_http_response(|| answer(400, REFUSED));
        let a_alone = mock!(Client::change_resource_record_sets)
            .match_requests(|r| r.change_batch().is_some_and(|b| b.changes().len() == 1))
            .then_output(|| ChangeResourceRecordSetsOutput::builder().change_info(in_sync()).build());
        let synced =
            mock!(Client::get_change).then_output(|| GetChangeOutput::builder().change_info(in_sync()).build());
        let b_alone = mock!(Client::change_resource_record_sets).then_http_response(|| answer(400, REFUSED));
        let aws =
            Aws::with_route53(crate::test_mocks::client!(aws_sdk_route53, &[&batch, &a_alone, &synced, &b_alone]));
        let (a, b) = tokio::join!(send(&aws, "Z1", change("a.example.com")), send(&aws, "Z1", change("b.example.com")));
        assert_eq!(a, Ok(()));
        let b = b.unwrap_err();
        assert_eq!(b.code.as_deref(), Some("InvalidChangeBatch"), "{b}");
        assert!(b.message.contains("b.example.com"), "{b}");
        assert_eq!((batch.num_calls(), a_alone.num_calls(), b_alone.num_calls()), (1, 1, 1));
    }
}
