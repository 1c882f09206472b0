//! EKS managed node groups and the launch template each one's nodes start from: IMDSv2 with a
//! hop limit of 1 (pods cannot borrow the node role), an encrypted gp3 root volume, and the
//! stack's user data fragment wrapped as the AMI expects it. The group compares the settings
//! of the template version it runs with the template's, so a changed setting rolls it.

use std::collections::BTreeMap;

use sha2::{Digest, Sha256};

use super::iam::strings;
use super::kms::key_value;
use super::network::subnet;
use super::{security_groups, tags};
use crate::kinds::{eks_cluster, iam_role, launch_template, node_group};
use crate::model::{Eks, MaxUnavailable, Network, NodeGroup, Stack};
use crate::resource::{Address, Attrs, DesiredResource, Kind, Value};

/// The boundary of the MIME document around an Amazon Linux user data fragment.
const MIME_BOUNDARY: &str = "==PLATFORMCTL==";

/// The group's launch template, named `<cluster>-<group>` (one per group and region).
pub(super) fn launch_template(
    stack: &Stack,
    cluster: &Address,
    cluster_name: &str,
    address: &Address,
    group: &NodeGroup,
) -> DesiredResource {
    let name = format!("{cluster_name}-{}", group.name);
    let mut attrs = settings(cluster, group);
    attrs.insert(launch_template::NAME.name.into(), Value::str(&name));
    attrs.insert(launch_template::TAGS.name.into(), tags(stack, address, &name));
    DesiredResource::new(address.clone(), Kind::LaunchTemplate, attrs)
}

/// What the group's nodes run with (`launch_template::SETTINGS`).
fn settings(cluster: &Address, group: &NodeGroup) -> Attrs {
    // Naming groups in the template replaces EKS's own choice: the cluster's group goes first.
    let security_groups = (!group.security_groups.is_empty()).then(|| {
        let stack_groups = group.security_groups.iter().map(|g| Value::Ref(security_groups::group(g)));
        Value::List(std::iter::once(eks_cluster::out::SECURITY_GROUP_ID.of(cluster)).chain(stack_groups).collect())
    });
    Attrs::from([
        launch_template::HTTP_TOKENS.to("required"),
        launch_template::HOP_LIMIT.to(group.metadata_hop_limit),
        launch_template::ROOT_DEVICE.to(if group.is_bottlerocket() { "/dev/xvdb" } else { "/dev/xvda" }),
        launch_template::ROOT_VOLUME_GB.to(group.disk_size_gb),
        launch_template::ROOT_VOLUME_TYPE.to("gp3"),
        launch_template::ROOT_VOLUME_ENCRYPTED.to(true),
        launch_template::ROOT_VOLUME_KMS_KEY.to(group.kms_key.as_ref().map(key_value)),
        launch_template::USER_DATA.to(user_data(group).map_or(Value::Null, Value::Str)),
        launch_template::SECURITY_GROUP_IDS.to(security_groups),
    ])
}

/// The stack's fragment as the AMI takes it: Bottlerocket's TOML as written; for Amazon Linux
/// a MIME multi-part document, which EKS merges with its own part that joins the node.
fn user_data(group: &NodeGroup) -> Option<String> {
    let fragment = group.user_data.as_deref()?;
    if group.is_bottlerocket() {
        return Some(fragment.to_owned());
    }
    let script = if fragment.ends_with('\n') { fragment.to_owned() } else { format!("{fragment}\n") };
    Some(format!(
        "MIME-Version: 1.0\nContent-Type: multipart/mixed; boundary=\"{MIME_BOUNDARY}\"\n\n--{MIME_BOUNDARY}\nContent-Type: text/x-shellscript; charset=\"us-ascii\"\n\n{script}\n--{MIME_BOUNDARY}--\n"
    ))
}

