//! Changes AWS would refuse or that cannot be done in one step, found while planning so the
//! user learns it before anything is touched: EKS upgrades one Kubernetes minor version at a
//! time and never downgrades; a replica marked `promoted: true` must really have been promoted;
//! a Redis group keeps its cluster mode and never goes from Valkey back to Redis OSS; an
//! instance keeps the Performance Insights key it was turned on with; PostgreSQL is never
//! downgraded; an EKS cluster's authentication mode only moves towards API, a step at a time.

use super::{Action, Change, Planned};
use crate::kinds::database::{PERFORMANCE_INSIGHTS, PERFORMANCE_INSIGHTS_KMS_KEY};
use crate::kinds::db_read_replica::SOURCE;
use crate::kinds::eks_cluster::{AUTHENTICATION_MODE, VERSION};
use crate::kinds::replication_group::{CLUSTER_MODE, ENGINE};
use crate::model::KubernetesVersion;
use crate::resource::{Kind, Value};

pub(super) fn refusals(changes: &[Change]) -> Vec<String> {
    let upgrades = changes.iter().filter(|c| c.kind == Kind::EksCluster).filter_map(kubernetes_upgrade);
    let promotions = changes.iter().filter(|c| c.kind == Kind::DbReadReplica).filter_map(unpromoted_replica);
    let groups = || changes.iter().filter(|c| c.kind == Kind::ReplicationGroup);
    let cluster_mode = groups().filter_map(cluster_mode_switch);
    let engines = groups().filter_map(engine_downgrade);
    let insights_keys = changes.iter().filter_map(insights_key_change);
    let databases = changes.iter().filter(|c| matches!(c.kind, Kind::DbInstance | Kind::DbCluster));
    let downgrades = databases.filter_map(database_downgrade);
    let modes = changes.iter().filter(|c| c.kind == Kind::EksCluster).filter_map(authentication_mode_change);
    upgrades
        .chain(promotions)
        .chain(cluster_mode)
        .chain(engines)
        .chain(insights_keys)
        .chain(downgrades)
        .chain(modes)
        .collect()
}

/// EKS changes a cluster's authentication mode one way, one step at a time: CONFIG_MAP →
/// API_AND_CONFIG_MAP → API.
fn authentication_mode_change(change: &Change) -> Option<String> {
    const ORDER: [&str; 3] = ["CONFIG_MAP", "API_AND_CONFIG_MAP", "API"];
    let a = change.attributes.iter().find(|a| a.name == AUTHENTICATION_MODE.name)?;
    let (Some(Value::Str(before)), Planned::Known(Value::Str(after))) = (&a.before, &a.after) else { return None };
    let (from, to) = (ORDER.iter().position(|m| m == before)?, ORDER.iter().position(|m| m == after)?);
    let address = &change.address;
    if to < from {
        return Some(format!(
            "{address}: EKS cannot change the authentication mode back from {before} to {after}\n  hint: keep `authentication_mode: {before}`"
        ));
    }
    (to > from + 1).then(|| {
        format!(
            "{address}: EKS moves from {before} to {after} through API_AND_CONFIG_MAP\n  hint: set `authentication_mode: API_AND_CONFIG_MAP` and apply, move the aws-auth mappings to `access:` entries, then set `API`"
        )
    })
}

/// RDS upgrades PostgreSQL and never goes back to an older version.
fn database_downgrade(change: &Change) -> Option<String> {
    let (before, after) = super::databases::versions(change)?;
    crate::kinds::database::is_newer_version(before, after).then(|| {
        format!(
            "{}: RDS cannot downgrade PostgreSQL from {before} to {after}\n  hint: keep `engine_version: \"{before}\"`; to go back, restore a snapshot into a new entry and move the clients",
            change.address
        )
    })
}

/// RDS keeps the KMS key Performance Insights was turned on with: another key on an instance
/// where it stays on cannot be applied. (Turned on in the same change, the key goes with it.)
fn insights_key_change(change: &Change) -> Option<String> {
    let has = |name: &str| change.attributes.iter().any(|a| a.name == name);
    let refused =
        change.action == Action::Update && has(PERFORMANCE_INSIGHTS_KMS_KEY.name) && !has(PERFORMANCE_INSIGHTS.name);
    refused.then(|| {
        format!(
            "{}: RDS keeps the KMS key Performance Insights was turned on with\n  hint: keep the key, or turn `performance_insights` off, apply, and on again with the new key (its history is lost)",
            change.address
        )
    })
}

/// Cluster mode stays what the group was created with: ElastiCache's online way from off to on
/// (ClusterMode `compatible` while clients move, then `enabled`) is not done by platformctl yet,
/// and there is no way back.
fn cluster_mode_switch(change: &Change) -> Option<String> {
    let a = change.attributes.iter().find(|a| a.name == CLUSTER_MODE.name)?;
    let (Some(Value::Bool(before)), Planned::Known(Value::Bool(after))) = (&a.before, &a.after) else { return None };
    if before == after {
        return None;
    }
    let address = &change.address;
    Some(format!(
        "{address}: this turns cluster mode {} (with the shard count or `cluster_mode`), which platformctl does not do in place\n  hint: keep the group as it is, or add a new group under another name, move the clients, then remove this one",
        if *after { "on" } else { "off" },
    ))
}

