//! End to end, the EKS half of seed 000 (`stacks/user-service.yaml`): the cluster with its
//! add-ons, node group, OIDC provider and service account roles, the ECR repository and the
//! log groups, together with the network and data tier they stand on.
//!
//! The emulators answer different parts of EKS (../shared/EMULATORS.md), so:
//! - ministack runs the whole stack, add-ons included: apply, no changes on re-plan, add-on
//!   configuration changed in place and rewritten in another key order (no change), IAM
//!   documents checked against the ARNs the emulator returned, destroy in dependency order
//!   with nothing left. It has no UpdateClusterConfig or UpdateNodegroupConfig ("No route").
//! - moto has no add-on API (404), so it runs the stack without add-ons: node group scaling,
//!   labels and taints and cluster logging updated in place, a node group replaced
//!   create-before-destroy, an interrupted replacement's leftover deleted, a Kubernetes
//!   upgrade that skips a minor version refused, destroy with nothing left.
//!
//! Each test prints what it skips on its emulator and why. Version upgrades, which neither
//! emulator implements, are tested against aws-smithy-mocks in src/providers/eks/tests.rs.

mod support;

use std::collections::BTreeSet;
use std::path::PathBuf;

use serde_json::{Value as Json, json};
use support::inspect::{addresses, find, read_state, write_state};
use support::{Emulator, Kind, Run, workdir_with};

const STACK: &str = "user-service";
const CLUSTER: &str = "user-service-main";

struct Stack {
    emu: Emulator,
    _dir: tempfile::TempDir,
    dir: PathBuf,
    file: PathBuf,
}

impl Stack {
    fn new(kind: Kind) -> Stack {
        Stack::of(kind, "stacks/user-service.yaml")
    }

    fn of(kind: Kind, path: &str) -> Stack {
        let (dir, file) = workdir_with(path);
        support::fit_to_emulator(kind, &file);
        let d = dir.path().to_owned();
        Stack { emu: Emulator::start(kind), _dir: dir, dir: d, file }
    }

    fn run(&self, args: &[&str], code: i32, what: &str) -> Run {
        let file = self.file.file_name().unwrap().to_str().unwrap();
        let mut full = vec![args[0], file];
        full.extend(&args[1..]);
        self.emu.platformctl(&self.dir, &full).expect(code, what)
    }

    fn plan_json(&self, code: i32) -> Json {
        let run = self.run(&["plan", "--json", "--detailed-exitcode"], code, "plan --json");
        serde_json::from_str(&run.stdout).unwrap_or_else(|e| panic!("plan --json is not JSON ({e}):\n{}", run.stdout))
    }

    fn edit(&self, from: &str, to: &str) {
        support::edit_file(&self.file, from, to);
    }

    fn cut_block(&self, from: &str, until_indent: usize) {
        support::cut_block(&self.file, from, until_indent);
    }

    /// Deletion protection off, so that destroy can remove the database.
    fn unprotect(&self) {
        self.edit("deletion_protection: true", "deletion_protection: false");
        self.run(&["apply", "--auto-approve"], 0, "apply deletion_protection: false");
    }
}

struct Clients {
    iam: aws_sdk_iam::Client,
    eks: aws_sdk_eks::Client,
    ecr: aws_sdk_ecr::Client,
    logs: aws_sdk_cloudwatchlogs::Client,
    secrets: aws_sdk_secretsmanager::Client,
    kms: aws_sdk_kms::Client,
    ec2: aws_sdk_ec2::Client,
}

impl Clients {
    async fn new(emu: &Emulator) -> Clients {
        let c = emu.sdk_config().await;
        Clients {
            iam: aws_sdk_iam::Client::new(&c),
            eks: aws_sdk_eks::Client::new(&c),
            ecr: aws_sdk_ecr::Client::new(&c),
            logs: aws_sdk_cloudwatchlogs::Client::new(&c),
            secrets: aws_sdk_secretsmanager::Client::new(&c),
            kms: aws_sdk_kms::Client::new(&c),
            ec2: aws_sdk_ec2::Client::new(&c),
        }
    }

    /// Everything of the compute tier the account still has.
    async fn inventory(&self) -> Vec<String> {
        self.inventory_of(STACK).await
    }

    async fn inventory_of(&self, stack: &str) -> Vec<String> {
        let mut found = Vec::new();
        let roles = self.iam.list_roles().send().await.unwrap();
        for r in roles.roles().iter().filter(|r| r.role_name().starts_with(&format!("{stack}-"))) {
            found.push(format!("role {}", r.role_name()));
        }
        let providers = self.iam.list_open_id_connect_providers().send().await.unwrap();
        for p in providers.open_id_connect_provider_list() {
            found.push(format!("oidc {}", p.arn().unwrap()));
        }
        for c in self.eks.list_clusters().send().await.unwrap().clusters() {
            found.push(format!("cluster {c}"));
        }
        for r in self.ecr.describe_repositories().send().await.unwrap().repositories() {
            found.push(format!("repository {}", r.repository_name().unwrap()));
        }
        for t in self.ec2.describe_launch_templates().send().await.unwrap().launch_templates() {
            let name = t.launch_template_name().unwrap();
            if name.starts_with(&format!("{stack}-")) {
                found.push(format!("launch template {name}"));
            }
        }
        for prefix in ["/platform/", "/aws/eks/"] {
            let groups = self.logs.describe_log_groups().log_group_name_prefix(prefix).send().await.unwrap();
            for g in groups.log_groups() {
                found.push(format!("log group {}", g.log_group_name().unwrap()));
            }
        }
        found
    }

