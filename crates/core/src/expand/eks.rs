//! The compute tier's resources. Per EKS cluster: the cluster and node IAM roles, the control
//! plane log group, the cluster over all the stack's subnets, its IAM OIDC provider, the node
//! groups in the private subnets, the add-ons (vpc-cni before the node groups, the others
//! after them, as AWS advises) and one IAM role per service account (IRSA). Then ECR
//! repositories and log groups.
//!
//! Trust policies of service account roles name the OIDC provider by its ARN (an output) and
//! its issuer in condition keys, written `${oidc}:sub`: the IAM provider fills in the issuer
//! from the ARN when it writes the policy and puts the placeholder back when it reads it, so
//! plans compare the documents as written here.

use std::collections::BTreeMap;

use super::data::secret_address;
use super::iam::{policy, role, service_role, statement, strings};
use super::kms::key_value;
use super::network::subnet;
use super::node_groups;
use super::tags;
use crate::kinds::iam_role::OIDC_PLACEHOLDER;
use crate::kinds::{
    ecr_repository, eks_access_entry, eks_addon, eks_cluster, eks_pod_identity_association, iam_role, log_group,
    oidc_provider, secret,
};
use crate::model::{
    AccessPrincipal, Addon, Ecr, Eks, Identity, KmsKeyRef, LogGroup, NatGateways, Network, POD_IDENTITY_AGENT,
    ServiceAccount, Stack, role_name,
};
use crate::resource::{Address, Attrs, DesiredResource, Kind, Value};

/// The only audience IRSA tokens carry.
pub const STS_AUDIENCE: &str = "sts.amazonaws.com";

pub(crate) const CLUSTER_POLICIES: &[&str] = &["arn:aws:iam::aws:policy/AmazonEKSClusterPolicy"];
pub(crate) const CNI_POLICY: &str = "arn:aws:iam::aws:policy/AmazonEKS_CNI_Policy";
pub(crate) const NODE_POLICIES: &[&str] = &[
    "arn:aws:iam::aws:policy/AmazonEKSWorkerNodePolicy",
    CNI_POLICY,
    "arn:aws:iam::aws:policy/AmazonEC2ContainerRegistryReadOnly",
];
/// The add-on that gives pods their IP addresses: nodes cannot become ready without it.
pub(crate) const NETWORKING_ADDON: &str = "vpc-cni";

pub fn cluster_address(name: &str) -> Address {
    Address::new(format!("eks.{name}"))
}

pub fn service_account_address(cluster: &str, name: &str) -> Address {
    Address::new(format!("eks.{cluster}.service_account[{name}]"))
}

pub(super) fn expand_clusters(stack: &Stack, net: &Network, out: &mut Vec<DesiredResource>) {
    for eks in &stack.compute.eks {
        cluster(stack, net, eks, out);
    }
}

pub(super) fn expand_registries_and_logs(stack: &Stack, out: &mut Vec<DesiredResource>) {
    for repo in &stack.compute.ecr {
        repository(stack, repo, out);
    }
    for group in &stack.compute.log_groups {
        let address = Address::new(format!("log_group[{}]", group.name));
        out.push(log_group(stack, &address, group));
    }
}

