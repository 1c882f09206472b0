//! What `platformctl generate` reads of an account: a VPC with its subnets, gateways, route
//! tables and security groups, databases, caches, secrets, EKS clusters, ECR repositories and
//! log groups, into platformctl-core's
//! `Discovered` (which decides how the stack file says it), by name or by tag (the tagging API's
//! listing, in so far as the endpoint covers each service). Reads only: it never writes to AWS.

use platformctl_core::resource::discovered::Discovered;
use platformctl_core::resource::{Address, Attrs, Kind, LiveResource, Observed};

use crate::{Aws, AwsError};

/// What to read: ids and names the user gave.
#[derive(Clone, Debug, Default)]
pub struct Wanted {
    pub vpc: Option<String>,
    pub repositories: Vec<String>,
    pub log_groups: Vec<String>,
    /// RDS PostgreSQL instances, by identifier.
    pub postgres: Vec<String>,
    /// Aurora PostgreSQL clusters, by identifier.
    pub aurora: Vec<String>,
    /// ElastiCache replication groups, by id.
    pub redis: Vec<String>,
    /// Secrets Manager secrets, by name: referenced as `external`.
    pub secrets: Vec<String>,
    /// EKS clusters, by name.
    pub eks: Vec<String>,
    /// `--tag KEY=VALUE`: everything carrying all of them, besides what is named.
    pub tags: Vec<(String, String)>,
}

impl Wanted {
    /// What the tagged ARNs name, added to what was named; the ARNs of kinds generate does not
    /// read are returned. Two tagged VPCs are refused: a stack has one.
    fn add_tagged(&mut self, arns: &[String]) -> Result<Vec<String>, AwsError> {
        let mut not_read = Vec::new();
        let mut vpcs: Vec<String> = self.vpc.iter().cloned().collect();
        let add = |list: &mut Vec<String>, item: &str| {
            if !list.iter().any(|i| i == item) {
                list.push(item.to_owned());
            }
        };
        for arn in arns {
            // arn:aws:<service>:<region>:<account>:<resource>
            let parts: Vec<&str> = arn.splitn(6, ':').collect();
            let (service, resource) =
                (parts.get(2).copied().unwrap_or_default(), parts.get(5).copied().unwrap_or_default());
            match (service, resource.split_once(['/', ':'])) {
                ("ec2", Some(("vpc", id))) => add(&mut vpcs, id),
                // What a VPC holds is read with it.
                (
                    "ec2",
                    Some((
                        "subnet" | "security-group" | "route-table" | "internet-gateway" | "natgateway" | "elastic-ip",
                        _,
                    )),
                ) => {}
                ("rds", Some(("db", id))) => add(&mut self.postgres, id),
                ("rds", Some(("cluster", id))) => add(&mut self.aurora, id),
                ("elasticache", Some(("replicationgroup", id))) => add(&mut self.redis, id),
                // A replication group's member clusters are read with it.
                ("elasticache", Some(("cluster", _))) => {}
                ("ecr", Some(("repository", name))) => add(&mut self.repositories, name),
                ("eks", Some(("cluster", name))) => add(&mut self.eks, name),
                // A cluster's node groups and add-ons are read with it.
                ("eks", Some(("nodegroup" | "addon", _))) => {}
                ("logs", Some(("log-group", name))) => add(&mut self.log_groups, name.trim_end_matches(":*")),
                // `secret:NAME-AbCdEf`: DescribeSecret takes the ARN as well as the name.
                ("secretsmanager", Some(("secret", _))) => add(&mut self.secrets, arn),
                _ => not_read.push(arn.clone()),
            }
        }
        match vpcs.as_slice() {
            [] => {}
            [one] => self.vpc = Some(one.clone()),
            several => {
                return Err(AwsError::local(
                    "generate",
                    format!(
                        "{} VPCs carry the tags ({}): a stack has one; name it with --vpc",
                        several.len(),
                        several.join(", ")
                    ),
                ));
            }
        }
        Ok(not_read)
    }
}

