//! Reads the live state of everything the state file knows: one batched read per resource
//! kind (all ids of the kind in one describe call, paginated), all kinds concurrently. Where
//! AWS has no batch describe (IAM roles, EKS), the per-resource calls run concurrently too.
//! Pending creates are looked up too, so that a create interrupted after AWS took it is adopted
//! instead of made twice.

use std::collections::BTreeMap;

use platformctl_core::resource::{Kind, Live};
use platformctl_core::state::State;

use crate::{Aws, AwsError, ReadRequest};

#[derive(Debug, thiserror::Error)]
#[error("reading the live {kind} resources failed: {source}")]
pub struct RefreshError {
    pub kind: Kind,
    #[source]
    pub source: AwsError,
}

pub async fn read_live(aws: &Aws, state: &State) -> Result<Live, RefreshError> {
    let mut by_kind: BTreeMap<Kind, Vec<ReadRequest>> = BTreeMap::new();
    for (address, r) in &state.resources {
        by_kind.entry(r.kind).or_default().push(ReadRequest {
            address: address.clone(),
            id: r.id.clone(),
            attrs: r.attributes.clone(),
            outputs: r.outputs.clone(),
        });
    }
    let secrets = state.resources.values().filter(|r| matches!(r.kind, Kind::Secret | Kind::SecretFields));
    let tagged =
        by_kind.iter().filter_map(|(kind, requests)| Some((crate::registry::tag_listing_type(*kind)?, requests.len())));
    let aws = &aws.for_one_read(secrets.filter_map(|r| r.id.as_deref()), tagged);
    let reads = by_kind.iter().map(|(kind, requests)| async move {
        crate::read(aws, *kind, requests).await.map_err(|source| RefreshError { kind: *kind, source })
    });
    let mut live = Live::new();
    for found in futures::future::try_join_all(reads).await? {
        live.extend(found);
    }
    Ok(live)
}
