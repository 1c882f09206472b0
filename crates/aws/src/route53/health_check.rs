//! Route 53 health checks. CreateHealthCheck takes no tags: the check is tagged right after, and
//! its caller reference starts with a digest of the stack and address, so that a create
//! interrupted before its answer or its tags still finds its check (and never makes a second).
//! UpdateHealthCheck changes host, port, path, threshold and checker regions; Route 53 cannot
//! change the type or the interval (they force a replacement). A check still used by a record
//! cannot be deleted: records go first, as they depend on it.

use async_trait::async_trait;
use aws_sdk_route53::types::{
    HealthCheckConfig, HealthCheckRegion, HealthCheckType, ResettableElementName, TagResourceType,
};
use platformctl_core::kinds::health_check::{FAILURE_THRESHOLD, HOST, INTERVAL, PATH, PORT, PROTOCOL, REGIONS, TAGS};
use platformctl_core::resource::{Address, Attrs, LiveResource, Observed};
use sha2::{Digest, Sha256};

use super::{retag, tags_of};
use crate::common::{opt_str, read_each, sorted_list, tags_from_pairs};
use crate::error::SdkResultExt;
use crate::registry::{NewResource, Provider};
use crate::{Aws, AwsError, ReadRequest};

pub(crate) struct HealthCheck;

#[async_trait]
impl Provider for HealthCheck {
    async fn read(&self, aws: &Aws, requests: &[ReadRequest]) -> Result<Vec<(Address, Observed)>, AwsError> {
        read_each(requests, |r| async move {
            let id = match &r.id {
                Some(id) => Some(id.clone()),
                None => pending(aws, &r.address).await?,
            };
            let Some(id) = id else { return Ok(None) };
            match aws.route53.get_health_check().health_check_id(&id).send().await.aws("GetHealthCheck") {
                Ok(out) => match out.health_check() {
                    Some(check) => Ok(Some(describe(aws, &id, check.health_check_config()).await?)),
                    None => Ok(None),
                },
                Err(e) if e.is_not_found() => Ok(None),
                Err(e) => Err(e),
            }
        })
        .await
    }

    async fn create(&self, aws: &Aws, new: &NewResource<'_>) -> Result<String, AwsError> {
        let attrs = new.attrs;
        let config = HealthCheckConfig::builder()
            .r#type(HealthCheckType::from(PROTOCOL.str(attrs).unwrap_or("HTTPS")))
            .set_fully_qualified_domain_name(HOST.str(attrs).map(str::to_owned))
            .set_port(PORT.i32(attrs))
            .set_resource_path(PATH.str(attrs).map(str::to_owned))
            .set_request_interval(INTERVAL.i32(attrs))
            .set_failure_threshold(FAILURE_THRESHOLD.i32(attrs))
            .set_regions(regions(attrs))
            // EnableSNI is left to Route 53, whose default for HTTPS is to send the host name in
            // the TLS handshake, as browsers do (and ministack's answer to it does not parse).
            .build()
            .map_err(|e| AwsError::local("CreateHealthCheck", e.to_string()))?;
        let created = aws
            .route53
            .create_health_check()
            .caller_reference(format!("{}{}", caller_prefix(&aws.stack, new.address), new.token))
            .health_check_config(config)
            .send()
            .await
            .aws("CreateHealthCheck")?;
        let id = created.health_check().map(|c| c.id().to_owned()).unwrap_or_default();
        retag(aws, TagResourceType::Healthcheck, &id, &Attrs::new(), attrs).await?;
        Ok(id)
    }

    async fn update(&self, aws: &Aws, id: &str, before: &Attrs, after: &Attrs) -> Result<(), AwsError> {
        if [HOST, PORT, PATH, FAILURE_THRESHOLD, REGIONS].iter().any(|a| a.changed(before, after)) {
            let cleared = (REGIONS.changed(before, after) && REGIONS.strings(after).is_empty())
                .then(|| vec![ResettableElementName::Regions]);
            aws.route53
                .update_health_check()
                .health_check_id(id)
                .set_fully_qualified_domain_name(HOST.str(after).map(str::to_owned))
                .set_port(PORT.i32(after))
                .set_resource_path(PATH.str(after).map(str::to_owned))
                .set_failure_threshold(FAILURE_THRESHOLD.i32(after))
                .set_regions(regions(after))
                .set_reset_elements(cleared)
                .send()
                .await
                .aws("UpdateHealthCheck")?;
        }
        retag(aws, TagResourceType::Healthcheck, id, before, after).await
    }

