//! EKS clusters. Version upgrades go through UpdateClusterVersion (the planner has already
//! refused skipping a minor version); logging and endpoint access through
//! UpdateClusterConfig, one update at a time as EKS requires, each settled before the next.

use aws_sdk_eks::types::{ClusterStatus, EncryptionConfig, LogSetup, LogType, Logging, Provider, VpcConfigRequest};

use super::updates::{Target, settle};
use super::{retag, role_not_assumable_yet, tag_map, tags_value};
use crate::model::LOG_TYPES;
use crate::providers::common::{bool_attr, changed, eventually, opt_str, sorted_list, str_attr, str_list};
use crate::providers::{Aws, AwsError, ReadRequest, Status};
use crate::resource::{Attrs, LiveResource, Value, attr};

pub(super) async fn describe(aws: &Aws, r: &ReadRequest) -> Result<LiveResource, AwsError> {
    let name = r.id.clone().or(str_attr(&r.attrs, "name").map(str::to_owned)).unwrap_or_default();
    let out =
        aws.eks.describe_cluster().name(&name).send().await.map_err(|e| AwsError::from_sdk("DescribeCluster", e))?;
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
    let secrets_kms_key = match (live_key, str_attr(&r.attrs, "secrets_kms_key")) {
        (Some(_), Some(applied)) => Value::str(applied),
        (live, _) => opt_str(live),
    };
    let attrs = Attrs::from([
        ("name".into(), Value::str(c.name().unwrap_or_default())),
        ("role_arn".into(), opt_str(c.role_arn())),
        ("subnet_ids".into(), sorted_list(vpc.map(|v| v.subnet_ids()).unwrap_or_default().iter().map(String::as_str))),
        ("secrets_kms_key".into(), secrets_kms_key),
        ("version".into(), opt_str(c.version())),
        ("endpoint_public_access".into(), Value::Bool(vpc.is_some_and(|v| v.endpoint_public_access()))),
        ("endpoint_private_access".into(), Value::Bool(vpc.is_some_and(|v| v.endpoint_private_access()))),
        (
            "public_access_cidrs".into(),
            sorted_list(vpc.map(|v| v.public_access_cidrs()).unwrap_or_default().iter().map(String::as_str)),
        ),
        ("logging".into(), sorted_list(logging)),
        ("tags".into(), tags_value(c.tags())),
        ("arn".into(), opt_str(c.arn())),
    ]);
    let outputs = Attrs::from([
        ("arn".into(), opt_str(c.arn())),
        ("endpoint".into(), opt_str(c.endpoint())),
        ("certificate_authority".into(), opt_str(c.certificate_authority().and_then(|ca| ca.data()))),
        ("oidc_issuer".into(), opt_str(c.identity().and_then(|i| i.oidc()).and_then(|o| o.issuer()))),
        ("version".into(), opt_str(c.version())),
        ("platform_version".into(), opt_str(c.platform_version())),
        ("security_group_id".into(), opt_str(vpc.and_then(|v| v.cluster_security_group_id()))),
    ]);
    let ready = c.status() == Some(&ClusterStatus::Active);
    Ok(LiveResource { id: name, attrs, ready, outputs })
}

/// EKS's logging setting: the listed types on, every other type off (so removing one from the
/// stack turns it off).
fn logging(attrs: &Attrs) -> Logging {
    let on = str_list(attrs, "logging");
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
        .endpoint_public_access(bool_attr(attrs, "endpoint_public_access"))
        .endpoint_private_access(bool_attr(attrs, "endpoint_private_access"))
        .set_public_access_cidrs(Some(str_list(attrs, "public_access_cidrs")))
        .build()
}

pub(super) async fn create(aws: &Aws, attrs: &Attrs, token: &str) -> Result<String, AwsError> {
    let name = str_attr(attrs, "name").unwrap_or_default();
    let vpc = VpcConfigRequest::builder()
        .set_subnet_ids(Some(str_list(attrs, "subnet_ids")))
        .endpoint_public_access(bool_attr(attrs, "endpoint_public_access"))
        .endpoint_private_access(bool_attr(attrs, "endpoint_private_access"))
        .set_public_access_cidrs(Some(str_list(attrs, "public_access_cidrs")))
        .build();
    let encryption = str_attr(attrs, "secrets_kms_key").map(|key| {
        vec![
            EncryptionConfig::builder().resources("secrets").provider(Provider::builder().key_arn(key).build()).build(),
        ]
    });
    eventually(role_not_assumable_yet, || async {
        aws.eks
            .create_cluster()
            .name(name)
            .version(str_attr(attrs, "version").unwrap_or_default())
            .role_arn(str_attr(attrs, "role_arn").unwrap_or_default())
            .resources_vpc_config(vpc.clone())
            .logging(logging(attrs))
            .set_encryption_config(encryption.clone())
            .set_tags(Some(tag_map(attr(attrs, "tags"))))
            .client_request_token(token)
            .send()
            .await
            .map_err(|e| AwsError::from_sdk("CreateCluster", e))
    })
    .await?;
    Ok(name.to_owned())
}

pub(super) async fn update(aws: &Aws, id: &str, before: &Attrs, after: &Attrs) -> Result<(), AwsError> {
    if changed(before, after, "version") {
        let out = aws
            .eks
            .update_cluster_version()
            .name(id)
            .version(str_attr(after, "version").unwrap_or_default())
            .send()
            .await
            .map_err(|e| AwsError::from_sdk("UpdateClusterVersion", e))?;
        settle(aws, "UpdateClusterVersion", Target::Cluster(id), out.update()).await?;
    }
    if changed(before, after, "logging") {
        let out = aws
            .eks
            .update_cluster_config()
            .name(id)
            .logging(logging(after))
            .send()
            .await
            .map_err(|e| AwsError::from_sdk("UpdateClusterConfig", e))?;
        settle(aws, "UpdateClusterConfig", Target::Cluster(id), out.update()).await?;
    }
    if ["endpoint_public_access", "endpoint_private_access", "public_access_cidrs"]
        .iter()
        .any(|a| changed(before, after, a))
    {
        let out = aws
            .eks
            .update_cluster_config()
            .name(id)
            .resources_vpc_config(endpoint_access(after))
            .send()
            .await
            .map_err(|e| AwsError::from_sdk("UpdateClusterConfig", e))?;
        settle(aws, "UpdateClusterConfig", Target::Cluster(id), out.update()).await?;
    }
    if changed(before, after, "tags")
        && let Some(arn) = str_attr(before, "arn")
    {
        retag(aws, arn, before, after).await?;
    }
    Ok(())
}

pub(super) async fn delete(aws: &Aws, id: &str) -> Result<(), AwsError> {
    aws.eks.delete_cluster().name(id).send().await.map_err(|e| AwsError::from_sdk("DeleteCluster", e))?;
    Ok(())
}

pub(super) async fn status(aws: &Aws, id: &str) -> Result<Status, AwsError> {
    let out = aws.eks.describe_cluster().name(id).send().await.map_err(|e| AwsError::from_sdk("DescribeCluster", e))?;
    Ok(match out.cluster().and_then(|c| c.status()) {
        Some(ClusterStatus::Active) => Status::Ready,
        Some(ClusterStatus::Failed) => {
            Status::Failed("the cluster is FAILED; see its health in the EKS console".into())
        }
        _ => Status::Pending,
    })
}
