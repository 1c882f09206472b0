//! Record sets of a hosted zone, one per name, type and set identifier (a routed set: failover,
//! weighted, latency), read with one listing per zone: CREATE (which Route 53 refuses when a
//! record someone else made has that name and type — reported as a conflict, never
//! overwritten, and never adopted after the failed create unless it holds exactly what the
//! create sent), UPSERT for a new TTL, values, failover role, weight, region or health check,
//! DELETE with the values Route 53 holds. Each
//! change is waited for until every Route 53 name server has it. Values travel as the stack
//! writes them: TXT without quotes (split into 255-character strings on the way to Route 53),
//! host names without the final dot.

use std::collections::{BTreeSet, HashMap};

use async_trait::async_trait;
use aws_sdk_route53::types::{
    AliasTarget, Change, ChangeAction, ResourceRecord, ResourceRecordSet, ResourceRecordSetFailover,
    ResourceRecordSetRegion, RrType,
};
use platformctl_core::kinds::dns_record::{
    ALIAS, FAILOVER, HEALTH_CHECK_ID, NAME, REGION, ROUTING, SET_ID, TTL, TYPE, VALUES, WEIGHT, ZONE_ID,
};
use platformctl_core::resource::{Address, Attrs, LiveResource, Observed, Value};

use super::plain_name;
use crate::elb::alias_target;
use crate::error::SdkResultExt;
use crate::registry::{NewResource, Provider};
use crate::{Aws, AwsError, ReadRequest};

pub(crate) struct Record;

#[async_trait]
impl Provider for Record {
    /// One listing per zone (paginated), however many of its records the stack has.
    async fn read(&self, aws: &Aws, requests: &[ReadRequest]) -> Result<Vec<(Address, Observed)>, AwsError> {
        let keys: Vec<Option<Key>> = requests
            .iter()
            .map(|r| match &r.id {
                Some(id) => parse_id(id),
                None => key_of(&r.attrs),
            })
            .collect();
        let listed = list_zones(aws, &keys).await?;
        let mut observed = Vec::new();
        for (r, key) in requests.iter().zip(&keys) {
            let mut found = key.as_ref().and_then(|key| {
                let set = listed.get(key.zone.as_str())?.iter().find(|s| key.is(s))?;
                Some(live(&key.zone, set))
            });
            if let Some(live) = &mut found {
                as_the_stack_names_it(aws, &r.attrs, live).await?;
            }
            // Records carry no tags: after a create that did not finish, a record of that name
            // and type is this stack's only if it holds what the create sent. Anything else is
            // someone else's record (the create was refused for it), never taken over.
            let ours = |live: &LiveResource| {
                r.id.is_some() || [TTL, VALUES, ALIAS].iter().all(|a| a.same(a.get(&r.attrs), a.get(&live.attrs)))
            };
            observed.push((r.address.clone(), found.filter(ours).map_or(Observed::Absent, Observed::Present)));
        }
        Ok(observed)
    }

    /// A record set someone else made with the key of one the stack would create: Route 53
    /// would refuse the CREATE, and platformctl never takes it over. One listing per zone.
    async fn conflicts(&self, aws: &Aws, creates: &[ReadRequest]) -> Result<Vec<(Address, String)>, AwsError> {
        let keys: Vec<Option<Key>> = creates.iter().map(|r| key_of(&r.attrs)).collect();
        let listed = list_zones(aws, &keys).await?;
        Ok(creates
            .iter()
            .zip(&keys)
            .filter_map(|(r, key)| {
                let key = key.as_ref()?;
                let theirs = listed.get(key.zone.as_str())?.iter().find(|s| key.is(s))?;
                let held = live(&key.zone, theirs);
                let set = key.set_id.as_ref().map(|s| format!(" (set `{s}`)")).unwrap_or_default();
                let message = format!(
                    "a {} record `{}`{set} made outside this stack is in the zone already, holding {}\n  hint: platformctl never takes over a record it did not make: delete that one (e.g. in the Route 53 console), or remove this one from the stack",
                    key.record_type,
                    key.name,
                    VALUES.get(&held.attrs)
                );
                Some((r.address.clone(), message))
            })
            .collect())
    }

    async fn create(&self, aws: &Aws, new: &NewResource<'_>) -> Result<String, AwsError> {
        let key = key_of(new.attrs)
            .ok_or_else(|| AwsError::local("ChangeResourceRecordSets", "a record needs its zone, name and type"))?;
        match change(aws, &key.zone, ChangeAction::Create, record_set(aws, new.attrs).await?).await {
            Err(e) if e.message.contains("already exists") => Err(AwsError {
                message: format!(
                    "{} (a {} record `{}` is in the zone already, made outside this stack: platformctl does not take it over — delete it, or remove the record from the stack)",
                    e.message, key.record_type, key.name
                ),
                ..e
            }),
            other => other,
        }?;
        Ok(key.id())
    }

