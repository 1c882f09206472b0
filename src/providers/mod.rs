//! The only module that talks to AWS. One module per AWS service, one file per resource kind,
//! each with read (batched: one describe call for all ids of the kind where AWS allows it),
//! create, update, delete and status; this file dispatches on `Kind` so the engine above stays
//! provider-agnostic.
//!
//! Contract with the engine:
//! - `read` answers for every request, `Present` or `Absent`. A request without an id is a
//!   pending create: it is looked up by its `platformctl:address` tag, or by its natural key
//!   for kinds AWS cannot tag (routes, associations, attachments, rules).
//! - `create` returns the new id as soon as AWS gives it; waiting for readiness is separate
//!   (`status`), so the id is recorded before any wait.
//! - `delete` of something already gone succeeds.
//! - secret values (generated passwords, auth tokens) are read from Secrets Manager inside the
//!   provider call that needs them and go nowhere else: never into attributes or outputs.

mod autoscaling;
mod common;
mod ec2;
mod ecr;
mod eks;
mod elasticache;
mod error;
mod iam;
mod logs;
mod rds;
mod retries;
mod secrets;
mod ssm;

use std::time::Duration;

use aws_config::retry::RetryConfig;
use aws_config::{BehaviorVersion, Region};

use crate::resource::{Address, Attrs, Kind, Observed};

pub use common::PollDelay;
pub use error::AwsError;
pub use rds::promote_read_replica;
pub use retries::retries;

/// SDK clients for one region.
#[derive(Clone, Debug)]
pub struct Aws {
    pub ec2: aws_sdk_ec2::Client,
    pub rds: aws_sdk_rds::Client,
    pub elasticache: aws_sdk_elasticache::Client,
    pub secrets: aws_sdk_secretsmanager::Client,
    pub ssm: aws_sdk_ssm::Client,
    pub autoscaling: aws_sdk_applicationautoscaling::Client,
    pub iam: aws_sdk_iam::Client,
    pub eks: aws_sdk_eks::Client,
    pub ecr: aws_sdk_ecr::Client,
    pub logs: aws_sdk_cloudwatchlogs::Client,
    pub stack: String,
    /// The settings the clients were made from, for clients of another region (the accepter
    /// side of a cross-region peering, routes in a peer's route tables).
    config: aws_config::SdkConfig,
}

/// Connection settings the user can override on the command line.
#[derive(Clone, Debug, Default)]
pub struct ConnectOptions {
    pub profile: Option<String>,
    pub endpoint_url: Option<String>,
    pub max_attempts: Option<u32>,
    /// The SDK's `adaptive` retry mode (client-side rate limiting) instead of `standard`.
    pub adaptive_retries: bool,
}

/// A client of `$sdk` for another region, made from the same settings as this stack's; this
/// stack's own client when the region is the same. (Each SDK has its own config types.)
macro_rules! client_in_region {
    ($aws:expr, $sdk:ident, $own:ident, $region:expr) => {
        match $region {
            Some(r) if Some(r) != $aws.config.region().map(|own| own.as_ref()) => $sdk::Client::from_conf(
                $sdk::config::Builder::from(&$aws.config)
                    .region(Region::new(r.to_owned()))
                    .interceptor(retries::RetryCounter)
                    .build(),
            ),
            _ => $aws.$own.clone(),
        }
    };
}

impl Aws {
    /// Credentials and endpoint come the standard SDK way (environment, profiles, SSO,
    /// `AWS_ENDPOINT_URL`); the region comes from the stack.
    pub async fn connect(stack: &str, region: &str, options: &ConnectOptions) -> Aws {
        Aws::from_config(&sdk_config(region, options).await, stack)
    }

    fn from_config(config: &aws_config::SdkConfig, stack: &str) -> Aws {
        // Every client counts its retries (`retries::retries`) for the apply summary.
        macro_rules! client {
            ($service:ident) => {
                $service::Client::from_conf(
                    $service::config::Builder::from(config).interceptor(retries::RetryCounter).build(),
                )
            };
        }
        Aws {
            ec2: client!(aws_sdk_ec2),
            rds: client!(aws_sdk_rds),
            elasticache: client!(aws_sdk_elasticache),
            secrets: client!(aws_sdk_secretsmanager),
            ssm: client!(aws_sdk_ssm),
            autoscaling: client!(aws_sdk_applicationautoscaling),
            iam: client!(aws_sdk_iam),
            eks: client!(aws_sdk_eks),
            ecr: client!(aws_sdk_ecr),
            logs: client!(aws_sdk_cloudwatchlogs),
            stack: stack.to_owned(),
            config: config.clone(),
        }
    }

    /// An EC2 client for `region`, or this stack's when `None` or the same.
    pub fn ec2_in(&self, region: Option<&str>) -> aws_sdk_ec2::Client {
        client_in_region!(self, aws_sdk_ec2, ec2, region)
    }