pub async fn discover(aws: &Aws, region: &str, wanted: &Wanted) -> Result<Discovered, AwsError> {
    let mut found = Discovered { region: region.to_owned(), ..Default::default() };
    let mut wanted = wanted.clone();
    if !wanted.tags.is_empty() {
        let arns = crate::existing::tagged_with(aws, &wanted.tags).await?;
        found.not_read = wanted.add_tagged(&arns)?;
    }
    if let Some(vpc) = &wanted.vpc {
        found.vpc = Some(crate::ec2::discover::vpc(aws, vpc).await?);
        found.security_groups = crate::ec2::discover::security_groups(aws, vpc).await?;
    }
    for name in &wanted.repositories {
        found.repositories.push(crate::ecr::discovered(aws, name).await?);
    }
    for id in &wanted.aurora {
        found.aurora.push(crate::rds::discover::aurora(aws, id).await?);
    }
    // An Aurora cluster's instances (tagged too, say) are read with it.
    let members: Vec<&str> =
        found.aurora.iter().flat_map(|a| a.members.iter().map(|m| m.identifier.as_str())).collect();
    for id in wanted.postgres.iter().filter(|id| !members.contains(&id.as_str())) {
        found.postgres.push(crate::rds::discover::postgres(aws, id).await?);
    }
    for id in &wanted.redis {
        found.redis.push(crate::elasticache::discover::redis(aws, id).await?);
    }
    for name in &wanted.secrets {
        found.secrets.push(crate::secrets::discover::secret(aws, name).await?);
    }
    // Named and tagged: one secret, not two entries.
    found.secrets.sort_by(|a, b| a.arn.cmp(&b.arn));
    found.secrets.dedup_by(|a, b| a.arn == b.arn);
    for name in &wanted.log_groups {
        found.log_groups.push(crate::logs::discovered(aws, name).await?);
    }
    // The roles service accounts assume are found by their trust: one account listing.
    let roles = if wanted.eks.is_empty() { Vec::new() } else { crate::iam::role::every_role(aws).await? };
    for name in &wanted.eks {
        found.clusters.push(crate::eks::discover::cluster(aws, name, &roles).await?);
    }
    Ok(found)
}

/// One resource of `kind` read by its id with the kind's own read, as plans read it; `None` when
/// AWS does not have it.
pub(crate) async fn read_one(aws: &Aws, kind: Kind, id: &str) -> Result<Option<Attrs>, AwsError> {
    Ok(read_live(aws, kind, id, Attrs::new()).await?.map(|live| live.attrs))
}

/// The same, with its outputs, read as a resource with the attributes `asking` would be (some
/// kinds report a setting only where the stack sets it).
pub(crate) async fn read_live(
    aws: &Aws,
    kind: Kind,
    id: &str,
    asking: Attrs,
) -> Result<Option<LiveResource>, AwsError> {
    let request = crate::ReadRequest::new(&Address::new("generate"), Some(id), asking);
    Ok(match crate::registry::read(aws, kind, std::slice::from_ref(&request)).await?.pop() {
        Some((_, Observed::Present(live))) => Some(live),
        _ => None,
    })
}

/// What a name or id the user gave does not find.
pub(crate) fn not_found(what: &str, id: &str) -> AwsError {
    AwsError::local("generate", format!("no {what} `{id}` in this account and region"))
}

#[cfg(test)]
mod tests {
    use super::Wanted;

    #[test]
    fn tagged_arns_name_what_generate_reads_and_the_rest_is_returned() {
        let arns: Vec<String> = [
            "arn:aws:ec2:eu-west-1:1:vpc/vpc-1",
            "arn:aws:ec2:eu-west-1:1:subnet/subnet-1",
            "arn:aws:rds:eu-west-1:1:db:users-db",
            "arn:aws:rds:eu-west-1:1:cluster:orders",
            "arn:aws:elasticache:eu-west-1:1:replicationgroup:sessions",
            "arn:aws:elasticache:eu-west-1:1:cluster:sessions-001",
            "arn:aws:ecr:eu-west-1:1:repository/api",
            "arn:aws:eks:eu-west-1:1:cluster/main",
            "arn:aws:eks:eu-west-1:1:nodegroup/main/apps/1234",
            "arn:aws:logs:eu-west-1:1:log-group:/shop/app:*",
            "arn:aws:secretsmanager:eu-west-1:1:secret:shop/key-AbCdEf",
            "arn:aws:sqs:eu-west-1:1:queue",
        ]
        .map(str::to_owned)
        .into();
        let mut wanted = Wanted { postgres: vec!["users-db".into()], ..Default::default() };
        let not_read = wanted.add_tagged(&arns).unwrap();
        assert_eq!(wanted.vpc.as_deref(), Some("vpc-1"));
        assert_eq!(wanted.postgres, ["users-db"], "named and tagged once");
        assert_eq!(wanted.redis, ["sessions"]);
        assert_eq!(wanted.aurora, ["orders"]);
        assert_eq!(wanted.repositories, ["api"]);
        assert_eq!(wanted.eks, ["main"]);
        assert_eq!(wanted.log_groups, ["/shop/app"]);
        assert_eq!(wanted.secrets, ["arn:aws:secretsmanager:eu-west-1:1:secret:shop/key-AbCdEf"]);
        assert_eq!(not_read, ["arn:aws:sqs:eu-west-1:1:queue"]);
        let two = ["arn:aws:ec2:eu-west-1:1:vpc/vpc-2".to_owned()];
        let e = wanted.add_tagged(&two).unwrap_err();
        assert!(e.to_string().contains("2 VPCs carry the tags (vpc-1, vpc-2)"), "{e}");
    }
}
