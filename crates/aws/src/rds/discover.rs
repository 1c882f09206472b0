//! What `generate` reads of RDS (see crate::discover).

use crate::error::SdkResultExt;

/// A PostgreSQL instance and its subnet group as `generate` reads them: the kinds' own reads
/// (so the attributes are the ones plans compare), and the replicas RDS lists for it.
pub(crate) async fn postgres(
    aws: &crate::Aws,
    identifier: &str,
) -> Result<platformctl_core::resource::discovered::DiscoveredDatabase, crate::AwsError> {
    use platformctl_core::kinds::db_instance;
    use platformctl_core::resource::{Address, Attrs, Kind, Observed};

    let read = async |kind: Kind, id: &str| -> Result<Option<Attrs>, crate::AwsError> {
        let request = crate::ReadRequest::new(&Address::new("generate"), Some(id), Attrs::new());
        Ok(match crate::registry::read(aws, kind, std::slice::from_ref(&request)).await?.pop() {
            Some((_, Observed::Present(live))) => Some(live.attrs),
            _ => None,
        })
    };
    let attrs = read(Kind::DbInstance, identifier)
        .await?
        .ok_or_else(|| crate::discover::not_found("RDS instance", identifier))?;
    let subnet_group = match db_instance::DB_SUBNET_GROUP.str(&attrs) {
        Some(name) => read(Kind::DbSubnetGroup, name).await?,
        None => None,
    };
    let described =
        aws.rds.describe_db_instances().db_instance_identifier(identifier).send().await.aws("DescribeDBInstances")?;
    let read_replicas =
        described.db_instances().first().map(|d| d.read_replica_db_instance_identifiers().to_vec()).unwrap_or_default();
    Ok(platformctl_core::resource::discovered::DiscoveredDatabase {
        identifier: identifier.to_owned(),
        attrs,
        subnet_group,
        read_replicas,
    })
}
