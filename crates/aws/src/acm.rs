//! ACM certificates validated by DNS. RequestCertificate carries the tags and an idempotency
//! token (a request whose answer was lost is found by its tags, and a retried call within the
//! hour returns the same certificate); ACM then names a validation CNAME per domain, which the
//! provider writes in the stack's zone (UPSERT) before returning, and apply waits for `ISSUED`
//! (ACM checks public DNS: a zone not delegated never gets there — the wait's hint says so).
//! The zone is read back only while every validation record is in it, so a deleted one is drift.
//! On delete the validation records go too, unless another certificate of the account covers
//! the same name (ACM gives one record per name and account, shared by its certificates).

use async_trait::async_trait;
use aws_sdk_acm::types::{CertificateDetail, CertificateStatus, DomainValidation, Tag, ValidationMethod};
use platformctl_core::kinds::certificate::{ALTERNATIVE_NAMES, DOMAIN, TAGS, ZONE_ID, out};
use platformctl_core::resource::tags::{ADDRESS_TAG, STACK_TAG, address_tag};
use platformctl_core::resource::{Address, Attrs, LiveResource, Observed, Value};

use crate::common::{TagChanges, read_each, sorted_list, tag_pairs, tags_from_pairs};
use crate::error::SdkResultExt;
use crate::registry::{NewResource, Provider, Status};
use crate::route53::record::{cname_value, put_cname};
use crate::{Aws, AwsError, ReadRequest};

pub(crate) struct Certificate;

#[async_trait]
impl Provider for Certificate {
    async fn read(&self, aws: &Aws, requests: &[ReadRequest]) -> Result<Vec<(Address, Observed)>, AwsError> {
        read_each(requests, |r| async move {
            let arn = match &r.id {
                Some(arn) => Some(arn.clone()),
                None => pending(aws, r).await?,
            };
            let Some(arn) = arn else { return Ok(None) };
            let cert = describe(aws, &arn).await?;
            Ok(Some(live(aws, &cert, ZONE_ID.str(&r.attrs)).await?))
        })
        .await
    }

    async fn create(&self, aws: &Aws, new: &NewResource<'_>) -> Result<String, AwsError> {
        let attrs = new.attrs;
        let tags = acm_tags(tag_pairs(attrs), "RequestCertificate")?;
        let names = ALTERNATIVE_NAMES.strings(attrs);
        let requested = aws
            .acm
            .request_certificate()
            .domain_name(DOMAIN.str(attrs).unwrap_or_default())
            .set_subject_alternative_names((!names.is_empty()).then_some(names))
            .validation_method(ValidationMethod::Dns)
            // ACM takes up to 32 word characters: the create's token without its dashes.
            .idempotency_token(new.token.replace('-', ""))
            .set_tags(Some(tags))
            .send()
            .await
            .aws("RequestCertificate")?;
        let arn = requested.certificate_arn().unwrap_or_default().to_owned();
        if let Some(zone) = ZONE_ID.str(attrs) {
            write_validation(aws, &arn, zone).await?;
        }
        Ok(arn)
    }

    async fn update(&self, aws: &Aws, id: &str, before: &Attrs, after: &Attrs) -> Result<(), AwsError> {
        if ZONE_ID.changed(before, after)
            && let Some(zone) = ZONE_ID.str(after)
        {
            write_validation(aws, id, zone).await?;
        }
        TagChanges::between(before, after)
            .send(
                async |set| {
                    let tags = acm_tags(set, "AddTagsToCertificate")?;
                    let request = aws.acm.add_tags_to_certificate().certificate_arn(id).set_tags(Some(tags));
                    request.send().await.map(drop).aws("AddTagsToCertificate")
                },
                async |keys| {
                    let tags = keys
                        .into_iter()
                        .map(|k| Tag::builder().key(k).build())
                        .collect::<Result<Vec<_>, _>>()
                        .map_err(|e| AwsError::local("RemoveTagsFromCertificate", e.to_string()))?;
                    let request = aws.acm.remove_tags_from_certificate().certificate_arn(id).set_tags(Some(tags));
                    request.send().await.map(drop).aws("RemoveTagsFromCertificate")
                },
            )
            .await
    }

