//! The providers, one per kind, in one table (`provider`), and what the engine calls: `read`,
//! `create`, `update`, `delete`, `status` for any kind. What every kind shares is done here,
//! from its declaration, rather than in each provider:
//!
//! - a pending create of a kind whose id is a name the stack fixes is read by that name;
//! - attributes AWS does not report are carried over from the state, so they are compared
//!   with what was applied;
//! - an update that changes only local settings calls nothing;
//! - a delete of something already gone succeeds;
//! - EC2's eventual consistency: a parent created a moment ago may be "not found" by the next
//!   create, and a dependency may still be "in use" for seconds after its user is deleted.

use std::collections::HashMap;
use std::future::Future;

use async_trait::async_trait;
use platformctl_core::resource::schema::{Adoption, KindDef, Service};
use platformctl_core::resource::{Address, Attrs, Kind, LiveResource, Observed, Value};

use crate::common::{eventually, read_each};
use crate::{
    Aws, AwsError, acm, autoscaling, cloudwatch, ec2, ecr, eks, elasticache, iam, kms, logs, rds, route53, secrets,
    sns, ssm,
};

/// One address to read: its id if known, and what the state recorded of it — its attributes
/// (natural keys, what AWS does not report) and its outputs (the version of a secret
/// platformctl last wrote).
#[derive(Clone, Debug)]
pub struct ReadRequest {
    pub address: Address,
    pub id: Option<String>,
    pub attrs: Attrs,
    pub outputs: Attrs,
}

impl ReadRequest {
    /// A resource known only by what it should be (a pending create, an import, a recover).
    pub fn new(address: &Address, id: Option<&str>, attrs: Attrs) -> ReadRequest {
        ReadRequest { address: address.clone(), id: id.map(str::to_owned), attrs, outputs: Attrs::new() }
    }
}

/// Where a resource is in its life, for waits.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Status {
    Ready,
    Pending,
    /// Being deleted: a delete was sent (by this run or an earlier one) and AWS is carrying
    /// it out.
    Deleting,
    Gone,
    Failed(String),
}

/// A resource to create: its address (for lookups by tag), its resolved attributes and the
/// idempotency token recorded in the state before the call.
pub struct NewResource<'a> {
    pub address: &'a Address,
    pub attrs: &'a Attrs,
    pub token: &'a str,
}

/// What platformctl does with one kind of AWS resource. One unit struct per kind implements it,
/// in its service's module; `provider` maps each kind to it.
#[async_trait]
pub(crate) trait Provider: Sync {
    /// Reads every requested resource of the kind, batched where AWS allows: one answer per
    /// request, in any order.
    async fn read(&self, aws: &Aws, requests: &[ReadRequest]) -> Result<Vec<(Address, Observed)>, AwsError>;

    /// Its outputs (`KindDef::outputs`: an ARN, an endpoint) as AWS reports them, or `None` if it
    /// is gone: what apply records after a create or update. A whole read by default; kinds
    /// whose whole read costs calls their outputs do not need (a role's policy listings, a
    /// repository's lifecycle policy, tags) read only what holds the outputs.
    async fn outputs(&self, aws: &Aws, request: &ReadRequest) -> Result<Option<Attrs>, AwsError> {
        Ok(match self.read(aws, std::slice::from_ref(request)).await?.pop() {
            Some((_, Observed::Present(live))) => Some(live.outputs),
            _ => None,
        })
    }

    /// The tagging API's type of the kind (`ssm:parameter`) when its read takes tags from the
    /// stack's tag listing (`tagging`); `None` for kinds whose describes carry their tags.
    fn tag_listing_type(&self) -> Option<&'static str> {
        None
    }

    /// Creates it and returns its AWS id as soon as AWS gives one.
    async fn create(&self, aws: &Aws, new: &NewResource<'_>) -> Result<String, AwsError>;

    /// Changes what differs between `before` (AWS now) and `after` (the stack) in place.
    /// Kinds whose attributes all force a replacement have nothing to change and never get here.
    async fn update(&self, _aws: &Aws, id: &str, _before: &Attrs, _after: &Attrs) -> Result<(), AwsError> {
        Err(AwsError::local(
            "update",
            format!("{id}: its kind declares in-place attributes its provider cannot change"),
        ))
    }

    /// Deletes it; `attrs` are the attributes last applied (deletion settings among them).
    async fn delete(&self, aws: &Aws, id: &str, attrs: &Attrs) -> Result<(), AwsError>;

    /// Whether it is ready (after a create or update) or gone (after a delete). Called only for
    /// kinds whose declaration has a wait.
    /// For resources the plan would create: those AWS already holds under the same natural key
    /// but that are not platformctl's to take over (a record someone made in the zone), each
    /// with what is there. Most kinds have none: their creates make a resource of their own.
    async fn conflicts(&self, _aws: &Aws, _creates: &[ReadRequest]) -> Result<Vec<(Address, String)>, AwsError> {
        Ok(Vec::new())
    }

    async fn status(&self, _aws: &Aws, id: &str) -> Result<Status, AwsError> {
        Err(AwsError::local("status", format!("{id}: its kind declares a wait but its provider has no status")))
    }
}