    async fn delete(&self, aws: &Aws, id: &str, _: &Attrs) -> Result<(), AwsError> {
        match aws.route53.delete_health_check().health_check_id(id).send().await.aws("DeleteHealthCheck") {
            Ok(_) => Ok(()),
            Err(e) if e.is_not_found() => Ok(()),
            Err(e) if e.code.as_deref() == Some("HealthCheckInUse") => Err(AwsError {
                message: format!(
                    "{} (a record someone else made still follows health check {id}: remove it from that record first)",
                    e.message
                ),
                ..e
            }),
            Err(e) => Err(e),
        }
    }
}

fn regions(attrs: &Attrs) -> Option<Vec<HealthCheckRegion>> {
    let regions = REGIONS.strings(attrs);
    (!regions.is_empty()).then(|| regions.iter().map(|r| HealthCheckRegion::from(r.as_str())).collect())
}

/// What the caller references of this stack's check at `address` start with (the create token
/// follows): a digest, as Route 53 takes at most 64 characters.
fn caller_prefix(stack: &str, address: &Address) -> String {
    let digest = Sha256::digest(format!("{stack}\n{address}").as_bytes());
    let hex: String = digest.iter().take(8).map(|b| format!("{b:02x}")).collect();
    format!("pctl-{hex}-")
}

/// The check a create that did not finish made: the one whose caller reference says this
/// stack and address.
async fn pending(aws: &Aws, address: &Address) -> Result<Option<String>, AwsError> {
    let prefix = caller_prefix(&aws.stack, address);
    let mut marker = None;
    loop {
        let out = aws.route53.list_health_checks().set_marker(marker).send().await.aws("ListHealthChecks")?;
        if let Some(check) = out.health_checks().iter().find(|c| c.caller_reference().starts_with(&prefix)) {
            return Ok(Some(check.id().to_owned()));
        }
        match (out.is_truncated(), out.next_marker()) {
            (true, Some(next)) => marker = Some(next.to_owned()),
            _ => return Ok(None),
        }
    }
}

async fn describe(aws: &Aws, id: &str, config: Option<&HealthCheckConfig>) -> Result<LiveResource, AwsError> {
    let tags = tags_of(aws, TagResourceType::Healthcheck, id).await?;
    let regions = config.map(|c| c.regions()).unwrap_or_default();
    Ok(LiveResource {
        id: id.to_owned(),
        attrs: Attrs::from([
            PROTOCOL.to(opt_str(config.map(|c| c.r#type().as_str()))),
            HOST.to(opt_str(config.and_then(|c| c.fully_qualified_domain_name()).map(|h| h.trim_end_matches('.')))),
            PORT.to(config.and_then(|c| c.port()).map(i64::from)),
            PATH.to(opt_str(config.and_then(|c| c.resource_path()))),
            INTERVAL.to(config.and_then(|c| c.request_interval()).map(i64::from)),
            FAILURE_THRESHOLD.to(config.and_then(|c| c.failure_threshold()).map(i64::from)),
            REGIONS.to((!regions.is_empty()).then(|| sorted_list(regions.iter().map(|r| r.as_str())))),
            TAGS.to(tags_from_pairs(tags.iter().map(|(k, v)| (Some(k.as_str()), Some(v.as_str()))))),
        ]),
        ready: true,
        outputs: Attrs::new(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn caller_references_fit_route53_and_name_stack_and_address() {
        let a = caller_prefix("user-service", &Address::new("dns.health_check[api]"));
        let token = "0b6f2a52-7c1f-4f57-9d0e-5c1f3c1f2a11";
        assert!(format!("{a}{token}").len() <= 64, "{a}");
        assert_ne!(a, caller_prefix("user-service-dr", &Address::new("dns.health_check[api]")));
        assert_ne!(a, caller_prefix("user-service", &Address::new("dns.health_check[web]")));
    }
}