    /// A policy document as AWS returned it (URL-encoded on AWS), parsed.
    fn document(text: &str) -> Json {
        let decoded = percent_encoding::percent_decode_str(text).decode_utf8().unwrap();
        serde_json::from_str(&decoded).unwrap()
    }

    async fn role_policies(&self, role: &str) -> (Json, BTreeSet<String>) {
        let r = self.iam.get_role().role_name(role).send().await.unwrap();
        let trust = Self::document(r.role().unwrap().assume_role_policy_document().unwrap());
        let attached = self.iam.list_attached_role_policies().role_name(role).send().await.unwrap();
        let managed = attached.attached_policies().iter().map(|p| p.policy_arn().unwrap().to_owned()).collect();
        (trust, managed)
    }

    async fn inline_policy(&self, role: &str, name: &str) -> Json {
        let p = self.iam.get_role_policy().role_name(role).policy_name(name).send().await.unwrap();
        Self::document(p.policy_document())
    }

    /// The settings of a launch template's version: (tokens, hop limit, device, GiB, type, encrypted).
    async fn template_version(&self, id: &str, version: &str) -> (String, i32, String, i32, String, bool) {
        let out = self.ec2.describe_launch_template_versions().launch_template_id(id).versions(version).send().await;
        let out = out.unwrap();
        let data = out.launch_template_versions()[0].launch_template_data().unwrap();
        let metadata = data.metadata_options().unwrap();
        let root = &data.block_device_mappings()[0];
        let ebs = root.ebs().unwrap();
        (
            metadata.http_tokens().unwrap().as_str().to_owned(),
            metadata.http_put_response_hop_limit().unwrap(),
            root.device_name().unwrap().to_owned(),
            ebs.volume_size().unwrap(),
            ebs.volume_type().unwrap().as_str().to_owned(),
            ebs.encrypted().unwrap(),
        )
    }

    async fn key_arn(&self, alias: &str) -> String {
        let key = self.kms.describe_key().key_id(alias).send().await.unwrap();
        key.key_metadata().unwrap().arn().unwrap().to_owned()
    }

    async fn secret_arn(&self, name: &str) -> String {
        self.secrets.describe_secret().secret_id(name).send().await.unwrap().arn().unwrap().to_owned()
    }
}

