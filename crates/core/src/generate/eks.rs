//! EKS clusters in the generated stack: the cluster (in all the network's subnets, or its
//! private ones), its node groups (their launch templates' settings as the group's
//! fields), add-ons, and the IRSA roles it can attribute to service accounts; with the AWS ids
//! of every address, roles and the control plane's log group included. What would change what
//! runs without the file saying so is not written: a cluster in other subnets, a group in public
//! subnets, with user data of another making or another node role, an add-on with a role
//! platformctl would not give it, a service account role with more than one inline policy —
//! those are listed with their ids.

use std::collections::{BTreeMap, BTreeSet};

use super::{Generated, Subnets, entry_name, quoted, quoted_always, section, unique};
use crate::expand::eks::{CLUSTER_POLICIES, CNI_POLICY, NETWORKING_ADDON, NODE_POLICIES};
use crate::expand::node_groups::user_data_fragment;
use crate::kinds::{eks_access_entry, eks_addon, eks_cluster, iam_role, launch_template as lt, node_group as ng};
use crate::model::eks_access::POLICY_ARN_PREFIX;
use crate::model::{ADDON_ROLES, POD_IDENTITY_AGENT};
use crate::resource::discovered::{DiscoveredAddon, DiscoveredCluster, DiscoveredNodeGroup};
use crate::resource::{Address, Value};

/// The `eks` section; `groups` maps security group ids to their names in the stack.
pub(super) fn clusters(
    stack: &str,
    found: &super::Discovered,
    groups: &BTreeMap<&str, String>,
    out: &mut String,
    g: &mut Generated,
) {
    let subnets = Subnets::recorded(g);
    let (mut entries, mut taken) = (Vec::new(), BTreeSet::new());
    // A role one cluster's entry records cannot be another's too: each has its own.
    let mut roles_taken = BTreeSet::new();
    for c in &found.clusters {
        let key = unique(entry_name(stack, &c.name), &mut taken);
        let base = format!("eks.{key}");
        let mut said = Said { base, files_beside: found.files_beside, ..Default::default() };
        let said_roles = |said: &Said| -> Vec<String> {
            let roles = said.ids.iter().filter(|(a, _)| a.as_str().ends_with("_role") || a.as_str().ends_with(".role"));
            roles.map(|(_, id)| id.clone()).collect()
        };
        let shared = |said: &Said, taken: &BTreeSet<String>| said_roles(said).into_iter().find(|r| taken.contains(r));
        match cluster(c, &subnets, groups, &mut said).and_then(|lines| match shared(&said, &roles_taken) {
            Some(role) => Err(format!(
                "its role {role} is another cluster's of this file too: platformctl gives each cluster its own"
            )),
            None => Ok(lines),
        }) {
            Ok(lines) => {
                roles_taken.extend(said_roles(&said));
                g.ids.extend(said.ids);
                g.files.extend(said.files);
                g.not_expressed.extend(said.not_expressed);
                entries.push((key, lines));
            }
            Err(why) => g.not_expressed.push((c.name.clone(), why)),
        }
        g.not_expressed.extend(c.not_read.iter().cloned());
    }
    section(out, "eks", entries);
}

/// What one cluster adds to the file's ids and to its list of what it does not say, kept apart
/// until the cluster is known to be expressed.
#[derive(Default)]
struct Said {
    base: String,
    ids: BTreeMap<Address, String>,
    not_expressed: Vec<(String, String)>,
    /// Whether a policy file may be written beside the stack file, and the ones to write.
    files_beside: bool,
    files: BTreeMap<String, String>,
}

impl Said {
    fn id(&mut self, suffix: &str, id: &str) {
        self.ids.insert(Address::new(format!("{}{suffix}", self.base)), id.to_owned());
    }
}