/// The kind's tagging API type, when its read takes tags from the stack's tag listing.
pub(crate) fn tag_listing_type(kind: Kind) -> Option<&'static str> {
    provider(kind).tag_listing_type()
}

/// The provider of each kind. The match is exhaustive: a new kind does not compile until it has
/// one.
fn provider(kind: Kind) -> &'static dyn Provider {
    match kind {
        Kind::Vpc => &ec2::vpc::Vpc,
        Kind::Subnet => &ec2::subnet::Subnet,
        Kind::InternetGateway => &ec2::internet_gateway::InternetGateway,
        Kind::InternetGatewayAttachment => &ec2::attachment::Attachment,
        Kind::ElasticIp => &ec2::elastic_ip::ElasticIp,
        Kind::NatGateway => &ec2::nat_gateway::NatGateway,
        Kind::RouteTable => &ec2::route_table::RouteTable,
        Kind::Route => &ec2::route::Route,
        Kind::RouteTableAssociation => &ec2::route_table_association::Association,
        Kind::SecurityGroup => &ec2::security_group::SecurityGroup,
        Kind::SecurityGroupRule => &ec2::security_group_rule::Rule,
        Kind::DefaultSecurityGroup => &ec2::default_security_group::DefaultSecurityGroup,
        Kind::FlowLog => &ec2::flow_log::FlowLog,
        Kind::LaunchTemplate => &ec2::launch_template::LaunchTemplate,
        Kind::HostedZone => &route53::zone::Zone,
        Kind::DnsRecord => &route53::record::Record,
        Kind::HealthCheck => &route53::health_check::HealthCheck,
        Kind::Certificate => &acm::Certificate,
        Kind::ZoneVpcAssociation => &route53::zone_vpc::ZoneVpc,
        Kind::VpcPeering => &ec2::peering::Peering,
        Kind::Secret => &secrets::secret::Secret,
        Kind::SecretFields => &secrets::fields::Fields,
        Kind::DbSubnetGroup => &rds::subnet_group::SubnetGroup,
        Kind::DbInstance => &rds::instance::Primary,
        Kind::DbReadReplica => &rds::instance::Replica,
        Kind::DbCluster => &rds::cluster::Cluster,
        Kind::DbClusterInstance => &rds::instance::ClusterMember,
        Kind::ReaderScaling => &autoscaling::ReaderScaling,
        Kind::CacheSubnetGroup => &elasticache::subnet_group::SubnetGroup,
        Kind::ReplicationGroup => &elasticache::replication_group::ReplicationGroup,
        Kind::SsmParameter => &ssm::SsmParameter,
        Kind::IamRole => &iam::role::Role,
        Kind::OidcProvider => &iam::oidc::OidcProvider,
        Kind::EksCluster => &eks::cluster::Cluster,
        Kind::NodeGroup => &eks::node_group::NodeGroup,
        Kind::EksAddon => &eks::addon::Addon,
        Kind::EcrRepository => &ecr::Repository,
        Kind::LogGroup => &logs::LogGroupProvider,
        Kind::KmsKey => &kms::key::Key,
        Kind::KmsAlias => &kms::alias::Alias,
        Kind::NetworkAcl => &ec2::network_acl::NetworkAcl,
        Kind::NetworkAclEntry => &ec2::network_acl::Entry,
        Kind::NetworkAclAssociation => &ec2::network_acl::Association,
        Kind::SnsTopic => &sns::Topic,
        Kind::MetricAlarm => &cloudwatch::Alarm,
        Kind::DbParameterGroup => &rds::parameter_group::InstanceGroup,
        Kind::DbClusterParameterGroup => &rds::parameter_group::ClusterGroup,
        Kind::EksAccessEntry => &eks::access_entry::AccessEntry,
        Kind::EksPodIdentityAssociation => &eks::pod_identity::Association,
    }
}

