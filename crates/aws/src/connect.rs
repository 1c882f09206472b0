//! The SDK clients of one stack's region, made the standard SDK way (environment, profiles,
//! SSO, `AWS_ENDPOINT_URL`) with the user's overrides; every client counts its retries.

use std::time::Duration;

use aws_config::retry::RetryConfig;
use aws_config::sts::AssumeRoleProvider;
use aws_config::{BehaviorVersion, Region};

use crate::{in_flight, retries};

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
    pub kms: aws_sdk_kms::Client,
    pub sns: aws_sdk_sns::Client,
    pub cloudwatch: aws_sdk_cloudwatch::Client,
    pub route53: aws_sdk_route53::Client,
    pub acm: aws_sdk_acm::Client,
    pub elb: aws_sdk_elasticloadbalancingv2::Client,
    /// The Resource Groups Tagging API (tags across services).
    pub(crate) tagging: aws_sdk_resourcegroupstagging::Client,
    /// Record changes waiting to go to Route 53 together, one batch per zone.
    pub(crate) route53_batches: std::sync::Arc<crate::route53::batch::Batches>,
    /// Secrets Manager's listings shared by the kinds of one read (`for_one_read`).
    pub(crate) secret_listings: Option<std::sync::Arc<crate::secrets::Listings>>,
    /// The tagging API's listing shared by the kinds of one read (`for_one_read`).
    pub(crate) tag_listings: Option<std::sync::Arc<crate::tagging::Listings>>,
    pub stack: String,
    /// The settings the clients were made from, for clients of another region (the accepter
    /// side of a cross-region peering, routes in a peer's route tables).
    config: aws_config::SdkConfig,
}

/// Connection settings: the user's overrides on the command line, the stack's role.
#[derive(Clone, Debug, Default)]
pub struct ConnectOptions {
    pub profile: Option<String>,
    pub endpoint_url: Option<String>,
    pub max_attempts: Option<u32>,
    /// The SDK's `adaptive` retry mode (client-side rate limiting) instead of `standard`.
    pub adaptive_retries: bool,
    /// A role every client assumes through STS (the stack's `assume_role`).
    pub role: Option<Role>,
    /// Calls in flight per service (`--parallelism`); each service's own share where unset
    /// (see in_flight.rs).
    pub in_flight: in_flight::Parallelism,
}

/// An IAM role to assume.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Role {
    pub arn: String,
    pub session_name: String,
    pub external_id: Option<String>,
}

/// A client of `$sdk` made from `$config`, counting its retries (`retries::retries`) for the
/// apply summary; `$builder` may add settings. (Each SDK has its own config types.)
macro_rules! client {
    ($sdk:ident, $config:expr) => {
        client!($sdk, $config, |b| b)
    };
    ($sdk:ident, $config:expr, $builder:expr) => {
        $sdk::Client::from_conf(
            ($builder)($sdk::config::Builder::from($config).interceptor(retries::RetryCounter)).build(),
        )
    };
}

/// A client of `$sdk` for another region, made from the same settings as this stack's; this
/// stack's own client when the region is the same.
macro_rules! client_in_region {
    ($aws:expr, $sdk:ident, $own:ident, $region:expr) => {
        match $region {
            Some(r) if Some(r) != $aws.config.region().map(|own| own.as_ref()) => {
                client!($sdk, &$aws.config, |b: $sdk::config::Builder| b.region(Region::new(r.to_owned())))
            }
            _ => $aws.$own.clone(),
        }
    };
}

impl Aws {
    /// Credentials and endpoint come the standard SDK way; the region comes from the stack.
    pub async fn connect(stack: &str, region: &str, options: &ConnectOptions) -> Aws {
        Aws::from_config(&sdk_config(region, options).await, stack, &options.in_flight)
    }

    /// The same clients, with listings that the kinds of one live read share (a plan's read of
    /// everything): `secrets` are the ARNs of the read's secrets, listed once for every kind;
    /// `tagged` the resources per tagging API type whose tags come from its listing.
    pub(crate) fn for_one_read<'a>(
        &self,
        secrets: impl Iterator<Item = &'a str>,
        tagged: impl IntoIterator<Item = (&'static str, usize)>,
    ) -> Aws {
        Aws {
            secret_listings: Some(std::sync::Arc::new(crate::secrets::Listings::expecting(secrets))),
            tag_listings: Some(std::sync::Arc::new(crate::tagging::Listings::expecting(tagged))),
            ..self.clone()
        }
    }