fn cluster(
    c: &DiscoveredCluster,
    subnets: &Subnets,
    groups: &BTreeMap<&str, String>,
    said: &mut Said,
) -> Result<Vec<String>, String> {
    let a = &c.attrs;
    if subnets.private.is_empty() {
        return Err("its VPC is not in this stack: give `--vpc` with the cluster's VPC".into());
    }
    let private: BTreeSet<&str> = subnets.private.keys().map(String::as_str).collect();
    let all: BTreeSet<&str> = subnets.public.keys().map(String::as_str).chain(private.iter().copied()).collect();
    let its = eks_cluster::SUBNET_IDS.strings(a);
    let its_set: BTreeSet<&str> = its.iter().map(String::as_str).collect();
    if its_set != all && its_set != private {
        return Err(format!(
            "its subnets ({}) are neither all the network's subnets nor its private ones, where platformctl puts a control plane (EKS cannot move a cluster to others)",
            its.join(", ")
        ));
    }
    said.id("", &c.name);
    let mut lines = vec![format!("version: {}", quoted_always(eks_cluster::VERSION.str(a).unwrap_or_default()))];
    if its_set == private {
        lines.push("control_plane_subnets: private".into());
    }
    let public = eks_cluster::ENDPOINT_PUBLIC_ACCESS.is_true(a);
    lines.push(format!("endpoint_public_access: {public}"));
    // Without a public endpoint EKS reports `0.0.0.0/0`, the format's default then.
    let cidrs = eks_cluster::PUBLIC_ACCESS_CIDRS.strings(a);
    if public || cidrs != ["0.0.0.0/0"] {
        lines.push(format!("public_access_cidrs: [{}]", cidrs.join(", ")));
    }
    lines.push(format!("endpoint_private_access: {}", eks_cluster::ENDPOINT_PRIVATE_ACCESS.is_true(a)));
    let logging = eks_cluster::LOGGING.strings(a);
    lines.push(format!("logging: [{}]", logging.join(", ")));
    match (&c.log_group, logging.is_empty()) {
        (_, true) => {}
        (Some(group), false) => {
            said.id(".log_group", &group.name);
            match group.retention_days {
                Some(days) => lines.push(format!("log_retention_days: {days}")),
                None => lines.push(
                    "# Its log group keeps the logs forever: platformctl keeps a cluster's 365 days unless `log_retention_days` says otherwise.".into(),
                ),
            }
            if let Some(key) = &group.kms_key {
                lines.push(format!(
                    "# Its log group is encrypted with {key}: platformctl's is not, and would take the key away."
                ));
            }
        }
        (None, false) => lines.push("# Its log group does not exist yet: platformctl creates it.".into()),
    }
    if let Some(key) = eks_cluster::SECRETS_KMS_KEY.str(a) {
        lines.push(format!("secrets_kms_key: {}", quoted(key)));
    }
    if let Some(role) = &c.cluster_role {
        said.id(".cluster_role", iam_role::NAME.str(role).unwrap_or_default());
        lines.extend(role_policies(role, CLUSTER_POLICIES));
    }
    // The CNI policy leaves the node role when vpc-cni has a role of its own (and is said).
    let cni_role = c.addons.iter().any(|a| a.name == NETWORKING_ADDON && addon_role(a).is_ok_and(|r| r.is_some()));
    lines.extend(node_groups(c, subnets, groups, cni_role, said));
    lines.extend(addons(c, said));
    lines.extend(service_accounts(c, said));
    lines.extend(access_entries(c, said));
    Ok(lines)
}

/// A comment where a role has other policies than the ones platformctl gives it (a plan then
/// shows them detached), `expected` the managed ones.
fn role_policies(role: &crate::resource::Attrs, expected: &[&str]) -> Option<String> {
    let name = iam_role::NAME.str(role).unwrap_or_default();
    let managed: BTreeSet<String> = iam_role::MANAGED_POLICIES.strings(role).into_iter().collect();
    let wanted: BTreeSet<String> = expected.iter().map(|p| p.to_string()).collect();
    let inline = matches!(iam_role::INLINE_POLICIES.get(role), Value::Map(m) if !m.is_empty());
    (managed != wanted || inline).then(|| {
        format!(
            "# Its role {name} has other policies than platformctl's ({}): a plan shows what it would change.",
            expected.iter().map(|p| p.rsplit('/').next().unwrap_or(p)).collect::<Vec<_>>().join(", ")
        )
    })
}