fn cluster(stack: &Stack, net: &Network, eks: &Eks, out: &mut Vec<DesiredResource>) {
    let base = format!("eks.{}", eks.name);
    let cluster = cluster_address(&eks.name);
    let cluster_name = format!("{}-{}", stack.name, eks.name);
    let at = |suffix: &str| Address::new(format!("{base}.{suffix}"));

    let cluster_role = at("cluster_role");
    out.push(service_role(
        stack,
        &cluster_role,
        &role_name(&stack.name, &eks.name, "cluster"),
        "eks",
        CLUSTER_POLICIES,
    ));
    let node_role = at("node_role");
    // The CNI policy stays on the node role (where every pod on the node can reach it through
    // the instance metadata) only while the CNI add-on has no role of its own.
    let cni_has_role = eks.addons.iter().any(|a| a.name == NETWORKING_ADDON && a.role.is_some());
    let node_policies: Vec<&str> =
        NODE_POLICIES.iter().copied().filter(|p| !(cni_has_role && *p == CNI_POLICY)).collect();
    out.push(service_role(stack, &node_role, &role_name(&stack.name, &eks.name, "node"), "ec2", &node_policies));

    // Created before the cluster, so that EKS writes into a group with our retention (and the
    // group goes away with the stack) instead of creating its own that keeps logs forever.
    let log_group_address = at("log_group");
    let has_logs = !eks.logging.is_empty();
    if has_logs {
        let group = LogGroup {
            name: format!("/aws/eks/{cluster_name}/cluster"),
            retention_days: Some(eks.log_retention_days),
            kms_key: None,
        };
        out.push(log_group(stack, &log_group_address, &group));
    }

    let tiers: &[&str] = if eks.control_plane_private_only { &["private"] } else { &["public", "private"] };
    let all_subnets =
        net.azs.iter().flat_map(|az| tiers.iter().map(|tier| subnet(tier, &az.name))).map(Value::Ref).collect();
    let mut attrs = Attrs::from([
        eks_cluster::NAME.to(&cluster_name),
        eks_cluster::ROLE_ARN.to(iam_role::out::ARN.of(&cluster_role)),
        eks_cluster::SUBNET_IDS.to(Value::List(all_subnets)),
        eks_cluster::VERSION.to(eks.version.to_string()),
        eks_cluster::ENDPOINT_PUBLIC_ACCESS.to(eks.endpoint_public_access),
        eks_cluster::ENDPOINT_PRIVATE_ACCESS.to(eks.endpoint_private_access),
        eks_cluster::PUBLIC_ACCESS_CIDRS.to(strings(&eks.public_access_cidrs)),
        eks_cluster::LOGGING.to(strings(&eks.logging)),
        eks_cluster::AUTHENTICATION_MODE.to(eks.authentication_mode.as_deref()),
        eks_cluster::BOOTSTRAP_CREATOR_ADMIN.to(eks.bootstrap_cluster_creator_admin),
        eks_cluster::TAGS.to(tags(stack, &cluster, &cluster_name)),
    ]);
    if let Some(key) = &eks.secrets_kms_key {
        attrs.extend([eks_cluster::SECRETS_KMS_KEY.to(key_value(key))]);
    }
    let mut resource = DesiredResource::new(cluster.clone(), Kind::EksCluster, attrs);
    if has_logs {
        resource = resource.after(&log_group_address);
    }
    out.push(resource);

    // EKS names the cluster group only once the cluster exists: its rules wait for that output.
    let cluster_group = eks_cluster::out::SECURITY_GROUP_ID.of(&cluster);
    let rules = eks.cluster_security_group_ingress.iter().map(|rule| (rule, "ingress"));
    let owner = at("cluster_security_group");
    super::security_groups::permissions(stack, net, &owner, &cluster_group, &cluster_name, rules, out);

    let oidc = at("oidc_provider");
    out.push(DesiredResource::new(
        oidc.clone(),
        Kind::OidcProvider,
        Attrs::from([
            oidc_provider::URL.to(eks_cluster::out::OIDC_ISSUER.of(&cluster)),
            oidc_provider::CLIENT_IDS.to(strings(&[STS_AUDIENCE.to_owned()])),
            oidc_provider::TAGS.to(tags(stack, &oidc, &cluster_name)),
        ]),
    ));

    let addon_address = |name: &str| Address::new(format!("{base}.addon[{name}]"));
    let networking = eks.addons.iter().any(|a| a.name == NETWORKING_ADDON).then(|| addon_address(NETWORKING_ADDON));
    let mut node_groups = Vec::new();
    for group in &eks.node_groups {
        let address = Address::new(format!("{base}.node_group[{}]", group.name));
        let template = Address::new(format!("{base}.launch_template[{}]", group.name));
        out.push(node_groups::launch_template(stack, &cluster, &cluster_name, &template, group));
        let mut resource = node_groups::node_group(stack, net, eks, &cluster, &node_role, &template, &address, group);
        if let Some(cni) = &networking {
            resource = resource.after(cni);
        }
        // Nodes in private subnets reach EKS and ECR through the NAT gateway: without that
        // route they never join and the group fails after half an hour.
        if net.nat_gateways != NatGateways::None {
            for az in &net.azs {
                resource = resource.after(&Address::new(format!("network.route.private_default[{}]", az.name)));
            }
        }
        node_groups.push(address);
        out.push(resource);
    }

    // Pod Identity needs its agent on the nodes: added when a service account uses it and the
    // stack does not list the add-on itself.
    let uses_pod_identity = eks.service_accounts.iter().any(|sa| sa.identity == Identity::PodIdentity);
    let agent = (uses_pod_identity && !eks.addons.iter().any(|a| a.name == POD_IDENTITY_AGENT)).then(|| Addon {
        name: POD_IDENTITY_AGENT.to_owned(),
        version: None,
        configuration: None,
        resolve_conflicts: "OVERWRITE".to_owned(),
        role: None,
    });
    for addon in eks.addons.iter().chain(&agent) {
        let address = addon_address(&addon.name);
        let configuration = addon
            .configuration
            .as_ref()
            .map_or(Value::Null, |c| Value::from_json(serde_json::Value::Object(c.clone())));
        let mut resource = DesiredResource::new(
            address.clone(),
            Kind::EksAddon,
            Attrs::from([
                eks_addon::CLUSTER.to(Value::Ref(cluster.clone())),
                eks_addon::NAME.to(&addon.name),
                eks_addon::VERSION.to(addon.version.as_ref().map_or(Value::Null, Value::str)),
                eks_addon::CONFIGURATION.to(configuration),
                eks_addon::RESOLVE_CONFLICTS.to(&addon.resolve_conflicts),
                eks_addon::SERVICE_ACCOUNT_ROLE_ARN.to(addon_role(stack, eks, &oidc, &cluster, &address, addon, out)),
            ]),
        );
        if networking.as_ref() != Some(&address) {
            for group in &node_groups {
                resource = resource.after(group);
            }
        }
        out.push(resource);
    }

    for sa in &eks.service_accounts {
        out.push(service_account_role(stack, eks, &oidc, sa));
        if sa.identity == Identity::PodIdentity {
            let role = service_account_address(&eks.name, &sa.name);
            out.push(pod_identity_association(stack, &cluster, &role, &sa.namespace, &sa.name));
        }
    }

    for entry in &eks.access {
        let address = at(&format!("access[{}]", entry.name));
        let policies = entry
            .policies
            .iter()
            .map(|(arn, namespaces)| {
                let scope = namespaces.as_ref().map_or(Value::str("cluster"), |n| strings(n));
                (arn.clone(), scope)
            })
            .collect();
        let name = format!("{cluster_name}-{}", entry.name);
        out.push(DesiredResource::new(
            address.clone(),
            Kind::EksAccessEntry,
            Attrs::from([
                eks_access_entry::CLUSTER.to(Value::Ref(cluster.clone())),
                eks_access_entry::PRINCIPAL.to(match &entry.principal {
                    AccessPrincipal::Arn(arn) => Value::str(arn),
                    AccessPrincipal::ServiceAccount { cluster, name } => {
                        iam_role::out::ARN.of(&service_account_address(cluster, name))
                    }
                }),
                eks_access_entry::KUBERNETES_GROUPS.to(strings(&entry.kubernetes_groups)),
                eks_access_entry::POLICIES.to(Value::Map(policies)),
                eks_access_entry::TAGS.to(tags(stack, &address, &name)),
            ]),
        ));
    }
}

