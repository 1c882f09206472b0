//! Who may use an EKS cluster: its authentication mode and its access entries — IAM principals
//! with EKS access policies (on the cluster or on namespaces) and Kubernetes groups.

use indexmap::IndexMap;

use super::Checker;
use crate::spec::{AccessEntrySpec, AccessPolicySpec, Located};

/// The EKS access policies a stack names by a short name.
pub const ACCESS_POLICIES: &[(&str, &str)] = &[
    ("cluster-admin", "AmazonEKSClusterAdminPolicy"),
    ("admin", "AmazonEKSAdminPolicy"),
    ("edit", "AmazonEKSEditPolicy"),
    ("view", "AmazonEKSViewPolicy"),
];

pub(crate) const POLICY_ARN_PREFIX: &str = "arn:aws:eks::aws:cluster-access-policy/";

/// One access entry.
#[derive(Clone, Debug, PartialEq)]
pub struct AccessEntry {
    pub name: String,
    pub principal: AccessPrincipal,
    /// `(policy ARN, None for the cluster or the namespaces, sorted)`, by ARN.
    pub policies: Vec<(String, Option<Vec<String>>)>,
    pub kubernetes_groups: Vec<String>,
}

/// Who an access entry lets in.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum AccessPrincipal {
    /// An IAM role or user ARN.
    Arn(String),
    /// The role of a service account of this stack: its cluster (the entry's own or another)
    /// and its name.
    ServiceAccount { cluster: String, name: String },
}

const SERVICE_ACCOUNT_PREFIX: &str = "service_account:";

/// `API` or `API_AND_CONFIG_MAP` (a new cluster's own mode, `CONFIG_MAP`, is not offered: access
/// entries need the API).
pub(super) fn authentication_mode(mode: Option<&Located<String>>, field: &str, check: &mut Checker) -> Option<String> {
    let mode = mode?;
    match mode.as_str() {
        "API" | "API_AND_CONFIG_MAP" => Some(mode.value().clone()),
        other => {
            check.error(
                mode.location(),
                field,
                format!("`{other}` is not an authentication mode platformctl sets"),
                "`API` (access entries only) or `API_AND_CONFIG_MAP` (also the aws-auth ConfigMap, while you move its mappings to access entries)",
            );
            None
        }
    }
}

/// The clusters of the stack and their service accounts, as access entries may name them.
pub(super) struct StackServiceAccounts<'a> {
    pub this_cluster: &'a str,
    /// `(cluster, service account)` of every cluster of the stack.
    pub all: Vec<(&'a str, &'a str)>,
}

