//! What `generate` reads of an EKS cluster (see crate::discover): the cluster, its and its node
//! groups' roles, the node groups with their launch templates' settings, the add-ons, the control
//! plane's log group, and the roles service accounts assume through the cluster's OIDC provider
//! — each with its kind's own read, so what generate writes is what plans compare. Reads only.

use platformctl_core::kinds::{eks_addon, eks_cluster, eks_pod_identity_association, iam_role, log_group, node_group};
use platformctl_core::resource::discovered::{
    DiscoveredAddon, DiscoveredCluster, DiscoveredLogGroup, DiscoveredNodeGroup, DiscoveredServiceAccount,
};
use platformctl_core::resource::{Attrs, Kind, LiveResource, Value};

use crate::discover::{not_found, read_live};
use crate::error::SdkResultExt;
use crate::{Aws, AwsError};

/// `account_roles`: every role of the account (one listing for all the clusters generate reads).
pub(crate) async fn cluster(
    aws: &Aws,
    name: &str,
    account_roles: &[LiveResource],
) -> Result<DiscoveredCluster, AwsError> {
    let live =
        read_live(aws, Kind::EksCluster, name, Attrs::new()).await?.ok_or_else(|| not_found("EKS cluster", name))?;
    let mut found = DiscoveredCluster { name: name.to_owned(), ..Default::default() };
    if let Some(role) = eks_cluster::ROLE_ARN.str(&live.attrs).and_then(role_name) {
        found.cluster_role = crate::discover::read_one(aws, Kind::IamRole, role).await?;
    }
    let mut groups = aws.eks.list_nodegroups().cluster_name(name).into_paginator().items().send();
    while let Some(group) = groups.next().await {
        let group = group.aws("ListNodegroups")?;
        // Asking for the desired size as a group whose size the stack manages would.
        let asking = Attrs::from([node_group::MANAGE_DESIRED_SIZE.to(true)]);
        let Some(read) = read_live(aws, Kind::NodeGroup, &format!("{name}:{group}"), asking).await? else { continue };
        let mut attrs = read.attrs;
        let desired_size = node_group::DESIRED_SIZE.int(&attrs);
        attrs.remove(node_group::DESIRED_SIZE.name);
        attrs.remove(node_group::MANAGE_DESIRED_SIZE.name);
        found.node_groups.push(DiscoveredNodeGroup { name: group, attrs, desired_size });
    }
    let roles: std::collections::BTreeSet<&str> = found
        .node_groups
        .iter()
        .filter_map(|g| node_group::NODE_ROLE_ARN.str(&g.attrs))
        .filter_map(role_name)
        .collect();
    for role in roles {
        found.node_roles.extend(crate::discover::read_one(aws, Kind::IamRole, role).await?);
    }
    addons(aws, name, &mut found).await?;
    if !eks_cluster::LOGGING.strings(&live.attrs).is_empty() {
        let group = format!("/aws/eks/{name}/cluster");
        found.log_group = crate::discover::read_one(aws, Kind::LogGroup, &group).await?.map(|g| DiscoveredLogGroup {
            name: group,
            retention_days: log_group::RETENTION_DAYS.int(&g).map(|d| d as i32),
            kms_key: log_group::KMS_KEY.str(&g).map(str::to_owned),
        });
    }
    if let Some(Value::Str(issuer)) = eks_cluster::out::OIDC_ISSUER.get(&live.outputs) {
        found.service_accounts = service_accounts(issuer, account_roles);
    }
    pod_identities(aws, name, &mut found).await?;
    access_entries(aws, name, &mut found).await?;
    found.attrs = live.attrs;
    found.outputs = live.outputs;
    Ok(found)
}

/// The add-ons, each as the `eks_addon` kind reads it; an endpoint without add-ons (moto) is
/// said, not an error.
async fn addons(aws: &Aws, cluster: &str, found: &mut DiscoveredCluster) -> Result<(), AwsError> {
    let pages = aws.eks.list_addons().cluster_name(cluster).into_paginator().items().send();
    let Some(names) = listed("ListAddons", "add-ons", pages.collect().await, found)? else { return Ok(()) };
    for name in names {
        if let Some(addon) = read_live(aws, Kind::EksAddon, &format!("{cluster}:{name}"), Attrs::new()).await? {
            // The read compares a version only where the stack sets one; generate sets AWS's.
            let mut attrs = addon.attrs;
            if let Some(version) = eks_addon::out::VERSION.get(&addon.outputs) {
                attrs.insert(eks_addon::VERSION.name.to_owned(), version.clone());
            }
            let role = match eks_addon::SERVICE_ACCOUNT_ROLE_ARN.str(&attrs).and_then(role_name) {
                Some(role) => crate::discover::read_one(aws, Kind::IamRole, role).await?,
                None => None,
            };
            found.addons.push(DiscoveredAddon { name, attrs, role });
        }
    }
    Ok(())
}

/// Every item of an EKS listing, or `None` (said in `found.not_read`) where the endpoint has no
/// such listing (moto has no access entries or Pod Identity).
fn listed<T, E>(
    operation: &'static str,
    what: &str,
    pages: Vec<Result<T, E>>,
    found: &mut DiscoveredCluster,
) -> Result<Option<Vec<T>>, AwsError>
where
    Result<T, E>: SdkResultExt<T>,
{
    let mut items = Vec::new();
    for item in pages {
        match item.aws(operation) {
            Ok(item) => items.push(item),
            Err(e) if e.is_unsupported() => {
                found.not_read.push((found.name.clone(), format!("its {what} could not be listed: {e}")));
                return Ok(None);
            }
            Err(e) => return Err(e),
        }
    }
    Ok(Some(items))
}