/// The node groups that share the first group's node role, in private subnets, without user
/// data; the others are listed.
fn node_groups(
    c: &DiscoveredCluster,
    subnets: &Subnets,
    groups: &BTreeMap<&str, String>,
    cni_role: bool,
    said: &mut Said,
) -> Vec<String> {
    let mut node_role: Option<&str> = None;
    let mut lines = Vec::new();
    for group in &c.node_groups {
        let role = ng::NODE_ROLE_ARN.str(&group.attrs).unwrap_or_default();
        if node_role.is_some_and(|r| r != role) {
            let why = format!(
                "node group of {}: its node role is not the cluster's other groups' (platformctl gives a cluster's groups one)",
                c.name
            );
            said.not_expressed.push((group.name.clone(), why));
            continue;
        }
        match node_group(c, group, subnets, groups) {
            Ok(settings) => {
                node_role = Some(role);
                said.id(&format!(".node_group[{}]", group.name), &format!("{}:{}", c.name, group.name));
                if let Some(template) = ng::LAUNCH_TEMPLATE_ID.str(&group.attrs) {
                    said.id(&format!(".launch_template[{}]", group.name), template);
                }
                lines.push(format!("  {}:", group.name));
                lines.extend(settings.into_iter().map(|s| format!("    {s}")));
            }
            Err(why) => said.not_expressed.push((group.name.clone(), format!("node group of {}: {why}", c.name))),
        }
    }
    if lines.is_empty() {
        return lines;
    }
    let role_name = node_role.and_then(|arn| arn.rsplit_once('/')).map(|(_, n)| n).unwrap_or_default();
    if let Some(role) = c.node_roles.iter().find(|r| iam_role::NAME.str(r) == Some(role_name)) {
        said.id(".node_role", role_name);
        let expected: Vec<&str> = NODE_POLICIES.iter().copied().filter(|p| !(cni_role && *p == CNI_POLICY)).collect();
        lines.extend(role_policies(role, &expected).map(|l| format!("  {l}")));
    }
    lines.insert(0, "node_groups:".into());
    lines
}

/// One group's fields, from the group and the launch template version it runs.
fn node_group(
    c: &DiscoveredCluster,
    group: &DiscoveredNodeGroup,
    subnets: &Subnets,
    groups: &BTreeMap<&str, String>,
) -> Result<Vec<String>, String> {
    let a = &group.attrs;
    let mut azs = Vec::new();
    for subnet in ng::SUBNET_IDS.strings(a) {
        match subnets.private.get(&subnet) {
            Some(az) => azs.push(az.clone()),
            None => {
                return Err(format!(
                    "its subnet {subnet} is not one of the network's private subnets, where platformctl puts nodes"
                ));
            }
        }
    }
    let capacity = if ng::CAPACITY_TYPE.str(a) == Some("SPOT") { "spot" } else { "on_demand" };
    let mut lines = vec![
        format!("instance_types: [{}]", ng::INSTANCE_TYPES.strings(a).join(", ")),
        format!("capacity: {capacity}"),
        format!("ami_type: {}", ng::AMI_TYPE.str(a).unwrap_or_default()),
        format!("min_size: {}", ng::MIN_SIZE.int(a).unwrap_or_default()),
        format!("max_size: {}", ng::MAX_SIZE.int(a).unwrap_or_default()),
        format!("desired_size: {}", group.desired_size.or(ng::MIN_SIZE.int(a)).unwrap_or_default()),
    ];
    if azs.len() < subnets.private.len() {
        azs.sort();
        lines.push(format!("azs: [{}]", azs.join(", ")));
    }
    match ng::LAUNCH_TEMPLATE.get(a) {
        Value::Map(settings) => {
            let bottlerocket = ng::AMI_TYPE.str(a).is_some_and(|t| t.starts_with("BOTTLEROCKET_"));
            lines.extend(template_fields(&settings.clone().into_iter().collect(), bottlerocket, c, groups)?)
        }
        _ => lines.push(
            "# Made without a launch template: the first apply replaces the group once (the new one first) to give its nodes platformctl's (IMDSv2, encrypted gp3).".into(),
        ),
    }
    if let Value::Map(labels) = ng::LABELS.get(a)
        && !labels.is_empty()
    {
        let said: Vec<String> =
            labels.iter().map(|(k, v)| format!("{}: {}", quoted(k), quoted(v.as_str().unwrap_or_default()))).collect();
        lines.push(format!("labels: {{ {} }}", said.join(", ")));
    }
    if let Value::List(taints) = ng::TAINTS.get(a)
        && !taints.is_empty()
    {
        let said: Vec<String> = taints.iter().filter_map(taint).collect();
        lines.push(format!("taints: [{}]", said.join(", ")));
    }
    let (cluster_version, version) = (eks_cluster::VERSION.str(&c.attrs), ng::VERSION.str(a));
    if version != cluster_version {
        lines.push(format!(
            "# Its nodes run Kubernetes {}: the first apply updates them to the cluster's {}.",
            version.unwrap_or("?"),
            cluster_version.unwrap_or("?")
        ));
    }
    Ok(lines)
}