    async fn update(&self, aws: &Aws, id: &str, _before: &Attrs, after: &Attrs) -> Result<(), AwsError> {
        let key = parse_id(id).ok_or_else(|| AwsError::local("ChangeResourceRecordSets", format!("bad id {id}")))?;
        change(aws, &key.zone, ChangeAction::Upsert, record_set(aws, after).await?).await
    }

    async fn delete(&self, aws: &Aws, id: &str, _: &Attrs) -> Result<(), AwsError> {
        let Some(key) = parse_id(id) else { return Ok(()) };
        // DELETE must name the values Route 53 holds now, whatever the state says.
        match find(aws, &key).await? {
            Some(set) => change(aws, &key.zone, ChangeAction::Delete, set).await,
            None => Ok(()),
        }
    }
}

/// What identifies a record set: its zone, name, type and (a routed set) set identifier.
#[derive(Debug, PartialEq)]
struct Key {
    zone: String,
    name: String,
    record_type: String,
    set_id: Option<String>,
}

impl Key {
    /// `<zone>:<name>:<type>`, then `:<set identifier>` for a routed set.
    fn id(&self) -> String {
        let plain = format!("{}:{}:{}", self.zone, self.name, self.record_type);
        match &self.set_id {
            Some(set_id) => format!("{plain}:{set_id}"),
            None => plain,
        }
    }

    /// Whether Route 53's `set` is this one.
    fn is(&self, set: &ResourceRecordSet) -> bool {
        plain_name(set.name()) == self.name
            && set.r#type().as_str() == self.record_type
            && set.set_identifier() == self.set_id.as_deref()
    }
}

/// The key of a record from its id (see [`Key::id`]).
fn parse_id(id: &str) -> Option<Key> {
    let mut parts = id.splitn(4, ':');
    Some(Key {
        zone: parts.next()?.to_owned(),
        name: parts.next()?.to_owned(),
        record_type: parts.next()?.to_owned(),
        set_id: parts.next().map(str::to_owned),
    })
}

fn key_of(attrs: &Attrs) -> Option<Key> {
    Some(Key {
        zone: ZONE_ID.str(attrs)?.to_owned(),
        name: NAME.str(attrs)?.to_owned(),
        record_type: TYPE.str(attrs)?.to_owned(),
        set_id: SET_ID.str(attrs).map(str::to_owned),
    })
}

/// The record set of that key, if the zone has one: the listing from its name and type on,
/// page by page while the sets are of that name and type (the routed sets of one name and type
/// may fill pages; emulators do not all honour a starting set identifier).
async fn find(aws: &Aws, key: &Key) -> Result<Option<ResourceRecordSet>, AwsError> {
    let mut start = (key.name.clone(), RrType::from(key.record_type.as_str()), None::<String>);
    loop {
        let out = aws
            .route53
            .list_resource_record_sets()
            .hosted_zone_id(&key.zone)
            .start_record_name(&start.0)
            .start_record_type(start.1.clone())
            .set_start_record_identifier(start.2.take())
            .send()
            .await
            .aws("ListResourceRecordSets")?;
        let sets = out.resource_record_sets();
        if let Some(found) = sets.iter().find(|s| key.is(s)) {
            return Ok(Some(found.clone()));
        }
        let past =
            sets.last().is_none_or(|s| plain_name(s.name()) != key.name || s.r#type().as_str() != key.record_type);
        match (out.is_truncated(), out.next_record_name(), out.next_record_type()) {
            (true, Some(name), Some(record_type)) if !past => {
                start = (name.to_owned(), record_type.clone(), out.next_record_identifier().map(str::to_owned));
            }
            _ => return Ok(None),
        }
    }
}

/// Every record set of each zone the keys name, the zones listed concurrently; a zone that is
/// gone (or not made yet) holds none.
async fn list_zones<'k>(
    aws: &Aws,
    keys: &'k [Option<Key>],
) -> Result<HashMap<&'k str, Vec<ResourceRecordSet>>, AwsError> {
    let zones: BTreeSet<&str> = keys.iter().flatten().map(|k| k.zone.as_str()).collect();
    let listings = futures::future::try_join_all(zones.into_iter().map(|zone| async move {
        match list_zone(aws, zone).await {
            Ok(sets) => Ok((zone, sets)),
            Err(e) if e.is_not_found() => Ok((zone, Vec::new())),
            Err(e) => Err(e),
        }
    }))
    .await?;
    Ok(listings.into_iter().collect())
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
    let key = Key {
        zone: zone.to_owned(),
        name: plain_name(set.name()),
        record_type: set.r#type().as_str().to_owned(),
        set_id: set.set_identifier().map(str::to_owned),
    };
    let mut values: Vec<String> =
        set.resource_records().iter().map(|r| from_route53(&key.record_type, r.value())).collect();
    values.sort();
    let routing = match (set.failover(), set.weight(), set.region()) {
        (Some(_), ..) => Some("failover"),
        (_, Some(_), _) => Some("weighted"),
        (.., Some(_)) => Some("latency"),
        _ => None,
    };
    LiveResource {
        id: key.id(),
        attrs: Attrs::from([
            ZONE_ID.to(zone),
            NAME.to(key.name.as_str()),
            TYPE.to(key.record_type.as_str()),
            SET_ID.to(key.set_id.as_deref()),
            ROUTING.to(routing),
            TTL.to(set.ttl().map_or(Value::Null, Value::Int)),
            VALUES.to(Value::List(values.into_iter().map(Value::Str).collect())),
            ALIAS.to(set.alias_target().map(|a| plain_name(a.dns_name()))),
            FAILOVER.to(set.failover().map(|f| f.as_str())),
            WEIGHT.to(set.weight()),
            REGION.to(set.region().map(|r| r.as_str())),
            HEALTH_CHECK_ID.to(set.health_check_id()),
        ]),
        ready: true,
        outputs: Attrs::new(),
    }
}