/// IRSA: only `system:serviceaccount:<namespace>:<name>`, only through this cluster's OIDC
/// provider, only with the STS audience; allowed to read exactly the named secrets.
fn service_account_role(stack: &Stack, eks: &Eks, oidc: &Address, sa: &ServiceAccount) -> DesiredResource {
    let address = service_account_address(&eks.name, &sa.name);
    let mut inline = BTreeMap::new();
    if !sa.read_secrets.is_empty() {
        let arns = sa.read_secrets.iter().map(|s| secret::out::ARN.of(&secret_address(s))).collect();
        let mut statements = vec![statement([
            ("Effect", Value::str("Allow")),
            ("Action", strings(&["secretsmanager:GetSecretValue".into(), "secretsmanager:DescribeSecret".into()])),
            ("Resource", Value::List(arns)),
        ])];
        statements.extend(decrypt_secrets_keys(stack, &sa.read_secrets));
        inline.insert("read-secrets".to_owned(), policy(statements));
    }
    if let Some(doc) = &sa.policy {
        inline.insert("policy-file".to_owned(), Value::from_json(doc.clone()));
    }
    let mut managed = sa.managed_policies.clone();
    if let Some(preset) = &sa.preset {
        if let Some(doc) = &preset.document {
            inline.insert(format!("preset-{}", preset.name), Value::from_json(doc.clone()));
        }
        managed.extend(preset.managed_policies.iter().filter(|p| !sa.managed_policies.contains(p)).cloned());
    }
    let name = role_name(&stack.name, &eks.name, &format!("sa-{}", sa.name));
    let trust = workload_trust(oidc, &sa.namespace, &sa.name, sa.identity);
    role(stack, &address, &name, trust, managed, inline)
}

