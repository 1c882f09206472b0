//! Peerings with other stacks' VPCs: the peering connection (requested here, accepted in the
//! peer's region), a route to the peer's CIDR in each of this stack's private route tables, and
//! a route back to this stack's CIDR in each of the peer's private route tables — created in
//! the peer's region, owned by this stack (destroying it removes them; the peer's plans never
//! see them, since a route table's other routes are not its attributes).

use super::tags;
use crate::model::{Network, PeerNetwork, Stack};
use crate::resource::{Address, Attrs, DesiredResource, Kind, Value};

pub(super) fn expand(stack: &Stack, net: &Network, out: &mut Vec<DesiredResource>) {
    for peer in &stack.peer_networks {
        let connection = Address::new(format!("peering.{}", peer.peering));
        out.push(DesiredResource::new(
            connection.clone(),
            Kind::VpcPeering,
            Attrs::from([
                ("vpc_id".into(), Value::Ref(super::network::vpc())),
                ("peer_vpc_id".into(), Value::str(&peer.vpc_id)),
                ("peer_region".into(), Value::str(&peer.region)),
                ("tags".into(), tags(stack, &connection, &format!("{}-{}", stack.name, peer.stack))),
            ]),
        ));
        for az in &net.azs {
            let table = Address::new(format!("network.route_table.private[{}]", az.name));
            out.push(route(peer, &format!("route[{}]", az.name), Value::Ref(table), peer.cidr.to_string(), None));
        }
        for (az, table) in &peer.private_route_tables {
            let back =
                route(peer, &format!("peer_route[{az}]"), Value::str(table), net.cidr.to_string(), Some(&peer.region));
            out.push(back);
        }
    }
}

fn route(peer: &PeerNetwork, suffix: &str, table: Value, destination: String, region: Option<&str>) -> DesiredResource {
    let mut attrs = Attrs::from([
        ("route_table_id".into(), table),
        ("destination_cidr_block".into(), Value::str(destination)),
        ("vpc_peering_connection_id".into(), Value::Ref(Address::new(format!("peering.{}", peer.peering)))),
    ]);
    if let Some(region) = region {
        attrs.insert("region".into(), Value::str(region));
    }
    DesiredResource::new(Address::new(format!("peering.{}.{suffix}", peer.peering)), Kind::Route, attrs)
}
