//! `platformctl promote`: turns a `replica_of` replica into a standalone primary — the runbook
//! step seed 001 names as its single point of failure (during a primary-region outage nothing
//! can write until someone promotes the replica).
//!
//! PromoteReadReplica, then a wait until the instance is available with no source; the state
//! records it as it now is, and the replica's secret gets `host` = its own endpoint, so
//! applications that read the secret write to it. Both are recorded through the same journal
//! apply uses, each as soon as AWS has it. Safe to run again after an interruption: a replica
//! already standalone is not promoted twice, the wait and the updates just finish. The stack
//! file still says `replica_of`; the next plan says so and how to keep the instance
//! (`promoted: true`), and apply refuses to replace it without `--allow-data-loss`.

use std::path::Path;
use std::time::Duration;

use anyhow::Context;
use platformctl_aws::ReadRequest;
use platformctl_core::kinds::{db_read_replica, secret_fields};
use platformctl_core::model::CrossRegionReplica;
use platformctl_core::resource::{Address, Attrs, Kind, LiveResource, Observed, Value};

use super::with_session;
use crate::engine::journal::Journal;
use crate::engine::{Session, SessionOptions};

/// What a promotion did.
pub struct Promotion {
    pub identifier: String,
    /// False when the instance was already standalone (a promote run again).
    pub sent: bool,
    pub endpoint: Option<String>,
    /// The secret whose `host` now names the instance, if the stack has applied it.
    pub secret: Option<String>,
}

/// What the confirmation question names: the replica's source.
pub struct Replica {
    pub stack: String,
    pub region: String,
    pub source_stack: String,
    pub source_postgres: String,
}

/// What `promote` did: the replica promoted, the failover records turned round (`--dns`).
pub struct Promoted {
    pub promotion: Option<Promotion>,
    pub dns: Vec<super::promote_dns::DnsFlip>,
}

/// Promotes `address` of `stack` (if given) and, with `dns`, turns the stack's failover records
/// into the primaries, after `confirm` agreed (it is asked about the replica, or `None` for DNS
/// alone). `None` when it did not.
pub async fn promote(
    stack: &Path,
    address: Option<&str>,
    dns: bool,
    timeout: Option<Duration>,
    options: &SessionOptions,
    confirm: impl AsyncFnOnce(Option<&Replica>) -> anyhow::Result<bool>,
) -> anyhow::Result<Option<Promoted>> {
    with_session(stack, "promote", options, false, async |session| {
        let entry = match address {
            Some(address) => Some(replica_entry(session, address)?.clone()),
            None => None,
        };
        let replica = entry.as_ref().map(|entry| Replica {
            stack: session.stack.name.clone(),
            region: session.stack.region.clone(),
            source_stack: entry.source_stack.clone(),
            source_postgres: entry.source_postgres.clone(),
        });
        if !confirm(replica.as_ref()).await? {
            return Ok(None);
        }
        let promotion = match (address, entry) {
            (Some(address), Some(entry)) => {
                let timeout = timeout.unwrap_or_else(|| Kind::DbReadReplica.default_wait_timeout());
                Some(promote_in(session, address, entry.backup_retention_days, timeout).await?)
            }
            _ => None,
        };
        let dns = if dns { super::promote_dns::take_over_dns(session).await? } else { Vec::new() };
        Ok(Some(Promoted { promotion, dns }))
    })
    .await
}

/// The `replica_of` entry ADDRESS names, or an error listing those there are.
fn replica_entry<'a>(session: &'a Session, address: &str) -> anyhow::Result<&'a CrossRegionReplica> {
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

async fn promote_in(
    session: &mut Session,
    address: &str,
    backup_retention_days: i64,
    timeout: Duration,
) -> anyhow::Result<Promotion> {
    let key = Address::new(address);
    let identifier = session.state.id_of(&key).map(str::to_owned).with_context(|| {
        format!("{address} is not in the state of {}\n  hint: apply the stack first", session.stack.name)
    })?;
    let (sent, found) =
        platformctl_aws::promote_read_replica(&session.aws, &key, &identifier, backup_retention_days, timeout).await?;
    let journal = Journal::new(session.state.clone(), session.store.clone());
    let recorded = record_promotion(&session.aws, &journal, &key, found).await;
    session.state = journal.into_state();
    let (endpoint, secret) = recorded?;
    Ok(Promotion { identifier, sent, endpoint, secret })
}