    async fn delete(&self, aws: &Aws, id: &str, attrs: &Attrs) -> Result<(), AwsError> {
        let cert = match describe(aws, id).await {
            Ok(cert) => cert,
            Err(e) if e.is_not_found() => return Ok(()),
            Err(e) => return Err(e),
        };
        match aws.acm.delete_certificate().certificate_arn(id).send().await.aws("DeleteCertificate") {
            Ok(_) => {}
            Err(e) if e.is_not_found() => {}
            Err(e) if e.code.as_deref() == Some("ResourceInUseException") => {
                return Err(AwsError {
                    message: format!(
                        "{} (a load balancer or CloudFront distribution still uses the certificate: remove it from the listener or ingress first)",
                        e.message
                    ),
                    ..e
                });
            }
            Err(e) => return Err(e),
        }
        let Some(zone) = ZONE_ID.str(attrs) else { return Ok(()) };
        let shared = names_of_other_certificates(aws, id).await?;
        for (domain, name, value) in validation_records(&cert) {
            if !shared.contains(&domain) {
                put_cname(aws, zone, &name, &value, true).await?;
            }
        }
        Ok(())
    }

    async fn status(&self, aws: &Aws, id: &str) -> Result<Status, AwsError> {
        let cert = match describe(aws, id).await {
            Ok(cert) => cert,
            Err(e) if e.is_not_found() => return Ok(Status::Gone),
            Err(e) => return Err(e),
        };
        Ok(match cert.status() {
            Some(CertificateStatus::Issued) => Status::Ready,
            Some(CertificateStatus::PendingValidation) | None => Status::Pending,
            Some(other) => Status::Failed(format!(
                "the certificate is {}{}",
                other.as_str(),
                cert.failure_reason().map(|r| format!(" ({})", r.as_str())).unwrap_or_default()
            )),
        })
    }
}

/// ACM's tags from (key, value) pairs.
fn acm_tags(pairs: impl IntoIterator<Item = (String, String)>, operation: &'static str) -> Result<Vec<Tag>, AwsError> {
    pairs
        .into_iter()
        .map(|(k, v)| Tag::builder().key(k).value(v).build())
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| AwsError::local(operation, e.to_string()))
}

async fn describe(aws: &Aws, arn: &str) -> Result<CertificateDetail, AwsError> {
    let out = aws.acm.describe_certificate().certificate_arn(arn).send().await.aws("DescribeCertificate")?;
    out.certificate().cloned().ok_or_else(|| AwsError::local("DescribeCertificate", format!("no certificate {arn}")))
}

/// `(domain, record name, record value)` of each validation CNAME ACM has named so far.
fn validation_records(cert: &CertificateDetail) -> Vec<(String, String, String)> {
    let record = |v: &DomainValidation| {
        let r = v.resource_record()?;
        Some((v.domain_name().to_owned(), r.name().to_owned(), r.value().to_owned()))
    };
    let mut records: Vec<_> = cert.domain_validation_options().iter().filter_map(record).collect();
    // A wildcard and its bare name share one record.
    records.sort();
    records.dedup_by(|a, b| a.1 == b.1);
    records
}

/// Writes the certificate's validation records in `zone`, once ACM has named one per domain
/// (usually seconds after the request).
async fn write_validation(aws: &Aws, arn: &str, zone: &str) -> Result<(), AwsError> {
    let started = tokio::time::Instant::now();
    let records = loop {
        let cert = describe(aws, arn).await?;
        let domains = cert.domain_validation_options().len();
        let records = validation_records(&cert);
        let named = cert.domain_validation_options().iter().all(|v| v.resource_record().is_some());
        if domains > 0 && named {
            break records;
        }
        if started.elapsed() > std::time::Duration::from_secs(120) {
            return Err(AwsError::local(
                "DescribeCertificate",
                format!("ACM has not named the validation records of {arn} after two minutes; run the apply again"),
            ));
        }
        tokio::time::sleep(std::time::Duration::from_secs(2)).await;
    };
    for (_, name, value) in records {
        put_cname(aws, zone, &name, &value, false).await?;
    }
    Ok(())
}