pub(super) fn access_entries(
    entries: &IndexMap<Located<String>, AccessEntrySpec>,
    field: &str,
    accounts: &StackServiceAccounts,
    check: &mut Checker,
) -> Vec<AccessEntry> {
    let mut out: Vec<AccessEntry> = Vec::new();
    for (name, e) in entries {
        let f = format!("{field}.access.{}", name.value());
        let valid_name = !name.is_empty() && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_');
        if !valid_name {
            check.error(
                name.location(),
                &f,
                format!("invalid name `{}`", name.value()),
                "use letters, digits, `-` and `_`",
            );
            continue;
        }
        let Some(principal) = principal(&e.principal, &format!("{f}.principal"), accounts, check) else { continue };
        if let Some(other) = out.iter().find(|o| o.principal == principal) {
            check.error(
                e.principal.location(),
                format!("{f}.principal"),
                format!("`{}` already has the access entry `{}`", e.principal.value(), other.name),
                "give one principal one entry, with all its policies",
            );
            continue;
        }
        let mut policies: Vec<(String, Option<Vec<String>>)> = Vec::new();
        for p in &e.policies {
            let (policy, namespaces) = match p.value() {
                AccessPolicySpec::Cluster(policy) => (policy, None),
                AccessPolicySpec::Scoped { policy, namespaces } => (policy, Some(namespaces)),
            };
            let arn = match ACCESS_POLICIES.iter().find(|(short, _)| short == policy) {
                Some((_, name)) => format!("{POLICY_ARN_PREFIX}{name}"),
                None if policy.starts_with(POLICY_ARN_PREFIX) => policy.clone(),
                None => {
                    check.error(
                        p.location(),
                        format!("{f}.policies"),
                        format!("`{policy}` is not an EKS access policy"),
                        "`cluster-admin`, `admin`, `edit`, `view`, or an ARN `arn:aws:eks::aws:cluster-access-policy/...`",
                    );
                    continue;
                }
            };
            let namespaces = match namespaces {
                Some(list) if list.is_empty() || list.iter().any(|n| !is_namespace(n)) => {
                    check.error(
                        p.location(),
                        format!("{f}.policies"),
                        "namespaces must be a non-empty list of Kubernetes namespace names",
                        "lowercase letters, digits and `-`, at most 63 characters; leave `namespaces` out for the whole cluster",
                    );
                    continue;
                }
                Some(list) => {
                    let mut list = list.clone();
                    list.sort();
                    list.dedup();
                    Some(list)
                }
                None => None,
            };
            if policies.iter().any(|(a, _)| *a == arn) {
                check.error(
                    p.location(),
                    format!("{f}.policies"),
                    format!("`{policy}` is given twice"),
                    "associate a policy once, with all its namespaces",
                );
                continue;
            }
            policies.push((arn, namespaces));
        }
        policies.sort();
        let mut kubernetes_groups: Vec<String> = e.kubernetes_groups.iter().map(|g| g.value().clone()).collect();
        if let Some(g) = e.kubernetes_groups.iter().find(|g| g.is_empty() || g.starts_with("system:")) {
            check.error(
                g.location(),
                format!("{f}.kubernetes_groups"),
                format!("`{}` is not a group an access entry may name", g.value()),
                "name your own groups; `system:` groups are Kubernetes' (use an access policy instead)",
            );
        }
        kubernetes_groups.sort();
        kubernetes_groups.dedup();
        out.push(AccessEntry { name: name.value().clone(), principal, policies, kubernetes_groups });
    }
    out
}

/// An entry's principal: an IAM role or user ARN, or a service account of this stack.
fn principal(
    written: &Located<String>,
    field: &str,
    accounts: &StackServiceAccounts,
    check: &mut Checker,
) -> Option<AccessPrincipal> {
    if let Some(reference) = written.strip_prefix(SERVICE_ACCOUNT_PREFIX) {
        let (cluster, name) = reference.split_once('/').unwrap_or((accounts.this_cluster, reference));
        if !accounts.all.contains(&(cluster, name)) {
            let known: Vec<String> = accounts.all.iter().map(|(c, n)| format!("{c}/{n}")).collect();
            check.error(
                written.location(),
                field,
                format!("no service account `{name}` in cluster `{cluster}` of this stack"),
                if known.is_empty() {
                    "declare it under the cluster's `service_accounts:`".to_owned()
                } else {
                    format!("the stack's service accounts (cluster/name): {}", known.join(", "))
                },
            );
            return None;
        }
        return Some(AccessPrincipal::ServiceAccount { cluster: cluster.to_owned(), name: name.to_owned() });
    }
    let arn = written.value();
    let is_principal = arn.starts_with("arn:aws")
        && arn.split(':').nth(2) == Some("iam")
        && arn.split(':').nth(4).is_some_and(|a| a.len() == 12 && a.chars().all(|c| c.is_ascii_digit()))
        && arn.split(':').nth(5).is_some_and(|r| r.starts_with("role/") || r.starts_with("user/"));
    if !is_principal {
        check.error(
            written.location(),
            field,
            format!("`{arn}` is not an IAM role or user ARN"),
            "e.g. `arn:aws:iam::123456789012:role/PlatformAdmins`, or `service_account:<name>` for a role of this stack",
        );
        return None;
    }
    Some(AccessPrincipal::Arn(arn.clone()))
}

/// A Kubernetes namespace name (an RFC 1123 label).
fn is_namespace(n: &str) -> bool {
    !n.is_empty()
        && n.len() <= 63
        && n.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
        && !n.starts_with('-')
        && !n.ends_with('-')
}