/// The group's fields a launch template version says; an error for what the format cannot say.
fn template_fields(
    t: &crate::resource::Attrs,
    bottlerocket: bool,
    c: &DiscoveredCluster,
    groups: &BTreeMap<&str, String>,
) -> Result<Vec<String>, String> {
    let mut lines = vec![format!("disk_size_gb: {}", lt::ROOT_VOLUME_GB.int(t).unwrap_or(20))];
    if let Some(data) = lt::USER_DATA.str(t) {
        let Some(fragment) = user_data_fragment(bottlerocket, data) else {
            return Err("its launch template's user data is not a script platformctl wrapped, which the file cannot say without changing it".into());
        };
        lines.extend(block("user_data", &fragment));
    }
    let hop_limit = lt::HOP_LIMIT.int(t).unwrap_or(1);
    if hop_limit != 1 {
        lines.push(format!("metadata_hop_limit: {hop_limit}"));
    }
    if let Some(key) = lt::ROOT_VOLUME_KMS_KEY.str(t) {
        lines.push(format!("kms_key: {}", quoted(key)));
    }
    let sgs = lt::SECURITY_GROUP_IDS.strings(t);
    if !sgs.is_empty() {
        let cluster_group = match eks_cluster::out::SECURITY_GROUP_ID.get(&c.outputs) {
            Some(Value::Str(id)) => id.as_str(),
            _ => "",
        };
        let names: Option<Vec<String>> =
            sgs.iter().filter(|id| *id != cluster_group).map(|id| groups.get(id.as_str()).cloned()).collect();
        match names {
            Some(names) if sgs.iter().any(|id| id == cluster_group) => {
                lines.push(format!("security_groups: [{}]", names.join(", ")))
            }
            _ => {
                return Err(
                    "its launch template names security groups that are not the cluster's and this VPC's".into()
                );
            }
        }
    }
    if lt::HTTP_TOKENS.str(t) != Some("required") {
        lines.push(
            "# Its nodes answer IMDSv1: platformctl's template requires IMDSv2, and the first apply rolls them.".into(),
        );
    }
    if lt::ROOT_VOLUME_TYPE.str(t) != Some("gp3") || !lt::ROOT_VOLUME_ENCRYPTED.is_true(t) {
        lines.push("# Its root volume is not encrypted gp3: the first apply rolls the nodes onto one.".into());
    }
    Ok(lines)
}

/// `field: |` and the text as a YAML block scalar, its trailing newlines kept exactly.
fn block(field: &str, text: &str) -> Vec<String> {
    let chomping = match text.strip_suffix('\n') {
        None => "-",
        Some(rest) if rest.ends_with('\n') => "+",
        Some(_) => "",
    };
    let mut lines = vec![format!("{field}: |{chomping}")];
    lines.extend(
        text.trim_end_matches('\n').split('\n').map(|l| if l.is_empty() { String::new() } else { format!("  {l}") }),
    );
    // Kept (`|+`) trailing newlines are empty lines of the block.
    if chomping == "+" {
        lines.extend(std::iter::repeat_n(String::new(), text.len() - text.trim_end_matches('\n').len() - 1));
    }
    lines
}

/// `{ key: k, value: v, effect: NoSchedule }` from EKS's `NO_SCHEDULE`.
fn taint(t: &Value) -> Option<String> {
    let Value::Map(t) = t else { return None };
    let effect = match t.get("effect")?.as_str()? {
        "NO_SCHEDULE" => "NoSchedule",
        "PREFER_NO_SCHEDULE" => "PreferNoSchedule",
        "NO_EXECUTE" => "NoExecute",
        other => other,
    };
    let key = quoted(t.get("key")?.as_str()?);
    let value = t.get("value").and_then(Value::as_str).map(|v| format!(", value: {}", quoted(v))).unwrap_or_default();
    Some(format!("{{ key: {key}{value}, effect: {effect} }}"))
}