/// The stack's fragment back from a template's user data (`generate`): Bottlerocket's as it is,
/// Amazon Linux's out of the document `user_data` wraps it in; `None` for user data written
/// another way, which a stack cannot say without changing it.
pub(crate) fn user_data_fragment(bottlerocket: bool, user_data: &str) -> Option<String> {
    if bottlerocket {
        return Some(user_data.to_owned());
    }
    let head = format!(
        "MIME-Version: 1.0\nContent-Type: multipart/mixed; boundary=\"{MIME_BOUNDARY}\"\n\n--{MIME_BOUNDARY}\nContent-Type: text/x-shellscript; charset=\"us-ascii\"\n\n"
    );
    let script = user_data.strip_prefix(&head)?.strip_suffix(&format!("\n--{MIME_BOUNDARY}--\n"))?;
    script.ends_with('\n').then(|| script.to_owned())
}

#[allow(clippy::too_many_arguments)]
pub(super) fn node_group(
    stack: &Stack,
    net: &Network,
    eks: &Eks,
    cluster: &Address,
    node_role: &Address,
    template: &Address,
    address: &Address,
    group: &NodeGroup,
) -> DesiredResource {
    let private: Vec<Address> = net
        .azs
        .iter()
        .filter(|az| group.azs.as_ref().is_none_or(|pinned| pinned.contains(&az.name)))
        .map(|az| subnet("private", &az.name))
        .collect();
    let name = node_group_name(group, &private, node_role);
    let labels = group.labels.iter().map(|(k, v)| (k.clone(), Value::str(v))).collect();
    let taints = group
        .taints
        .iter()
        .map(|t| {
            Value::Map(BTreeMap::from([
                ("key".into(), Value::str(&t.key)),
                ("value".into(), t.value.as_ref().map_or(Value::Null, Value::str)),
                ("effect".into(), Value::str(&t.effect)),
            ]))
        })
        .collect();
    let (max_unavailable, max_unavailable_percent) = match group.max_unavailable {
        None => (Value::Null, Value::Null),
        Some(MaxUnavailable::Nodes(n)) => (Value::Int(n), Value::Null),
        Some(MaxUnavailable::Percent(p)) => (Value::Null, Value::Int(p)),
    };
    DesiredResource::new(
        address.clone(),
        Kind::NodeGroup,
        Attrs::from([
            node_group::CLUSTER.to(Value::Ref(cluster.clone())),
            node_group::NAME.to(&name),
            node_group::NODE_ROLE_ARN.to(iam_role::out::ARN.of(node_role)),
            node_group::SUBNET_IDS.to(Value::List(private.into_iter().map(Value::Ref).collect())),
            node_group::INSTANCE_TYPES.to(strings(&group.instance_types)),
            node_group::CAPACITY_TYPE.to(&group.capacity_type),
            node_group::AMI_TYPE.to(&group.ami_type),
            node_group::LAUNCH_TEMPLATE_ID.to(Value::Ref(template.clone())),
            node_group::LAUNCH_TEMPLATE_VERSION.to(launch_template::out::DEFAULT_VERSION.of(template)),
            node_group::LAUNCH_TEMPLATE.to(Value::Map(settings(cluster, group).into_iter().collect())),
            node_group::VERSION.to(eks.version.to_string()),
            node_group::RELEASE_VERSION.to(group.release_version.as_ref().map_or(Value::Null, Value::str)),
            node_group::MAX_UNAVAILABLE.to(max_unavailable),
            node_group::MAX_UNAVAILABLE_PERCENT.to(max_unavailable_percent),
            node_group::MIN_SIZE.to(group.min_size),
            node_group::MAX_SIZE.to(group.max_size),
            // The autoscaler owns the size after creation unless the stack manages it.
            (
                if group.manage_desired_size { "desired_size" } else { "initial_size" }.into(),
                Value::Int(group.desired_size),
            ),
            node_group::MANAGE_DESIRED_SIZE.to(group.manage_desired_size),
            node_group::LABELS.to(Value::Map(labels)),
            node_group::TAINTS.to(Value::List(taints)),
            node_group::TAGS.to(tags(stack, address, &name)),
        ]),
    )
}

