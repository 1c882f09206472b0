//! EKS updates: every change (version, logging, endpoint access, scaling, add-on settings) is
//! an asynchronous update with an id. `settle` polls DescribeUpdate until the update succeeds
//! or fails and turns a failure into an error with AWS's reasons.

use std::time::{Duration, Instant};

use aws_sdk_eks::types::{Update, UpdateStatus};

use crate::{Aws, AwsError};

/// EKS control plane upgrades take 20–40 minutes on AWS.
const UPDATE_TIMEOUT: Duration = Duration::from_secs(90 * 60);

/// What an update belongs to, for DescribeUpdate.
#[derive(Clone, Copy, Debug)]
pub(super) enum Target<'a> {
    Cluster(&'a str),
    NodeGroup(&'a str, &'a str),
    Addon(&'a str, &'a str),
}

/// Waits until `update` (as the starting call returned it) is no longer in progress.
/// An update some emulators do not return, or cannot describe, counts as applied: the status
/// wait that follows still checks that the resource is ACTIVE.
pub(super) async fn settle(
    aws: &Aws,
    operation: &'static str,
    target: Target<'_>,
    update: Option<&Update>,
) -> Result<(), AwsError> {
    let Some(update) = update else { return Ok(()) };
    let Some(id) = update.id() else { return Ok(()) };
    let started = Instant::now();
    let mut delay = Duration::from_secs(2);
    let mut current = update.clone();
    loop {
        match current.status() {
            Some(UpdateStatus::Successful) | None => return Ok(()),
            Some(UpdateStatus::Failed) | Some(UpdateStatus::Cancelled) => {
                return Err(AwsError::local(operation, failure_reason(&current)));
            }
            _ => {}
        }
        if started.elapsed() > UPDATE_TIMEOUT {
            return Err(AwsError::local(operation, format!("update {id} still in progress after 90 minutes")));
        }
        tokio::time::sleep(delay).await;
        delay = (delay * 3 / 2).min(Duration::from_secs(15));
        let mut request = aws.eks.describe_update().update_id(id);
        request = match target {
            Target::Cluster(c) => request.name(c),
            Target::NodeGroup(c, n) => request.name(c).nodegroup_name(n),
            Target::Addon(c, a) => request.name(c).addon_name(a),
        };
        match request.send().await {
            Ok(out) => match out.update() {
                Some(u) => current = u.clone(),
                None => return Ok(()),
            },
            Err(e) => {
                let e = crate::error::from_sdk("DescribeUpdate", e);
                if e.is_unsupported() {
                    tracing::warn!(update = id, "DescribeUpdate is not supported here; relying on the status wait");
                    return Ok(());
                }
                return Err(e);
            }
        }
    }
}

/// AWS's reasons for a failed update, e.g. "NodeCreationFailure: Instances failed to join".
fn failure_reason(update: &Update) -> String {
    let id = update.id().unwrap_or_default();
    let reasons: Vec<String> = update
        .errors()
        .iter()
        .map(|e| {
            let code = e.error_code().map(|c| c.as_str().to_owned()).unwrap_or_default();
            format!("{code}: {}", e.error_message().unwrap_or("no message"))
        })
        .collect();
    let status = update.status().map(|s| s.as_str().to_owned()).unwrap_or_default();
    if reasons.is_empty() {
        format!("update {id} ended {status} without a reason from EKS")
    } else {
        format!("update {id} ended {status}: {}", reasons.join("; "))
    }
}
