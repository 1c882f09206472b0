//! A database entry's parameter groups: one per set of parameters the stack gives (an
//! instance's; an Aurora cluster's and its instances'), named after the entry and the family so
//! that a major upgrade's group stands beside the old one until the switch.

use std::collections::BTreeMap;

use crate::expand::tags;
use crate::kinds::parameter_group::{CREATION_TAGS, DESCRIPTION, FAMILY, NAME, PARAMETERS, REBOOT_INSTANCES};
use crate::model::Stack;
use crate::resource::{Address, Attrs, DesiredResource, Kind, Value};

/// What one group is for.
pub(super) struct Group<'a> {
    /// Where it lives in the plan: `postgres.users.parameters`.
    pub address: Address,
    /// `Kind::DbParameterGroup` or `Kind::DbClusterParameterGroup`.
    pub kind: Kind,
    /// The AWS name: `<stack>-<entry>[-cluster]-<family>`.
    pub name: String,
    pub family: String,
    pub parameters: &'a BTreeMap<String, String>,
    /// The instances to reboot when a static parameter changes (`reboot: allowed`), by
    /// identifier; empty: none.
    pub reboot: Vec<String>,
}

/// The group's resource when it has parameters; what the database names as its group either
/// way: a reference to it, or RDS's default group of the family.
pub(super) fn group(stack: &Stack, g: Group, default: String, out: &mut Vec<DesiredResource>) -> Value {
    if g.parameters.is_empty() {
        return Value::str(default);
    }
    let parameters = g.parameters.iter().map(|(k, v)| (k.clone(), Value::str(v))).collect();
    out.push(DesiredResource::new(
        g.address.clone(),
        g.kind,
        Attrs::from([
            NAME.to(&g.name),
            FAMILY.to(&g.family),
            DESCRIPTION.to(format!("{} of stack {}", g.address, stack.name)),
            PARAMETERS.to(Value::Map(parameters)),
            REBOOT_INSTANCES.to(Value::List(g.reboot.iter().map(Value::str).collect())),
            CREATION_TAGS.to(tags(stack, &g.address, &g.name)),
        ]),
    ));
    Value::Ref(g.address)
}
