//! Who may use an EKS cluster, on ministack (moto answers no access entry call: an HTML 404,
//! and reports no access configuration): a new cluster is created with the `API` authentication
//! mode and without the creator's admin entry when the stack says so; access entries are created
//! with their policies (on the cluster, on namespaces) and groups; a policy's scope, a policy
//! added and one removed, and the groups are changed in place; an entry removed from the stack
//! is deleted; one deleted outside platformctl is drift, created again; destroy leaves none.

mod support;

use std::collections::BTreeMap;

use support::{Emulator, Kind, edit_file, plan_changes};

const STACK: &str = "\
stack: access
region: eu-west-1
network:
  cidr: 10.77.0.0/16
  azs: [eu-west-1a, eu-west-1b]
  public_subnets:  [10.77.0.0/20, 10.77.16.0/20]
  private_subnets: [10.77.128.0/18, 10.77.192.0/18]
  nat_gateways: none
eks:
  main:
    version: \"1.31\"
    bootstrap_cluster_creator_admin: false
    access:
      admins:
        principal: arn:aws:iam::000000000000:role/PlatformAdmins
        policies: [cluster-admin]
      developers:
        principal: arn:aws:iam::000000000000:role/Developers
        policies:
          - view
          - { policy: edit, namespaces: [payments] }
        kubernetes_groups: [developers]
";

const ADMINS: &str = "arn:aws:iam::000000000000:role/PlatformAdmins";
const DEVELOPERS: &str = "arn:aws:iam::000000000000:role/Developers";
const POLICY: &str = "arn:aws:eks::aws:cluster-access-policy/";

/// The policies associated with a principal: short name → namespaces (empty: the cluster).
async fn policies(eks: &aws_sdk_eks::Client, principal: &str) -> BTreeMap<String, Vec<String>> {
    let out = eks
        .list_associated_access_policies()
        .cluster_name("access-main")
        .principal_arn(principal)
        .send()
        .await
        .unwrap();
    out.associated_access_policies()
        .iter()
        .map(|p| {
            let name = p.policy_arn().unwrap().trim_start_matches(POLICY).to_owned();
            let mut namespaces = p.access_scope().map(|s| s.namespaces().to_vec()).unwrap_or_default();
            namespaces.sort();
            (name, namespaces)
        })
        .collect()
}

fn expected(list: &[(&str, &[&str])]) -> BTreeMap<String, Vec<String>> {
    list.iter().map(|(p, ns)| ((*p).to_owned(), ns.iter().map(|n| (*n).to_owned()).collect())).collect()
}

#[tokio::test(flavor = "multi_thread")]
async fn access_entries_on_ministack() {
    let emu = Emulator::start(Kind::Ministack);
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("stack.yaml");
    std::fs::write(&file, STACK).unwrap();
    let d = dir.path();
    emu.platformctl(d, &["apply", "stack.yaml", "--auto-approve"]).expect(0, "apply");
    emu.platformctl(d, &["plan", "stack.yaml", "--detailed-exitcode"]).expect(0, "converged");
    let eks = aws_sdk_eks::Client::new(&emu.sdk_config().await);
    let cluster = eks.describe_cluster().name("access-main").send().await.unwrap();
    let access = cluster.cluster().unwrap().access_config().unwrap();
    assert_eq!(access.authentication_mode().map(|m| m.as_str()), Some("API"), "access entries only");
    assert_eq!(access.bootstrap_cluster_creator_admin_permissions(), Some(false));
    assert_eq!(policies(&eks, ADMINS).await, expected(&[("AmazonEKSClusterAdminPolicy", &[])]));
    assert_eq!(
        policies(&eks, DEVELOPERS).await,
        expected(&[("AmazonEKSViewPolicy", &[]), ("AmazonEKSEditPolicy", &["payments"])])
    );
    let entry = eks.describe_access_entry().cluster_name("access-main").principal_arn(DEVELOPERS).send().await.unwrap();
    assert_eq!(entry.access_entry().unwrap().kubernetes_groups(), ["developers"]);

    // In place: a scope widened, a policy added, one removed, the groups changed.
    edit_file(
        &file,
        "          - view\n          - { policy: edit, namespaces: [payments] }\n        kubernetes_groups: [developers]\n",
        "          - { policy: edit, namespaces: [payments, orders] }\n          - { policy: admin, namespaces: [sandbox] }\n        kubernetes_groups: [developers, oncall]\n",
    );
    let plan = emu.platformctl(d, &["plan", "stack.yaml", "--json", "--detailed-exitcode"]).expect(2, "in place");
    assert_eq!(
        plan_changes(&plan),
        [("eks.main.access[developers]".into(), "update".into(), vec!["kubernetes_groups".into(), "policies".into()])]
    );
    emu.platformctl(d, &["apply", "stack.yaml", "--auto-approve"]).expect(0, "in place");
    assert_eq!(
        policies(&eks, DEVELOPERS).await,
        expected(&[("AmazonEKSEditPolicy", &["orders", "payments"]), ("AmazonEKSAdminPolicy", &["sandbox"])])
    );
    let entry = eks.describe_access_entry().cluster_name("access-main").principal_arn(DEVELOPERS).send().await.unwrap();
    assert_eq!(entry.access_entry().unwrap().kubernetes_groups(), ["developers", "oncall"]);
    emu.platformctl(d, &["plan", "stack.yaml", "--detailed-exitcode"]).expect(0, "converged again");

    // Deleted outside platformctl: drift, created again.
    eks.delete_access_entry().cluster_name("access-main").principal_arn(ADMINS).send().await.unwrap();
    let plan = emu.platformctl(d, &["plan", "stack.yaml", "--json", "--detailed-exitcode"]).expect(2, "drift");
    let json: serde_json::Value = serde_json::from_str(&plan.stdout).unwrap();
    assert_eq!(json["changes"][0]["address"], "eks.main.access[admins]");
    assert_eq!(
        (json["changes"][0]["action"].as_str(), json["changes"][0]["drift"].as_bool()),
        (Some("create"), Some(true))
    );
    emu.platformctl(d, &["apply", "stack.yaml", "--auto-approve"]).expect(0, "recreated");
    assert_eq!(policies(&eks, ADMINS).await, expected(&[("AmazonEKSClusterAdminPolicy", &[])]));

    // Removed from the stack: deleted.
    support::cut_block(&file, "      admins:", 6);
    emu.platformctl(d, &["apply", "stack.yaml", "--auto-approve"]).expect(0, "entry removed");
    let entries = eks.list_access_entries().cluster_name("access-main").send().await.unwrap();
    assert_eq!(entries.access_entries(), [DEVELOPERS]);

    emu.platformctl(d, &["destroy", "stack.yaml", "--auto-approve", "--allow-data-loss"]).expect(0, "destroy");
    let left = eks.list_clusters().send().await.unwrap();
    assert!(left.clusters().is_empty(), "{:?}", left.clusters());
}