/// An alias record's target as the stack names its load balancer (ARN, name or DNS name),
/// when it points at that load balancer; else the DNS name it points at, which differs.
async fn as_the_stack_names_it(aws: &Aws, wanted: &Attrs, live: &mut LiveResource) -> Result<(), AwsError> {
    let (Some(which), Some(pointed)) = (ALIAS.str(wanted), ALIAS.str(&live.attrs)) else { return Ok(()) };
    if alias_target(aws, which).await?.is_some_and(|t| t.dns_name == pointed) {
        live.attrs.insert(ALIAS.name.to_owned(), Value::str(which));
    }
    Ok(())
}

/// The record set the stack wants: values, or an alias to the load balancer it names.
async fn record_set(aws: &Aws, attrs: &Attrs) -> Result<ResourceRecordSet, AwsError> {
    let alias = match ALIAS.str(attrs) {
        Some(which) => {
            let target = alias_target(aws, which).await?.ok_or_else(|| {
                AwsError::local(
                    "alias",
                    format!("no load balancer `{which}` in {} (the record's `alias`); the AWS Load Balancer Controller makes it from the Ingress or Service: apply again once it exists, or fix the name", aws.region()),
                )
            })?;
            let alias = AliasTarget::builder()
                .dns_name(target.dns_name)
                .hosted_zone_id(target.zone_id)
                // Route 53 answers with the load balancer only while it has healthy targets,
                // which is what failover across regions needs.
                .evaluate_target_health(true)
                .build()
                .map_err(|e| AwsError::local("ChangeResourceRecordSets", e.to_string()))?;
            Some(alias)
        }
        None => None,
    };
    plain_record_set(attrs, alias)
}

fn plain_record_set(attrs: &Attrs, alias: Option<AliasTarget>) -> Result<ResourceRecordSet, AwsError> {
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
        .set_resource_records((!records.is_empty()).then_some(records))
        .set_alias_target(alias)
        .set_set_identifier(SET_ID.str(attrs).map(str::to_owned))
        .set_failover(FAILOVER.str(attrs).map(ResourceRecordSetFailover::from))
        .set_weight(WEIGHT.get(attrs).as_int())
        .set_region(REGION.str(attrs).map(ResourceRecordSetRegion::from))
        .set_health_check_id(HEALTH_CHECK_ID.str(attrs).map(str::to_owned))
        .build()
        .map_err(|e| AwsError::local("ChangeResourceRecordSets", e.to_string()))
}

