//! What `platformctl generate` reads of an account: a VPC with its subnets, gateways, route
//! tables and security groups, ECR repositories and log groups, into platformctl-core's
//! `Discovered` (which decides how the stack file says it). Reads only: it never writes to AWS.

use platformctl_core::resource::discovered::Discovered;

use crate::{Aws, AwsError};

/// What to read: ids and names the user gave.
#[derive(Clone, Debug, Default)]
pub struct Wanted {
    pub vpc: Option<String>,
    pub repositories: Vec<String>,
    pub log_groups: Vec<String>,
    /// RDS PostgreSQL instances, by identifier.
    pub postgres: Vec<String>,
    /// ElastiCache replication groups, by id.
    pub redis: Vec<String>,
}

pub async fn discover(aws: &Aws, region: &str, wanted: &Wanted) -> Result<Discovered, AwsError> {
    let mut found = Discovered { region: region.to_owned(), ..Default::default() };
    if let Some(vpc) = &wanted.vpc {
        found.vpc = Some(crate::ec2::discover::vpc(aws, vpc).await?);
        found.security_groups = crate::ec2::discover::security_groups(aws, vpc).await?;
    }
    for name in &wanted.repositories {
        found.repositories.push(crate::ecr::discovered(aws, name).await?);
    }
    for id in &wanted.postgres {
        found.postgres.push(crate::rds::discover::postgres(aws, id).await?);
    }
    for id in &wanted.redis {
        found.redis.push(crate::elasticache::discover::redis(aws, id).await?);
    }
    for name in &wanted.log_groups {
        found.log_groups.push(crate::logs::discovered(aws, name).await?);
    }
    Ok(found)
}

/// What a name or id the user gave does not find.
pub(crate) fn not_found(what: &str, id: &str) -> AwsError {
    AwsError::local("generate", format!("no {what} `{id}` in this account and region"))
}