/// An add-on's own role (and, with Pod Identity, its association); what the add-on names as its
/// service account role: the role's ARN with IRSA, nothing with Pod Identity (the association
/// hands out the credentials).
fn addon_role(
    stack: &Stack,
    eks: &Eks,
    oidc: &Address,
    cluster: &Address,
    addon_address: &Address,
    addon: &Addon,
    out: &mut Vec<DesiredResource>,
) -> Value {
    let Some(r) = &addon.role else { return Value::Null };
    let address = Address::new(format!("{addon_address}.role"));
    let name = role_name(&stack.name, &eks.name, &format!("addon-{}", addon.name));
    let trust = workload_trust(oidc, r.namespace, r.service_account, r.identity);
    out.push(role(stack, &address, &name, trust, r.managed_policies.clone(), BTreeMap::new()));
    match r.identity {
        Identity::Irsa => iam_role::out::ARN.of(&address),
        Identity::PodIdentity => {
            out.push(pod_identity_association(stack, cluster, &address, r.namespace, r.service_account));
            Value::Null
        }
    }
}

/// Who may assume a workload's role. IRSA: only `system:serviceaccount:<namespace>:<name>`,
/// only through this cluster's OIDC provider, only with the STS audience. Pod Identity: EKS's
/// service (which tags the session with the cluster, namespace and service account); the
/// association says which pods.
fn workload_trust(oidc: &Address, namespace: &str, service_account: &str, identity: Identity) -> Value {
    match identity {
        Identity::Irsa => {
            let condition = Value::Map(BTreeMap::from([(
                "StringEquals".into(),
                Value::Map(BTreeMap::from([
                    (
                        format!("{OIDC_PLACEHOLDER}:sub"),
                        Value::str(format!("system:serviceaccount:{namespace}:{service_account}")),
                    ),
                    (format!("{OIDC_PLACEHOLDER}:aud"), Value::str(STS_AUDIENCE)),
                ])),
            )]));
            policy(vec![statement([
                ("Effect", Value::str("Allow")),
                ("Principal", Value::Map(BTreeMap::from([("Federated".into(), oidc_provider::out::ARN.of(oidc))]))),
                ("Action", Value::str("sts:AssumeRoleWithWebIdentity")),
                ("Condition", condition),
            ])])
        }
        Identity::PodIdentity => policy(vec![statement([
            ("Effect", Value::str("Allow")),
            ("Principal", Value::Map(BTreeMap::from([("Service".into(), Value::str("pods.eks.amazonaws.com"))]))),
            ("Action", strings(&["sts:AssumeRole".into(), "sts:TagSession".into()])),
        ])]),
    }
}