/// Records the promoted instance as AWS now reports it (the state tells the truth at once,
/// before anything else can fail), then points the replica's secret's `host` at it and records
/// that. Returns the endpoint and the secret's ARN.
async fn record_promotion(
    aws: &platformctl_aws::Aws,
    journal: &Journal,
    key: &Address,
    found: LiveResource,
) -> anyhow::Result<(Option<String>, Option<String>)> {
    let endpoint = db_read_replica::out::ADDRESS.get(&found.outputs).and_then(Value::as_str).map(str::to_owned);
    journal.observed(key, found).await?;
    let fields_address = Address::new(format!("{key}.secret.fields"));
    let Some(fields) = journal.entry(&fields_address).await else { return Ok((endpoint, None)) };
    let (Some(secret_id), Some(host)) = (fields.id.clone(), endpoint.clone()) else { return Ok((endpoint, None)) };
    let change = Attrs::from([
        secret_fields::SECRET_ID.to(&secret_id),
        secret_fields::FIELDS.to(Value::Map([("host".to_owned(), Value::str(&host))].into())),
    ]);
    platformctl_aws::update(aws, Kind::SecretFields, &secret_id, &Attrs::new(), &change).await?;
    let attributes = with_host(&fields.attributes, &host);
    journal.updated(&fields_address, attributes.clone(), &fields.dependencies).await?;
    // The secret's version now holding the fields, so that plans see them as written.
    let request = ReadRequest {
        address: fields_address.clone(),
        id: Some(secret_id.clone()),
        attrs: attributes,
        outputs: fields.outputs,
    };
    if let Some((_, Observed::Present(live))) = platformctl_aws::read(aws, Kind::SecretFields, &[request]).await?.pop()
    {
        journal.outputs(&fields_address, live.outputs).await?;
    }
    Ok((endpoint, Some(secret_id)))
}

/// A secret's recorded fields with `host` naming the promoted instance.
fn with_host(attributes: &Attrs, host: &str) -> Attrs {
    let mut attributes = attributes.clone();
    let mut fields = secret_fields::FIELDS.map(&attributes).cloned().unwrap_or_default();
    fields.insert("host".to_owned(), Value::str(host));
    attributes.insert(secret_fields::FIELDS.name.to_owned(), Value::Map(fields));
    attributes
}

#[cfg(test)]
mod tests {
    use platformctl_core::state::{ResourceState, State, Store};

    use super::*;

    fn entry(kind: Kind, attributes: Attrs) -> ResourceState {
        ResourceState {
            kind,
            id: Some("id".into()),
            attributes,
            dependencies: Default::default(),
            outputs: Attrs::new(),
            pending: None,
            deposed: vec![],
            renamed: vec![],
            ownership_tags_pending: false,
        }
    }

    #[tokio::test]
    async fn the_state_records_the_promoted_instance_and_its_secrets_host() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::local(&dir.path().join("dr.yaml"), "user-service-dr", None, None);
        let mut state = State::new("user-service-dr", "eu-central-1");
        let replica = Address::new("postgres.users-replica");
        let applied = Attrs::from([
            db_read_replica::SOURCE.to("user-service-users"),
            db_read_replica::SOURCE_ARN.to("arn:aws:rds:eu-west-1:1:db:user-service-users"),
        ]);
        state.resources.insert(replica.clone(), entry(Kind::DbReadReplica, applied));
        let fields = Value::Map(
            [("host".to_owned(), Value::str("primary.example")), ("reader_host".to_owned(), Value::str("dr.example"))]
                .into(),
        );
        let fields_address = Address::new("postgres.users-replica.secret.fields");
        let recorded_fields = Attrs::from([secret_fields::FIELDS.to(fields)]);
        state.resources.insert(fields_address.clone(), entry(Kind::SecretFields, recorded_fields.clone()));

        let journal = Journal::new(state, store.clone());
        let found = LiveResource {
            id: "user-service-dr-users-replica".into(),
            attrs: Attrs::from([db_read_replica::SOURCE.to(Value::Null)]),
            ready: true,
            outputs: Attrs::from([db_read_replica::out::ADDRESS.to("dr.example")]),
        };
        journal.observed(&replica, found).await.unwrap();
        journal.updated(&fields_address, with_host(&recorded_fields, "dr.example"), &Default::default()).await.unwrap();
        let state = journal.into_state();