/// ElastiCache upgrades Redis OSS to Valkey in place and has nothing the other way.
fn engine_downgrade(change: &Change) -> Option<String> {
    let a = change.attributes.iter().find(|a| a.name == ENGINE.name)?;
    let (Some(Value::Str(before)), Planned::Known(Value::Str(after))) = (&a.before, &a.after) else { return None };
    (before == "valkey" && after == "redis").then(|| {
        format!(
            "{}: ElastiCache cannot move a group from Valkey back to Redis OSS\n  hint: keep `engine: valkey`, or add a new Redis OSS group under another name, move the clients, then remove this one",
            change.address
        )
    })
}

/// `promoted: true` in the stack file (no source wanted) while the instance still replicates,
/// or no longer exists: no API call turns the one into the other.
fn unpromoted_replica(change: &Change) -> Option<String> {
    let address = &change.address;
    match change.action {
        Action::Create if !change.attributes.iter().any(|a| a.name == SOURCE.name) => Some(format!(
            "{address}: the stack file says the replica was promoted, but it does not exist\n  hint: remove `promoted: true` to create a new replica, or remove the entry"
        )),
        _ => {
            let a = change.attributes.iter().find(|a| a.name == SOURCE.name)?;
            let (Some(Value::Str(source)), Planned::Known(Value::Null)) = (&a.before, &a.after) else { return None };
            Some(format!(
                "{address}: the stack file says the replica was promoted, but it still replicates {source}\n  hint: run `platformctl promote <stack file> {address}` first"
            ))
        }
    }
}

fn kubernetes_upgrade(change: &Change) -> Option<String> {
    let a = change.attributes.iter().find(|a| a.name == VERSION.name)?;
    let (Some(Value::Str(before)), Planned::Known(Value::Str(after))) = (&a.before, &a.after) else { return None };
    let (from, to) = (KubernetesVersion::parse(before)?, KubernetesVersion::parse(after)?);
    let address = &change.address;
    if to < from {
        return Some(format!(
            "{address}: EKS cannot downgrade Kubernetes from {from} to {to}\n  hint: set `version: \"{from}\"` back; a downgrade means a new cluster"
        ));
    }
    let next = KubernetesVersion { major: from.major, minor: from.minor + 1 };
    if to > next {
        return Some(format!(
            "{address}: EKS upgrades one minor version at a time; {from} → {to} skips {}\n  hint: set `version: \"{next}\"`, apply, and repeat up to {to} (node groups follow each step)",
            skipped(from, to)
        ));
    }
    None
}

fn skipped(from: KubernetesVersion, to: KubernetesVersion) -> String {
    if from.major != to.major {
        return format!("from {from} to another major version");
    }
    (from.minor + 1..to.minor).map(|m| format!("{}.{m}", from.major)).collect::<Vec<_>>().join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::plan::AttrChange;
    use crate::resource::Address;

    /// An update of `address` changing each `(attribute, before, after)`.
    fn update(address: &str, kind: Kind, attributes: &[(&str, Value, Value)]) -> Change {
        Change {
            address: Address::new(address),
            kind,
            action: Action::Update,
            id: Some(address.into()),
            attributes: attributes
                .iter()
                .map(|(name, before, after)| AttrChange {
                    name: (*name).into(),
                    before: Some(before.clone()),
                    after: Planned::Known(after.clone()),
                    forces_replacement: false,
                    drift: false,
                })
                .collect(),
            reasons: vec![],
            drift: false,
        }
    }

    fn upgrade(from: &str, to: &str) -> Vec<String> {
        refusals(&[update("eks.main", Kind::EksCluster, &[("version", Value::str(from), Value::str(to))])])
    }

    #[test]
    fn performance_insights_keeps_the_key_it_was_turned_on_with() {
        let key = |k: &str| ("performance_insights_kms_key", Value::Null, Value::str(k));
        let switched_on = ("performance_insights", Value::Bool(false), Value::Bool(true));
        let another_key = update("postgres.users", Kind::DbInstance, &[key("alias/insights")]);
        let refused = refusals(&[another_key]);
        assert_eq!(refused.len(), 1);
        assert!(refused[0].contains("keeps the KMS key") && refused[0].contains("hint:"), "{}", refused[0]);
        let with_the_switch = update("postgres.users", Kind::DbInstance, &[key("alias/insights"), switched_on]);
        assert!(refusals(&[with_the_switch]).is_empty(), "turned on with its key");
    }

    #[test]
    fn one_minor_version_at_a_time() {
        assert!(upgrade("1.30", "1.31").is_empty());
        let skip = upgrade("1.29", "1.31");
        assert_eq!(skip.len(), 1);
        assert!(skip[0].contains("skips 1.30") && skip[0].contains("version: \"1.30\""), "{}", skip[0]);
        assert!(upgrade("1.31", "1.30")[0].contains("cannot downgrade"));
    }
}
