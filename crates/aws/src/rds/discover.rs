//! What `generate` reads of RDS (see crate::discover): PostgreSQL instances and Aurora clusters,
//! each made into its kind's own attributes (the ones plans compare), with their subnet group
//! and the parameters of their own parameter groups.

use aws_sdk_rds::types::Filter;
use platformctl_core::kinds::{db_cluster, db_cluster_instance, db_instance};
use platformctl_core::resource::discovered::{
    DiscoveredAurora, DiscoveredDatabase, DiscoveredMember, DiscoveredReplica,
};
use platformctl_core::resource::{Address, Attrs, Kind, Value};

use crate::discover::{not_found, read_one};
use crate::error::SdkResultExt;
use crate::{Aws, AwsError, ReadRequest};

/// A PostgreSQL instance and its subnet group as `generate` reads them: one DescribeDBInstances
/// made into the kind's own attributes (the ones plans compare), its security groups as AWS has
/// them, the replicas RDS lists for it and its parameter group's parameters (one of its own).
pub(crate) async fn postgres(aws: &Aws, identifier: &str) -> Result<DiscoveredDatabase, AwsError> {
    let out =
        aws.rds.describe_db_instances().db_instance_identifier(identifier).send().await.aws("DescribeDBInstances")?;
    let db = out.db_instances().first().ok_or_else(|| not_found("RDS instance", identifier))?;
    let mut attrs = super::instance::live(Kind::DbInstance, db, &request(identifier)).attrs;
    // The kind's read reports security groups only where the stack names some (RDS puts an
    // instance created without any in the VPC's default group); generate wants AWS's.
    let groups = db.vpc_security_groups().iter().filter_map(|g| g.vpc_security_group_id()).map(Value::str);
    attrs.insert(db_instance::VPC_SECURITY_GROUP_IDS.name.to_owned(), Value::List(groups.collect()));
    Ok(DiscoveredDatabase {
        identifier: identifier.to_owned(),
        read_replicas: replicas(aws, db.read_replica_db_instance_identifiers()).await?,
        subnet_group: subnet_group(aws, &attrs).await?,
        parameter_group: own_group(aws, Kind::DbParameterGroup, db_instance::PARAMETER_GROUP.str(&attrs)).await?,
        attrs,
    })
}

/// An Aurora cluster with its instances (one DescribeDBClusters, one DescribeDBInstances by
/// cluster), its subnet group and the parameters of its and its instances' own groups.
pub(crate) async fn aurora(aws: &Aws, identifier: &str) -> Result<DiscoveredAurora, AwsError> {
    let out =
        aws.rds.describe_db_clusters().db_cluster_identifier(identifier).send().await.aws("DescribeDBClusters")?;
    let c = out.db_clusters().first().ok_or_else(|| not_found("Aurora cluster", identifier))?;
    let attrs = super::cluster::live(c, &request(identifier)).attrs;
    let in_cluster = Filter::builder().name("db-cluster-id").values(identifier).build();
    let instances = aws.rds.describe_db_instances().filters(in_cluster).send().await.aws("DescribeDBInstances")?;
    let writers: Vec<&str> = c
        .db_cluster_members()
        .iter()
        .filter(|m| m.is_cluster_writer() == Some(true))
        .filter_map(|m| m.db_instance_identifier())
        .collect();
    let members: Vec<DiscoveredMember> = instances
        .db_instances()
        .iter()
        .map(|db| {
            let id = db.db_instance_identifier().unwrap_or_default();
            DiscoveredMember {
                identifier: id.to_owned(),
                attrs: super::instance::live(Kind::DbClusterInstance, db, &request(id)).attrs,
                writer: writers.contains(&id),
            }
        })
        .collect();
    let member_group = members.first().and_then(|m| db_cluster_instance::PARAMETER_GROUP.str(&m.attrs));
    Ok(DiscoveredAurora {
        identifier: identifier.to_owned(),
        subnet_group: subnet_group(aws, &attrs).await?,
        parameter_group: own_group(aws, Kind::DbClusterParameterGroup, db_cluster::PARAMETER_GROUP.str(&attrs)).await?,
        member_parameter_group: own_group(aws, Kind::DbParameterGroup, member_group).await?,
        reader_scaling_policies: crate::autoscaling::reader_policies(aws, identifier).await?,
        members,
        attrs,
    })
}

/// The replicas RDS lists for an instance: those of this region described (one call for all),
/// those of others (ARNs) named only.
async fn replicas(aws: &Aws, identifiers: &[String]) -> Result<Vec<DiscoveredReplica>, AwsError> {
    let here: Vec<&String> = identifiers.iter().filter(|id| !id.starts_with("arn:")).collect();
    let described = if here.is_empty() {
        Vec::new()
    } else {
        let ids =
            Filter::builder().name("db-instance-id").set_values(Some(here.into_iter().cloned().collect())).build();
        let out = aws.rds.describe_db_instances().filters(ids).send().await.aws("DescribeDBInstances")?;
        out.db_instances().to_vec()
    };
    Ok(identifiers
        .iter()
        .map(|id| {
            let db = described.iter().find(|db| db.db_instance_identifier() == Some(id.as_str()));
            DiscoveredReplica {
                identifier: id.clone(),
                instance_class: db.and_then(|db| db.db_instance_class()).map(str::to_owned),
                backup_retention_days: db.and_then(|db| db.backup_retention_period()).unwrap_or_default().into(),
            }
        })
        .collect())
}

fn request(id: &str) -> ReadRequest {
    ReadRequest::new(&Address::new("generate"), Some(id), Attrs::new())
}

async fn subnet_group(aws: &Aws, attrs: &Attrs) -> Result<Option<Attrs>, AwsError> {
    match db_instance::DB_SUBNET_GROUP.str(attrs) {
        Some(name) => read_one(aws, Kind::DbSubnetGroup, name).await,
        None => Ok(None),
    }
}

/// A parameter group of the database's own (not RDS's `default.*`), as its kind reads it: the
/// parameters set in it.
async fn own_group(aws: &Aws, kind: Kind, name: Option<&str>) -> Result<Option<Attrs>, AwsError> {
    match name.filter(|n| !n.starts_with("default.")) {
        Some(name) => read_one(aws, kind, name).await,
        None => Ok(None),
    }
}