#[cfg(test)]
mod tests {
    use crate::model::test_support::{USER_SERVICE, stack_from};

    fn cluster(fields: &str) -> Result<crate::model::Stack, String> {
        stack_from(&format!("{USER_SERVICE}eks:\n  main:\n    version: \"1.33\"\n{fields}"))
    }

    /// Short policy names become EKS's ARNs, namespaces are sorted, an unset mode stays unset
    /// (a new cluster gets API), and the creator's admin entry is on by default.
    #[test]
    fn access_entries_and_the_authentication_mode() {
        let stack = cluster(
            "    authentication_mode: API_AND_CONFIG_MAP\n    access:\n      devs:\n        principal: arn:aws:iam::123456789012:role/Devs\n        policies: [view, { policy: edit, namespaces: [b, a] }]\n        kubernetes_groups: [devs]\n",
        )
        .unwrap();
        let eks = &stack.compute.eks[0];
        assert_eq!(eks.authentication_mode.as_deref(), Some("API_AND_CONFIG_MAP"));
        assert!(eks.bootstrap_cluster_creator_admin);
        let devs = &eks.access[0];
        let arn = |p: &str| format!("arn:aws:eks::aws:cluster-access-policy/{p}");
        assert_eq!(
            devs.policies,
            [(arn("AmazonEKSEditPolicy"), Some(vec!["a".into(), "b".into()])), (arn("AmazonEKSViewPolicy"), None)]
        );
        assert_eq!(cluster("").unwrap().compute.eks[0].authentication_mode, None);
    }

    /// Each mistake at its field, with a hint.
    #[test]
    fn bad_access_entries_are_refused() {
        let errors = cluster(
            "    authentication_mode: CONFIG_MAP\n    access:\n      a:\n        principal: arn:aws:iam::123456789012:group/G\n      b:\n        principal: arn:aws:iam::123456789012:role/B\n        policies: [owner, { policy: view, namespaces: [] }, view, view]\n        kubernetes_groups: [\"system:masters\"]\n      c:\n        principal: arn:aws:iam::123456789012:role/B\n",
        )
        .unwrap_err();
        for expected in [
            "eks.main.authentication_mode",
            "`CONFIG_MAP` is not an authentication mode platformctl sets",
            "eks.main.access.a.principal",
            "is not an IAM role or user ARN",
            "`owner` is not an EKS access policy",
            "namespaces must be a non-empty list",
            "`view` is given twice",
            "`system:masters` is not a group an access entry may name",
            "already has the access entry `b`",
        ] {
            assert!(errors.contains(expected), "{expected}: {errors}");
        }
    }
}

#[cfg(test)]
mod stack_principals {
    use super::AccessPrincipal;
    use crate::model::test_support::{USER_SERVICE, stack_from};

    fn clusters(principal: &str) -> Result<crate::model::Stack, String> {
        stack_from(&format!(
            "{USER_SERVICE}eks:\n  main:\n    version: \"1.33\"\n    access:\n      deployer:\n        principal: {principal}\n        policies: [edit]\n  tools:\n    version: \"1.33\"\n    service_accounts:\n      argocd: {{ namespace: argocd, managed_policies: [arn:aws:iam::aws:policy/ReadOnlyAccess] }}\n"
        ))
    }

    /// A CD controller in one cluster let into another: its role is named by the service account.
    #[test]
    fn an_entry_may_name_a_service_account_of_the_stack() {
        let stack = clusters("service_account:tools/argocd").unwrap();
        let entry = &stack.compute.eks[0].access[0];
        assert_eq!(entry.principal, AccessPrincipal::ServiceAccount { cluster: "tools".into(), name: "argocd".into() });
        let expanded = crate::expand::expand(&stack, &Default::default());
        let resource = expanded.iter().find(|r| r.address.as_str() == "eks.main.access[deployer]").unwrap();
        assert_eq!(resource.attrs["principal"].to_string(), "(arn of eks.tools.service_account[argocd])");
        let err = clusters("service_account:argocd").unwrap_err();
        assert!(err.contains("no service account `argocd` in cluster `main`") && err.contains("tools/argocd"), "{err}");
    }
}
