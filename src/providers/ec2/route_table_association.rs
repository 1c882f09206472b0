//! A subnet's association with a route table. A subnet has at most one, so a pending create
//! is found again by its subnet.

use aws_sdk_ec2::Client;

use super::{filter, parent_ids, route_table, str_attr};
use crate::providers::{AwsError, ReadRequest};
use crate::resource::{Address, Attrs, LiveResource, Observed, Value};

pub(super) async fn read(ec2: &Client, requests: &[ReadRequest]) -> Result<Vec<(Address, Observed)>, AwsError> {
    let table_ids = parent_ids(requests, "route_table_id");
    let tables = if table_ids.is_empty() {
        vec![]
    } else {
        route_table::list(ec2, vec![filter("route-table-id", table_ids)]).await?
    };
    let associations: Vec<_> = tables
        .iter()
        .filter(|t| {
            t.route_table_id()
                .is_some_and(|id| requests.iter().any(|r| str_attr(&r.attrs, "route_table_id") == Some(id)))
        })
        .flat_map(|t| t.associations())
        .filter(|a| !a.main().unwrap_or(false))
        .filter(|a| a.association_state().and_then(|s| s.state()).is_none_or(|s| s.as_str() == "associated"))
        .collect();
    Ok(requests
        .iter()
        .map(|req| {
            let found = associations.iter().find(|a| match &req.id {
                Some(id) => a.route_table_association_id() == Some(id.as_str()),
                None => {
                    a.subnet_id() == str_attr(&req.attrs, "subnet_id")
                        && a.route_table_id() == str_attr(&req.attrs, "route_table_id")
                }
            });
            let observed = match found {
                Some(a) => Observed::Present(LiveResource {
                    id: a.route_table_association_id().unwrap_or_default().to_owned(),
                    attrs: Attrs::from([
                        ("subnet_id".into(), Value::str(a.subnet_id().unwrap_or_default())),
                        ("route_table_id".into(), Value::str(a.route_table_id().unwrap_or_default())),
                    ]),
                    ready: true,
                    outputs: Attrs::new(),
                }),
                None => Observed::Absent,
            };
            (req.address.clone(), observed)
        })
        .collect())
}

pub(super) async fn create(ec2: &Client, attrs: &Attrs) -> Result<String, AwsError> {
    let out = ec2
        .associate_route_table()
        .subnet_id(str_attr(attrs, "subnet_id").unwrap_or_default())
        .route_table_id(str_attr(attrs, "route_table_id").unwrap_or_default())
        .send()
        .await
        .map_err(|e| AwsError::from_sdk("AssociateRouteTable", e))?;
    Ok(out.association_id().unwrap_or_default().to_owned())
}

pub(super) async fn delete(ec2: &Client, id: &str) -> Result<(), AwsError> {
    ec2.disassociate_route_table()
        .association_id(id)
        .send()
        .await
        .map_err(|e| AwsError::from_sdk("DisassociateRouteTable", e))?;
    Ok(())
}
