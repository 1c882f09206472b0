//! `platformctl promote`: turns a `replica_of` replica into a standalone primary — the runbook
//! step seed 001 names as its single point of failure (during a primary-region outage nothing
//! can write until someone promotes the replica).
//!
//! PromoteReadReplica, then a wait until the instance is available with no source; the state
//! records it as it now is, and the replica's secret gets `host` = its own endpoint, so
//! applications that read the secret write to it. Safe to run again after an interruption: a
//! replica already standalone is not promoted twice, the wait and the updates just finish.
//! The stack file still says `replica_of`; the next plan says so and how to keep the instance
//! (`promoted: true`), and apply refuses to replace it without `--allow-data-loss`.

use std::time::Duration;

use anyhow::Context;

use crate::engine::Session;
use crate::model::CrossRegionReplica;
use crate::providers;
use crate::resource::{Address, Attrs, Kind, Value, attr};

/// What a promotion did.
pub struct Promotion {
    pub identifier: String,
    /// False when the instance was already standalone (a promote run again).
    pub sent: bool,
    pub endpoint: Option<String>,
    /// The secret whose `host` now names the instance, if the stack has applied it.
    pub secret: Option<String>,
}

/// The `replica_of` entry ADDRESS names, or an error listing those there are.
pub fn replica_entry<'a>(session: &'a Session, address: &str) -> anyhow::Result<&'a CrossRegionReplica> {
    let replicas = &session.stack.data.replicas_of_others;
    replicas.iter().find(|r| format!("postgres.{}", r.name) == address).ok_or_else(|| {
        let known: Vec<String> = replicas.iter().map(|r| format!("postgres.{}", r.name)).collect();
        anyhow::anyhow!(
            "`{address}` is not a replica of another stack's instance in {}\n  hint: {}",
            session.stack.name,
            if known.is_empty() {
                "promote works on `postgres:` entries with `replica_of`; this stack has none".to_owned()
            } else {
                format!("replicas here: {}", known.join(", "))
            }
        )
    })
}

pub async fn promote(session: &mut Session, address: &str, timeout: Duration) -> anyhow::Result<Promotion> {
    let backup_retention_days = replica_entry(session, address)?.backup_retention_days;
    let key = Address::new(address);
    let identifier = session.state.id_of(&key).map(str::to_owned).with_context(|| {
        format!("{address} is not in the state of {}\n  hint: apply the stack first", session.stack.name)
    })?;
    let (sent, found) =
        providers::promote_read_replica(&session.aws, &key, &identifier, backup_retention_days, timeout).await?;
    let endpoint = found.outputs.get("address").and_then(Value::as_str).map(str::to_owned);

    // The state tells the truth at once, before anything else can fail.
    if let Some(entry) = session.state.resources.get_mut(&key) {
        entry.attributes.extend(found.attrs);
        entry.outputs = found.outputs;
    }
    session.store.write(&mut session.state).await?;

    let secret = Address::new(format!("{address}.secret"));
    let secret_id = session.state.id_of(&secret).map(str::to_owned);
    if let (Some(secret_id), Some(host)) = (&secret_id, &endpoint) {
        let fields = Value::Map([("host".to_owned(), Value::str(host))].into());
        let after = Attrs::from([("secret_id".into(), Value::str(secret_id)), ("fields".into(), fields)]);
        providers::update(&session.aws, Kind::SecretFields, secret_id, &Attrs::new(), &after).await?;
        let recorded = Address::new(format!("{secret}.fields"));
        if let Some(entry) = session.state.resources.get_mut(&recorded)
            && let Value::Map(fields) = attr(&entry.attributes, "fields").clone()
        {
            let mut fields = fields;
            fields.insert("host".to_owned(), Value::str(host));
            entry.attributes.insert("fields".into(), Value::Map(fields));
        }
        session.store.write(&mut session.state).await?;
    }
    Ok(Promotion { identifier, sent, endpoint, secret: secret_id })
}
