//! Peerings with other stacks' VPCs: the peering connection (requested here, accepted in the
//! peer's region), a route to the peer's CIDR in each of this stack's private route tables, and
//! a route back to this stack's CIDR in each of the peer's private route tables — created in
//! the peer's region, owned by this stack (destroying it removes them; the peer's plans never
//! see them, since a route table's other routes are not its attributes).

use super::tags;
use crate::cross_stack::PeerNetwork;
use crate::kinds::{route, vpc_peering};
use crate::model::{Network, Stack};
use crate::resource::{Address, Attrs, DesiredResource, Kind, Value};

pub(super) fn expand(stack: &Stack, net: &Network, peers: &[PeerNetwork], out: &mut Vec<DesiredResource>) {
    for peer in peers {
        let connection = Address::new(format!("peering.{}", peer.peering));
        out.push(DesiredResource::new(
            connection.clone(),
            Kind::VpcPeering,
            Attrs::from([
                vpc_peering::VPC_ID.to(Value::Ref(super::network::vpc())),
                vpc_peering::PEER_VPC_ID.to(&peer.vpc_id),
                vpc_peering::PEER_REGION.to(&peer.region),
                vpc_peering::DNS_RESOLUTION.to(true),
                vpc_peering::TAGS.to(tags(stack, &connection, &format!("{}-{}", stack.name, peer.stack))),
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
        route::ROUTE_TABLE_ID.to(table),
        route::DESTINATION_CIDR_BLOCK.to(destination),
        route::VPC_PEERING_CONNECTION_ID.to(Value::Ref(Address::new(format!("peering.{}", peer.peering)))),
    ]);
    if let Some(region) = region {
        attrs.extend([route::REGION.to(region)]);
    }
    DesiredResource::new(Address::new(format!("peering.{}.{suffix}", peer.peering)), Kind::Route, attrs)
}
