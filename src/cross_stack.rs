//! Cross-stack outputs: a stack with `network: { from_stack: networking }` uses the VPC and
//! subnets the `networking` stack created, read from that stack's state (found beside its own
//! on the same backend). Those resources enter this stack's plans as read-only live resources,
//! so references to `network.vpc` or `network.subnet.private[az]` resolve to their ids and
//! nothing here ever creates, changes or deletes them. The using stack records the dependency in
//! its state (`uses_stacks`), and `networking` refuses to be destroyed while a user remains.

use std::collections::BTreeMap;

use ipnet::Ipv4Net;

use crate::model::{AvailabilityZone, NatGateways, Network};
use crate::resource::{Address, LiveResource, attr};
use crate::state::State;

/// The addresses another stack lends: its network.
fn lent(address: &Address) -> bool {
    address.as_str().starts_with("network.")
}

fn cidr(state: &State, address: &str) -> Option<Ipv4Net> {
    let r = state.resources.get(&Address::new(address))?;
    attr(&r.attributes, "cidr_block").as_str()?.parse().ok()
}

/// The network the other stack's state describes: its VPC CIDR, per AZ its public and private
/// subnets, its NAT gateways. `None` when that stack has not applied a network (yet).
pub fn network_of(state: &State) -> Option<Network> {
    let vpc = cidr(state, "network.vpc")?;
    state.id_of(&Address::new("network.vpc"))?;
    let mut azs: BTreeMap<String, (Option<Ipv4Net>, Option<Ipv4Net>)> = BTreeMap::new();
    for address in state.resources.keys() {
        for tier in ["public", "private"] {
            if let Some(az) =
                address.as_str().strip_prefix(&format!("network.subnet.{tier}[")).and_then(|r| r.strip_suffix(']'))
            {
                let entry = azs.entry(az.to_owned()).or_default();
                let block = cidr(state, address.as_str());
                if tier == "public" { entry.0 = block } else { entry.1 = block }
            }
        }
    }
    let azs: Vec<AvailabilityZone> = azs
        .into_iter()
        .map(|(name, (public, private))| Some(AvailabilityZone { name, public: public?, private: private? }))
        .collect::<Option<_>>()?;
    let nats = state.resources.keys().filter(|a| a.as_str().starts_with("network.nat[")).count();
    let nat_gateways = match nats {
        0 => NatGateways::None,
        1 => NatGateways::Single,
        _ => NatGateways::PerAz,
    };
    (!azs.is_empty()).then_some(Network { cidr: vpc, azs, nat_gateways })
}

/// The other stack's network resources as live resources of this plan (ids and outputs only;
/// never compared, never changed).
pub fn lent_resources(state: &State) -> BTreeMap<Address, LiveResource> {
    state
        .resources
        .iter()
        .filter(|(a, _)| lent(a))
        .filter_map(|(a, r)| {
            let id = r.id.clone()?;
            Some((a.clone(), LiveResource { id, attrs: Default::default(), ready: true, outputs: r.outputs.clone() }))
        })
        .collect()
}

/// What a replica in another stack needs of `postgres.<entry>` in this state: identifier, ARN,
/// region, encryption, endpoint and the password secret's ARN. An error says what is missing.
pub fn replica_source(state: &State, replica: &str, entry: &str) -> Result<crate::model::ReplicaSource, String> {
    let address = Address::new(format!("postgres.{entry}"));
    let Some(r) = state.resources.get(&address).filter(|r| r.kind == crate::resource::Kind::DbInstance) else {
        let known: Vec<&str> = state
            .resources
            .iter()
            .filter(|(_, r)| r.kind == crate::resource::Kind::DbInstance)
            .filter_map(|(a, _)| a.as_str().strip_prefix("postgres."))
            .collect();
        return Err(format!(
            "stack `{}` has no applied `postgres.{entry}`{}",
            state.stack,
            if known.is_empty() { String::new() } else { format!(" (it has: {})", known.join(", ")) }
        ));
    };
    let text = |name: &str| attr(&r.attributes, name).as_str().map(str::to_owned);
    let output = |name: &str| state.output_of(&address, name).and_then(|v| v.as_str()).map(str::to_owned);
    let missing = |what: &str| format!("stack `{}` records no {what} for `postgres.{entry}`", state.stack);
    Ok(crate::model::ReplicaSource {
        replica: replica.to_owned(),
        identifier: r.id.clone().ok_or_else(|| missing("identifier (its create is unfinished)"))?,
        arn: output("arn").ok_or_else(|| missing("ARN"))?,
        region: state.region.clone(),
        storage_encrypted: attr(&r.attributes, "storage_encrypted").as_bool().unwrap_or(false),
        address: output("address").ok_or_else(|| missing("endpoint"))?,
        port: attr(&r.attributes, "port").as_int().unwrap_or(5432),
        database: text("db_name").ok_or_else(|| missing("database name"))?,
        username: text("username").ok_or_else(|| missing("master username"))?,
        password_secret_arn: text("password_secret").ok_or_else(|| missing("password secret"))?,
    })
}