/// Add-ons with their version and configuration; one with a role of its own is listed (the
/// format's `service_account_role` is not read back yet).
fn addons(c: &DiscoveredCluster, said: &mut Said) -> Vec<String> {
    let mut lines = Vec::new();
    for addon in &c.addons {
        let a = &addon.attrs;
        let role = match addon_role(addon) {
            Ok(role) => role,
            Err(why) => {
                said.not_expressed.push((addon.name.clone(), format!("add-on {} of {}: {why}", addon.name, c.name)));
                continue;
            }
        };
        said.id(&format!(".addon[{}]", addon.name), &format!("{}:{}", c.name, addon.name));
        let mut settings = Vec::new();
        if let Some(version) = eks_addon::VERSION.str(a) {
            settings.push(format!("version: {}", quoted(version)));
        }
        match eks_addon::CONFIGURATION.get(a) {
            Value::Map(m) if !m.is_empty() => {
                let json = serde_json::to_string(&Value::Map(m.clone())).expect("a value serialises");
                settings.push(format!("configuration: {json}"));
            }
            _ => {}
        }
        if let Some(role) = role {
            said.id(&format!(".addon[{}].role", addon.name), iam_role::NAME.str(role).unwrap_or_default());
            let managed = iam_role::MANAGED_POLICIES.strings(role);
            settings.push(format!("service_account_role: {{ managed_policies: [{}] }}", managed.join(", ")));
        }
        let settings = if settings.is_empty() { "{}".to_owned() } else { format!("{{ {} }}", settings.join(", ")) };
        lines.push(format!("  {}: {settings}", addon.name));
    }
    if !lines.is_empty() {
        lines.insert(0, "addons:".into());
    }
    lines
}

/// An add-on's own role, when it has one the format can say: for an add-on platformctl gives
/// one to (`ADDON_ROLES`), with managed policies only.
fn addon_role(addon: &DiscoveredAddon) -> Result<Option<&crate::resource::Attrs>, String> {
    let Some(arn) = eks_addon::SERVICE_ACCOUNT_ROLE_ARN.str(&addon.attrs) else { return Ok(None) };
    if !ADDON_ROLES.iter().any(|(name, ..)| *name == addon.name) {
        return Err(format!("its service account role {arn}: platformctl gives this add-on none of its own"));
    }
    let Some(role) = &addon.role else { return Err(format!("its service account role {arn} could not be read")) };
    let inline = matches!(iam_role::INLINE_POLICIES.get(role), Value::Map(m) if !m.is_empty());
    if inline || iam_role::MANAGED_POLICIES.strings(role).is_empty() {
        return Err(format!("its service account role {arn} has inline policies or none, which the format cannot say"));
    }
    Ok(Some(role))
}

/// IRSA roles as `service_accounts`, named as the service account is (their trust admits it).
fn service_accounts(c: &DiscoveredCluster, said: &mut Said) -> Vec<String> {
    let mut lines = Vec::new();
    let mut taken = BTreeSet::new();
    // An add-on's role trusts its service account too: it is the add-on's (`addons`).
    let of_addons: BTreeSet<&str> =
        c.addons.iter().filter_map(|a| a.role.as_ref()).filter_map(|r| iam_role::NAME.str(r)).collect();
    for sa in &c.service_accounts {
        let role = iam_role::NAME.str(&sa.role).unwrap_or_default();
        if of_addons.contains(role) {
            continue;
        }
        let inline: Vec<(&String, &Value)> = match iam_role::INLINE_POLICIES.get(&sa.role) {
            Value::Map(m) => m.iter().collect(),
            _ => Vec::new(),
        };
        let why = if inline.len() > 1 {
            Some("it has more than one inline policy (the format's `policy_file` is one)")
        } else if !inline.is_empty() && !said.files_beside {
            Some("its inline policy becomes a `policy_file` beside the stack file: give `--out`")
        } else if inline.is_empty() && iam_role::MANAGED_POLICIES.strings(&sa.role).is_empty() {
            Some("its role has no policies: a service account role of the format grants something")
        } else if !taken.insert(sa.service_account.clone()) {
            Some("another role of the cluster is for a service account of that name")
        } else {
            None
        };
        if let Some(why) = why {
            let what = format!("the role of {}/{} in {}: {why}", sa.namespace, sa.service_account, c.name);
            said.not_expressed.push((role.to_owned(), what));
            continue;
        }
        said.id(&format!(".service_account[{}]", sa.service_account), role);
        let mut fields = vec![format!("namespace: {}", sa.namespace)];
        if sa.pod_identity {
            // Its association is found by its service account, as a pending create's would be.
            fields.push("identity: pod_identity".into());
        }
        let managed = iam_role::MANAGED_POLICIES.strings(&sa.role);
        if !managed.is_empty() {
            fields.push(format!("managed_policies: [{}]", managed.join(", ")));
        }
        let mut renamed = None;
        if let Some((name, document)) = inline.first() {
            // Its one inline policy, in a file of its own; the role names it `policy-file`.
            let path = format!("policies/{}-{}.json", said.base.trim_start_matches("eks."), sa.service_account);
            let text = serde_json::to_string_pretty(document).expect("a value serialises") + "\n";
            fields.push(format!("policy_file: {path}"));
            said.files.insert(path, text);
            renamed = (name.as_str() != "policy-file").then(|| {
                format!("  # Its inline policy {name} is that file: the first apply puts it again as `policy-file` and removes {name}.")
            });
        }
        lines.extend(renamed);
        lines.push(format!("  {}: {{ {} }}", sa.service_account, fields.join(", ")));
    }
    if lines.is_empty() {
        return lines;
    }
    lines.insert(0, "service_accounts:".into());
    let agent = c.addons.iter().any(|a| a.name == POD_IDENTITY_AGENT);
    if c.service_accounts.iter().any(|sa| sa.pod_identity) && !agent {
        lines.push(format!(
            "# Pod Identity needs its agent on the nodes: the first apply adds the {POD_IDENTITY_AGENT} add-on."
        ));
    }
    lines
}

