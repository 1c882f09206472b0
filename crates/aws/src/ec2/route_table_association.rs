//! A subnet's association with a route table. A subnet has at most one, so a pending create
//! is found again by its subnet.

use async_trait::async_trait;
use platformctl_core::kinds::route_table_association::{ROUTE_TABLE_ID, SUBNET_ID};
use platformctl_core::resource::{Address, Attrs, LiveResource, Observed};

use super::{filter, parent_ids, route_table};
use crate::error::SdkResultExt;
use crate::registry::{NewResource, Provider};
use crate::{Aws, AwsError, ReadRequest};

pub(crate) struct Association;

#[async_trait]
impl Provider for Association {
    async fn read(&self, aws: &Aws, requests: &[ReadRequest]) -> Result<Vec<(Address, Observed)>, AwsError> {
        let table_ids = parent_ids(requests, ROUTE_TABLE_ID);
        let tables = if table_ids.is_empty() {
            vec![]
        } else {
            route_table::list(&aws.ec2, vec![filter("route-table-id", table_ids.clone())]).await?
        };
        let associations: Vec<_> = tables
            .iter()
            .filter(|t| t.route_table_id().is_some_and(|id| table_ids.iter().any(|t| t == id)))
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
                        a.subnet_id() == SUBNET_ID.str(&req.attrs)
                            && a.route_table_id() == ROUTE_TABLE_ID.str(&req.attrs)
                    }
                });
                let observed = match found {
                    Some(a) => Observed::Present(LiveResource {
                        id: a.route_table_association_id().unwrap_or_default().to_owned(),
                        attrs: Attrs::from([
                            SUBNET_ID.to(a.subnet_id().unwrap_or_default()),
                            ROUTE_TABLE_ID.to(a.route_table_id().unwrap_or_default()),
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

    async fn create(&self, aws: &Aws, new: &NewResource<'_>) -> Result<String, AwsError> {
        let out = aws
            .ec2
            .associate_route_table()
            .subnet_id(SUBNET_ID.str(new.attrs).unwrap_or_default())
            .route_table_id(ROUTE_TABLE_ID.str(new.attrs).unwrap_or_default())
            .send()
            .await
            .aws("AssociateRouteTable")?;
        Ok(out.association_id().unwrap_or_default().to_owned())
    }

    async fn delete(&self, aws: &Aws, id: &str, _: &Attrs) -> Result<(), AwsError> {
        aws.ec2.disassociate_route_table().association_id(id).send().await.aws("DisassociateRouteTable")?;
        Ok(())
    }
}