/// The names other certificates of the account cover: their validation records are shared.
async fn names_of_other_certificates(aws: &Aws, arn: &str) -> Result<Vec<String>, AwsError> {
    let mut names = Vec::new();
    let mut token = None;
    loop {
        let out = aws.acm.list_certificates().set_next_token(token).send().await.aws("ListCertificates")?;
        for cert in out.certificate_summary_list().iter().filter(|c| c.certificate_arn() != Some(arn)) {
            names.extend(cert.domain_name().map(str::to_owned));
            names.extend(cert.subject_alternative_name_summaries().iter().cloned());
        }
        match out.next_token() {
            Some(next) => token = Some(next.to_owned()),
            None => return Ok(names),
        }
    }
}

async fn live(aws: &Aws, cert: &CertificateDetail, zone: Option<&str>) -> Result<LiveResource, AwsError> {
    let arn = cert.certificate_arn().unwrap_or_default();
    let domain = cert.domain_name().unwrap_or_default();
    let alternative: Vec<&str> =
        cert.subject_alternative_names().iter().map(String::as_str).filter(|n| *n != domain).collect();
    // The zone as the stack names it only while it holds every validation record ACM named.
    let mut in_zone = zone.is_some();
    if let Some(zone) = zone {
        for (_, name, value) in validation_records(cert) {
            let found = cname_value(aws, zone, &name).await?;
            in_zone &= found.as_deref() == Some(value.trim_end_matches('.').to_ascii_lowercase().as_str());
        }
    }
    let tags = tags_of(aws, arn).await?;
    Ok(LiveResource {
        id: arn.to_owned(),
        attrs: Attrs::from([
            DOMAIN.to(domain),
            ALTERNATIVE_NAMES.to(sorted_list(alternative)),
            ZONE_ID.to(if in_zone { zone.map_or(Value::Null, Value::str) } else { Value::Null }),
            TAGS.to(tags_from_pairs(tags.iter().map(|(k, v)| (Some(k.as_str()), Some(v.as_str()))))),
        ]),
        ready: cert.status() == Some(&CertificateStatus::Issued),
        outputs: Attrs::from([out::ARN.to(arn)]),
    })
}

async fn tags_of(aws: &Aws, arn: &str) -> Result<Vec<(String, String)>, AwsError> {
    let out = aws.acm.list_tags_for_certificate().certificate_arn(arn).send().await.aws("ListTagsForCertificate")?;
    Ok(out.tags().iter().map(|t| (t.key().to_owned(), t.value().unwrap_or_default().to_owned())).collect())
}

/// The certificate a request that did not finish made: among the account's certificates for
/// the domain, the one tagged with this stack and address.
async fn pending(aws: &Aws, r: &ReadRequest) -> Result<Option<String>, AwsError> {
    let Some(domain) = DOMAIN.str(&r.attrs) else { return Ok(None) };
    let mut token = None;
    loop {
        let out = aws.acm.list_certificates().set_next_token(token).send().await.aws("ListCertificates")?;
        for cert in out.certificate_summary_list().iter().filter(|c| c.domain_name() == Some(domain)) {
            let Some(arn) = cert.certificate_arn() else { continue };
            let tags = tags_of(aws, arn).await?;
            let tag = |k: &str| tags.iter().find(|(key, _)| key == k).map(|(_, v)| v.as_str());
            if tag(STACK_TAG) == Some(aws.stack.as_str()) && tag(ADDRESS_TAG) == Some(address_tag(&r.address).as_str())
            {
                return Ok(Some(arn.to_owned()));
            }
        }
        match out.next_token() {
            Some(next) => token = Some(next.to_owned()),
            None => return Ok(None),
        }
    }
}