/// Checks what the stack asked of IAM, EKS, ECR and CloudWatch against what the emulator
/// holds, using the ARNs and ids the emulator itself returned.
async fn check_provisioned(aws: &Clients, state: &Json) {
    let cluster = aws.eks.describe_cluster().name(CLUSTER).send().await.unwrap();
    let cluster = cluster.cluster().unwrap();
    let issuer = cluster.identity().unwrap().oidc().unwrap().issuer().unwrap();
    let issuer_host = issuer.split_once("://").map_or(issuer, |(_, rest)| rest);
    let providers = aws.iam.list_open_id_connect_providers().send().await.unwrap();
    let provider_arn = providers.open_id_connect_provider_list()[0].arn().unwrap().to_owned();
    assert_eq!(provider_arn, state["resources"]["eks.main.oidc_provider"]["id"], "the OIDC provider in the state");
    assert!(provider_arn.ends_with(&format!("oidc-provider/{issuer_host}")), "{provider_arn} is for {issuer}");

    // IRSA: only this service account, only through this provider, only for STS.
    let (trust, managed) = aws.role_policies(&format!("{CLUSTER}-sa-user-service")).await;
    assert_eq!(
        trust,
        json!({
            "Version": "2012-10-17",
            "Statement": [{
                "Effect": "Allow",
                "Principal": { "Federated": provider_arn },
                "Action": "sts:AssumeRoleWithWebIdentity",
                "Condition": { "StringEquals": {
                    format!("{issuer_host}:sub"): "system:serviceaccount:default:user-service",
                    format!("{issuer_host}:aud"): "sts.amazonaws.com"
                }}
            }]
        })
    );
    assert!(managed.is_empty(), "{managed:?}");
    let read = aws.inline_policy(&format!("{CLUSTER}-sa-user-service"), "read-secrets").await;
    let expected_arns =
        json!([aws.secret_arn("user-service/postgres-master").await, aws.secret_arn("user-service/redis-auth").await]);
    assert_eq!(
        read,
        json!({
            "Version": "2012-10-17",
            "Statement": [{
                "Effect": "Allow",
                "Action": ["secretsmanager:GetSecretValue", "secretsmanager:DescribeSecret"],
                "Resource": expected_arns
            }, {
                // The secrets are encrypted with the stack's key: reading them needs it.
                "Effect": "Allow",
                "Action": "kms:Decrypt",
                "Resource": [aws.key_arn("alias/user-service-data").await],
                "Condition": { "StringEquals": { "kms:ViaService": "secretsmanager.eu-west-1.amazonaws.com" } }
            }]
        })
    );
    // The controllers' presets: the load balancer controller's current policy (with the
    // listener attributes recent versions read), the autoscaler scoped to this cluster's node
    // groups with no `*FullAccess` managed policy (PCTL_IAM_1), external-secrets to this
    // stack's secrets and parameters.
    let lbc_role = format!("{CLUSTER}-sa-aws-load-balancer-controller");
    let lbc = aws.inline_policy(&lbc_role, "preset-aws-load-balancer-controller").await.to_string();
    for action in ["elasticloadbalancing:DescribeListenerAttributes", "elasticloadbalancing:ModifyListenerAttributes"] {
        assert!(lbc.contains(action), "{action} missing from the preset: {lbc}");
    }
    let (_, autoscaler) = aws.role_policies(&format!("{CLUSTER}-sa-cluster-autoscaler")).await;
    assert_eq!(autoscaler, BTreeSet::new());
    let scoped = aws.inline_policy(&format!("{CLUSTER}-sa-cluster-autoscaler"), "preset-cluster-autoscaler").await;
    assert_eq!(
        scoped["Statement"][1],
        json!({
            "Sid": "DescribeThisClustersNodeGroups",
            "Effect": "Allow",
            "Action": "eks:DescribeNodegroup",
            "Resource": format!("arn:aws:eks:eu-west-1:*:nodegroup/{CLUSTER}/*/*")
        })
    );
    assert_eq!(
        scoped["Statement"][2]["Condition"]["StringEquals"]
            [format!("aws:ResourceTag/k8s.io/cluster-autoscaler/{CLUSTER}")],
        "owned"
    );
    let sync = aws.inline_policy(&format!("{CLUSTER}-sa-external-secrets"), "preset-external-secrets").await;
    assert_eq!(sync["Statement"][0]["Resource"], "arn:aws:secretsmanager:eu-west-1:*:secret:user-service/*");
    assert_eq!(
        sync["Statement"][1]["Resource"],
        json!(["arn:aws:ssm:eu-west-1:*:parameter/user-service", "arn:aws:ssm:eu-west-1:*:parameter/user-service/*"])
    );

    let (cluster_trust, cluster_policies) = aws.role_policies(&format!("{CLUSTER}-cluster")).await;
    assert_eq!(cluster_trust["Statement"][0]["Principal"]["Service"], "eks.amazonaws.com");
    assert_eq!(cluster_policies, BTreeSet::from(["arn:aws:iam::aws:policy/AmazonEKSClusterPolicy".to_owned()]));
    let (node_trust, node_policies) = aws.role_policies(&format!("{CLUSTER}-node")).await;
    assert_eq!(node_trust["Statement"][0]["Principal"]["Service"], "ec2.amazonaws.com");
    let expected: BTreeSet<String> =
        ["AmazonEKSWorkerNodePolicy", "AmazonEKS_CNI_Policy", "AmazonEC2ContainerRegistryReadOnly"]
            .iter()
            .map(|p| format!("arn:aws:iam::aws:policy/{p}"))
            .collect();
    assert_eq!(node_policies, expected);

    // The node group lives in the private subnets only, with the node role.
    let group_id = state["resources"]["eks.main.node_group[apps]"]["id"].as_str().unwrap();
    let (_, group_name) = group_id.split_once(':').unwrap();
    let group = aws.eks.describe_nodegroup().cluster_name(CLUSTER).nodegroup_name(group_name).send().await.unwrap();
    let group = group.nodegroup().unwrap();
    let mut subnets: Vec<&str> = group.subnets().iter().map(String::as_str).collect();
    subnets.sort_unstable();
    let mut private: Vec<&str> = ["eu-west-1a", "eu-west-1b"]
        .iter()
        .map(|az| state["resources"][format!("network.subnet.private[{az}]")]["id"].as_str().unwrap())
        .collect();
    private.sort_unstable();
    assert_eq!(subnets, private);
    assert!(group.node_role().unwrap().ends_with(&format!("role/{CLUSTER}-node")));
    assert_eq!(group.labels().unwrap().get("workload").map(String::as_str), Some("apps"));
    assert_eq!(group.ami_type().map(|a| a.as_str()), Some("AL2023_x86_64_STANDARD"));

    // Its nodes start from the group's own launch template: IMDSv2 only, one hop (pods cannot
    // reach the node role's credentials), an encrypted 50 GiB gp3 root volume.
    let template = state["resources"]["eks.main.launch_template[apps]"]["id"].as_str().unwrap();
    assert_eq!(
        aws.template_version(template, "$Default").await,
        ("required".to_owned(), 1, "/dev/xvda".to_owned(), 50, "gp3".to_owned(), true)
    );
    match group.launch_template() {
        Some(t) => assert_eq!((t.id(), t.version()), (Some(template), Some("1"))),
        None => eprintln!("{}: DescribeNodegroup reports no launch template (ministack)", group_name),
    }

    let repo = aws.ecr.describe_repositories().repository_names("user-service").send().await.unwrap();
    let repo = &repo.repositories()[0];
    assert_eq!(repo.image_tag_mutability().unwrap().as_str(), "IMMUTABLE");
    assert!(repo.image_scanning_configuration().unwrap().scan_on_push());
    let lifecycle = aws.ecr.get_lifecycle_policy().repository_name("user-service").send().await.unwrap();
    let lifecycle: Json = serde_json::from_str(lifecycle.lifecycle_policy_text().unwrap()).unwrap();
    assert_eq!(lifecycle["rules"][0]["selection"]["countNumber"], 30);
    assert_eq!(lifecycle["rules"][0]["action"]["type"], "expire");

    for (group, days) in [("/platform/user-service", 30), (&format!("/aws/eks/{CLUSTER}/cluster") as &str, 30)] {
        let found = aws.logs.describe_log_groups().log_group_name_prefix(group).send().await.unwrap();
        let found = found.log_groups().iter().find(|g| g.log_group_name() == Some(group)).expect(group);
        assert_eq!(found.retention_in_days(), Some(days), "{group}");
    }
}