/// The Pod Identity association of a service account with the role at `role`.
fn pod_identity_association(
    stack: &Stack,
    cluster: &Address,
    role: &Address,
    namespace: &str,
    service_account: &str,
) -> DesiredResource {
    let address = Address::new(format!("{role}.pod_identity"));
    let name = format!("{}-{namespace}-{service_account}", stack.name);
    DesiredResource::new(
        address.clone(),
        Kind::EksPodIdentityAssociation,
        Attrs::from([
            eks_pod_identity_association::CLUSTER.to(Value::Ref(cluster.clone())),
            eks_pod_identity_association::NAMESPACE.to(namespace),
            eks_pod_identity_association::SERVICE_ACCOUNT.to(service_account),
            eks_pod_identity_association::ROLE_ARN.to(iam_role::out::ARN.of(role)),
            eks_pod_identity_association::TAGS.to(tags(stack, &address, &name)),
        ]),
    )
}

/// A secret encrypted with a customer-managed key is readable only with `kms:Decrypt` on that
/// key: allowed on the keys of the secrets read (the stack's, or an existing key given by ARN;
/// an alias cannot name a key in a policy), and only through Secrets Manager.
fn decrypt_secrets_keys(stack: &Stack, read: &[String]) -> Option<Value> {
    let mut keys: Vec<Value> = Vec::new();
    for secret in stack.data.secrets.iter().filter(|s| read.contains(&s.name)) {
        let key = match &secret.kms_key {
            Some(key @ KmsKeyRef::Stack(_)) => key_value(key),
            Some(key) if let Some(arn) = key.existing_key_arn() => Value::str(arn),
            _ => continue,
        };
        if !keys.contains(&key) {
            keys.push(key);
        }
    }
    let via = Value::str(format!("secretsmanager.{}.amazonaws.com", stack.region));
    (!keys.is_empty()).then(|| {
        statement([
            ("Effect", Value::str("Allow")),
            ("Action", Value::str("kms:Decrypt")),
            ("Resource", Value::List(keys)),
            (
                "Condition",
                Value::Map(BTreeMap::from([(
                    "StringEquals".into(),
                    Value::Map(BTreeMap::from([("kms:ViaService".into(), via)])),
                )])),
            ),
        ])
    })
}

fn repository(stack: &Stack, repo: &Ecr, out: &mut Vec<DesiredResource>) {
    let address = Address::new(format!("ecr.{}", repo.name));
    let lifecycle = repo.keep_images.map_or(Value::Null, |n| {
        Value::from_json(serde_json::json!({
            "rules": [{
                "rulePriority": 1,
                "description": format!("Keep the newest {n} images"),
                "selection": { "tagStatus": "any", "countType": "imageCountMoreThan", "countNumber": n },
                "action": { "type": "expire" }
            }]
        }))
    });
    out.push(DesiredResource::new(
        address.clone(),
        Kind::EcrRepository,
        Attrs::from([
            ecr_repository::NAME.to(&repo.name),
            ecr_repository::SCAN_ON_PUSH.to(repo.scan_on_push),
            ecr_repository::TAG_MUTABILITY.to(&repo.tag_mutability),
            ecr_repository::LIFECYCLE_POLICY.to(lifecycle),
            ecr_repository::FORCE_DELETE.to(repo.force_delete),
            ecr_repository::KMS_KEY.to(repo.kms_key.as_ref().map(key_value)),
            ecr_repository::TAGS.to(tags(stack, &address, &repo.name)),
        ]),
    ));
}

pub(super) fn log_group(stack: &Stack, address: &Address, group: &LogGroup) -> DesiredResource {
    DesiredResource::new(
        address.clone(),
        Kind::LogGroup,
        Attrs::from([
            log_group::NAME.to(&group.name),
            log_group::RETENTION_DAYS.to(group.retention_days.map_or(Value::Null, Value::Int)),
            log_group::KMS_KEY.to(group.kms_key.as_ref().map(key_value)),
            log_group::TAGS.to(tags(stack, address, &group.name)),
        ]),
    )
}