/// Access entries of IAM roles and users, with their access policies and Kubernetes groups.
fn access_entries(c: &DiscoveredCluster, said: &mut Said) -> Vec<String> {
    let mut lines = Vec::new();
    let mut taken = BTreeSet::new();
    for entry in &c.access_entries {
        let principal = eks_access_entry::PRINCIPAL.str(entry).unwrap_or_default();
        let groups = eks_access_entry::KUBERNETES_GROUPS.strings(entry);
        let policies = match eks_access_entry::POLICIES.get(entry) {
            Value::Map(m) => m.clone(),
            _ => Default::default(),
        };
        let account = principal.split(':').nth(4).unwrap_or_default();
        let resource = principal.split(':').nth(5).unwrap_or_default();
        let why = if !(resource.starts_with("role/") || resource.starts_with("user/"))
            || account.len() != 12
            || !account.chars().all(|c| c.is_ascii_digit())
        {
            Some("the format's access entries are for IAM roles and users")
        } else if groups.iter().any(|g| g.starts_with("system:")) {
            Some("it names `system:` Kubernetes groups, which the format leaves to access policies")
        } else if policies.keys().any(|p| !p.starts_with(POLICY_ARN_PREFIX)) {
            Some("one of its access policies is not EKS's")
        } else {
            None
        };
        if let Some(why) = why {
            said.not_expressed.push((principal.to_owned(), format!("access entry of {}: {why}", c.name)));
            continue;
        }
        let name = unique(entry_name("", resource.rsplit('/').next().unwrap_or(resource)), &mut taken);
        said.id(&format!(".access[{name}]"), &format!("{}:{principal}", c.name));
        lines.push(format!("  {name}:"));
        lines.push(format!("    principal: {principal}"));
        let said_policies: Vec<String> = policies
            .iter()
            .map(|(arn, scope)| match scope {
                Value::List(namespaces) => {
                    let namespaces: Vec<&str> = namespaces.iter().filter_map(Value::as_str).collect();
                    format!("{{ policy: {arn}, namespaces: [{}] }}", namespaces.join(", "))
                }
                _ => arn.clone(),
            })
            .collect();
        if !said_policies.is_empty() {
            lines.push(format!("    policies: [{}]", said_policies.join(", ")));
        }
        if !groups.is_empty() {
            lines.push(format!("    kubernetes_groups: [{}]", groups.join(", ")));
        }
    }
    if !lines.is_empty() {
        lines.insert(0, "access:".into());
    }
    lines
}

#[cfg(test)]
mod tests {
    use super::block;

    /// A block scalar reads back as the very text, whatever its trailing newlines.
    #[test]
    fn block_scalars_keep_the_text_exactly() {
        for text in ["one\n\n  two\n", "no newline", "kept\n\n\n", "[settings]\nx = 1\n"] {
            let yaml = format!(
                "wrapper:\n{}\n",
                block("user_data", text).iter().map(|l| format!("  {l}")).collect::<Vec<_>>().join("\n")
            );
            let read: serde_yaml_ng::Value = serde_yaml_ng::from_str(&yaml).unwrap_or_else(|e| panic!("{e}\n{yaml}"));
            assert_eq!(read["wrapper"]["user_data"].as_str(), Some(text), "{yaml}");
        }
    }
}
