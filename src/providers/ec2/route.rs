//! Routes: a destination in a route table, to an internet gateway, a NAT gateway or a VPC
//! peering connection. AWS gives routes no id: here it is `<rtb-id>|<destination>`, unique
//! within AWS too, which also makes a pending create easy to find again. A route in a peer's
//! route table carries that peer's `region`: the caller hands in that region's client.

use aws_sdk_ec2::Client;

use super::{filter, opt_str, parent_ids, route_table, str_attr};
use crate::providers::{AwsError, ReadRequest};
use crate::resource::{Address, Attrs, LiveResource, Observed, Value};

pub(super) async fn read(ec2: &Client, requests: &[ReadRequest]) -> Result<Vec<(Address, Observed)>, AwsError> {
    let table_ids = parent_ids(requests, "route_table_id");
    let tables = if table_ids.is_empty() {
        vec![]
    } else {
        route_table::list(ec2, vec![filter("route-table-id", table_ids)]).await?
    };
    Ok(requests
        .iter()
        .map(|req| {
            let table_id = str_attr(&req.attrs, "route_table_id");
            let destination = str_attr(&req.attrs, "destination_cidr_block");
            let route = tables
                .iter()
                .filter(|t| t.route_table_id() == table_id)
                .flat_map(|t| t.routes())
                .find(|r| r.destination_cidr_block() == destination);
            let observed = match (route, table_id, destination) {
                (Some(r), Some(table_id), Some(destination)) => Observed::Present(LiveResource {
                    id: format!("{table_id}|{destination}"),
                    attrs: Attrs::from([
                        ("route_table_id".into(), Value::str(table_id)),
                        ("destination_cidr_block".into(), Value::str(destination)),
                        ("gateway_id".into(), opt_str(r.gateway_id())),
                        ("nat_gateway_id".into(), opt_str(r.nat_gateway_id())),
                        ("vpc_peering_connection_id".into(), opt_str(r.vpc_peering_connection_id())),
                        ("region".into(), opt_str(str_attr(&req.attrs, "region"))),
                    ]),
                    ready: true,
                    outputs: Attrs::new(),
                }),
                _ => Observed::Absent,
            };
            (req.address.clone(), observed)
        })
        .collect())
}

pub(super) async fn create(ec2: &Client, attrs: &Attrs) -> Result<String, AwsError> {
    let table_id = str_attr(attrs, "route_table_id").unwrap_or_default();
    let destination = str_attr(attrs, "destination_cidr_block").unwrap_or_default();
    let result = ec2
        .create_route()
        .route_table_id(table_id)
        .destination_cidr_block(destination)
        .set_gateway_id(str_attr(attrs, "gateway_id").map(str::to_owned))
        .set_nat_gateway_id(str_attr(attrs, "nat_gateway_id").map(str::to_owned))
        .set_vpc_peering_connection_id(str_attr(attrs, "vpc_peering_connection_id").map(str::to_owned))
        .send()
        .await
        .map_err(|e| AwsError::from_sdk("CreateRoute", e));
    match result {
        Ok(_) => {}
        // A route for this destination exists (a create that was interrupted after AWS took
        // it): point it where the stack says.
        Err(e) if e.code() == Some("RouteAlreadyExists") => update(ec2, attrs).await?,
        Err(e) => return Err(e),
    }
    Ok(format!("{table_id}|{destination}"))
}

pub(super) async fn update(ec2: &Client, attrs: &Attrs) -> Result<(), AwsError> {
    ec2.replace_route()
        .route_table_id(str_attr(attrs, "route_table_id").unwrap_or_default())
        .destination_cidr_block(str_attr(attrs, "destination_cidr_block").unwrap_or_default())
        .set_gateway_id(str_attr(attrs, "gateway_id").map(str::to_owned))
        .set_nat_gateway_id(str_attr(attrs, "nat_gateway_id").map(str::to_owned))
        .set_vpc_peering_connection_id(str_attr(attrs, "vpc_peering_connection_id").map(str::to_owned))
        .send()
        .await
        .map_err(|e| AwsError::from_sdk("ReplaceRoute", e))?;
    Ok(())
}

pub(super) async fn delete(ec2: &Client, attrs: &Attrs) -> Result<(), AwsError> {
    ec2.delete_route()
        .route_table_id(str_attr(attrs, "route_table_id").unwrap_or_default())
        .destination_cidr_block(str_attr(attrs, "destination_cidr_block").unwrap_or_default())
        .send()
        .await
        .map_err(|e| AwsError::from_sdk("DeleteRoute", e))?;
    Ok(())
}