        let recorded = &state.resources[&replica];
        assert_eq!(db_read_replica::SOURCE.get(&recorded.attributes), &Value::Null, "no source any more");
        assert_eq!(
            db_read_replica::SOURCE_ARN.str(&recorded.attributes),
            Some("arn:aws:rds:eu-west-1:1:db:user-service-users")
        );
        assert_eq!(recorded.outputs["address"], Value::str("dr.example"));
        let fields = secret_fields::FIELDS.map(&state.resources[&fields_address].attributes).unwrap().clone();
        assert_eq!((fields["host"].as_str(), fields["reader_host"].as_str()), (Some("dr.example"), Some("dr.example")));
        // Every step was saved as it happened.
        assert_eq!(store.read("user-service-dr", "eu-central-1").await.unwrap(), state);
    }

    /// The whole success path after PromoteReadReplica, on the real SDK clients against
    /// aws-smithy-mocks answers (moto never completes a promotion, ministack has none): the
    /// wait ends available without a source, the state records the instance so, and the
    /// replica's secret gets `host` = the instance's endpoint (its password kept) with the new
    /// secret version recorded.
    #[tokio::test]
    async fn a_completed_promotion_points_the_secret_at_the_instance() {
        use aws_sdk_rds::operation::describe_db_instances::DescribeDbInstancesOutput;
        use aws_sdk_rds::operation::promote_read_replica::PromoteReadReplicaOutput;
        use aws_sdk_rds::types::{DbInstance, Endpoint};
        use aws_sdk_secretsmanager::operation::describe_secret::DescribeSecretOutput;
        use aws_sdk_secretsmanager::operation::get_secret_value::GetSecretValueOutput;
        use aws_sdk_secretsmanager::operation::put_secret_value::PutSecretValueOutput;
        use aws_smithy_mocks::{MockResponseInterceptor, Rule, RuleMode, create_mock_http_client, mock};

        const ID: &str = "user-service-dr-users-replica";
        const SECRET: &str = "arn:aws:secretsmanager:eu-central-1:1:secret:user-service-dr/users-replica";
        let endpoint = format!("{ID}.abc.eu-central-1.rds.amazonaws.com");
        let interceptor = |rules: &[&Rule]| {
            rules.iter().fold(MockResponseInterceptor::new().rule_mode(RuleMode::Sequential), |i, r| i.with_rule(r))
        };
        let instance = |status: &str, source: Option<&str>| {
            let db = DbInstance::builder()
                .db_instance_identifier(ID)
                .db_instance_status(status)
                .set_read_replica_source_db_instance_identifier(source.map(str::to_owned))
                .endpoint(
                    Endpoint::builder().address(format!("{ID}.abc.eu-central-1.rds.amazonaws.com")).port(5432).build(),
                )
                .build();
            DescribeDbInstancesOutput::builder().db_instances(db).build()
        };
        let before = mock!(aws_sdk_rds::Client::describe_db_instances)
            .then_output(move || instance("available", Some("arn:aws:rds:eu-west-1:1:db:user-service-users")));
        let promoted = mock!(aws_sdk_rds::Client::promote_read_replica)
            .match_requests(|r| r.db_instance_identifier() == Some(ID) && r.backup_retention_period() == Some(7))
            .then_output(|| PromoteReadReplicaOutput::builder().build());
        let after = mock!(aws_sdk_rds::Client::describe_db_instances).then_output(move || instance("available", None));
        let rds_config = aws_sdk_rds::Config::builder()
            .behavior_version(aws_sdk_rds::config::BehaviorVersion::latest())
            .region(aws_sdk_rds::config::Region::new("eu-central-1"))
            .credentials_provider(aws_sdk_rds::config::Credentials::new("test", "test", None, None, "test"))
            .http_client(create_mock_http_client())
            .interceptor(interceptor(&[&before, &promoted, &after]))
            .build();

        let current = mock!(aws_sdk_secretsmanager::Client::get_secret_value).then_output(|| {
            GetSecretValueOutput::builder()
                .secret_string(
                    r#"{"password":"copied","host":"primary.example","reader_host":"replica.example","port":5432}"#,
                )
                .build()
        });
        let host = endpoint.clone();
        let put = mock!(aws_sdk_secretsmanager::Client::put_secret_value)
            .match_requests(move |r| {
                let written: serde_json::Value = serde_json::from_str(r.secret_string().unwrap_or("{}")).unwrap();
                r.secret_id() == Some(SECRET) && written["host"] == host.as_str() && written["password"] == "copied"
            })
            .then_output(|| PutSecretValueOutput::builder().version_id("v2").build());
        let described = mock!(aws_sdk_secretsmanager::Client::describe_secret).then_output(|| {
            DescribeSecretOutput::builder()
                .version_ids_to_stages("v1", vec!["AWSPREVIOUS".to_owned()])
                .version_ids_to_stages("v2", vec!["AWSCURRENT".to_owned()])
                .build()
        });
        let secrets_config = aws_sdk_secretsmanager::Config::builder()
            .behavior_version(aws_sdk_secretsmanager::config::BehaviorVersion::latest())
            .region(aws_sdk_secretsmanager::config::Region::new("eu-central-1"))
            .credentials_provider(aws_sdk_secretsmanager::config::Credentials::new("test", "test", None, None, "test"))
            .http_client(create_mock_http_client())
            .interceptor(interceptor(&[&current, &put, &described]))
            .build();

        // Clients for everything else are made but never called.
        let mut aws = platformctl_aws::Aws::connect("user-service-dr", "eu-central-1", &Default::default()).await;
        aws.rds = aws_sdk_rds::Client::from_conf(rds_config);
        aws.secrets = aws_sdk_secretsmanager::Client::from_conf(secrets_config);

        let dir = tempfile::tempdir().unwrap();
        let store = Store::local(&dir.path().join("dr.yaml"), "user-service-dr", None, None);
        let mut state = State::new("user-service-dr", "eu-central-1");
        let replica = Address::new("postgres.users-replica");
        let mut replica_entry =
            entry(Kind::DbReadReplica, Attrs::from([db_read_replica::SOURCE.to("user-service-users")]));
        replica_entry.id = Some(ID.into());
        state.resources.insert(replica.clone(), replica_entry);
        let fields_address = Address::new("postgres.users-replica.secret.fields");
        let fields = Value::Map(
            [
                ("host".to_owned(), Value::str("primary.example")),
                ("reader_host".to_owned(), Value::str("replica.example")),
            ]
            .into(),
        );
        let mut fields_entry = entry(
            Kind::SecretFields,
            Attrs::from([secret_fields::SECRET_ID.to(SECRET), secret_fields::FIELDS.to(fields)]),
        );
        fields_entry.id = Some(SECRET.into());
        fields_entry.outputs = Attrs::from([secret_fields::out::VERSION_ID.to("v1")]);
        state.resources.insert(fields_address.clone(), fields_entry);

        let timeout = std::time::Duration::from_secs(30);
        let (sent, found) = platformctl_aws::promote_read_replica(&aws, &replica, ID, 7, timeout).await.unwrap();
        assert!(sent);
        let journal = Journal::new(state, store.clone());
        let (recorded_endpoint, secret) = record_promotion(&aws, &journal, &replica, found).await.unwrap();
        assert_eq!(recorded_endpoint.as_deref(), Some(endpoint.as_str()));
        assert_eq!(secret.as_deref(), Some(SECRET));
        assert_eq!((promoted.num_calls(), put.num_calls()), (1, 1), "promoted once, the secret written once");

        let state = journal.into_state();
        assert_eq!(db_read_replica::SOURCE.get(&state.resources[&replica].attributes), &Value::Null, "standalone now");
        let recorded = &state.resources[&fields_address];
        let fields = secret_fields::FIELDS.map(&recorded.attributes).unwrap();
        assert_eq!(fields["host"].as_str(), Some(endpoint.as_str()), "writes go to the promoted instance");
        assert_eq!(fields["reader_host"].as_str(), Some("replica.example"));
        assert_eq!(
            secret_fields::out::VERSION_ID.get(&recorded.outputs),
            Some(&Value::str("v2")),
            "plans see the fields as written"
        );
        assert_eq!(store.read("user-service-dr", "eu-central-1").await.unwrap(), state, "every step saved");
    }
}