    /// A Secrets Manager client for `region` (a replica's source secret in another region).
    pub fn secrets_in(&self, region: Option<&str>) -> aws_sdk_secretsmanager::Client {
        client_in_region!(self, aws_sdk_secretsmanager, secrets, region)
    }
}

#[cfg(test)]
impl Aws {
    /// Clients for unit tests, configured but never called; tests replace one with an
    /// aws-smithy-mocks client.
    fn for_tests() -> Aws {
        let config = aws_config::SdkConfig::builder()
            .behavior_version(BehaviorVersion::latest())
            .region(Region::new("eu-west-1"))
            .build();
        Aws::from_config(&config, "test")
    }

    /// `eks` as given (an aws-smithy-mocks client).
    pub(crate) fn with_eks(eks: aws_sdk_eks::Client) -> Aws {
        Aws { eks, ..Aws::for_tests() }
    }

    /// `rds` as given (an aws-smithy-mocks client).
    pub(crate) fn with_rds(rds: aws_sdk_rds::Client) -> Aws {
        Aws { rds, ..Aws::for_tests() }
    }
}

/// The SDK settings for `region`: credentials and endpoint the standard way, the user's
/// overrides, standard retries.
pub async fn sdk_config(region: &str, options: &ConnectOptions) -> aws_config::SdkConfig {
    let mut loader = aws_config::defaults(BehaviorVersion::latest()).region(Region::new(region.to_owned()));
    if let Some(profile) = &options.profile {
        loader = loader.profile_name(profile);
    }
    if let Some(url) = &options.endpoint_url {
        loader = loader.endpoint_url(url);
    }
    let retry = if options.adaptive_retries { RetryConfig::adaptive() } else { RetryConfig::standard() };
    let retry =
        retry.with_max_attempts(options.max_attempts.unwrap_or(5)).with_initial_backoff(Duration::from_millis(200));
    loader.retry_config(retry).load().await
}

/// An S3 client for the state bucket. Path-style addressing where the endpoint is overridden
/// (an emulator, a VPC endpoint by IP), since bucket host names would not resolve there.
pub async fn s3_client(region: &str, options: &ConnectOptions) -> aws_sdk_s3::Client {
    let config = sdk_config(region, options).await;
    let s3 = aws_sdk_s3::config::Builder::from(&config)
        .force_path_style(config.endpoint_url().is_some())
        .interceptor(retries::RetryCounter)
        .build();
    aws_sdk_s3::Client::from_conf(s3)
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

/// The AWS service a kind belongs to: which module answers for it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Service {
    Ec2,
    SecretsManager,
    Rds,
    AutoScaling,
    ElastiCache,
    Ssm,
    Iam,
    Eks,
    Ecr,
    Logs,
}

fn service(kind: Kind) -> Service {
    match kind {
        Kind::Secret | Kind::SecretFields => Service::SecretsManager,
        Kind::DbSubnetGroup | Kind::DbInstance | Kind::DbReadReplica | Kind::DbCluster | Kind::DbClusterInstance => {
            Service::Rds
        }
        Kind::ReaderScaling => Service::AutoScaling,
        Kind::CacheSubnetGroup | Kind::ReplicationGroup => Service::ElastiCache,
        Kind::SsmParameter => Service::Ssm,
        Kind::IamRole | Kind::OidcProvider => Service::Iam,
        Kind::EksCluster | Kind::NodeGroup | Kind::EksAddon => Service::Eks,
        Kind::EcrRepository => Service::Ecr,
        Kind::LogGroup => Service::Logs,
        _ => Service::Ec2,
    }
}

/// Reads every requested resource of one kind, batched.
pub async fn read(aws: &Aws, kind: Kind, requests: &[ReadRequest]) -> Result<Vec<(Address, Observed)>, AwsError> {
    if requests.is_empty() {
        return Ok(vec![]);
    }
    match service(kind) {
        Service::Ec2 => ec2::read(aws, kind, requests).await,
        Service::SecretsManager => secrets::read(aws, kind, requests).await,
        Service::Rds => rds::read(aws, kind, requests).await,
        Service::AutoScaling => autoscaling::read(aws, requests).await,
        Service::ElastiCache => elasticache::read(aws, kind, requests).await,
        Service::Ssm => ssm::read(aws, requests).await,
        Service::Iam => iam::read(aws, kind, requests).await,
        Service::Eks => eks::read(aws, kind, requests).await,
        Service::Ecr => ecr::read(aws, requests).await,
        Service::Logs => logs::read(aws, requests).await,
    }
}

