//! The only module that talks to AWS. One module per resource kind, each with read (batched:
//! one describe call for all ids of the kind), create, update, delete and status; this file
//! dispatches on `Kind` so the engine above stays provider-agnostic.
//!
//! Contract with the engine:
//! - `read` answers for every request, `Present` or `Absent`. A request without an id is a
//!   pending create: it is looked up by its `platformctl:address` tag, or by its natural key
//!   for kinds AWS cannot tag (routes, associations, attachments, rules).
//! - `create` returns the new id as soon as AWS gives it; waiting for readiness is separate
//!   (`status`), so the id is recorded before any wait.
//! - `delete` of something already gone succeeds.

mod ec2;
mod error;

use std::time::Duration;

use aws_config::retry::RetryConfig;
use aws_config::{BehaviorVersion, Region};

use crate::resource::{Address, Attrs, Kind, Observed};

pub use error::AwsError;

/// SDK clients for one region.
#[derive(Clone, Debug)]
pub struct Aws {
    pub ec2: aws_sdk_ec2::Client,
    pub stack: String,
}

/// Connection settings the user can override on the command line.
#[derive(Clone, Debug, Default)]
pub struct ConnectOptions {
    pub profile: Option<String>,
    pub endpoint_url: Option<String>,
    pub max_attempts: Option<u32>,
}

impl Aws {
    /// Credentials and endpoint come the standard SDK way (environment, profiles, SSO,
    /// `AWS_ENDPOINT_URL`); the region comes from the stack.
    pub async fn connect(stack: &str, region: &str, options: &ConnectOptions) -> Aws {
        let mut loader = aws_config::defaults(BehaviorVersion::latest()).region(Region::new(region.to_owned()));
        if let Some(profile) = &options.profile {
            loader = loader.profile_name(profile);
        }
        if let Some(url) = &options.endpoint_url {
            loader = loader.endpoint_url(url);
        }
        let retry = RetryConfig::standard()
            .with_max_attempts(options.max_attempts.unwrap_or(5))
            .with_initial_backoff(Duration::from_millis(200));
        let config = loader.retry_config(retry).load().await;
        Aws { ec2: aws_sdk_ec2::Client::new(&config), stack: stack.to_owned() }
    }
}

/// One address to read: its id if known, and its recorded attributes (for natural keys).
#[derive(Clone, Debug)]
pub struct ReadRequest {
    pub address: Address,
    pub id: Option<String>,
    pub attrs: Attrs,
}

/// Where a resource is in its life, for waits.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Status {
    Ready,
    Pending,
    Gone,
    Failed(String),
}

/// Reads every requested resource of one kind, batched.
pub async fn read(aws: &Aws, kind: Kind, requests: &[ReadRequest]) -> Result<Vec<(Address, Observed)>, AwsError> {
    if requests.is_empty() {
        return Ok(vec![]);
    }
    ec2::read(aws, kind, requests).await
}

/// Creates a resource from resolved attributes and returns its AWS id.
pub async fn create(aws: &Aws, kind: Kind, address: &Address, attrs: &Attrs, token: &str) -> Result<String, AwsError> {
    ec2::create(aws, kind, address, attrs, token).await
}

/// Changes the in-place attributes that differ between `before` and `after`.
pub async fn update(aws: &Aws, kind: Kind, id: &str, before: &Attrs, after: &Attrs) -> Result<(), AwsError> {
    ec2::update(aws, kind, id, before, after).await
}

/// Deletes a resource; one already gone is not an error.
pub async fn delete(aws: &Aws, kind: Kind, id: &str, attrs: &Attrs) -> Result<(), AwsError> {
    ec2::delete(aws, kind, id, attrs).await
}

/// Whether a resource is ready (after a create) or gone (after a delete). Kinds that are ready
/// as soon as the call returns answer without calling AWS.
pub async fn status(aws: &Aws, kind: Kind, id: &str) -> Result<Status, AwsError> {
    ec2::status(aws, kind, id).await
}

/// Whether this kind needs waiting after create or delete.
pub fn needs_wait(kind: Kind) -> bool {
    matches!(kind, Kind::NatGateway)
}
