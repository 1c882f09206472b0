//! EKS Pod Identity associations: one service account's pods get one role. The role changes in
//! place (UpdatePodIdentityAssociation). The id is `<cluster>:<association id>`, which EKS
//! assigns; an interrupted create is found by its cluster, namespace and service account
//! (ListPodIdentityAssociations takes both as filters).

use async_trait::async_trait;
use platformctl_core::kinds::eks_pod_identity_association::*;
use platformctl_core::resource::{Address, Attrs, LiveResource, Observed, Value};

use super::{child_id, split_id, tag_map, tags_value};
use crate::common::{opt_str, read_each};
use crate::error::SdkResultExt;
use crate::registry::{NewResource, Provider};
use crate::{Aws, AwsError, ReadRequest};

pub(crate) struct Association;

#[async_trait]
impl Provider for Association {
    async fn read(&self, aws: &Aws, requests: &[ReadRequest]) -> Result<Vec<(Address, Observed)>, AwsError> {
        read_each(requests, |r| describe(aws, r)).await
    }

    async fn create(&self, aws: &Aws, new: &NewResource<'_>) -> Result<String, AwsError> {
        let attrs = new.attrs;
        let cluster = CLUSTER.str(attrs).unwrap_or_default();
        let out = aws
            .eks
            .create_pod_identity_association()
            .cluster_name(cluster)
            .namespace(NAMESPACE.str(attrs).unwrap_or_default())
            .service_account(SERVICE_ACCOUNT.str(attrs).unwrap_or_default())
            .role_arn(ROLE_ARN.str(attrs).unwrap_or_default())
            .set_tags(Some(tag_map(attrs)))
            .client_request_token(new.token)
            .send()
            .await
            .aws("CreatePodIdentityAssociation")?;
        let id = out.association().and_then(|a| a.association_id()).unwrap_or_default();
        Ok(child_id(cluster, id))
    }

    async fn update(&self, aws: &Aws, id: &str, before: &Attrs, after: &Attrs) -> Result<(), AwsError> {
        let (cluster, association) = split_id(id);
        if ROLE_ARN.changed(before, after) {
            aws.eks
                .update_pod_identity_association()
                .cluster_name(cluster)
                .association_id(association)
                .set_role_arn(ROLE_ARN.str(after).map(str::to_owned))
                .send()
                .await
                .aws("UpdatePodIdentityAssociation")?;
        }
        super::retag(aws, before, after).await
    }

    async fn delete(&self, aws: &Aws, id: &str, _: &Attrs) -> Result<(), AwsError> {
        let (cluster, association) = split_id(id);
        let call = aws.eks.delete_pod_identity_association().cluster_name(cluster).association_id(association);
        call.send().await.aws("DeletePodIdentityAssociation")?;
        Ok(())
    }
}

/// The association of a request: by its id, or (a pending create) the one of its service
/// account.
async fn describe(aws: &Aws, r: &ReadRequest) -> Result<Option<LiveResource>, AwsError> {
    let (cluster, association) = match &r.id {
        Some(id) => {
            let (c, a) = split_id(id);
            (c.to_owned(), a.to_owned())
        }
        None => {
            let cluster = CLUSTER.str(&r.attrs).unwrap_or_default().to_owned();
            let found = aws
                .eks
                .list_pod_identity_associations()
                .cluster_name(&cluster)
                .namespace(NAMESPACE.str(&r.attrs).unwrap_or_default())
                .service_account(SERVICE_ACCOUNT.str(&r.attrs).unwrap_or_default())
                .send()
                .await
                .aws("ListPodIdentityAssociations")?;
            let Some(id) = found.associations().first().and_then(|a| a.association_id()) else { return Ok(None) };
            (cluster, id.to_owned())
        }
    };
    let out = aws.eks.describe_pod_identity_association().cluster_name(&cluster).association_id(&association);
    let out = out.send().await.aws("DescribePodIdentityAssociation")?;
    let Some(a) = out.association() else { return Ok(None) };
    Ok(Some(LiveResource {
        id: child_id(&cluster, &association),
        attrs: Attrs::from([
            CLUSTER.to(Value::str(&cluster)),
            NAMESPACE.to(opt_str(a.namespace())),
            SERVICE_ACCOUNT.to(opt_str(a.service_account())),
            ROLE_ARN.to(opt_str(a.role_arn())),
            TAGS.to(tags_value(a.tags())),
            ARN.to(opt_str(a.association_arn())),
        ]),
        ready: true,
        outputs: Attrs::new(),
    }))
}
