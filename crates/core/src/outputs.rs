//! What applications need from a stack, read from its state: what each kind declares it shows
//! (`KindDef::shown`) — endpoints, ports, reader endpoints, the Redis endpoint (configuration
//! endpoint in cluster mode), secret ARNs, the EKS cluster's endpoint, CA data and OIDC issuer,
//! service account role ARNs, repository URIs. Never a secret value: the state holds none.

use std::collections::BTreeMap;

use crate::resource::schema::Shown;
use crate::resource::{Kind, Value};
use crate::state::State;

/// Outputs by address, e.g. `postgres.users` → `{endpoint, port, secret_arn}`.
pub type Outputs = BTreeMap<String, BTreeMap<String, Value>>;

pub fn collect(state: &State) -> Outputs {
    let mut out = Outputs::new();
    for (address, r) in &state.resources {
        // Of the IAM roles, only service accounts' are for applications (their ServiceAccount's
        // annotation); the cluster's and the nodes' are the platform's own.
        if r.kind == Kind::IamRole && !address.as_str().contains(".service_account[") {
            continue;
        }
        let entry: BTreeMap<String, Value> = r
            .kind
            .def()
            .shown
            .iter()
            .filter_map(|(name, shown)| {
                let value = match shown {
                    Shown::Output(o) => o.get(&r.outputs)?,
                    Shown::Attr(a) => Some(a.get(&r.attributes)).filter(|v| **v != Value::Null)?,
                };
                Some(((*name).to_owned(), value.clone()))
            })
            .collect();
        if !entry.is_empty() {
            out.insert(address.to_string(), entry);
        }
    }
    out
}
