//! Bringing existing AWS resources under management: `import` (one address, an id the user
//! gives), `state recover` (a lost state rebuilt from what AWS has: resources found by their
//! `platformctl:stack`/`platformctl:address` tags, or by the names and natural keys the stack
//! fixes — the same lookups that adopt an interrupted create) and `generate` (the same, from the
//! ids it discovered).
//!
//! What is recorded is what AWS has now, so the next plan shows exactly how AWS differs from
//! the stack file: nothing, after a recover of an untouched stack.

use std::collections::BTreeMap;

use platformctl_aws::{Aws, AwsError, ReadRequest};
use platformctl_core::graph::Graph;
use platformctl_core::resource::schema::TAGS;
use platformctl_core::resource::tags::STACK_TAG;
use platformctl_core::resource::{Address, Attrs, DesiredResource, LiveResource, Lookup, Observed, Value};
use platformctl_core::state::{ResourceState, State};

#[derive(Debug, thiserror::Error)]
pub enum AdoptError {
    #[error(
        "`{address}` is not a resource of this stack\n  hint: `platformctl plan` lists the addresses; close ones: {near}"
    )]
    UnknownAddress { address: String, near: String },
    #[error(
        "`{address}` is already managed (id {id})\n  hint: `platformctl state rm {address}` first if it should point at another resource"
    )]
    AlreadyManaged { address: String, id: String },
    #[error("no {kind} `{id}` found in AWS for `{address}`\n  hint: check the id and the stack's region")]
    NotFound { address: String, kind: String, id: String },
    #[error(transparent)]
    Aws(#[from] AwsError),
}

/// Resources another stack lends this one (`network: { from_stack }`), by address.
pub type Lent = BTreeMap<Address, LiveResource>;

/// The desired attributes with references resolved from `state` (or what another stack lends)
/// where it can: natural keys of routes and associations need the ids of what they attach to.
fn resolved(d: &DesiredResource, state: &State, lent: &Lent) -> Attrs {
    let id = |a: &Address| state.id_of(a).map(str::to_owned).or_else(|| lent.get(a).map(|l| l.id.clone()));
    let output = |a: &Address, name: &str| {
        state.output_of(a, name).cloned().or_else(|| lent.get(a).and_then(|l| l.outputs.get(name).cloned()))
    };
    let lookup = Lookup { id: &id, output: &output };
    d.attrs.iter().filter_map(|(k, v)| Some((k.clone(), v.resolve(&lookup)?))).collect()
}

fn record(state: &mut State, d: &DesiredResource, found: LiveResource) {
    // Made without platformctl: plans leave its ownership tags to the next update.
    let ownership_tags_pending = match found.attrs.get(TAGS.name) {
        Some(Value::Map(tags)) => !tags.contains_key(STACK_TAG),
        _ => false,
    };
    state.resources.insert(
        d.address.clone(),
        ResourceState {
            kind: d.kind,
            id: Some(found.id),
            attributes: found.attrs,
            dependencies: d.depends_on.clone(),
            outputs: found.outputs,
            pending: None,
            deposed: vec![],
            renamed: vec![],
            ownership_tags_pending,
        },
    );
}

/// Records the resource `id` of AWS as the stack's `address`.
pub async fn import(
    aws: &Aws,
    desired: &[DesiredResource],
    lent: &Lent,
    state: &mut State,
    address: &str,
    id: &str,
) -> Result<(), AdoptError> {
    let Some(d) = desired.iter().find(|d| d.address.as_str() == address) else {
        let near: Vec<&str> = desired
            .iter()
            .map(|d| d.address.as_str())
            .filter(|a| a.split(['.', '[']).next() == address.split(['.', '[']).next())
            .take(8)
            .collect();
        return Err(AdoptError::UnknownAddress { address: address.to_owned(), near: near.join(", ") });
    };
    if let Some(existing) = state.id_of(&d.address) {
        return Err(AdoptError::AlreadyManaged { address: address.to_owned(), id: existing.to_owned() });
    }
    let request = ReadRequest::new(&d.address, Some(id), resolved(d, state, lent));
    match platformctl_aws::read(aws, d.kind, std::slice::from_ref(&request)).await?.pop() {
        Some((_, Observed::Present(found))) => {
            record(state, d, found);
            Ok(())
        }
        _ => Err(AdoptError::NotFound { address: address.to_owned(), kind: d.kind.to_string(), id: id.to_owned() }),
    }
}

/// What a recover found.
#[derive(Debug, Default)]
pub struct Recovered {
    pub found: Vec<Address>,
    pub missing: Vec<Address>,
}

/// Looks every desired resource up in AWS, in dependency order (so references resolve to the
/// ids found before), and records what exists.
pub async fn recover(
    aws: &Aws,
    desired: &[DesiredResource],
    lent: &Lent,
    state: &mut State,
) -> Result<Recovered, AwsError> {
    let by_address: BTreeMap<&Address, &DesiredResource> = desired.iter().map(|d| (&d.address, d)).collect();
    let mut graph = Graph::new();
    for d in desired {
        graph.add_node(d.address.clone());
        for dep in &d.depends_on {
            graph.add_edge(d.address.clone(), dep.clone());
        }
    }
    let order = graph.order().map_err(|e| AwsError::local("recover", e.to_string()))?;
    let mut report = Recovered::default();
    for address in order {
        let d = by_address[&address];
        // An id already recorded (`generate` records those only it can know: a VPC made by
        // hand has no platformctl tags to be found by) is read directly.
        let known = state.id_of(&address).map(str::to_owned);
        let request = ReadRequest::new(&address, known.as_deref(), resolved(d, state, lent));
        match platformctl_aws::read(aws, d.kind, std::slice::from_ref(&request)).await?.pop() {
            Some((_, Observed::Present(found))) => {
                let renamed = state.resources.remove(&address).map(|r| r.renamed).unwrap_or_default();
                record(state, d, found);
                if let Some(entry) = state.resources.get_mut(&address) {
                    entry.renamed = renamed;
                }
                report.found.push(address);
            }
            _ => report.missing.push(address),
        }
    }
    Ok(report)
}