/// Creates a resource from resolved attributes and returns its AWS id.
pub async fn create(aws: &Aws, kind: Kind, address: &Address, attrs: &Attrs, token: &str) -> Result<String, AwsError> {
    match service(kind) {
        Service::Ec2 => ec2::create(aws, kind, address, attrs, token).await,
        Service::SecretsManager => secrets::create(aws, kind, attrs).await,
        Service::Rds => rds::create(aws, kind, attrs).await,
        Service::AutoScaling => autoscaling::put(aws, attrs).await,
        Service::ElastiCache => elasticache::create(aws, kind, attrs).await,
        Service::Ssm => ssm::create(aws, attrs).await,
        Service::Iam => iam::create(aws, kind, attrs).await,
        Service::Eks => eks::create(aws, kind, attrs, token).await,
        Service::Ecr => ecr::create(aws, attrs).await,
        Service::Logs => logs::create(aws, attrs).await,
    }
}

/// Changes the in-place attributes that differ between `before` and `after`.
pub async fn update(aws: &Aws, kind: Kind, id: &str, before: &Attrs, after: &Attrs) -> Result<(), AwsError> {
    match service(kind) {
        Service::Ec2 => ec2::update(aws, kind, id, before, after).await,
        Service::SecretsManager => secrets::update(aws, kind, id, before, after).await,
        Service::Rds => rds::update(aws, kind, id, before, after).await,
        Service::AutoScaling => autoscaling::put(aws, after).await.map(drop),
        Service::ElastiCache => elasticache::update(aws, kind, id, before, after).await,
        Service::Ssm => ssm::update(aws, id, before, after).await,
        Service::Iam => iam::update(aws, kind, id, before, after).await,
        Service::Eks => eks::update(aws, kind, id, before, after).await,
        Service::Ecr => ecr::update(aws, id, before, after).await,
        Service::Logs => logs::update(aws, id, before, after).await,
    }
}

/// Deletes a resource; one already gone is not an error.
pub async fn delete(aws: &Aws, kind: Kind, id: &str, attrs: &Attrs) -> Result<(), AwsError> {
    let result = match service(kind) {
        Service::Ec2 => ec2::delete(aws, kind, id, attrs).await,
        Service::SecretsManager => secrets::delete(aws, kind, id, attrs).await,
        Service::Rds => rds::delete(aws, kind, id, attrs).await,
        Service::AutoScaling => autoscaling::delete(aws, id).await,
        Service::ElastiCache => elasticache::delete(aws, kind, id, attrs).await,
        Service::Ssm => ssm::delete(aws, id).await,
        Service::Iam => iam::delete(aws, kind, id).await,
        Service::Eks => eks::delete(aws, kind, id).await,
        Service::Ecr => ecr::delete(aws, id, attrs).await,
        Service::Logs => logs::delete(aws, id).await,
    };
    match result {
        Err(e) if e.is_not_found() => Ok(()),
        other => other,
    }
}

/// Whether a resource is ready (after a create) or gone (after a delete). Kinds that are ready
/// as soon as the call returns answer without calling AWS.
pub async fn status(aws: &Aws, kind: Kind, id: &str) -> Result<Status, AwsError> {
    match service(kind) {
        Service::Ec2 => ec2::status(aws, kind, id).await,
        Service::Rds => rds::status(aws, kind, id).await,
        Service::ElastiCache => elasticache::status(aws, kind, id).await,
        Service::Eks => eks::status(aws, kind, id).await,
        _ => Ok(Status::Ready),
    }
}

/// Whether this kind needs waiting after create, update or delete.
pub fn needs_wait(kind: Kind) -> bool {
    matches!(
        kind,
        Kind::NatGateway
            | Kind::DbInstance
            | Kind::DbReadReplica
            | Kind::DbCluster
            | Kind::DbClusterInstance
            | Kind::ReplicationGroup
            | Kind::EksCluster
            | Kind::NodeGroup
            | Kind::EksAddon
            | Kind::VpcPeering
    )
}

/// Whether the kind has outputs (endpoints, ARNs) worth reading after it is created.
pub fn has_outputs(kind: Kind) -> bool {
    service(kind) != Service::Ec2 && kind != Kind::SecretFields
}

/// How long a wait may take unless the user says otherwise: generous against AWS's real
/// timings (a multi-AZ RDS instance 10–20 minutes, ElastiCache 10+, Aurora similar).
pub fn default_wait_timeout(kind: Kind) -> Duration {
    let minutes = match kind {
        Kind::DbInstance | Kind::DbReadReplica | Kind::DbCluster | Kind::DbClusterInstance => 90,
        Kind::ReplicationGroup => 60,
        // A cluster takes 10–15 minutes to create and as long to delete; a node group's
        // instances must boot and join.
        Kind::EksCluster | Kind::NodeGroup => 45,
        _ => 20,
    };
    Duration::from_secs(minutes * 60)
}