/// An apply killed right after AWS took a create leaves a pending entry without an id: the
/// next run finds each kind by its name (or, for the OIDC provider, its issuer URL; for the
/// launch template, its tags) and adopts it, never creating a twin.
async fn adopts_interrupted_creates(s: &Stack, aws: &Clients) {
    let interrupted = [
        "eks.main",
        "eks.main.cluster_role",
        "eks.main.oidc_provider",
        "eks.main.node_group[apps]",
        "eks.main.launch_template[apps]",
        "eks.main.addon[coredns]",
        "eks.main.service_account[user-service]",
        "ecr.user-service",
        "log_group[/platform/user-service]",
    ];
    let before = read_state(&s.dir, STACK);
    let inventory = aws.inventory().await;
    let mut state = before.clone();
    for address in interrupted {
        let entry = &mut state["resources"][address];
        entry["id"] = Json::Null;
        entry["pending"] = json!({"operation": "create", "token": "t", "started_at": "2026-01-01T00:00:00Z"});
    }
    write_state(&s.dir, STACK, &state);
    let plan = s.run(&["plan", "--detailed-exitcode"], 0, "plan with pending creates");
    assert!(plan.stdout.contains("Found in AWS after an interrupted apply"), "{}", plan.stdout);
    s.run(&["apply", "--auto-approve"], 0, "apply adopts");
    let after = read_state(&s.dir, STACK);
    for address in interrupted {
        assert_eq!(after["resources"][address]["id"], before["resources"][address]["id"], "{address} not adopted");
        assert!(after["resources"][address].get("pending").is_none(), "{address} still pending");
    }
    assert_eq!(aws.inventory().await, inventory, "adoption created twins");
}

/// `platformctl kubeconfig` merges an entry from the state: the cluster's endpoint and CA,
/// a user that runs `aws eks get-token`, a current context.
fn writes_a_kubeconfig(s: &Stack) {
    let path = s.dir.join("kubeconfig");
    std::fs::write(&path, "apiVersion: v1\nkind: Config\nclusters: []\ncontexts: []\nusers: []\n").unwrap();
    let path_arg = path.to_str().unwrap();
    s.run(&["kubeconfig", "main", "--kubeconfig", path_arg, "--alias", "seed"], 0, "kubeconfig");
    let config: Json = serde_yaml_ng::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
    let state = read_state(&s.dir, STACK);
    let outputs = &state["resources"]["eks.main"]["outputs"];
    assert_eq!(config["current-context"], "seed");
    assert_eq!(config["clusters"][0]["name"], outputs["arn"]);
    assert_eq!(config["clusters"][0]["cluster"]["server"], outputs["endpoint"]);
    let args = &config["users"][0]["user"]["exec"]["args"];
    assert_eq!(
        args,
        &json!(["--region", "eu-west-1", "eks", "get-token", "--cluster-name", CLUSTER, "--output", "json"])
    );
    let unknown = s.run(&["kubeconfig", "nope", "--kubeconfig", path_arg], 1, "kubeconfig of an unknown cluster");
    assert!(unknown.stderr.contains("no EKS cluster `nope`") && unknown.stderr.contains("main"), "{}", unknown.stderr);
}

/// Position of `delete <address>: done` in a destroy's stderr.
fn deleted_at(stderr: &str, address: &str) -> usize {
    stderr.find(&format!("delete {address}: done")).unwrap_or_else(|| panic!("{address} was not deleted:\n{stderr}"))
}

