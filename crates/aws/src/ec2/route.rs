//! Routes: a destination in a route table, to an internet gateway, a NAT gateway or a VPC
//! peering connection. AWS gives routes no id: here it is `<rtb-id>|<destination>`, unique
//! within AWS too, which also makes a pending create easy to find again. A route in a peer's
//! route table carries that peer's `region` and is read and written with that region's client.

use std::collections::BTreeMap;

use async_trait::async_trait;
use aws_sdk_ec2::Client;
use platformctl_core::kinds::route::{
    DESTINATION_CIDR_BLOCK, GATEWAY_ID, NAT_GATEWAY_ID, REGION, ROUTE_TABLE_ID, VPC_PEERING_CONNECTION_ID,
};
use platformctl_core::resource::{Address, Attrs, LiveResource, Observed};

use super::{filter, opt_str, parent_ids, route_table};
use crate::error::SdkResultExt;
use crate::registry::{NewResource, Provider};
use crate::{Aws, AwsError, ReadRequest};

pub(crate) struct Route;

#[async_trait]
impl Provider for Route {
    async fn read(&self, aws: &Aws, requests: &[ReadRequest]) -> Result<Vec<(Address, Observed)>, AwsError> {
        let mut by_region: BTreeMap<Option<&str>, Vec<ReadRequest>> = BTreeMap::new();
        for r in requests {
            by_region.entry(REGION.str(&r.attrs)).or_default().push(r.clone());
        }
        let mut out = Vec::new();
        for (region, group) in by_region {
            out.extend(read_in(&aws.ec2_in(region), &group).await?);
        }
        Ok(out)
    }

    async fn create(&self, aws: &Aws, new: &NewResource<'_>) -> Result<String, AwsError> {
        let attrs = new.attrs;
        let ec2 = aws.ec2_in(REGION.str(attrs));
        let table_id = ROUTE_TABLE_ID.str(attrs).unwrap_or_default();
        let destination = DESTINATION_CIDR_BLOCK.str(attrs).unwrap_or_default();
        let result = ec2
            .create_route()
            .route_table_id(table_id)
            .destination_cidr_block(destination)
            .set_gateway_id(GATEWAY_ID.str(attrs).map(str::to_owned))
            .set_nat_gateway_id(NAT_GATEWAY_ID.str(attrs).map(str::to_owned))
            .set_vpc_peering_connection_id(VPC_PEERING_CONNECTION_ID.str(attrs).map(str::to_owned))
            .send()
            .await
            .aws("CreateRoute");
        match result {
            Ok(_) => {}
            // A route for this destination exists (a create that was interrupted after AWS took
            // it): point it where the stack says.
            Err(e) if e.code() == Some("RouteAlreadyExists") => replace(&ec2, attrs).await?,
            Err(e) => return Err(e),
        }
        Ok(format!("{table_id}|{destination}"))
    }

    async fn update(&self, aws: &Aws, _: &str, _: &Attrs, after: &Attrs) -> Result<(), AwsError> {
        replace(&aws.ec2_in(REGION.str(after)), after).await
    }

    async fn delete(&self, aws: &Aws, _: &str, attrs: &Attrs) -> Result<(), AwsError> {
        aws.ec2_in(REGION.str(attrs))
            .delete_route()
            .route_table_id(ROUTE_TABLE_ID.str(attrs).unwrap_or_default())
            .destination_cidr_block(DESTINATION_CIDR_BLOCK.str(attrs).unwrap_or_default())
            .send()
            .await
            .aws("DeleteRoute")?;
        Ok(())
    }
}

/// Reads the routes of one region: the route tables they are in, in one call.
async fn read_in(ec2: &Client, requests: &[ReadRequest]) -> Result<Vec<(Address, Observed)>, AwsError> {
    let table_ids = parent_ids(requests, ROUTE_TABLE_ID);
    let tables = if table_ids.is_empty() {
        vec![]
    } else {
        route_table::list(ec2, vec![filter("route-table-id", table_ids)]).await?
    };
    Ok(requests
        .iter()
        .map(|req| {
            let table_id = ROUTE_TABLE_ID.str(&req.attrs);
            let destination = DESTINATION_CIDR_BLOCK.str(&req.attrs);
            let route = tables
                .iter()
                .filter(|t| t.route_table_id() == table_id)
                .flat_map(|t| t.routes())
                .find(|r| r.destination_cidr_block() == destination);
            let observed = match (route, table_id, destination) {
                (Some(r), Some(table_id), Some(destination)) => Observed::Present(LiveResource {
                    id: format!("{table_id}|{destination}"),
                    attrs: Attrs::from([
                        ROUTE_TABLE_ID.to(table_id),
                        DESTINATION_CIDR_BLOCK.to(destination),
                        GATEWAY_ID.to(opt_str(r.gateway_id())),
                        NAT_GATEWAY_ID.to(opt_str(r.nat_gateway_id())),
                        VPC_PEERING_CONNECTION_ID.to(opt_str(r.vpc_peering_connection_id())),
                        REGION.to(opt_str(REGION.str(&req.attrs))),
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

/// ReplaceRoute: the route's target as the stack says.
async fn replace(ec2: &Client, attrs: &Attrs) -> Result<(), AwsError> {
    ec2.replace_route()
        .route_table_id(ROUTE_TABLE_ID.str(attrs).unwrap_or_default())
        .destination_cidr_block(DESTINATION_CIDR_BLOCK.str(attrs).unwrap_or_default())
        .set_gateway_id(GATEWAY_ID.str(attrs).map(str::to_owned))
        .set_nat_gateway_id(NAT_GATEWAY_ID.str(attrs).map(str::to_owned))
        .set_vpc_peering_connection_id(VPC_PEERING_CONNECTION_ID.str(attrs).map(str::to_owned))
        .send()
        .await
        .aws("ReplaceRoute")?;
    Ok(())
}