    /// Every client shares one HTTPS client, through its service's gate (in_flight.rs).
    fn from_config(config: &aws_config::SdkConfig, stack: &str, in_flight: &in_flight::Parallelism) -> Aws {
        let shared = in_flight::shared_https_client();
        let gated = |service: &str| {
            let gate = in_flight::Gate::new(shared.clone(), in_flight::share(service, in_flight));
            config.to_builder().http_client(gate).build()
        };
        Aws {
            ec2: client!(aws_sdk_ec2, &gated("ec2")),
            rds: client!(aws_sdk_rds, &gated("rds")),
            elasticache: client!(aws_sdk_elasticache, &gated("elasticache")),
            secrets: client!(aws_sdk_secretsmanager, &gated("secretsmanager")),
            ssm: client!(aws_sdk_ssm, &gated("ssm")),
            autoscaling: client!(aws_sdk_applicationautoscaling, &gated("application-autoscaling")),
            iam: client!(aws_sdk_iam, &gated("iam")),
            eks: client!(aws_sdk_eks, &gated("eks")),
            ecr: client!(aws_sdk_ecr, &gated("ecr")),
            logs: client!(aws_sdk_cloudwatchlogs, &gated("logs")),
            kms: client!(aws_sdk_kms, &gated("kms")),
            sns: client!(aws_sdk_sns, &gated("sns")),
            cloudwatch: client!(aws_sdk_cloudwatch, &gated("monitoring")),
            route53: client!(aws_sdk_route53, &gated("route53")),
            acm: client!(aws_sdk_acm, &gated("acm")),
            elb: client!(aws_sdk_elasticloadbalancingv2, &gated("elasticloadbalancing")),
            tagging: client!(aws_sdk_resourcegroupstagging, &gated("tagging")),
            route53_batches: Default::default(),
            secret_listings: None,
            tag_listings: None,
            stack: stack.to_owned(),
            config: config.clone(),
        }
    }

    /// The stack's region (a private hosted zone names its VPC's).
    pub fn region(&self) -> &str {
        self.config.region().map_or("", |r| r.as_ref())
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
        Aws::from_config(&config, "test", &Default::default())
    }

    /// `eks` as given (an aws-smithy-mocks client).
    pub(crate) fn with_eks(eks: aws_sdk_eks::Client) -> Aws {
        Aws { eks, ..Aws::for_tests() }
    }

    /// `rds` as given (an aws-smithy-mocks client).
    pub(crate) fn with_rds(rds: aws_sdk_rds::Client) -> Aws {
        Aws { rds, ..Aws::for_tests() }
    }

    /// `route53` as given (an aws-smithy-mocks client).
    pub(crate) fn with_route53(route53: aws_sdk_route53::Client) -> Aws {
        Aws { route53, ..Aws::for_tests() }
    }

    /// `elasticache` as given (an aws-smithy-mocks client).
    pub(crate) fn with_elasticache(elasticache: aws_sdk_elasticache::Client) -> Aws {
        Aws { elasticache, ..Aws::for_tests() }
    }
}

/// The SDK settings for `region`: credentials and endpoint the standard way, the user's
/// overrides, standard retries, and the stack's role when it has one.
pub async fn sdk_config(region: &str, options: &ConnectOptions) -> aws_config::SdkConfig {
    let found = loader(region, options).load().await;
    let Some(role) = &options.role else { return found };
    // The role is assumed with the credentials found the standard way; every client then signs
    // with the role's (refreshed by the provider before they expire).
    let mut assume = AssumeRoleProvider::builder(&role.arn).session_name(&role.session_name).configure(&found);
    if let Some(external_id) = &role.external_id {
        assume = assume.external_id(external_id);
    }
    loader(region, options).credentials_provider(assume.build().await).load().await
}

fn loader(region: &str, options: &ConnectOptions) -> aws_config::ConfigLoader {
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
    loader.retry_config(retry)
}

impl Aws {
    /// The account the credentials belong to (STS GetCallerIdentity): with a role to assume,
    /// this is the first call, and the one that assumes it.
    pub async fn account(&self) -> Result<String, crate::AwsError> {
        use crate::error::SdkResultExt;
        let sts = client!(aws_sdk_sts, &self.config);
        let out = sts.get_caller_identity().send().await.aws("GetCallerIdentity")?;
        Ok(out.account().unwrap_or_default().to_owned())
    }
}

/// An S3 client for the state bucket. Path-style addressing where the endpoint is overridden
/// (an emulator, a VPC endpoint by IP), since bucket host names would not resolve there.
pub async fn s3_client(region: &str, options: &ConnectOptions) -> aws_sdk_s3::Client {
    let config = sdk_config(region, options).await;
    let path_style = config.endpoint_url().is_some();
    client!(aws_sdk_s3, &config, |b: aws_sdk_s3::config::Builder| b.force_path_style(path_style))
}