/// Reads every requested resource of one kind, batched.
pub async fn read(aws: &Aws, kind: Kind, requests: &[ReadRequest]) -> Result<Vec<(Address, Observed)>, AwsError> {
    if requests.is_empty() {
        return Ok(vec![]);
    }
    let def = kind.def();
    let requests = with_ids_the_stack_fixes(def, requests);
    let mut found = provider(kind).read(aws, &requests).await?;
    for (address, observed) in &mut found {
        if let Observed::Present(live) = observed
            && let Some(request) = requests.iter().find(|r| &r.address == address)
        {
            complete(def, request, live);
        }
    }
    Ok(found)
}

/// Batch reads that may lag behind AWS's own record (IAM's account listing, Secrets Manager's
/// ListSecrets, the tagging API) are trusted only where they agree with what the state
/// recorded. A resource such a listing reports missing or changed — or one the state holds no id
/// for — is read again with the kind's direct call: drift is named from a fresh answer, and a
/// role created a moment ago and not yet listed is never planned again. The cost stays one
/// listing while nothing changed, which is what a plan on every merge sees.
pub(crate) async fn confirmed<'a, Describe, Answer>(
    kind: Kind,
    requests: &'a [ReadRequest],
    mut listed: HashMap<Address, LiveResource>,
    describe: Describe,
) -> Result<Vec<(Address, Observed)>, AwsError>
where
    Describe: Fn(&'a ReadRequest) -> Answer,
    Answer: Future<Output = Result<Option<LiveResource>, AwsError>> + 'a,
{
    let def = kind.def();
    let mut found = Vec::with_capacity(requests.len());
    let mut again = Vec::new();
    for request in requests {
        let listed = listed.remove(&request.address);
        let disagrees = match &listed {
            None => Some("missing"),
            Some(_) if request.id.is_none() => Some("not created yet"),
            Some(live) => disagreement(def, request, live),
        };
        match (listed, disagrees) {
            (Some(live), None) => found.push((request.address.clone(), Observed::Present(live))),
            (_, why) => {
                tracing::debug!(address = %request.address, why = why.unwrap_or_default(), "read directly: the listing disagrees");
                again.push(request);
            }
        }
    }
    found.extend(read_each(again, describe).await?);
    Ok(found)
}

/// The first attribute AWS reports that is not what the state recorded, as the plan compares
/// them (a difference there is drift, which must come from a fresh read).
fn disagreement(def: &KindDef, request: &ReadRequest, live: &LiveResource) -> Option<&'static str> {
    def.attributes
        .iter()
        .find(|a| a.compared() && a.reported && !a.same(a.get(&request.attrs), a.get(&live.attrs)))
        .map(|a| a.name)
}

/// Kinds whose AWS id is a name the stack fixes: a pending create is read by that name.
fn with_ids_the_stack_fixes(def: &KindDef, requests: &[ReadRequest]) -> Vec<ReadRequest> {
    let mut requests = requests.to_vec();
    if let Adoption::Id(key) = def.adoption {
        for r in requests.iter_mut().filter(|r| r.id.is_none()) {
            r.id = key.str(&r.attrs).map(str::to_owned);
        }
    }
    requests
}

/// What AWS does not report is compared with what was applied; set comparisons see sorted
/// lists and JSON comparisons parsed documents.
fn complete(def: &KindDef, request: &ReadRequest, live: &mut LiveResource) {
    for a in def.attributes.iter().filter(|a| a.compared()) {
        let value = if a.reported { a.get(&live.attrs) } else { a.get(&request.attrs) };
        if *value != Value::Null || live.attrs.contains_key(a.name) {
            live.attrs.insert(a.name.to_owned(), a.normalised(value));
        }
    }
    debug_assert!(
        live.attrs.keys().all(|name| def.attribute(name).is_some()),
        "the {} provider reports attributes its kind does not declare: {:?}",
        def.name,
        live.attrs.keys().filter(|n| def.attribute(n).is_none()).collect::<Vec<_>>()
    );
    debug_assert!(
        live.outputs.keys().all(|name| def.outputs.iter().any(|o| o.name == name)),
        "the {} provider reports outputs its kind does not declare: {:?}",
        def.name,
        live.outputs.keys().collect::<Vec<_>>()
    );
}

