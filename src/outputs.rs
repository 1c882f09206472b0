//! What applications need from a stack, read from its state: endpoints, ports, reader
//! endpoints, the Redis endpoint (configuration endpoint in cluster mode), secret ARNs, the EKS
//! cluster's endpoint, CA data and OIDC issuer, service account role ARNs, repository URIs. Never a
//! secret value: the state holds none.

use std::collections::BTreeMap;

use crate::resource::{Kind, Value, attr};
use crate::state::State;

/// Outputs by address, e.g. `postgres.users` → `{endpoint, port, secret_arn}`.
pub type Outputs = BTreeMap<String, BTreeMap<String, Value>>;

pub fn collect(state: &State) -> Outputs {
    let mut out = Outputs::new();
    for (address, r) in &state.resources {
        let (fields, secret_attribute): (&[(&str, &str)], Option<&str>) = match r.kind {
            Kind::DbInstance => (&[("endpoint", "address"), ("port", "port"), ("arn", "arn")], Some("password_secret")),
            Kind::DbReadReplica | Kind::DbClusterInstance => (&[("endpoint", "address"), ("port", "port")], None),
            Kind::DbCluster => (
                &[("endpoint", "endpoint"), ("reader_endpoint", "reader_endpoint"), ("port", "port"), ("arn", "arn")],
                Some("password_secret"),
            ),
            Kind::ReplicationGroup => (
                &[("endpoint", "endpoint"), ("reader_endpoint", "reader_endpoint"), ("port", "port")],
                Some("auth_token_secret"),
            ),
            Kind::Secret => (&[("arn", "arn")], None),
            Kind::EksCluster => (
                &[
                    ("endpoint", "endpoint"),
                    ("certificate_authority", "certificate_authority"),
                    ("oidc_issuer", "oidc_issuer"),
                    ("arn", "arn"),
                    ("version", "version"),
                ],
                None,
            ),
            // Service account roles: what a Kubernetes ServiceAccount's annotation needs.
            Kind::IamRole if address.as_str().contains(".service_account[") => (&[("role_arn", "arn")], None),
            Kind::EcrRepository => (&[("uri", "uri"), ("arn", "arn")], None),
            _ => continue,
        };
        let mut entry: BTreeMap<String, Value> = fields
            .iter()
            .filter_map(|(shown, output)| {
                r.outputs.get(*output).filter(|v| **v != Value::Null).map(|v| ((*shown).to_owned(), v.clone()))
            })
            .collect();
        if let Some(secret) = secret_attribute.map(|a| attr(&r.attributes, a)).filter(|v| **v != Value::Null) {
            entry.insert("secret_arn".into(), secret.clone());
        }
        if !entry.is_empty() {
            out.insert(address.to_string(), entry);
        }
    }
    out
}