#[tokio::test(flavor = "multi_thread")]
async fn seed_platform_with_addons_on_ministack() {
    eprintln!(
        "ministack: skipping cluster logging/endpoint and node group scaling updates (UpdateClusterConfig and \
         UpdateNodegroupConfig answer \"No route\"); seed_platform_updates_on_moto covers them"
    );
    let s = Stack::new(Kind::Ministack);
    let aws = Clients::new(&s.emu).await;

    let first = s.plan_json(2);
    let creates = addresses(&first, "create");
    for a in [
        "eks.main",
        "eks.main.cluster_role",
        "eks.main.node_role",
        "eks.main.log_group",
        "eks.main.oidc_provider",
        "eks.main.node_group[apps]",
        "eks.main.addon[vpc-cni]",
        "eks.main.addon[kube-proxy]",
        "eks.main.addon[coredns]",
        "eks.main.service_account[user-service]",
        "eks.main.service_account[aws-load-balancer-controller]",
        "eks.main.service_account[cluster-autoscaler]",
        "ecr.user-service",
        "log_group[/platform/user-service]",
    ] {
        assert!(creates.contains(a), "{a} missing from the first plan: {creates:?}");
    }
    s.run(&["apply", "--auto-approve"], 0, "apply");
    s.run(&["plan", "--detailed-exitcode"], 0, "plan after apply");
    let state = read_state(&s.dir, STACK);
    check_provisioned(&aws, &state).await;
    adopts_interrupted_creates(&s, &aws).await;
    writes_a_kubeconfig(&s);

    let cni = aws.eks.describe_addon().cluster_name(CLUSTER).addon_name("vpc-cni").send().await.unwrap();
    let config: Json = serde_json::from_str(cni.addon().unwrap().configuration_values().unwrap()).unwrap();
    assert_eq!(config, json!({ "env": { "ENABLE_PREFIX_DELEGATION": "true" } }));

    // Configuration changed in place (UpdateAddon), then rewritten in another key order and
    // layout in the stack, and by someone else in AWS: never a change.
    s.edit(
        r#"vpc-cni:    { configuration: { env: { ENABLE_PREFIX_DELEGATION: "true" } } }"#,
        r#"vpc-cni:    { configuration: { env: { ENABLE_PREFIX_DELEGATION: "true", WARM_PREFIX_TARGET: "1" } } }"#,
    );
    let plan = s.plan_json(2);
    assert_eq!(addresses(&plan, "update"), BTreeSet::from(["eks.main.addon[vpc-cni]".to_owned()]));
    assert!(addresses(&plan, "replace").is_empty());
    s.run(&["apply", "--auto-approve"], 0, "apply add-on configuration");
    let cni = aws.eks.describe_addon().cluster_name(CLUSTER).addon_name("vpc-cni").send().await.unwrap();
    let config: Json = serde_json::from_str(cni.addon().unwrap().configuration_values().unwrap()).unwrap();
    assert_eq!(config["env"]["WARM_PREFIX_TARGET"], "1");
    s.edit(
        r#"{ configuration: { env: { ENABLE_PREFIX_DELEGATION: "true", WARM_PREFIX_TARGET: "1" } } }"#,
        "\n        configuration:\n          env:\n            WARM_PREFIX_TARGET: \"1\"\n            ENABLE_PREFIX_DELEGATION: \"true\"",
    );
    s.run(&["plan", "--detailed-exitcode"], 0, "plan after rewriting the configuration in another order");
    aws.eks
        .update_addon()
        .cluster_name(CLUSTER)
        .addon_name("vpc-cni")
        .configuration_values(
            "{\n  \"env\" : {\"WARM_PREFIX_TARGET\":\"1\",   \"ENABLE_PREFIX_DELEGATION\": \"true\"}\n}",
        )
        .send()
        .await
        .unwrap();
    s.run(&["plan", "--detailed-exitcode"], 0, "plan after AWS reformatted the configuration");

    let outputs: Json =
        serde_json::from_str(&s.run(&["output", "--json"], 0, "output --json").stdout).expect("output is JSON");
    assert!(outputs["eks.main"]["endpoint"].is_string(), "{outputs}");
    assert!(outputs["eks.main"]["oidc_issuer"].is_string(), "{outputs}");
    assert!(
        outputs["eks.main.service_account[user-service]"]["role_arn"]
            .as_str()
            .is_some_and(|a| a.ends_with(&format!("role/{CLUSTER}-sa-user-service"))),
        "{outputs}"
    );
    assert!(outputs["ecr.user-service"]["uri"].as_str().is_some_and(|u| u.ends_with("/user-service")), "{outputs}");

    s.unprotect();
    let destroy = s.run(&["destroy", "--auto-approve", "--allow-data-loss"], 0, "destroy");
    let at = |a: &str| deleted_at(&destroy.stderr, a);
    let group = at("eks.main.node_group[apps]");
    for addon in ["coredns", "kube-proxy"] {
        assert!(at(&format!("eks.main.addon[{addon}]")) < group, "{addon} before the nodes");
    }
    // The CNI stays until the nodes are gone, as AWS advises; every add-on before the cluster.
    assert!(group < at("eks.main.addon[vpc-cni]"));
    assert!(at("eks.main.addon[vpc-cni]") < at("eks.main"));
    assert!(group < at("eks.main") && group < at("eks.main.node_role"));
    for sa in ["user-service", "aws-load-balancer-controller", "cluster-autoscaler"] {
        assert!(at(&format!("eks.main.service_account[{sa}]")) < at("eks.main.oidc_provider"), "{sa} role first");
    }
    assert!(at("eks.main") < at("eks.main.cluster_role") && at("eks.main") < at("eks.main.log_group"));
    assert_eq!(aws.inventory().await, Vec::<String>::new(), "nothing of the compute tier is left");
}

