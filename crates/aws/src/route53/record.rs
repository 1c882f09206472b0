//! Record sets of a hosted zone, one per name and type, read with one listing per zone: CREATE (which Route 53 refuses when a
//! record someone else made has that name and type — reported as a conflict, never
//! overwritten, and never adopted after the failed create unless it holds exactly what the
//! create sent), UPSERT for a new TTL or values, DELETE with the values Route 53 holds. Each
//! change is waited for until every Route 53 name server has it. Values travel as the stack
//! writes them: TXT without quotes (split into 255-character strings on the way to Route 53),
//! host names without the final dot.

use std::collections::{BTreeSet, HashMap};

use async_trait::async_trait;
use aws_sdk_route53::types::{Change, ChangeAction, ChangeBatch, ResourceRecord, ResourceRecordSet, RrType};
use platformctl_core::kinds::dns_record::{NAME, TTL, TYPE, VALUES, ZONE_ID};
use platformctl_core::resource::{Address, Attrs, LiveResource, Observed, Value};

use super::{insync, plain_name};
use crate::error::SdkResultExt;
use crate::registry::{NewResource, Provider};
use crate::{Aws, AwsError, ReadRequest};

pub(crate) struct Record;

#[async_trait]
impl Provider for Record {
    /// One listing per zone (paginated), however many of its records the stack has.
    async fn read(&self, aws: &Aws, requests: &[ReadRequest]) -> Result<Vec<(Address, Observed)>, AwsError> {
        let keys: Vec<Option<(String, String, String)>> = requests
            .iter()
            .map(|r| match &r.id {
                Some(id) => parse_id(id),
                None => key_of(&r.attrs),
            })
            .collect();
        let zones: BTreeSet<&str> = keys.iter().flatten().map(|(zone, ..)| zone.as_str()).collect();
        let listings = futures::future::try_join_all(zones.into_iter().map(|zone| async move {
            match list_zone(aws, zone).await {
                Ok(sets) => Ok((zone, sets)),
                // The zone itself is gone: so are its records.
                Err(e) if e.is_not_found() => Ok((zone, Vec::new())),
                Err(e) => Err(e),
            }
        }))
        .await?;
        let listed: HashMap<&str, Vec<ResourceRecordSet>> = listings.into_iter().collect();
        Ok(requests
            .iter()
            .zip(&keys)
            .map(|(r, key)| {
                let found = key.as_ref().and_then(|(zone, name, record_type)| {
                    let set = listed.get(zone.as_str())?.iter().find(|s| is_the_set(s, name, record_type))?;
                    Some(live(zone, set))
                });
                // Records carry no tags: after a create that did not finish, a record of that
                // name and type is this stack's only if it holds what the create sent. Anything
                // else is someone else's record (the create was refused for it), never taken over.
                let ours = |live: &LiveResource| {
                    r.id.is_some() || [TTL, VALUES].iter().all(|a| a.same(a.get(&r.attrs), a.get(&live.attrs)))
                };
                let observed = found.filter(ours).map_or(Observed::Absent, Observed::Present);
                (r.address.clone(), observed)
            })
            .collect())
    }

    async fn create(&self, aws: &Aws, new: &NewResource<'_>) -> Result<String, AwsError> {
        let (zone, name, record_type) = key_of(new.attrs)
            .ok_or_else(|| AwsError::local("ChangeResourceRecordSets", "a record needs its zone, name and type"))?;
        match change(aws, &zone, ChangeAction::Create, record_set(new.attrs)?).await {
            Err(e) if e.message.contains("already exists") => Err(AwsError {
                message: format!(
                    "{} (a {record_type} record `{name}` is in the zone already, made outside this stack: platformctl does not take it over — delete it, or remove the record from the stack)",
                    e.message
                ),
                ..e
            }),
            other => other,
        }?;
        Ok(format!("{zone}:{name}:{record_type}"))
    }

    async fn update(&self, aws: &Aws, id: &str, _before: &Attrs, after: &Attrs) -> Result<(), AwsError> {
        let (zone, ..) =
            parse_id(id).ok_or_else(|| AwsError::local("ChangeResourceRecordSets", format!("bad id {id}")))?;
        change(aws, &zone, ChangeAction::Upsert, record_set(after)?).await
    }

    async fn delete(&self, aws: &Aws, id: &str, _: &Attrs) -> Result<(), AwsError> {
        let Some((zone, name, record_type)) = parse_id(id) else { return Ok(()) };
        // DELETE must name the values Route 53 holds now, whatever the state says.
        match find(aws, &zone, &name, &record_type).await? {
            Some(set) => change(aws, &zone, ChangeAction::Delete, set).await,
            None => Ok(()),
        }
    }
}

/// `(zone id, name, type)` from a record's id `<zone>:<name>:<type>`.
fn parse_id(id: &str) -> Option<(String, String, String)> {
    let mut parts = id.splitn(3, ':');
    Some((parts.next()?.to_owned(), parts.next()?.to_owned(), parts.next()?.to_owned()))
}

fn key_of(attrs: &Attrs) -> Option<(String, String, String)> {
    Some((ZONE_ID.str(attrs)?.to_owned(), NAME.str(attrs)?.to_owned(), TYPE.str(attrs)?.to_owned()))
}

/// The record set of that name and type (without a routing policy), if the zone has one.
async fn find(aws: &Aws, zone: &str, name: &str, record_type: &str) -> Result<Option<ResourceRecordSet>, AwsError> {
    let out = aws
        .route53
        .list_resource_record_sets()
        .hosted_zone_id(zone)
        .start_record_name(name)
        .start_record_type(RrType::from(record_type))
        .max_items(1)
        .send()
        .await
        .aws("ListResourceRecordSets")?;
    Ok(out.resource_record_sets().iter().find(|s| is_the_set(s, name, record_type)).cloned())
}

