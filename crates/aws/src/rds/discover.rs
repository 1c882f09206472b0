//! What `generate` reads of RDS (see crate::discover).

use platformctl_core::kinds::db_instance;
use platformctl_core::resource::discovered::DiscoveredDatabase;
use platformctl_core::resource::{Address, Attrs, Kind, Value};

use crate::error::SdkResultExt;
use crate::{Aws, AwsError, ReadRequest};

/// A PostgreSQL instance and its subnet group as `generate` reads them: one DescribeDBInstances
/// made into the kind's own attributes (the ones plans compare), its security groups as AWS has
/// them, and the replicas RDS lists for it.
pub(crate) async fn postgres(aws: &Aws, identifier: &str) -> Result<DiscoveredDatabase, AwsError> {
    let out =
        aws.rds.describe_db_instances().db_instance_identifier(identifier).send().await.aws("DescribeDBInstances")?;
    let db = out.db_instances().first().ok_or_else(|| crate::discover::not_found("RDS instance", identifier))?;
    let request = ReadRequest::new(&Address::new("generate"), Some(identifier), Attrs::new());
    let mut attrs = super::instance::live(Kind::DbInstance, db, &request).attrs;
    // The kind's read reports security groups only where the stack names some (RDS puts an
    // instance created without any in the VPC's default group); generate wants AWS's.
    let groups = db.vpc_security_groups().iter().filter_map(|g| g.vpc_security_group_id()).map(Value::str);
    attrs.insert(db_instance::VPC_SECURITY_GROUP_IDS.name.to_owned(), Value::List(groups.collect()));
    let subnet_group = match db_instance::DB_SUBNET_GROUP.str(&attrs) {
        Some(name) => crate::discover::read_one(aws, Kind::DbSubnetGroup, name).await?,
        None => None,
    };
    Ok(DiscoveredDatabase {
        identifier: identifier.to_owned(),
        read_replicas: db.read_replica_db_instance_identifiers().to_vec(),
        attrs,
        subnet_group,
    })
}
