//! How many calls to one AWS service are in flight at once. Every client of the stack shares
//! one HTTPS client (one connection pool, one TLS setup) and reaches it through a gate of its
//! own service: a plan that reads 60 repositories and 60 log groups at once sends at most a
//! service's share to each, whatever else is waiting — so a wait or a slow service never holds
//! up another service's calls, and no service is flooded past its rate limits.
//!
//! The shares follow AWS's documented API rate limits: EC2's describe bucket refills at 20 a
//! second and IAM's and Route 53's (5 a second per account) are low. `--parallelism N` sets one
//! share for every service instead, `--parallelism iam=2` one service's. Throttling answers slow their own service only: the SDK's
//! adaptive retry keeps one rate limiter per service.

use std::sync::Arc;

use aws_smithy_http_client::{Builder, ConnectorBuilder, proxy::ProxyConfig, tls};
use aws_smithy_runtime_api::client::http::{
    HttpClient, HttpConnector, HttpConnectorFuture, HttpConnectorSettings, SharedHttpClient, SharedHttpConnector,
};
use aws_smithy_runtime_api::client::orchestrator::HttpRequest;
use aws_smithy_runtime_api::client::runtime_components::RuntimeComponents;
use aws_smithy_runtime_api::shared::IntoShared;
use tokio::sync::Semaphore;

/// Calls in flight per service when `--parallelism` does not say: by the service's signing
/// name, `DEFAULT_SHARE` for the others.
const SHARES: &[(&str, usize)] = &[("ec2", 20), ("iam", 4), ("route53", 2), ("tagging", 2), ("logs", 5), ("acm", 5)];

const DEFAULT_SHARE: usize = 10;

/// The services platformctl calls, by the signing names `--parallelism SERVICE=N` takes.
pub const SERVICES: &[&str] = &[
    "acm",
    "application-autoscaling",
    "ec2",
    "ecr",
    "eks",
    "elasticache",
    "elasticloadbalancing",
    "iam",
    "kms",
    "logs",
    "monitoring",
    "rds",
    "route53",
    "secretsmanager",
    "sns",
    "ssm",
    "tagging",
];

/// `--parallelism`: calls in flight for every service (`N`), and for some services their own
/// (`iam=2`), over each service's share.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Parallelism {
    pub all: Option<usize>,
    pub services: std::collections::BTreeMap<String, usize>,
}

/// The calls a service may have in flight: its own `--parallelism`, else the one for all, else
/// its share.
pub(crate) fn share(service: &str, parallelism: &Parallelism) -> usize {
    let default = || SHARES.iter().find(|(s, _)| *s == service).map_or(DEFAULT_SHARE, |(_, n)| *n);
    parallelism.services.get(service).copied().or(parallelism.all).unwrap_or_else(default).max(1)
}

/// The one HTTPS client every service's gate leads to: the SDK's default (rustls with aws-lc,
/// the proxy from the environment), made once instead of once per client.
pub(crate) fn shared_https_client() -> SharedHttpClient {
    Builder::new().build_with_connector_fn(|settings, components| {
        let mut builder =
            ConnectorBuilder::default().tls_provider(tls::Provider::Rustls(tls::rustls_provider::CryptoMode::AwsLc));
        builder.set_connector_settings(settings.cloned());
        if let Some(components) = components {
            builder.set_sleep_impl(components.sleep_impl());
        }
        builder.set_proxy_config(Some(ProxyConfig::from_env()));
        builder.build()
    })
}

/// A service's gate to the shared client.
#[derive(Clone, Debug)]
pub(crate) struct Gate {
    inner: SharedHttpClient,
    permits: Arc<Semaphore>,
}

impl Gate {
    pub(crate) fn new(inner: SharedHttpClient, in_flight: usize) -> Gate {
        Gate { inner, permits: Arc::new(Semaphore::new(in_flight)) }
    }
}

impl HttpClient for Gate {
    fn http_connector(&self, settings: &HttpConnectorSettings, components: &RuntimeComponents) -> SharedHttpConnector {
        let inner = self.inner.http_connector(settings, components);
        GatedConnector { inner, permits: self.permits.clone() }.into_shared()
    }
}

#[derive(Debug)]
struct GatedConnector {
    inner: SharedHttpConnector,
    permits: Arc<Semaphore>,
}

impl HttpConnector for GatedConnector {
    fn call(&self, request: HttpRequest) -> HttpConnectorFuture {
        let (inner, permits) = (self.inner.clone(), self.permits.clone());
        HttpConnectorFuture::new(async move {
            // The permit is held until AWS's answer arrives (the semaphore is never closed).
            let _permit = permits.acquire_owned().await.ok();
            inner.call(request).await
        })
    }
}

#[cfg(test)]
mod tests {
    use super::{Parallelism, SERVICES, share};

    #[test]
    fn services_have_their_share_unless_parallelism_says() {
        let none = Parallelism::default();
        assert_eq!(share("ec2", &none), 20);
        assert_eq!(share("route53", &none), 2);
        assert_eq!(share("eks", &none), 10);
        let all = Parallelism { all: Some(8), ..Default::default() };
        assert_eq!(share("route53", &all), 8);
        assert_eq!(share("ec2", &Parallelism { all: Some(0), ..Default::default() }), 1);
        let iam = Parallelism { all: Some(8), services: [("iam".to_owned(), 1)].into() };
        assert_eq!((share("iam", &iam), share("ec2", &iam)), (1, 8), "its own over the one for all");
        let only_iam = Parallelism { services: [("iam".to_owned(), 1)].into(), ..Default::default() };
        assert_eq!((share("iam", &only_iam), share("ec2", &only_iam)), (1, 20), "the others keep their share");
    }

    /// Every service a client is made for can be named.
    #[test]
    fn every_gated_service_is_listed() {
        let source = include_str!("connect.rs");
        for name in source.split("gated(\"").skip(1).filter_map(|rest| rest.split('"').next()) {
            assert!(SERVICES.contains(&name), "{name} is missing from SERVICES");
        }
    }
}
