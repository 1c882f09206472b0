//! Helpers every service module shares: AWS's optional values as attribute values, tags as
//! AWS wants them, retries for AWS's eventual consistency, and the pause between polls.

use std::collections::BTreeMap;
use std::future::Future;
use std::time::Duration;

use platformctl_core::resource::schema::TAGS;
use platformctl_core::resource::{Address, Attrs, LiveResource, Observed, Value};

use crate::{AwsError, ReadRequest};

/// What a describe of the resource at `arn` found: absent when there is no ARN to describe (a
/// pending create nothing was found for) or AWS no longer knows it.
pub(crate) async fn observed_at<Answer>(
    arn: Option<String>,
    describe: impl FnOnce(String) -> Answer,
) -> Result<Observed, AwsError>
where
    Answer: Future<Output = Result<LiveResource, AwsError>>,
{
    let Some(arn) = arn else { return Ok(Observed::Absent) };
    match describe(arn).await {
        Ok(live) => Ok(Observed::Present(live)),
        Err(e) if e.is_not_found() => Ok(Observed::Absent),
        Err(e) => Err(e),
    }
}

/// `Value::Str` for a present string, `Null` for an absent or empty one.
pub(crate) fn opt_str(s: Option<&str>) -> Value {
    s.filter(|s| !s.is_empty()).map_or(Value::Null, Value::str)
}

/// Sorted strings as a list value: how reads report id lists.
pub(crate) fn sorted_list<'a>(items: impl IntoIterator<Item = &'a str>) -> Value {
    let mut items: Vec<&str> = items.into_iter().collect();
    items.sort_unstable();
    Value::List(items.into_iter().map(Value::str).collect())
}

/// `Value::Int` from AWS's optional integers.
pub(crate) fn opt_int(i: Option<i32>) -> Value {
    i.map_or(Value::Null, |i| Value::Int(i64::from(i)))
}

/// The `tags` of a resource's attributes as key/value pairs.
pub(crate) fn tag_pairs(attrs: &Attrs) -> Vec<(String, String)> {
    TAGS.get(attrs)
        .as_map()
        .map(|m| m.iter().map(|(k, v)| (k.clone(), v.as_str().unwrap_or_default().to_owned())).collect())
        .unwrap_or_default()
}

/// AWS's tags as a value; `aws:` tags belong to AWS and are not managed.
pub(crate) fn tags_from_pairs<'a>(pairs: impl IntoIterator<Item = (Option<&'a str>, Option<&'a str>)>) -> Value {
    Value::Map(
        pairs
            .into_iter()
            .filter_map(|(k, v)| Some((k?.to_owned(), Value::str(v.unwrap_or_default()))))
            .filter(|(k, _)| !k.starts_with("aws:"))
            .collect(),
    )
}

/// Each request with the resource of its id among `found` (a pending create's id is the name
/// the stack fixes: see the registry).
pub(crate) fn pair_by_id(requests: &[ReadRequest], found: Vec<LiveResource>) -> Vec<(Address, Observed)> {
    requests
        .iter()
        .map(|r| {
            let hit = r.id.as_deref().and_then(|k| found.iter().find(|f| f.id == k)).cloned();
            (r.address.clone(), hit.map_or(Observed::Absent, Observed::Present))
        })
        .collect()
}

/// For services without a batch describe: one describe per request, all at once. `None`, or
/// a "not found" error, is `Absent`.
pub(crate) async fn read_each<'a, Fut>(
    requests: impl IntoIterator<Item = &'a ReadRequest>,
    describe: impl Fn(&'a ReadRequest) -> Fut,
) -> Result<Vec<(Address, Observed)>, AwsError>
where
    Fut: Future<Output = Result<Option<LiveResource>, AwsError>> + 'a,
{
    let reads = requests.into_iter().map(|r| {
        let found = describe(r);
        async move {
            match found.await {
                Ok(Some(live)) => Ok((r.address.clone(), Observed::Present(live))),
                Ok(None) => Ok((r.address.clone(), Observed::Absent)),
                Err(e) if e.is_not_found() => Ok((r.address.clone(), Observed::Absent)),
                Err(e) => Err(e),
            }
        }
    });
    futures::future::try_join_all(reads).await
}

/// What a tag update must do: tags to set (new or changed) and keys to remove.
pub(crate) struct TagChanges {
    pub set: BTreeMap<String, String>,
    pub removed: Vec<String>,
}

impl TagChanges {
    pub(crate) fn between(before: &Attrs, after: &Attrs) -> TagChanges {
        let old: BTreeMap<String, String> = tag_pairs(before).into_iter().collect();
        let new: BTreeMap<String, String> = tag_pairs(after).into_iter().collect();
        let set = new.iter().filter(|(k, v)| old.get(*k) != Some(v)).map(|(k, v)| (k.clone(), v.clone())).collect();
        let removed = old.keys().filter(|k| !new.contains_key(*k)).cloned().collect();
        TagChanges { set, removed }
    }