#[tokio::test(flavor = "multi_thread")]
async fn seed_platform_updates_on_moto() {
    eprintln!(
        "moto: skipping EKS add-ons (CreateAddon/DescribeAddon answer 404), Redis (moto never finishes deleting \
         a replication group) and CloudWatch alarms (moto does not answer the SDK's CBOR protocol); \
         seed_platform_with_addons_on_ministack covers them"
    );
    let s = Stack::new(Kind::Moto);
    s.cut_block("    addons:", 4);
    s.cut_block("redis:", 0);
    s.cut_block("alarms:", 0);
    // The nodes' root volumes with the stack's key (ministack's launch templates drop it).
    s.edit("disk_size_gb: 50", "disk_size_gb: 50\n        kms_key: data");
    let aws = Clients::new(&s.emu).await;

    s.run(&["apply", "--auto-approve"], 0, "apply");
    s.run(&["plan", "--detailed-exitcode"], 0, "plan after apply");

    let template =
        read_state(&s.dir, STACK)["resources"]["eks.main.launch_template[apps]"]["id"].as_str().unwrap().to_owned();
    // The nodes' root volumes are encrypted with the stack's key, whose policy lets the
    // account's principals (EC2 Auto Scaling's service-linked role, which launches the nodes)
    // use it through EC2 only.
    let key = aws.key_arn("alias/user-service-data").await;
    let version = aws.ec2.describe_launch_template_versions().launch_template_id(&template).versions("$Default");
    let version = version.send().await.unwrap();
    let data = version.launch_template_versions()[0].launch_template_data().unwrap();
    assert_eq!(data.block_device_mappings()[0].ebs().unwrap().kms_key_id(), Some(key.as_str()));
    let policy = aws.kms.get_key_policy().key_id(&key).policy_name("default").send().await.unwrap();
    let policy = Clients::document(policy.policy().unwrap());
    let ebs = policy["Statement"].as_array().unwrap().iter().find(|s| s["Sid"] == "Allow EBS volumes of the account");
    let condition = &ebs.unwrap_or_else(|| panic!("{policy}"))["Condition"]["StringEquals"];
    assert_eq!(condition["kms:ViaService"], "ec2.eu-west-1.amazonaws.com", "{policy}");

    // Scaling, labels, taints (UpdateNodegroupConfig) and logging (UpdateClusterConfig) are
    // updates in place, never replacements.
    s.edit("min_size: 2", "min_size: 3");
    s.edit("max_size: 6", "max_size: 8");
    s.edit("desired_size: 2", "desired_size: 3");
    s.edit(
        "labels: { workload: apps }",
        "labels: { workload: apps, tier: web }\n        taints: [{ key: dedicated, value: apps, effect: NoSchedule }]",
    );
    s.edit("logging: [api, audit, authenticator]", "logging: [api, audit, scheduler]");
    let plan = s.plan_json(2);
    assert_eq!(
        addresses(&plan, "update"),
        BTreeSet::from(["eks.main".to_owned(), "eks.main.node_group[apps]".to_owned()])
    );
    assert!(addresses(&plan, "replace").is_empty(), "{plan}");
    let group_change = find(&plan, "eks.main.node_group[apps]").unwrap();
    let changed: BTreeSet<&str> =
        group_change["attributes"].as_array().unwrap().iter().map(|a| a["name"].as_str().unwrap()).collect();
    // The desired size belongs to the cluster autoscaler after creation: not compared.
    assert_eq!(changed, BTreeSet::from(["labels", "max_size", "min_size", "taints"]));
    s.run(&["apply", "--auto-approve"], 0, "apply the updates");
    s.run(&["plan", "--detailed-exitcode"], 0, "plan after the updates");
    let state = read_state(&s.dir, STACK);
    let group_id = state["resources"]["eks.main.node_group[apps]"]["id"].as_str().unwrap().to_owned();
    let (_, group_name) = group_id.split_once(':').unwrap();
    let g = aws.eks.describe_nodegroup().cluster_name(CLUSTER).nodegroup_name(group_name).send().await.unwrap();
    let g = g.nodegroup().unwrap();
    let scaling = g.scaling_config().unwrap();
    assert_eq!((scaling.min_size(), scaling.max_size()), (Some(3), Some(8)));
    assert_eq!(g.labels().unwrap().get("tier").map(String::as_str), Some("web"));
    assert_eq!(g.taints()[0].key(), Some("dedicated"));
    let c = aws.eks.describe_cluster().name(CLUSTER).send().await.unwrap();
    let enabled: BTreeSet<&str> = c
        .cluster()
        .unwrap()
        .logging()
        .unwrap()
        .cluster_logging()
        .iter()
        .filter(|l| l.enabled() == Some(true))
        .flat_map(|l| l.types().iter().map(|t| t.as_str()))
        .collect();
    assert_eq!(enabled, BTreeSet::from(["api", "audit", "scheduler"]));

    // A bigger root volume is a new version of the group's launch template, made its default,
    // and the group rolls onto it in place (UpdateNodegroupVersion) — never a replacement.
    // moto has no UpdateNodegroupVersion (404): the apply stops there, says so, and the state
    // tells the truth (the template changed, the group did not); the rolling call itself is
    // tested in crates/aws/src/eks/tests.rs.
    s.edit("disk_size_gb: 50", "disk_size_gb: 60");
    let plan = s.plan_json(2);
    let roll = BTreeSet::from(["eks.main.launch_template[apps]".to_owned(), "eks.main.node_group[apps]".to_owned()]);
    assert_eq!(addresses(&plan, "update"), roll, "{plan}");
    assert!(addresses(&plan, "replace").is_empty(), "{plan}");
    let rolled = find(&plan, "eks.main.node_group[apps]").unwrap();
    assert_eq!(rolled["attributes"][0]["name"], "launch_template", "{rolled}");
    let failed = s.run(&["apply", "--auto-approve"], 1, "the roll moto cannot do");
    assert!(failed.stderr.contains("UpdateNodegroupVersion"), "{}", failed.stderr);
    let template =
        read_state(&s.dir, STACK)["resources"]["eks.main.launch_template[apps]"]["id"].as_str().unwrap().to_owned();
    assert_eq!(aws.template_version(&template, "$Default").await.3, 60, "the new default version");
    assert_eq!(aws.template_version(&template, "1").await.3, 50, "the version the nodes run");
    // moto reports the group's template (ministack does not: check_provisioned says so there).
    let running = aws.eks.describe_nodegroup().cluster_name(CLUSTER).nodegroup_name(group_name).send().await.unwrap();
    let running = running.nodegroup().unwrap().launch_template().unwrap();
    assert_eq!((running.id(), running.version()), (Some(template.as_str()), Some("1")));
    let pending = s.plan_json(2);
    assert_eq!(addresses(&pending, "update"), BTreeSet::from(["eks.main.node_group[apps]".to_owned()]), "{pending}");
    // Rolled back by hand: the template's default is version 1 again, and so is the stack.
    s.edit("disk_size_gb: 60", "disk_size_gb: 50");
    aws.ec2.modify_launch_template().launch_template_id(&template).default_version("1").send().await.unwrap();
    s.run(&["plan", "--detailed-exitcode"], 0, "converged on version 1");

    // A Kubernetes upgrade that skips a minor version is refused before anything is touched.
    s.edit("version: \"1.31\"", "version: \"1.33\"");
    let refused = s.run(&["plan"], 1, "plan skipping a Kubernetes minor version");
    assert!(refused.stderr.contains("skips 1.32"), "{}", refused.stderr);
    assert!(refused.stderr.contains("version: \"1.32\""), "{}", refused.stderr);
    s.edit("version: \"1.33\"", "version: \"1.31\"");

    // New instance types replace the node group, the new one first: capacity never drops.
    s.edit("instance_types: [m6i.large]", "instance_types: [m7i.large]");
    let plan = s.plan_json(2);
    assert_eq!(addresses(&plan, "replace"), BTreeSet::from(["eks.main.node_group[apps]".to_owned()]));
    let human = s.run(&["plan"], 0, "human plan of the replacement");
    assert!(human.stdout.contains("the new one is created first"), "{}", human.stdout);
    let apply = s.run(&["apply", "--auto-approve"], 0, "apply the replacement");
    let created = apply.stderr.find("create eks.main.node_group[apps]: done").expect("created");
    let deleted = apply.stderr.find("delete the old generation of eks.main.node_group[apps]: done").expect("deleted");
    assert!(created < deleted, "{}", apply.stderr);
    let groups = aws.eks.list_nodegroups().cluster_name(CLUSTER).send().await.unwrap();
    let state = read_state(&s.dir, STACK);
    let new_id = state["resources"]["eks.main.node_group[apps]"]["id"].as_str().unwrap();
    assert_ne!(new_id, group_id);
    assert_eq!(groups.nodegroups(), [new_id.split_once(':').unwrap().1.to_owned()]);
    assert!(state["resources"]["eks.main.node_group[apps]"].get("deposed").is_none());
    s.run(&["plan", "--detailed-exitcode"], 0, "plan after the replacement");

    // An apply killed between the new group's creation and the old one's deletion leaves the
    // old id as deposed in the state: the next apply deletes it.
    let node_role = aws.iam.get_role().role_name(format!("{CLUSTER}-node")).send().await.unwrap();
    let private: Vec<String> = ["eu-west-1a", "eu-west-1b"]
        .iter()
        .map(|az| state["resources"][format!("network.subnet.private[{az}]")]["id"].as_str().unwrap().to_owned())
        .collect();
    aws.eks
        .create_nodegroup()
        .cluster_name(CLUSTER)
        .nodegroup_name("apps-leftover")
        .node_role(node_role.role().unwrap().arn())
        .set_subnets(Some(private))
        .send()
        .await
        .unwrap();
    let mut state = read_state(&s.dir, STACK);
    state["resources"]["eks.main.node_group[apps]"]["deposed"] = json!([format!("{CLUSTER}:apps-leftover")]);
    write_state(&s.dir, STACK, &state);
    let human = s.run(&["plan"], 0, "plan with a deposed node group");
    assert!(human.stdout.contains("left by an interrupted replacement"), "{}", human.stdout);
    s.run(&["apply", "--auto-approve"], 0, "apply deletes the leftover");
    let groups = aws.eks.list_nodegroups().cluster_name(CLUSTER).send().await.unwrap();
    assert_eq!(groups.nodegroups().len(), 1, "{:?}", groups.nodegroups());
    assert!(read_state(&s.dir, STACK)["resources"]["eks.main.node_group[apps]"].get("deposed").is_none());

    // The API server's endpoint access (UpdateClusterConfig's resourcesVpcConfig): the public
    // endpoint narrowed to one range, in place.
    s.edit("public_access_cidrs: [198.51.100.0/24]", "public_access_cidrs: [203.0.113.0/24]");
    let plan = s.plan_json(2);
    assert_eq!(addresses(&plan, "update"), BTreeSet::from(["eks.main".to_owned()]), "{plan}");
    let cluster_change = find(&plan, "eks.main").unwrap();
    assert_eq!(cluster_change["attributes"][0]["name"], "public_access_cidrs", "{cluster_change}");
    s.run(&["apply", "--auto-approve"], 0, "narrow the public endpoint");
    // moto replaces the whole resourcesVpcConfig with the update's (AWS keeps the subnets), so
    // its next plan sees the subnets gone; the endpoint settings themselves match.
    let after = s.plan_json(2);
    let endpoint_changes = find(&after, "eks.main").map_or(0, |c| {
        c["attributes"].as_array().unwrap().iter().filter(|a| a["name"] == "public_access_cidrs").count()
    });
    assert_eq!(endpoint_changes, 0, "{after}");
    // Give moto its subnets back (a shim for moto only), and the stack converges.
    let state = read_state(&s.dir, STACK);
    let subnets: Vec<String> = ["public", "private"]
        .iter()
        .flat_map(|tier| ["eu-west-1a", "eu-west-1b"].map(|az| format!("network.subnet.{tier}[{az}]")))
        .map(|a| state["resources"][a.as_str()]["id"].as_str().unwrap().to_owned())
        .collect();
    let config = aws_sdk_eks::types::VpcConfigRequest::builder()
        .set_subnet_ids(Some(subnets))
        .endpoint_public_access(true)
        .endpoint_private_access(true)
        .public_access_cidrs("203.0.113.0/24")
        .build();
    aws.eks.update_cluster_config().name(CLUSTER).resources_vpc_config(config).send().await.unwrap();
    s.run(&["plan", "--detailed-exitcode"], 0, "converged once moto has the subnets back");
    let c = aws.eks.describe_cluster().name(CLUSTER).send().await.unwrap();
    let vpc = c.cluster().unwrap().resources_vpc_config().unwrap();
    assert_eq!(vpc.public_access_cidrs(), ["203.0.113.0/24".to_owned()]);
    assert_eq!((vpc.endpoint_public_access(), vpc.endpoint_private_access()), (true, true));

    s.unprotect();
    s.run(&["destroy", "--auto-approve", "--allow-data-loss"], 0, "destroy");
    assert_eq!(aws.inventory().await, Vec::<String>::new(), "nothing of the compute tier is left");
}