/// The outputs of the resource `request` names, or `None` if it is gone.
pub async fn outputs(aws: &Aws, kind: Kind, request: &ReadRequest) -> Result<Option<Attrs>, AwsError> {
    provider(kind).outputs(aws, request).await
}

/// Creates a resource from resolved attributes and returns its AWS id.
pub async fn create(aws: &Aws, kind: Kind, address: &Address, attrs: &Attrs, token: &str) -> Result<String, AwsError> {
    let new = NewResource { address, attrs, token };
    let create = || provider(kind).create(aws, &new);
    if catches_up_slowly(kind) {
        // A just-created parent may not be visible to the next call yet (NotFound for an id
        // AWS just returned): retried for a while instead of failing the apply.
        eventually(AwsError::is_not_found, create).await
    } else {
        create().await
    }
}

/// Whether the kind's service is eventually consistent in ways its calls must wait out: EC2's
/// "not found" right after a create, and "still in use" right after a dependent was deleted.
/// (Other services' habits are their providers' own: IAM principals, EKS roles.)
fn catches_up_slowly(kind: Kind) -> bool {
    match kind.def().service {
        Service::Ec2 => true,
        Service::Rds
        | Service::ElastiCache
        | Service::SecretsManager
        | Service::Ssm
        | Service::ApplicationAutoScaling
        | Service::Iam
        | Service::Eks
        | Service::Ecr
        | Service::CloudWatchLogs
        | Service::Kms
        | Service::Sns
        | Service::CloudWatch
        | Service::Route53
        | Service::Acm => false,
    }
}

/// Changes the in-place attributes that differ between `before` and `after`. Nothing is called
/// when only settings platformctl alone acts on changed (a final snapshot, say).
pub async fn update(aws: &Aws, kind: Kind, id: &str, before: &Attrs, after: &Attrs) -> Result<(), AwsError> {
    let def = kind.def();
    if !def.attributes.iter().any(|a| a.modifiable() && a.changed(before, after)) {
        return Ok(());
    }
    provider(kind).update(aws, id, before, after).await
}

/// Deletes a resource; one already gone is not an error.
pub async fn delete(aws: &Aws, kind: Kind, id: &str, attrs: &Attrs) -> Result<(), AwsError> {
    let delete = || provider(kind).delete(aws, id, attrs);
    let result = if catches_up_slowly(kind) {
        // AWS refuses to delete what something still uses, and for some seconds after the user
        // is gone (an internet gateway while a released address is still mapped): retried.
        eventually(AwsError::is_dependency_violation, delete).await
    } else {
        delete().await
    };
    match result {
        Err(e) if e.is_not_found() => Ok(()),
        // An earlier run sent the delete and was interrupted while AWS carried it out: AWS
        // refuses a second one (an instance "already being deleted"); the wait resumes.
        Err(e) if kind.needs_wait() && matches!(status(aws, kind, id).await, Ok(Status::Deleting | Status::Gone)) => {
            tracing::info!(%id, refused = %e, "already being deleted");
            Ok(())
        }
        other => other,
    }
}

/// What the plan's creates of one kind would collide with in AWS (see `Provider::conflicts`).
pub async fn conflicts(aws: &Aws, kind: Kind, creates: &[ReadRequest]) -> Result<Vec<(Address, String)>, AwsError> {
    if creates.is_empty() {
        return Ok(Vec::new());
    }
    provider(kind).conflicts(aws, creates).await
}

/// Whether a resource is ready (after a create) or gone (after a delete). Kinds that are ready
/// as soon as their call returns answer without calling AWS.
pub async fn status(aws: &Aws, kind: Kind, id: &str) -> Result<Status, AwsError> {
    if !kind.needs_wait() {
        return Ok(Status::Ready);
    }
    match provider(kind).status(aws, id).await {
        Err(e) if e.is_not_found() => Ok(Status::Gone),
        other => other,
    }
}