    /// Sends the changes with the service's own calls — `set` with the tags to add or change,
    /// `remove` with the keys to drop — each only when it has something to send.
    pub(crate) async fn send(
        self,
        set: impl AsyncFnOnce(BTreeMap<String, String>) -> Result<(), AwsError>,
        remove: impl AsyncFnOnce(Vec<String>) -> Result<(), AwsError>,
    ) -> Result<(), AwsError> {
        if !self.set.is_empty() {
            set(self.set).await?;
        }
        if !self.removed.is_empty() {
            remove(self.removed).await?;
        }
        Ok(())
    }
}

/// How long eventual-consistency errors are retried before they count.
const CONSISTENCY_WINDOW: Duration = Duration::from_secs(120);

/// Retries `call` while `retry_if` says the error is AWS catching up with itself.
pub(crate) async fn eventually<T, F, Fut>(retry_if: fn(&AwsError) -> bool, call: F) -> Result<T, AwsError>
where
    F: Fn() -> Fut,
    Fut: Future<Output = Result<T, AwsError>>,
{
    let started = std::time::Instant::now();
    let mut delay = Duration::from_millis(500);
    loop {
        match call().await {
            Err(e) if retry_if(&e) && started.elapsed() < CONSISTENCY_WINDOW => {
                tracing::debug!(error = %e, "retrying after eventual-consistency error");
                tokio::time::sleep(delay).await;
                delay = (delay * 2).min(Duration::from_secs(10));
            }
            other => return other,
        }
    }
}

/// A name for a final snapshot: the resource's, then the time, so repeated deletes never clash.
pub(crate) fn final_snapshot_name(id: &str) -> String {
    let stamp = humantime::format_rfc3339_seconds(std::time::SystemTime::now()).to_string();
    let digits: String = stamp.chars().filter(char::is_ascii_digit).collect();
    format!("{id}-final-{digits}")
}

/// The pause between polls of a wait: from half a second, growing by half each time, but never
/// more than a twentieth of the time waited so far (at least a second) nor AWS's own waiters'
/// 15 s. A resource that becomes ready just after a poll is noticed at most 5% (or a second)
/// late: a 90 s NAT gateway is not held up to 15 s longer than it took, and a 10 min cluster
/// is polled every 15 s, gently on rate limits.
pub struct PollDelay {
    next: Duration,
    started: std::time::Instant,
}

impl Default for PollDelay {
    fn default() -> Self {
        PollDelay { next: Duration::from_millis(500), started: std::time::Instant::now() }
    }
}

impl PollDelay {
    pub async fn sleep(&mut self) {
        tokio::time::sleep(self.next).await;
        self.next = next_poll_delay(self.next, self.started.elapsed());
    }
}

/// The pause after `previous`, `waited` into a wait (see `PollDelay`).
fn next_poll_delay(previous: Duration, waited: Duration) -> Duration {
    let share = (waited / 20).max(Duration::from_secs(1));
    (previous * 3 / 2).min(share).min(Duration::from_secs(15))
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::next_poll_delay;

    /// When a wait polling on this schedule sees a resource that became ready after `ready`,
    /// and how many polls it made.
    fn noticed(ready: Duration) -> (Duration, u32) {
        let (mut at, mut delay, mut polls) = (Duration::ZERO, Duration::from_millis(500), 1);
        while at < ready {
            at += delay;
            polls += 1;
            delay = next_poll_delay(delay, at);
        }
        (at, polls)
    }

    #[test]
    fn a_wait_notices_readiness_within_five_percent_or_a_second() {
        for seconds in [1, 7, 30, 90, 240, 480, 600, 1200, 3600] {
            for offset_ms in [0, 137, 499, 901] {
                let ready = Duration::from_secs(seconds) + Duration::from_millis(offset_ms);
                let (at, _) = noticed(ready);
                let late = at - ready;
                assert!(late <= (ready / 20).max(Duration::from_secs(1)), "ready at {ready:?}, noticed {late:?} late");
            }
        }
    }

    #[test]
    fn long_waits_poll_at_most_every_fifteen_seconds_and_not_much_more_often() {
        let (_, polls) = noticed(Duration::from_secs(600));
        // 600 s at one poll per 15 s is 40; the first minutes poll faster.
        assert!((40..=110).contains(&polls), "{polls} polls for a 10 minute wait");
        assert_eq!(next_poll_delay(Duration::from_secs(15), Duration::from_secs(3600)), Duration::from_secs(15));
        assert_eq!(next_poll_delay(Duration::from_millis(500), Duration::from_millis(500)), Duration::from_millis(750));
    }
}