/// The record set of that name and type without a routing policy (a set identifier).
fn is_the_set(set: &ResourceRecordSet, name: &str, record_type: &str) -> bool {
    plain_name(set.name()) == name && set.r#type().as_str() == record_type && set.set_identifier().is_none()
}

/// Every record set of a zone, page by page.
async fn list_zone(aws: &Aws, zone: &str) -> Result<Vec<ResourceRecordSet>, AwsError> {
    let mut sets = Vec::new();
    let mut start: Option<(String, RrType)> = None;
    loop {
        let (name, record_type) = start.take().unzip();
        let out = aws
            .route53
            .list_resource_record_sets()
            .hosted_zone_id(zone)
            .set_start_record_name(name)
            .set_start_record_type(record_type)
            .send()
            .await
            .aws("ListResourceRecordSets")?;
        sets.extend(out.resource_record_sets().iter().cloned());
        match (out.is_truncated(), out.next_record_name(), out.next_record_type()) {
            (true, Some(name), Some(record_type)) => start = Some((name.to_owned(), record_type.clone())),
            _ => return Ok(sets),
        }
    }
}

fn live(zone: &str, set: &ResourceRecordSet) -> LiveResource {
    let (name, record_type) = (plain_name(set.name()), set.r#type().as_str().to_owned());
    let mut values: Vec<String> =
        set.resource_records().iter().map(|r| from_route53(&record_type, r.value())).collect();
    values.sort();
    LiveResource {
        id: format!("{zone}:{name}:{record_type}"),
        attrs: Attrs::from([
            ZONE_ID.to(zone),
            NAME.to(name.as_str()),
            TYPE.to(record_type.as_str()),
            TTL.to(set.ttl().map_or(Value::Null, Value::Int)),
            VALUES.to(Value::List(values.into_iter().map(Value::Str).collect())),
        ]),
        ready: true,
        outputs: Attrs::new(),
    }
}

fn record_set(attrs: &Attrs) -> Result<ResourceRecordSet, AwsError> {
    let record_type = TYPE.str(attrs).unwrap_or_default();
    let records = VALUES
        .strings(attrs)
        .iter()
        .map(|v| ResourceRecord::builder().value(to_route53(record_type, v)).build())
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| AwsError::local("ChangeResourceRecordSets", e.to_string()))?;
    ResourceRecordSet::builder()
        .name(NAME.str(attrs).unwrap_or_default())
        .r#type(RrType::from(record_type))
        .set_ttl(TTL.get(attrs).as_int())
        .set_resource_records(Some(records))
        .build()
        .map_err(|e| AwsError::local("ChangeResourceRecordSets", e.to_string()))
}

/// One change of one record set, waited for until every Route 53 name server has it.
async fn change(aws: &Aws, zone: &str, action: ChangeAction, set: ResourceRecordSet) -> Result<(), AwsError> {
    let change = Change::builder()
        .action(action)
        .resource_record_set(set)
        .build()
        .map_err(|e| AwsError::local("ChangeResourceRecordSets", e.to_string()))?;
    let batch = ChangeBatch::builder()
        .changes(change)
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

/// A value as Route 53 takes it: TXT quoted, in strings of at most 255 characters.
fn to_route53(record_type: &str, value: &str) -> String {
    if record_type != "TXT" {
        return value.to_owned();
    }
    let escaped: Vec<String> = value
        .as_bytes()
        .chunks(255)
        .map(|chunk| format!("\"{}\"", String::from_utf8_lossy(chunk).replace('\\', "\\\\").replace('"', "\\\"")))
        .collect();
    escaped.join(" ")
}

/// A value as the stack writes it: TXT strings joined and unquoted, host names lowercase
/// without the final dot.
fn from_route53(record_type: &str, value: &str) -> String {
    match record_type {
        "TXT" => {
            let (mut out, mut quoted, mut escaped) = (String::new(), false, false);
            for c in value.chars() {
                match (quoted, escaped, c) {
                    (true, true, c) => {
                        out.push(c);
                        escaped = false;
                    }
                    (true, false, '\\') => escaped = true,
                    (_, false, '"') => quoted = !quoted,
                    (true, false, c) => out.push(c),
                    (false, _, _) => {}
                }
            }
            out
        }
        "CNAME" => value.trim_end_matches('.').to_ascii_lowercase(),
        "MX" => {
            let (priority, host) = value.split_once(' ').unwrap_or(("", value));
            format!("{priority} {}", host.trim_end_matches('.').to_ascii_lowercase())
        }
        "AAAA" => value.parse::<std::net::Ipv6Addr>().map_or_else(|_| value.to_owned(), |a| a.to_string()),
        _ => value.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn txt_values_are_quoted_split_and_read_back() {
        let long = "k=".to_owned() + &"a".repeat(300);
        let sent = to_route53("TXT", &long);
        assert_eq!(sent.matches('"').count(), 4, "two strings: {sent}");
        assert_eq!(from_route53("TXT", &sent), long);
        let quoted = to_route53("TXT", r#"say "hi" \o/"#);
        assert_eq!(quoted, r#""say \"hi\" \\o/""#);
        assert_eq!(from_route53("TXT", &quoted), r#"say "hi" \o/"#);
        assert_eq!(from_route53("MX", "10 Mail.Example.com."), "10 mail.example.com");
        assert_eq!(from_route53("AAAA", "2001:DB8:0:0::10"), "2001:db8::10");
        assert_eq!(parse_id("Z123:api.example.com:A"), Some(("Z123".into(), "api.example.com".into(), "A".into())));
    }
}
