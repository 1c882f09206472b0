//! EKS clusters. Version upgrades go through UpdateClusterVersion (the planner has already
//! refused skipping a minor version); logging and endpoint access through
//! UpdateClusterConfig, one update at a time as EKS requires, each settled before the next.

use aws_sdk_eks::types::{
    AuthenticationMode, ClusterStatus, CreateAccessConfigRequest, EncryptionConfig, LogSetup, LogType, Logging,
    Provider as KeyProvider, UpdateAccessConfigRequest, VpcConfigRequest,
};

use async_trait::async_trait;
use platformctl_core::kinds::eks_cluster::*;
use platformctl_core::resource::{Address, Attrs, LiveResource, Observed, Value};

use super::updates::{Target, settle};
use futures::TryFutureExt;

use super::{retag, role_not_assumable_yet, tag_map, tags_value};
use crate::common::read_each;
use crate::common::{eventually, opt_str, sorted_list};
use crate::error::SdkResultExt;
use crate::registry::{NewResource, Provider, Status};
use crate::{Aws, AwsError, ReadRequest};

pub(crate) struct Cluster;

#[async_trait]
impl Provider for Cluster {
    async fn read(&self, aws: &Aws, requests: &[ReadRequest]) -> Result<Vec<(Address, Observed)>, AwsError> {
        // EKS has no batch describe: one call per resource, all at once.
        read_each(requests, |r| describe(aws, r).map_ok(Some)).await
    }

    async fn create(&self, aws: &Aws, new: &NewResource<'_>) -> Result<String, AwsError> {
        let attrs = new.attrs;
        let token = new.token;
        let name = NAME.str(attrs).unwrap_or_default();
        let vpc = VpcConfigRequest::builder()
            .set_subnet_ids(Some(SUBNET_IDS.strings(attrs)))
            .endpoint_public_access(ENDPOINT_PUBLIC_ACCESS.is_true(attrs))
            .endpoint_private_access(ENDPOINT_PRIVATE_ACCESS.is_true(attrs))
            .set_public_access_cidrs(Some(PUBLIC_ACCESS_CIDRS.strings(attrs)))
            .build();
        let encryption = secrets_encryption(attrs);
        // A new cluster is reached through access entries unless the stack says otherwise.
        let access = CreateAccessConfigRequest::builder()
            .authentication_mode(AuthenticationMode::from(AUTHENTICATION_MODE.str(attrs).unwrap_or("API")))
            .bootstrap_cluster_creator_admin_permissions(BOOTSTRAP_CREATOR_ADMIN.bool(attrs).unwrap_or(true))
            .build();
        eventually(role_not_assumable_yet, || async {
            aws.eks
                .create_cluster()
                .name(name)
                .version(VERSION.str(attrs).unwrap_or_default())
                .role_arn(ROLE_ARN.str(attrs).unwrap_or_default())
                .resources_vpc_config(vpc.clone())
                .logging(logging(attrs))
                .set_encryption_config(encryption.clone())
                .access_config(access.clone())
                .set_tags(Some(tag_map(attrs)))
                .client_request_token(token)
                .send()
                .await
                .aws("CreateCluster")
        })
        .await?;
        Ok(name.to_owned())
    }

