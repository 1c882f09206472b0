//! `platformctl drift`: what changed in AWS outside platformctl since the last apply, from the
//! state and a live read only — no stack file comparison, no plan. Each managed attribute AWS
//! reports differently from what was applied, and each resource deleted outside, is named
//! (`render::drift` prints it).

use serde::Serialize;

use crate::resource::{Address, Kind, Live, Observed, Value};
use crate::state::State;

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Drifted {
    pub address: Address,
    pub kind: Kind,
    pub id: String,
    /// The resource is gone from AWS.
    pub deleted: bool,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub attributes: Vec<DriftedAttribute>,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct DriftedAttribute {
    pub name: String,
    /// As platformctl last applied it.
    pub expected: Value,
    /// As AWS has it now.
    pub actual: Value,
}

/// Every drifted resource of the state, by address. Pending creates are not drift.
pub fn detect(state: &State, live: &Live) -> Vec<Drifted> {
    let mut out = Vec::new();
    for (address, recorded) in &state.resources {
        let Some(id) = &recorded.id else { continue };
        match live.get(address) {
            Some(Observed::Present(found)) => {
                let attributes: Vec<DriftedAttribute> = recorded
                    .kind
                    .def()
                    .compared()
                    .filter(|a| recorded.attributes.contains_key(a.name))
                    .filter_map(|a| {
                        let (expected, actual) = (a.get(&recorded.attributes), a.get(&found.attrs));
                        (!a.same(expected, actual)).then(|| DriftedAttribute {
                            name: a.name.to_owned(),
                            expected: expected.clone(),
                            actual: actual.clone(),
                        })
                    })
                    .collect();
                if !attributes.is_empty() {
                    out.push(Drifted {
                        address: address.clone(),
                        kind: recorded.kind,
                        id: id.clone(),
                        deleted: false,
                        attributes,
                    });
                }
            }
            Some(Observed::Absent) | None => out.push(Drifted {
                address: address.clone(),
                kind: recorded.kind,
                id: id.clone(),
                deleted: true,
                attributes: vec![],
            }),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::resource::{Attrs, LiveResource};
    use crate::state::ResourceState;

    #[test]
    fn names_changed_attributes_and_deleted_resources() {
        let mut state = State::new("s", "eu-west-1");
        let entry = |id: &str, cidr: &str| ResourceState {
            kind: Kind::Subnet,
            id: Some(id.into()),
            attributes: Attrs::from([
                ("cidr_block".into(), Value::str(cidr)),
                ("map_public_ip_on_launch".into(), Value::Bool(false)),
            ]),
            dependencies: Default::default(),
            outputs: Attrs::new(),
            pending: None,
            deposed: vec![],
            renamed: vec![],
            ownership_tags_pending: false,
        };
        state.resources.insert(Address::new("a"), entry("subnet-a", "10.0.0.0/24"));
        state.resources.insert(Address::new("b"), entry("subnet-b", "10.0.1.0/24"));
        state.resources.insert(Address::new("c"), entry("subnet-c", "10.0.2.0/24"));
        let live_of = |id: &str, cidr: &str, public: bool| {
            Observed::Present(LiveResource {
                id: id.into(),
                attrs: Attrs::from([
                    ("cidr_block".into(), Value::str(cidr)),
                    ("map_public_ip_on_launch".into(), Value::Bool(public)),
                ]),
                ready: true,
                outputs: Attrs::new(),
            })
        };
        let live = Live::from([
            (Address::new("a"), live_of("subnet-a", "10.0.0.0/24", false)),
            (Address::new("b"), live_of("subnet-b", "10.0.1.0/24", true)),
            (Address::new("c"), Observed::Absent),
        ]);
        let found = detect(&state, &live);
        assert_eq!(found.len(), 2);
        assert_eq!(found[0].attributes[0].name, "map_public_ip_on_launch");
        assert_eq!(found[0].attributes[0].actual, Value::Bool(true));
        assert!(found[1].deleted);
        assert!(crate::render::drift::text(&found).contains("- c (subnet) subnet-c: deleted outside platformctl"));
    }
}
