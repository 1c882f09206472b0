//! What a plan says about databases beyond their attribute changes: that an engine version
//! change is a major upgrade (in place, never a replacement), that a parameter waits for a
//! restart, and which instances RDS holds pending reboot that platformctl may not restart.

use std::collections::BTreeMap;

use super::{Action, Change, Planned};
use crate::kinds::database::{
    ENGINE_VERSION, PENDING_REBOOT, is_newer_version, major_version as major, out::PARAMETER_STATUS,
};
use crate::kinds::parameter_group::{PARAMETERS, REBOOT_INSTANCES, is_static};
use crate::resource::{Address, DesiredResource, Kind, LiveResource, Value};

/// Adds the reasons: a major upgrade, parameters that apply only after a restart.
pub(super) fn explain(changes: &mut [Change], desired: &BTreeMap<Address, DesiredResource>) {
    for change in changes.iter_mut().filter(|c| c.action == Action::Update) {
        let reason = match change.kind {
            Kind::DbInstance | Kind::DbCluster => major_upgrade(change),
            Kind::DbParameterGroup | Kind::DbClusterParameterGroup => {
                restart_needed(change, desired.get(&change.address))
            }
            _ => None,
        };
        change.reasons.extend(reason);
    }
}

/// `engine_version` from one major version to a higher one.
fn major_upgrade(change: &Change) -> Option<String> {
    let (before, after) = versions(change)?;
    (major(before) != major(after) && is_newer_version(after, before)).then(|| {
        format!(
            "major version upgrade {before} → {after}, in place (AllowMajorVersionUpgrade) with the parameter group of the new family; RDS restarts the database and keeps its data"
        )
    })
}

/// The engine version before and after an update that changes it.
pub(super) fn versions(change: &Change) -> Option<(&str, &str)> {
    let a = change.attributes.iter().find(|a| a.name == ENGINE_VERSION.name)?;
    match (&a.before, &a.after) {
        (Some(Value::Str(before)), Planned::Known(Value::Str(after))) => Some((before, after)),
        _ => None,
    }
}

/// Changed parameters that PostgreSQL applies only at a restart, and what happens then.
fn restart_needed(change: &Change, desired: Option<&DesiredResource>) -> Option<String> {
    let a = change.attributes.iter().find(|a| a.name == PARAMETERS.name)?;
    let empty = BTreeMap::new();
    let before = match &a.before {
        Some(Value::Map(m)) => m,
        _ => &empty,
    };
    let Planned::Known(Value::Map(after)) = &a.after else { return None };
    let mut names: Vec<&str> = before.keys().chain(after.keys()).map(String::as_str).collect();
    names.sort_unstable();
    names.dedup();
    let restart: Vec<&str> = names.into_iter().filter(|n| is_static(n) && before.get(*n) != after.get(*n)).collect();
    if restart.is_empty() {
        return None;
    }
    let reboot = desired.map(|d| REBOOT_INSTANCES.strings(&d.attrs)).unwrap_or_default();
    let then = if reboot.is_empty() {
        "its instances stay pending reboot until they restart (`reboot: allowed` lets platformctl restart them)"
            .to_owned()
    } else {
        format!("platformctl reboots {} after the change (`reboot: allowed`)", reboot.join(", "))
    };
    Some(format!("`{}` applies only after a restart: {then}", restart.join("`, `")))
}

/// Instances RDS reports pending reboot whose stack does not let platformctl restart them.
pub(super) fn pending_reboots(
    desired: &BTreeMap<Address, DesiredResource>,
    live: &BTreeMap<Address, LiveResource>,
) -> Vec<String> {
    live.iter()
        .filter(|(address, l)| {
            let allowed = desired.get(*address).is_some_and(|d| PENDING_REBOOT.get(&d.attrs) != &Value::Null);
            !allowed && PARAMETER_STATUS.get(&l.outputs).and_then(Value::as_str) == Some("pending-reboot")
        })
        .map(|(address, l)| {
            format!(
                "{address} ({}) is pending reboot: RDS applies its changed static parameters when it next restarts\n  hint: reboot it at a quiet hour (`aws rds reboot-db-instance --db-instance-identifier {}`), or set `reboot: allowed` on its database and apply",
                l.id, l.id
            )
        })
        .collect()
}