    async fn update(&self, aws: &Aws, id: &str, before: &Attrs, after: &Attrs) -> Result<(), AwsError> {
        // The planner replaces the cluster for any other change of the key: here it is added.
        if SECRETS_KMS_KEY.changed(before, after) {
            let out = aws
                .eks
                .associate_encryption_config()
                .cluster_name(id)
                .set_encryption_config(secrets_encryption(after))
                .send()
                .await
                .aws("AssociateEncryptionConfig")?;
            settle(aws, "AssociateEncryptionConfig", Target::Cluster(id), out.update()).await?;
        }
        if AUTHENTICATION_MODE.changed(before, after)
            && let Some(mode) = AUTHENTICATION_MODE.str(after)
        {
            let access =
                UpdateAccessConfigRequest::builder().authentication_mode(AuthenticationMode::from(mode)).build();
            let out = aws.eks.update_cluster_config().name(id).access_config(access).send().await;
            let out = out.aws("UpdateClusterConfig")?;
            settle(aws, "UpdateClusterConfig", Target::Cluster(id), out.update()).await?;
        }
        if VERSION.changed(before, after) {
            let out = aws
                .eks
                .update_cluster_version()
                .name(id)
                .version(VERSION.str(after).unwrap_or_default())
                .send()
                .await
                .aws("UpdateClusterVersion")?;
            settle(aws, "UpdateClusterVersion", Target::Cluster(id), out.update()).await?;
        }
        if LOGGING.changed(before, after) {
            let out = aws
                .eks
                .update_cluster_config()
                .name(id)
                .logging(logging(after))
                .send()
                .await
                .aws("UpdateClusterConfig")?;
            settle(aws, "UpdateClusterConfig", Target::Cluster(id), out.update()).await?;
        }
        if [ENDPOINT_PUBLIC_ACCESS, ENDPOINT_PRIVATE_ACCESS, PUBLIC_ACCESS_CIDRS]
            .iter()
            .any(|a| a.changed(before, after))
        {
            let out = aws
                .eks
                .update_cluster_config()
                .name(id)
                .resources_vpc_config(endpoint_access(after))
                .send()
                .await
                .aws("UpdateClusterConfig")?;
            settle(aws, "UpdateClusterConfig", Target::Cluster(id), out.update()).await?;
        }
        retag(aws, before, after).await
    }

    async fn delete(&self, aws: &Aws, id: &str, _: &Attrs) -> Result<(), AwsError> {
        aws.eks.delete_cluster().name(id).send().await.aws("DeleteCluster")?;
        Ok(())
    }

    async fn status(&self, aws: &Aws, id: &str) -> Result<Status, AwsError> {
        let out = aws.eks.describe_cluster().name(id).send().await.aws("DescribeCluster")?;
        Ok(match out.cluster().and_then(|c| c.status()) {
            Some(ClusterStatus::Active) => Status::Ready,
            Some(ClusterStatus::Failed) => {
                Status::Failed("the cluster is FAILED; see its health in the EKS console".into())
            }
            Some(ClusterStatus::Deleting) => Status::Deleting,
            _ => Status::Pending,
        })
    }
}

/// Envelope encryption of the cluster's Kubernetes secrets with the stack's key, if it has one.
fn secrets_encryption(attrs: &Attrs) -> Option<Vec<EncryptionConfig>> {
    SECRETS_KMS_KEY.str(attrs).map(|key| {
        vec![
            EncryptionConfig::builder()
                .resources("secrets")
                .provider(KeyProvider::builder().key_arn(key).build())
                .build(),
        ]
    })
}

