//! Reading what a stack uses of other stacks from their states, when a session opens: the
//! network it borrows (`network: { from_stack }`), its peers' networks, its replicas' sources,
//! the hosted zones it adds records to (`dns.zones.<name>.from_stack`), the VPCs its private
//! zones answer in (`dns.zones.<name>.vpcs`).
//! The result is a `Neighbours` beside the validated stack (platformctl-core's `cross_stack`
//! checks what it finds); the stack itself is never changed.

use anyhow::Context;
use platformctl_core::cross_stack::{self, Neighbours, PeerNetwork};
use platformctl_core::model::Stack;
use platformctl_core::resource::Address;
use platformctl_core::state::Store;

/// What a session found of the other stacks.
pub struct Met {
    pub neighbours: Neighbours,
    /// The stacks this one relies on now: their destroy is refused while it has resources.
    pub uses: Vec<String>,
    /// Stacks only promoted replicas named: no longer relied on.
    pub no_longer_used: Vec<String>,
}

/// Reads the other stacks' states beside `store` for what `stack` needs of them.
pub async fn meet(stack: &Stack, store: &Store) -> anyhow::Result<Met> {
    let mut met = Met { neighbours: Neighbours::default(), uses: Vec::new(), no_longer_used: Vec::new() };
    borrow_network(stack, store, &mut met).await?;
    meet_peers(stack, store, &mut met).await?;
    meet_replica_sources(stack, store, &mut met).await?;
    borrow_zones(stack, store, &mut met).await?;
    meet_zone_vpcs(stack, store, &mut met).await?;
    met.no_longer_used.retain(|s| !met.uses.contains(s));
    Ok(met)
}

fn hint(stack: &str) -> String {
    format!("apply `{stack}` first (its state sits beside this stack's: same backend settings)")
}

/// With `network: { from_stack }`: the other stack's network (for expansion) and its
/// resources (lent to plans).
async fn borrow_network(stack: &Stack, store: &Store, met: &mut Met) -> anyhow::Result<()> {
    let Some(from) = stack.network_from.clone() else { return Ok(()) };
    let other = store.sibling(&from);
    let state = other.read(&from, &stack.region).await?;
    let network = cross_stack::network_of(&state).with_context(|| {
        format!("stack `{from}` has no applied network in {}\n  hint: {}", other.location(), hint(&from))
    })?;
    met.neighbours.network = Some(network);
    met.neighbours.lent = cross_stack::lent_resources(&state);
    met.uses.push(from);
    Ok(())
}

/// Each peer's VPC, CIDR, region and private route tables; overlapping CIDRs are refused.
async fn meet_peers(stack: &Stack, store: &Store, met: &mut Met) -> anyhow::Result<()> {
    let own = stack.network.as_ref().map(|n| n.cidr);
    for (peering, peer) in &stack.peerings {
        let other = store.sibling(peer);
        let state = other.read_existing(peer).await?.with_context(|| {
            format!("peering `{peering}`: stack `{peer}` has no state in {}\n  hint: {}", other.location(), hint(peer))
        })?;
        let network = cross_stack::network_of(&state).with_context(|| {
            format!("peering `{peering}`: stack `{peer}` has no applied network\n  hint: {}", hint(peer))
        })?;
        if let Some(own) = own
            && platformctl_core::model::overlaps(own, network.cidr)
        {
            anyhow::bail!(
                "peering `{peering}`: this stack's CIDR {own} overlaps `{peer}`'s {}\n  hint: peered VPCs need disjoint address ranges; pick another `network.cidr`",
                network.cidr
            );
        }
        let vpc_id = state.id_of(&Address::new("network.vpc")).unwrap_or_default().to_owned();
        let private_route_tables = network
            .azs
            .iter()
            .filter_map(|az| {
                let address = Address::new(format!("network.route_table.private[{}]", az.name));
                Some((az.name.clone(), state.id_of(&address)?.to_owned()))
            })
            .collect();
        met.neighbours.peers.push(PeerNetwork {
            peering: peering.clone(),
            stack: peer.clone(),
            region: state.region.clone(),
            vpc_id,
            cidr: network.cidr,
            private_route_tables,
        });
        met.uses.push(peer.clone());
    }
    Ok(())
}

/// Each zone of another stack this one adds records to, lent to plans (its id, for the records).
async fn borrow_zones(stack: &Stack, store: &Store, met: &mut Met) -> anyhow::Result<()> {
    for zone in &stack.dns {
        let Some(owner) = &zone.from_stack else { continue };
        let other = store.sibling(owner);
        let state = other.read_existing(owner).await?.with_context(|| {
            format!(
                "dns.zones.{}: stack `{owner}` has no state in {}\n  hint: {}",
                zone.name,
                other.location(),
                hint(owner)
            )
        })?;
        let (address, lent) =
            cross_stack::lent_zone(&state, &zone.name).map_err(|e| anyhow::anyhow!("dns.zones.{}: {e}", zone.name))?;
        met.neighbours.lent.insert(address, lent);
        if !met.uses.contains(owner) {
            met.uses.push(owner.clone());
        }
    }
    Ok(())
}

/// The VPC of each stack a private zone of this one answers in.
async fn meet_zone_vpcs(stack: &Stack, store: &Store, met: &mut Met) -> anyhow::Result<()> {
    for zone in &stack.dns {
        for other in &zone.vpcs {
            if met.neighbours.vpcs.contains_key(other) {
                continue;
            }
            let store = store.sibling(other);
            let state = store.read_existing(other).await?.with_context(|| {
                format!(
                    "dns.zones.{}.vpcs: stack `{other}` has no state in {}\n  hint: {}",
                    zone.name,
                    store.location(),
                    hint(other)
                )
            })?;
            let vpc = cross_stack::vpc_of(&state).with_context(|| {
                format!("dns.zones.{}.vpcs: stack `{other}` has no applied network\n  hint: {}", zone.name, hint(other))
            })?;
            met.neighbours.vpcs.insert(other.clone(), vpc);
            if !met.uses.contains(other) {
                met.uses.push(other.clone());
            }
        }
    }
    Ok(())
}

/// The source of each `replica_of` entry, from its stack's state (checked there, see
/// `cross_stack::replica_source`). A promoted replica needs nothing of its old source, which
/// may be gone with its region.
async fn meet_replica_sources(stack: &Stack, store: &Store, met: &mut Met) -> anyhow::Result<()> {
    for replica in &stack.data.replicas_of_others {
        let source = &replica.source_stack;
        if replica.promoted {
            met.no_longer_used.push(source.clone());
            continue;
        }
        let other = store.sibling(source);
        let state = other.read_existing(source).await?.with_context(|| {
            format!(
                "postgres.{}: stack `{source}` has no state in {}\n  hint: {}",
                replica.name,
                other.location(),
                hint(source)
            )
        })?;
        let found = cross_stack::replica_source(&state, replica, &stack.region)
            .map_err(|e| anyhow::anyhow!("postgres.{}: {e}", replica.name))?;
        met.neighbours.replica_sources.push(found);
        met.uses.push(source.clone());
    }
    Ok(())
}