/// Seed 003's cluster (examples/eks-node-groups.yaml): two node groups of at least three
/// nodes over three AZs, the infrastructure one tainted so that only pods tolerating it land
/// there, on Graviton with the ARM AMI; each from its own hardened launch template.
#[tokio::test(flavor = "multi_thread")]
async fn seed_003_two_node_groups_on_ministack() {
    let s = Stack::of(Kind::Ministack, "examples/eks-node-groups.yaml");
    let aws = Clients::new(&s.emu).await;
    s.run(&["apply", "--auto-approve"], 0, "apply");
    s.run(&["plan", "--detailed-exitcode"], 0, "plan after apply");
    let state = read_state(&s.dir, "platform");
    let cluster = "platform-main";
    for (group, tainted) in [("apps", false), ("infrastructure", true)] {
        let id = state["resources"][format!("eks.main.node_group[{group}]")]["id"].as_str().unwrap().to_owned();
        let name = id.split_once(':').unwrap().1;
        let g = aws.eks.describe_nodegroup().cluster_name(cluster).nodegroup_name(name).send().await.unwrap();
        let g = g.nodegroup().unwrap();
        assert!(g.scaling_config().unwrap().min_size().unwrap() >= 3, "{group}");
        assert_eq!(g.subnets().len(), 3, "{group}: one private subnet per AZ");
        assert_eq!(g.labels().unwrap().get("workload").map(String::as_str), Some(group));
        let taints: Vec<(Option<&str>, Option<&str>)> =
            g.taints().iter().map(|t| (t.key(), t.effect().map(|e| e.as_str()))).collect();
        let expected = if tainted { vec![(Some("dedicated"), Some("NO_SCHEDULE"))] } else { vec![] };
        assert_eq!(taints, expected, "{group}");
        let ami = if tainted { "AL2023_ARM_64_STANDARD" } else { "AL2023_x86_64_STANDARD" };
        assert_eq!(g.ami_type().map(|a| a.as_str()), Some(ami), "{group}");
        let template = state["resources"][format!("eks.main.launch_template[{group}]")]["id"].as_str().unwrap();
        let (tokens, hops, _, gib, _, encrypted) = aws.template_version(template, "$Default").await;
        let size = if tainted { 20 } else { 50 };
        assert_eq!((tokens.as_str(), hops, gib, encrypted), ("required", 1, size, true), "{group}");
    }

    // Secrets encryption added to the running cluster: in place (AssociateEncryptionConfig),
    // not a replacement; another key afterwards would be one (EKS cannot change it).
    let key = aws.kms.create_key().send().await.unwrap().key_metadata().unwrap().arn().unwrap().to_owned();
    s.edit("    log_retention_days: 30\n", &format!("    log_retention_days: 30\n    secrets_kms_key: {key}\n"));
    let plan = s.plan_json(2);
    let changes: Vec<_> =
        plan["changes"].as_array().unwrap().iter().map(|c| (c["address"].clone(), c["action"].clone())).collect();
    assert_eq!(changes, [(Json::from("eks.main"), Json::from("update"))], "{plan:#}");
    s.run(&["apply", "--auto-approve"], 0, "encryption added");
    let described = aws.eks.describe_cluster().name(cluster).send().await.unwrap();
    let encryption = described.cluster().unwrap().encryption_config();
    assert_eq!(encryption.first().and_then(|e| e.provider()).and_then(|p| p.key_arn()), Some(key.as_str()));
    s.run(&["plan", "--detailed-exitcode"], 0, "converged with encryption");
    let other = aws.kms.create_key().send().await.unwrap().key_metadata().unwrap().arn().unwrap().to_owned();
    s.edit(&key, &other);
    let plan = s.plan_json(2);
    let cluster_change = plan["changes"].as_array().unwrap().iter().find(|c| c["address"] == "eks.main").unwrap();
    assert_eq!(cluster_change["action"], "replace", "{cluster_change:#}");
    s.edit(&other, &key);

    s.run(&["destroy", "--auto-approve", "--allow-data-loss"], 0, "destroy");
    assert_eq!(aws.inventory_of("platform").await, Vec::<String>::new(), "nothing left");
}