/// `<group>-<8 hex digits>`: the digits hash what forces a replacement, so a replacement
/// gets a new name and can be created while the old group still serves. (The root volume is
/// the launch template's, which rolls in place.)
fn node_group_name(group: &NodeGroup, subnets: &[Address], node_role: &Address) -> String {
    let mut hasher = Sha256::new();
    let fixed = format!(
        "{:?}|{}|{}|{:?}|{}|launch-template",
        group.instance_types, group.capacity_type, group.ami_type, subnets, node_role
    );
    hasher.update(fixed.as_bytes());
    let digest = hasher.finalize();
    let hex: String = digest.iter().take(4).map(|b| format!("{b:02x}")).collect();
    format!("{}-{hex}", group.name)
}

#[cfg(test)]
mod tests {
    use crate::kinds::launch_template;
    use crate::model::test_support::{USER_SERVICE, stack_from};

    fn template(fields: &str) -> crate::resource::DesiredResource {
        let src = format!(
            "{USER_SERVICE}eks:\n  main:\n    version: \"1.31\"\n    node_groups:\n      apps:\n        instance_types: [m6i.large]\n        min_size: 1\n        max_size: 3\n        desired_size: 1\n{fields}"
        );
        let stack = stack_from(&src).unwrap();
        crate::expand::expand(&stack, &Default::default())
            .into_iter()
            .find(|r| r.address.as_str() == "eks.main.launch_template[apps]")
            .unwrap()
    }

    /// Amazon Linux gets the fragment as a MIME part EKS can merge with its own; Bottlerocket
    /// gets its TOML as written, and its data volume (the second one) is the one sized.
    #[test]
    fn user_data_is_wrapped_as_the_ami_expects() {
        let al = template("        user_data: |\n          echo hello\n");
        let data = launch_template::USER_DATA.str(&al.attrs).unwrap();
        assert!(data.starts_with("MIME-Version: 1.0\nContent-Type: multipart/mixed;"), "{data}");
        assert!(data.contains("Content-Type: text/x-shellscript") && data.contains("\necho hello\n"), "{data}");
        assert!(data.ends_with("--==PLATFORMCTL==--\n"), "{data}");
        assert_eq!(launch_template::ROOT_DEVICE.str(&al.attrs), Some("/dev/xvda"));
        let toml = "[settings.kubernetes]\nmax-pods = 110\n";
        let br = template(
            "        ami_type: BOTTLEROCKET_x86_64\n        user_data: |\n          [settings.kubernetes]\n          max-pods = 110\n",
        );
        assert_eq!(launch_template::USER_DATA.str(&br.attrs), Some(toml));
        assert_eq!(launch_template::ROOT_DEVICE.str(&br.attrs), Some("/dev/xvdb"));
        assert_eq!(launch_template::HOP_LIMIT.get(&br.attrs), &crate::resource::Value::Int(1));
    }

    /// Without groups of its own the template names none (EKS gives the nodes the cluster's);
    /// with them, the cluster's group comes along, since EKS then adds nothing.
    #[test]
    fn stack_security_groups_join_the_cluster_group() {
        let settings: Vec<&str> = launch_template::SETTINGS.iter().map(|a| a.name).collect();
        assert_eq!((settings.len(), settings[0], settings[8]), (9, "http_tokens", "security_group_ids"));
        assert_eq!(launch_template::SECURITY_GROUP_IDS.get(&template("").attrs), &crate::resource::Value::Null);
        let with = template("        security_groups: [postgres]\n");
        assert_eq!(
            launch_template::SECURITY_GROUP_IDS.get(&with.attrs).to_string(),
            "[(security_group_id of eks.main), (id of security_group.postgres)]"
        );
        let src = format!(
            "{USER_SERVICE}eks:\n  main:\n    version: \"1.31\"\n    node_groups:\n      apps:\n        instance_types: [m6i.large]\n        min_size: 1\n        max_size: 3\n        desired_size: 1\n        security_groups: [nope]\n"
        );
        let err = stack_from(&src).unwrap_err();
        assert!(err.contains("no security group `nope` in this stack") && err.contains("postgres"), "{err}");
    }
}
