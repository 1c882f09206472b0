//! The tags found on what `generate` recorded, in the stack's words: the ones every taggable
//! resource carries become the stack's `tags:` (so the first plan removes none of them); the
//! others — a tag of one resource, which the format cannot say, or one platformctl adds (the
//! load balancer discovery tags of an EKS stack's subnets) — are listed as what the first apply
//! changes. platformctl's own tags (`Name`, `platformctl:*`) are left to the resources' next
//! update (`ResourceState::ownership_tags_pending`).

use std::collections::BTreeMap;

use crate::resource::discovered::FoundTags;
use crate::resource::schema::TAGS;
use crate::resource::tags::OWNERSHIP;
use crate::resource::{DesiredResource, Value};
use crate::state::State;

/// `desired` as expanded without stack tags; `state` as recorded from AWS.
pub fn found_tags(desired: &[DesiredResource], state: &State) -> FoundTags {
    let mut per_resource = Vec::new();
    for d in desired {
        let Some(entry) = state.resources.get(&d.address) else { continue };
        let (Some(Value::Map(wanted)), Some(Value::Map(live))) =
            (d.attrs.get(TAGS.name), entry.attributes.get(TAGS.name))
        else {
            continue;
        };
        let theirs = |tags: &BTreeMap<String, Value>| -> BTreeMap<String, String> {
            tags.iter()
                .filter(|(k, _)| !OWNERSHIP.contains(&k.as_str()))
                .filter_map(|(k, v)| Some((k.clone(), v.as_str()?.to_owned())))
                .collect()
        };
        per_resource.push((d, entry.id.as_deref().unwrap_or_default(), theirs(wanted), theirs(live)));
    }
    let mut found = FoundTags::default();
    if let Some((_, _, _, first)) = per_resource.first() {
        found.common = first
            .iter()
            .filter(|(k, v)| per_resource.iter().all(|(_, _, _, live)| live.get(*k) == Some(*v)))
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect();
    }
    for (d, id, wanted, live) in &per_resource {
        for (k, v) in live.iter().filter(|(k, v)| !found.common.contains_key(*k) && wanted.get(*k) != Some(*v)) {
            found.changes.push(format!(
                "{} ({id}): removes {k}={v} (a tag of one resource, which the format cannot say)",
                d.address
            ));
        }
        for (k, v) in wanted.iter().filter(|(k, v)| live.get(*k) != Some(*v)) {
            found.changes.push(format!("{} ({id}): adds {k}={v}", d.address));
        }
    }
    found
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::resource::{Address, Attrs, Kind};
    use crate::state::ResourceState;

    fn tags(pairs: &[(&str, &str)]) -> Value {
        Value::Map(pairs.iter().map(|(k, v)| (k.to_string(), Value::str(*v))).collect())
    }

    #[test]
    fn tags_every_resource_carries_become_the_stacks_and_the_rest_is_listed() {
        let mut state = State::new("shop", "eu-west-1");
        let mut desired = Vec::new();
        for (address, wanted, live) in [
            ("network.vpc", tags(&[("Name", "shop-vpc")]), tags(&[("team", "web"), ("Name", "prod")])),
            (
                "network.subnet.public[a]",
                tags(&[("kubernetes.io/role/elb", "1")]),
                tags(&[("team", "web"), ("cost", "42")]),
            ),
            ("ecr.api", tags(&[]), tags(&[("team", "web")])),
        ] {
            let address = Address::new(address);
            desired.push(DesiredResource::new(address.clone(), Kind::Vpc, Attrs::from([TAGS.to(wanted)])));
            state.resources.insert(
                address,
                ResourceState {
                    kind: Kind::Vpc,
                    id: Some("id-1".into()),
                    attributes: Attrs::from([TAGS.to(live)]),
                    dependencies: Default::default(),
                    outputs: Default::default(),
                    pending: None,
                    deposed: vec![],
                    renamed: vec![],
                    ownership_tags_pending: true,
                },
            );
        }
        let found = found_tags(&desired, &state);
        assert_eq!(found.common, BTreeMap::from([("team".to_owned(), "web".to_owned())]));
        assert_eq!(
            found.changes,
            [
                "network.subnet.public[a] (id-1): removes cost=42 (a tag of one resource, which the format cannot say)",
                "network.subnet.public[a] (id-1): adds kubernetes.io/role/elb=1",
            ]
        );
    }
}
