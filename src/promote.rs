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
use crate::resource::{Address, Attrs, Kind, LiveResource, Value, attr};
use crate::state::State;

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
    record_instance(&mut session.state, &key, found);
    session.store.write(&mut session.state).await?;

    let secret_id = session.state.id_of(&secret_address(address)).map(str::to_owned);
    if let (Some(secret_id), Some(host)) = (&secret_id, &endpoint) {
        let fields = Value::Map([("host".to_owned(), Value::str(host))].into());
        let after = Attrs::from([("secret_id".into(), Value::str(secret_id)), ("fields".into(), fields)]);
        providers::update(&session.aws, Kind::SecretFields, secret_id, &Attrs::new(), &after).await?;
        record_secret_host(&mut session.state, address, host);
        session.store.write(&mut session.state).await?;
    }
    Ok(Promotion { identifier, sent, endpoint, secret: secret_id })
}

fn secret_address(replica: &str) -> Address {
    Address::new(format!("{replica}.secret"))
}

/// The instance as AWS now reports it (no source), over what was applied.
fn record_instance(state: &mut State, key: &Address, found: LiveResource) {
    if let Some(entry) = state.resources.get_mut(key) {
        entry.attributes.extend(found.attrs);
        entry.outputs = found.outputs;
    }
}

/// The secret's fields as now written: `host` is the promoted instance.
fn record_secret_host(state: &mut State, replica: &str, host: &str) {
    let recorded = Address::new(format!("{}.fields", secret_address(replica)));
    if let Some(entry) = state.resources.get_mut(&recorded)
        && let Value::Map(mut fields) = attr(&entry.attributes, "fields").clone()
    {
        fields.insert("host".to_owned(), Value::str(host));
        entry.attributes.insert("fields".into(), Value::Map(fields));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::state::ResourceState;

    fn entry(kind: Kind, attributes: Attrs) -> ResourceState {
        ResourceState {
            kind,
            id: Some("id".into()),
            attributes,
            dependencies: Default::default(),
            outputs: Attrs::new(),
            pending: None,
            deposed: vec![],
        }
    }

    #[test]
    fn the_state_records_the_promoted_instance_and_its_secrets_host() {
        let mut state = State::new("user-service-dr", "eu-central-1");
        let replica = Address::new("postgres.users-replica");
        let applied = Attrs::from([
            ("source".into(), Value::str("user-service-users")),
            ("source_arn".into(), Value::str("arn:aws:rds:eu-west-1:1:db:user-service-users")),
        ]);
        state.resources.insert(replica.clone(), entry(Kind::DbReadReplica, applied));
        let fields = Value::Map(
            [("host".to_owned(), Value::str("primary.example")), ("reader_host".to_owned(), Value::str("dr.example"))]
                .into(),
        );
        let fields_address = Address::new("postgres.users-replica.secret.fields");
        state
            .resources
            .insert(fields_address.clone(), entry(Kind::SecretFields, Attrs::from([("fields".into(), fields)])));

        let found = LiveResource {
            id: "user-service-dr-users-replica".into(),
            attrs: Attrs::from([("source".into(), Value::Null)]),
            ready: true,
            outputs: Attrs::from([("address".into(), Value::str("dr.example"))]),
        };
        record_instance(&mut state, &replica, found);
        record_secret_host(&mut state, "postgres.users-replica", "dr.example");

        let recorded = &state.resources[&replica];
        assert_eq!(attr(&recorded.attributes, "source"), &Value::Null, "no source any more");
        assert_eq!(
            attr(&recorded.attributes, "source_arn").as_str(),
            Some("arn:aws:rds:eu-west-1:1:db:user-service-users")
        );
        assert_eq!(recorded.outputs["address"], Value::str("dr.example"));
        let fields = attr(&state.resources[&fields_address].attributes, "fields").as_map().unwrap().clone();
        assert_eq!((fields["host"].as_str(), fields["reader_host"].as_str()), (Some("dr.example"), Some("dr.example")));
    }
}