/// The roles of the cluster's Pod Identity associations, each for its service account.
async fn pod_identities(aws: &Aws, cluster: &str, found: &mut DiscoveredCluster) -> Result<(), AwsError> {
    let pages = aws.eks.list_pod_identity_associations().cluster_name(cluster).into_paginator().items().send();
    let Some(associations) =
        listed("ListPodIdentityAssociations", "Pod Identity associations", pages.collect().await, found)?
    else {
        return Ok(());
    };
    for a in associations {
        let id = format!("{cluster}:{}", a.association_id().unwrap_or_default());
        let Some(association) = read_live(aws, Kind::EksPodIdentityAssociation, &id, Attrs::new()).await? else {
            continue;
        };
        let role = eks_pod_identity_association::ROLE_ARN.str(&association.attrs).and_then(role_name);
        let Some(role) = role else { continue };
        if let Some(role) = crate::discover::read_one(aws, Kind::IamRole, role).await? {
            found.service_accounts.push(DiscoveredServiceAccount {
                namespace: a.namespace().unwrap_or_default().to_owned(),
                service_account: a.service_account().unwrap_or_default().to_owned(),
                role,
                pod_identity: true,
            });
        }
    }
    Ok(())
}

/// The cluster's access entries but the ones EKS makes for its node groups' roles.
async fn access_entries(aws: &Aws, cluster: &str, found: &mut DiscoveredCluster) -> Result<(), AwsError> {
    let pages = aws.eks.list_access_entries().cluster_name(cluster).into_paginator().items().send();
    let Some(principals) = listed("ListAccessEntries", "access entries", pages.collect().await, found)? else {
        return Ok(());
    };
    let node_roles: Vec<&str> =
        found.node_groups.iter().filter_map(|g| node_group::NODE_ROLE_ARN.str(&g.attrs)).collect();
    let mut entries = Vec::new();
    for principal in principals.iter().filter(|p| !node_roles.contains(&p.as_str())) {
        if let Some(entry) =
            read_live(aws, Kind::EksAccessEntry, &format!("{cluster}:{principal}"), Attrs::new()).await?
        {
            entries.push(entry.attrs);
        }
    }
    found.access_entries = entries;
    Ok(())
}

/// Roles whose trust policy is IRSA's for one service account through the provider of
/// `issuer`: `Federated` its ARN, `sts:AssumeRoleWithWebIdentity`, `${oidc}:sub` one
/// `system:serviceaccount:<namespace>:<name>`.
fn service_accounts(issuer: &str, roles: &[LiveResource]) -> Vec<DiscoveredServiceAccount> {
    // IAM names the provider by the issuer without its scheme (an emulator's is `http://`).
    let host = issuer.split_once("://").map_or(issuer, |(_, rest)| rest);
    let provider_suffix = format!(":oidc-provider/{host}");
    let mut found = Vec::new();
    for role in roles {
        let trust = serde_json::to_value(iam_role::ASSUME_ROLE_POLICY.get(&role.attrs)).unwrap_or_default();
        if let Some((namespace, service_account)) = irsa_subject(&trust, &provider_suffix) {
            let role = role.attrs.clone();
            found.push(DiscoveredServiceAccount { namespace, service_account, role, pod_identity: false });
        }
    }
    found
}

/// The service account a trust policy admits, when it is one IRSA statement for the provider.
fn irsa_subject(trust: &serde_json::Value, provider_suffix: &str) -> Option<(String, String)> {
    let statements = match &trust["Statement"] {
        serde_json::Value::Array(list) => list.clone(),
        one @ serde_json::Value::Object(_) => vec![one.clone()],
        _ => return None,
    };
    let [statement] = statements.as_slice() else { return None };
    let federated = statement["Principal"]["Federated"].as_str()?;
    if !federated.ends_with(provider_suffix) || statement["Action"] != "sts:AssumeRoleWithWebIdentity" {
        return None;
    }
    let subject = statement["Condition"]["StringEquals"][format!("{}:sub", iam_role::OIDC_PLACEHOLDER)].as_str()?;
    let (namespace, name) = subject.strip_prefix("system:serviceaccount:")?.split_once(':')?;
    Some((namespace.to_owned(), name.to_owned()))
}

/// `arn:aws:iam::1:role/path/name` → `name`.
fn role_name(arn: &str) -> Option<&str> {
    arn.rsplit_once('/').map(|(_, name)| name)
}

#[cfg(test)]
mod tests {
    use super::irsa_subject;

    #[test]
    fn an_irsa_trust_names_its_service_account() {
        let suffix = ":oidc-provider/oidc.eks.eu-west-1.amazonaws.com/id/ABC";
        let trust = serde_json::json!({"Version": "2012-10-17", "Statement": [{
            "Effect": "Allow",
            "Principal": {"Federated": format!("arn:aws:iam::1{suffix}")},
            "Action": "sts:AssumeRoleWithWebIdentity",
            "Condition": {"StringEquals": {"${oidc}:sub": "system:serviceaccount:kube-system:autoscaler"}}
        }]});
        assert_eq!(irsa_subject(&trust, suffix), Some(("kube-system".into(), "autoscaler".into())));
        assert_eq!(irsa_subject(&trust, ":oidc-provider/another"), None, "another cluster's");
        let wildcard = serde_json::json!({"Statement": {
            "Principal": {"Federated": format!("arn:aws:iam::1{suffix}")},
            "Action": "sts:AssumeRoleWithWebIdentity",
            "Condition": {"StringLike": {"${oidc}:sub": "system:serviceaccount:*"}}
        }});
        assert_eq!(irsa_subject(&wildcard, suffix), None, "not one service account");
    }
}