/// Makes the record set `id` (one of this stack's) the PRIMARY of its failover pair, and the
/// set that was PRIMARY the SECONDARY, in one ChangeResourceRecordSets batch (Route 53 applies
/// a batch whole: never two primaries, never none), waited for until every name server has it.
/// Returns whether it changed anything (not when `id` is the primary already) and the id of
/// the pair's other set, the secondary now (so that a run again after an interruption can still
/// record it).
pub async fn take_over_failover(aws: &Aws, id: &str) -> Result<FailoverTakeover, AwsError> {
    let key = parse_id(id).ok_or_else(|| AwsError::local("ChangeResourceRecordSets", format!("bad record id {id}")))?;
    let sets = list_zone(aws, &key.zone).await?;
    let failover = |s: &ResourceRecordSet| s.failover().map(|f| f.as_str().to_owned());
    let ours = sets.iter().find(|s| key.is(s)).ok_or_else(|| {
        AwsError::local("ListResourceRecordSets", format!("record {id} is not in its zone: apply the stack first"))
    })?;
    let partner = |role: &str| {
        sets.iter().find(|s| {
            plain_name(s.name()) == key.name
                && s.r#type().as_str() == key.record_type
                && !key.is(s)
                && failover(s).as_deref() == Some(role)
        })
    };
    if failover(ours).as_deref() == Some("PRIMARY") {
        let other = partner("SECONDARY").map(|s| live(&key.zone, s).id);
        return Ok(FailoverTakeover { changed: false, other });
    }
    let primary = partner("PRIMARY");
    let mut upserts = vec![with_failover(ours, ResourceRecordSetFailover::Primary)];
    upserts.extend(primary.map(|p| with_failover(p, ResourceRecordSetFailover::Secondary)));
    let changes = upserts
        .into_iter()
        .map(|set| Change::builder().action(ChangeAction::Upsert).resource_record_set(set).build())
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| AwsError::local("ChangeResourceRecordSets", e.to_string()))?;
    // Both in one call of their own, not queued with other changes: this one must not be split.
    super::batch::call(aws, &key.zone, changes).await?;
    Ok(FailoverTakeover { changed: true, other: primary.map(|p| live(&key.zone, p).id) })
}

/// What [`take_over_failover`] did.
#[derive(Debug, PartialEq)]
pub struct FailoverTakeover {
    pub changed: bool,
    /// The record id of the pair's other set (the secondary now), if the zone has one.
    pub other: Option<String>,
}

/// A copy of `set` with another failover role.
fn with_failover(set: &ResourceRecordSet, role: ResourceRecordSetFailover) -> ResourceRecordSet {
    let mut set = set.clone();
    set.failover = Some(role);
    set
}

/// The value of the CNAME `name` in `zone` (plain: lowercase, no final dot), if there is one:
/// how a certificate's provider sees its validation records.
pub(crate) async fn cname_value(aws: &Aws, zone: &str, name: &str) -> Result<Option<String>, AwsError> {
    let key = Key { zone: zone.to_owned(), name: plain_name(name), record_type: "CNAME".to_owned(), set_id: None };
    Ok(find(aws, &key).await?.and_then(|set| set.resource_records().first().map(|r| plain_name(r.value()))))
}

/// Writes (UPSERT) or removes (DELETE, when there) the CNAME `name` → `value` in `zone`.
pub(crate) async fn put_cname(aws: &Aws, zone: &str, name: &str, value: &str, remove: bool) -> Result<(), AwsError> {
    let key = Key { zone: zone.to_owned(), name: plain_name(name), record_type: "CNAME".to_owned(), set_id: None };
    let set = match (remove, find(aws, &key).await?) {
        (true, None) => return Ok(()),
        (true, Some(set)) => set,
        (false, _) => ResourceRecordSet::builder()
            .name(&key.name)
            .r#type(RrType::Cname)
            .ttl(300)
            .resource_records(
                ResourceRecord::builder()
                    .value(plain_name(value))
                    .build()
                    .map_err(|e| AwsError::local("ChangeResourceRecordSets", e.to_string()))?,
            )
            .build()
            .map_err(|e| AwsError::local("ChangeResourceRecordSets", e.to_string()))?,
    };
    change(aws, zone, if remove { ChangeAction::Delete } else { ChangeAction::Upsert }, set).await
}

/// One change of one record set, sent with the zone's other changes of the moment in one
/// batch (see `batch`), waited for until every Route 53 name server has it.
async fn change(aws: &Aws, zone: &str, action: ChangeAction, set: ResourceRecordSet) -> Result<(), AwsError> {
    let change = Change::builder()
        .action(action)
        .resource_record_set(set)
        .build()
        .map_err(|e| AwsError::local("ChangeResourceRecordSets", e.to_string()))?;
    super::batch::send(aws, zone, change).await
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
        let plain = parse_id("Z123:api.example.com:A").unwrap();
        assert_eq!(
            (plain.zone.as_str(), plain.name.as_str(), plain.record_type.as_str()),
            ("Z123", "api.example.com", "A")
        );
        assert_eq!((plain.set_id.as_deref(), plain.id()), (None, "Z123:api.example.com:A".to_owned()));
        let routed = parse_id("Z123:api.example.com:CNAME:eu-west-1").unwrap();
        assert_eq!(
            (routed.set_id.as_deref(), routed.id()),
            (Some("eu-west-1"), "Z123:api.example.com:CNAME:eu-west-1".to_owned())
        );
    }
}
