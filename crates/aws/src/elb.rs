//! The load balancers DNS alias records point at: found by ARN, name or DNS name (what an
//! Ingress's status shows), for their DNS name and canonical hosted zone. platformctl does not
//! make them: the AWS Load Balancer Controller does, from Ingresses and Services.

use aws_sdk_elasticloadbalancingv2::types::LoadBalancer;

use crate::error::SdkResultExt;
use crate::{Aws, AwsError};

/// A load balancer's alias target: its DNS name (lowercase, no final dot) and the hosted zone
/// Route 53 knows it by.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct AliasTarget {
    pub dns_name: String,
    pub zone_id: String,
}

/// The load balancer `which` names (ARN, name or DNS name), if the account has it here.
pub(crate) async fn alias_target(aws: &Aws, which: &str) -> Result<Option<AliasTarget>, AwsError> {
    let plain = which.trim_end_matches('.').to_ascii_lowercase();
    let by_dns_name = !which.starts_with("arn:") && which.contains('.');
    let mut marker = None;
    loop {
        let mut request = aws.elb.describe_load_balancers().set_marker(marker);
        if !by_dns_name {
            request = if which.starts_with("arn:") { request.load_balancer_arns(which) } else { request.names(which) };
        }
        let out = match request.send().await.aws("DescribeLoadBalancers") {
            Ok(out) => out,
            Err(e) if e.is_not_found() => return Ok(None),
            Err(e) => return Err(e),
        };
        let matches =
            |lb: &&LoadBalancer| !by_dns_name || lb.dns_name().map(|d| d.to_ascii_lowercase()) == Some(plain.clone());
        if let Some(lb) = out.load_balancers().iter().find(matches) {
            return Ok(Some(AliasTarget {
                dns_name: lb.dns_name().unwrap_or_default().trim_end_matches('.').to_ascii_lowercase(),
                zone_id: lb.canonical_hosted_zone_id().unwrap_or_default().to_owned(),
            }));
        }
        match out.next_marker() {
            Some(next) if by_dns_name => marker = Some(next.to_owned()),
            _ => return Ok(None),
        }
    }
}