async fn describe(aws: &Aws, r: &ReadRequest) -> Result<LiveResource, AwsError> {
    let name = r.id.clone().unwrap_or_default();
    let out = aws.eks.describe_cluster().name(&name).send().await.aws("DescribeCluster")?;
    let c = out
        .cluster()
        .ok_or_else(|| AwsError::local("DescribeCluster", format!("no cluster in the answer for {name}")))?;
    let vpc = c.resources_vpc_config();
    let logging: Vec<&str> = c
        .logging()
        .map(|l| l.cluster_logging())
        .unwrap_or_default()
        .iter()
        .filter(|setup| setup.enabled() == Some(true))
        .flat_map(|setup| setup.types().iter().map(LogType::as_str))
        .collect();
    let live_key = c.encryption_config().iter().find_map(|e| e.provider().and_then(|p| p.key_arn()));
    // EKS may report the key as an ARN where the stack wrote an alias; the key cannot change
    // (replacement), so the key as applied stands while the cluster has one.
    let secrets_kms_key = match (live_key, SECRETS_KMS_KEY.str(&r.attrs)) {
        (Some(_), Some(applied)) => Value::str(applied),
        (live, _) => opt_str(live),
    };
    // Compared only where the stack sets it; an answer without it (moto's) is taken as what was
    // applied rather than as a change.
    let authentication_mode = match AUTHENTICATION_MODE.str(&r.attrs) {
        None => Value::Null,
        Some(applied) => {
            let live = c.access_config().and_then(|a| a.authentication_mode()).map(|m| m.as_str());
            Value::str(live.unwrap_or(applied))
        }
    };
    let attrs = Attrs::from([
        AUTHENTICATION_MODE.to(authentication_mode),
        NAME.to(Value::str(c.name().unwrap_or_default())),
        ROLE_ARN.to(opt_str(c.role_arn())),
        SUBNET_IDS.to(sorted_list(vpc.map(|v| v.subnet_ids()).unwrap_or_default().iter().map(String::as_str))),
        SECRETS_KMS_KEY.to(secrets_kms_key),
        VERSION.to(opt_str(c.version())),
        ENDPOINT_PUBLIC_ACCESS.to(Value::Bool(vpc.is_some_and(|v| v.endpoint_public_access()))),
        ENDPOINT_PRIVATE_ACCESS.to(Value::Bool(vpc.is_some_and(|v| v.endpoint_private_access()))),
        PUBLIC_ACCESS_CIDRS
            .to(sorted_list(vpc.map(|v| v.public_access_cidrs()).unwrap_or_default().iter().map(String::as_str))),
        LOGGING.to(sorted_list(logging)),
        TAGS.to(tags_value(c.tags())),
        ARN.to(opt_str(c.arn())),
    ]);
    let outputs = Attrs::from([
        out::ARN.to(opt_str(c.arn())),
        out::ENDPOINT.to(opt_str(c.endpoint())),
        out::CERTIFICATE_AUTHORITY.to(opt_str(c.certificate_authority().and_then(|ca| ca.data()))),
        out::OIDC_ISSUER.to(opt_str(c.identity().and_then(|i| i.oidc()).and_then(|o| o.issuer()))),
        out::VERSION.to(opt_str(c.version())),
        out::PLATFORM_VERSION.to(opt_str(c.platform_version())),
        out::SECURITY_GROUP_ID.to(opt_str(vpc.and_then(|v| v.cluster_security_group_id()))),
    ]);
    let ready = c.status() == Some(&ClusterStatus::Active);
    Ok(LiveResource { id: name, attrs, ready, outputs })
}

/// EKS's logging setting: the listed types on, every other type off (so removing one from the
/// stack turns it off).
fn logging(attrs: &Attrs) -> Logging {
    let on = LOGGING.strings(attrs);
    let setup = |types: Vec<&str>, enabled: bool| {
        LogSetup::builder().set_types(Some(types.into_iter().map(LogType::from).collect())).enabled(enabled).build()
    };
    let off: Vec<&str> = LOG_TYPES.iter().copied().filter(|t| !on.iter().any(|o| o == t)).collect();
    let mut setups = Vec::new();
    if !on.is_empty() {
        setups.push(setup(on.iter().map(String::as_str).collect(), true));
    }
    if !off.is_empty() {
        setups.push(setup(off, false));
    }
    Logging::builder().set_cluster_logging(Some(setups)).build()
}

fn endpoint_access(attrs: &Attrs) -> VpcConfigRequest {
    VpcConfigRequest::builder()
        .endpoint_public_access(ENDPOINT_PUBLIC_ACCESS.is_true(attrs))
        .endpoint_private_access(ENDPOINT_PRIVATE_ACCESS.is_true(attrs))
        .set_public_access_cidrs(Some(PUBLIC_ACCESS_CIDRS.strings(attrs)))
        .build()
}
