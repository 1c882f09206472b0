//! End to end, on both emulators: `platformctl generate --eks` over an EKS cluster made by hand
//! (with the SDK, not by platformctl) — the VPC it runs in (its subnets tagged for the AWS Load
//! Balancer Controller, as an EKS VPC is), its cluster and node roles, a node
//! group started from a launch template with platformctl's settings (IMDSv2, hop limit 1,
//! encrypted gp3), labels and a taint, the cluster's IAM OIDC provider, an IRSA role for one
//! service account and a role another tool made that no service account assumes; add-ons with a
//! configuration (vpc-cni with a role of its own), an access entry with a cluster-wide and a namespaced access policy and a Pod
//! Identity association where the emulator has them (ministack; moto has none of those APIs,
//! which generate lists rather than fails on). The generated file validates, records every id (the cluster,
//! its roles, group, template, add-ons and the service account's role — the OIDC provider is
//! found by its URL) and its first plan shows no changes but one, said in the file: a role's
//! inline policy, written as a policy file beside it, put again under platformctl's name. A
//! change made in the generated YAML (a managed policy added to the service account) applies in
//! place, and the plan is clean after it.

mod support;

use aws_sdk_ec2::types::{
    LaunchTemplateBlockDeviceMappingRequest, LaunchTemplateEbsBlockDeviceRequest, LaunchTemplateHttpTokensState,
    LaunchTemplateInstanceMetadataOptionsRequest, RequestLaunchTemplateData, VolumeType,
};
use aws_sdk_eks::types::{
    AccessScope, AccessScopeType, LaunchTemplateSpecification, NodegroupScalingConfig, Taint, TaintEffect,
    VpcConfigRequest,
};
use serde_json::{Value as Json, json};
use support::{Emulator, Kind, edit_file};

const CNI: &str = "arn:aws:iam::aws:policy/AmazonEKS_CNI_Policy";
const ECR_READ: &str = "arn:aws:iam::aws:policy/AmazonEC2ContainerRegistryReadOnly";
const ADMIN_POLICY: &str = "arn:aws:eks::aws:cluster-access-policy/AmazonEKSClusterAdminPolicy";
const EDIT_POLICY: &str = "arn:aws:eks::aws:cluster-access-policy/AmazonEKSEditPolicy";

/// The network of `by_hand`, its subnets tagged for the AWS Load Balancer Controller as an EKS
/// VPC's are. Returns the VPC's id and the subnets (public first).
async fn network(emu: &Emulator) -> (String, Vec<String>, Vec<String>) {
    let net = support::by_hand::network(emu, "10.70").await;
    let ec2 = aws_sdk_ec2::Client::new(&emu.sdk_config().await);
    for (subnets, role) in [(&net.public, "kubernetes.io/role/elb"), (&net.private, "kubernetes.io/role/internal-elb")]
    {
        let tag = aws_sdk_ec2::types::Tag::builder().key(role).value("1").build();
        ec2.create_tags().set_resources(Some(subnets.clone())).tags(tag).send().await.unwrap();
    }
    (net.vpc, net.public, net.private)
}

/// A role `service` assumes, with managed policies: the trust platformctl writes.
async fn service_role(iam: &aws_sdk_iam::Client, name: &str, service: &str, policies: &[&str]) -> String {
    let trust = json!({"Version": "2012-10-17", "Statement": [{
        "Effect": "Allow", "Principal": {"Service": format!("{service}.amazonaws.com")}, "Action": "sts:AssumeRole"
    }]});
    role(iam, name, &trust, policies).await
}

async fn role(iam: &aws_sdk_iam::Client, name: &str, trust: &Json, policies: &[&str]) -> String {
    let made = iam.create_role().role_name(name).assume_role_policy_document(trust.to_string()).send().await.unwrap();
    for arn in policies {
        iam.attach_role_policy().role_name(name).policy_arn(*arn).send().await.unwrap();
    }
    made.role().unwrap().arn().to_owned()
}

/// The cluster and everything of it, made by hand. Returns the VPC's id.
async fn made_by_hand(emu: &Emulator) -> String {
    let (vpc, public, private) = network(emu).await;
    let config = emu.sdk_config().await;
    let iam = aws_sdk_iam::Client::new(&config);
    let cluster_role =
        service_role(&iam, "legacy-cluster-role", "eks", &["arn:aws:iam::aws:policy/AmazonEKSClusterPolicy"]).await;
    let worker = "arn:aws:iam::aws:policy/AmazonEKSWorkerNodePolicy";
    // On ministack vpc-cni gets a role of its own, and the CNI policy leaves the node role.
    let node_policies: &[&str] =
        if emu.kind == Kind::Ministack { &[worker, ECR_READ] } else { &[worker, CNI, ECR_READ] };
    let node_role = service_role(&iam, "legacy-node-role", "ec2", node_policies).await;
    let eks = aws_sdk_eks::Client::new(&config);
    // On moto the control plane is in the private subnets only, as Terraform's EKS module puts it.
    let subnets: Vec<String> =
        if emu.kind == Kind::Moto { private.clone() } else { public.iter().chain(&private).cloned().collect() };
    let vpc_config = VpcConfigRequest::builder()
        .set_subnet_ids(Some(subnets))
        .endpoint_public_access(false)
        .endpoint_private_access(true)
        .build();
    let cluster = eks
        .create_cluster()
        .name("legacy-main")
        .version("1.31")
        .role_arn(&cluster_role)
        .resources_vpc_config(vpc_config)
        .send()
        .await
        .unwrap();
    let issuer = cluster.cluster().unwrap().identity().unwrap().oidc().unwrap().issuer().unwrap().to_owned();
    let provider = iam
        .create_open_id_connect_provider()
        .url(&issuer)
        .client_id_list("sts.amazonaws.com")
        .thumbprint_list("9e99a48a9960b14926bb7f3b02e22da2b0ab7280")
        .send()
        .await
        .unwrap();
    let provider = provider.open_id_connect_provider_arn().unwrap().to_owned();
    // Without its scheme, as IAM names the provider (ministack's issuer is `http://`).
    let issuer_host = issuer.split_once("://").map_or(issuer.as_str(), |(_, rest)| rest);
    let irsa = |service_account: &str| {
        json!({"Version": "2012-10-17", "Statement": [{
            "Effect": "Allow",
            "Principal": {"Federated": provider},
            "Action": "sts:AssumeRoleWithWebIdentity",
            "Condition": {"StringEquals": {
                format!("{issuer_host}:sub"): format!("system:serviceaccount:kube-system:{service_account}"),
                format!("{issuer_host}:aud"): "sts.amazonaws.com"
            }}
        }]})
    };
    role(&iam, "legacy-ebs-csi", &irsa("ebs-csi-controller-sa"), &[ECR_READ]).await;
    let cni_role = role(&iam, "legacy-cni", &irsa("aws-node"), &[CNI]).await;
    // A role with one inline policy and no managed one.
    role(&iam, "legacy-uploader", &irsa("uploader"), &[]).await;
    let uploads = json!({"Version": "2012-10-17", "Statement": [{
        "Effect": "Allow", "Action": "s3:PutObject", "Resource": "arn:aws:s3:::legacy-uploads/*"
    }]});
    let put = iam.put_role_policy().role_name("legacy-uploader").policy_name("s3-uploads");
    put.policy_document(uploads.to_string()).send().await.unwrap();
    // Another tool's role: no service account assumes it, so it is not the cluster's.
    service_role(&iam, "legacy-ci-runner", "ec2", &[ECR_READ]).await;

    let ec2 = aws_sdk_ec2::Client::new(&config);
    let metadata = LaunchTemplateInstanceMetadataOptionsRequest::builder()
        .http_tokens(LaunchTemplateHttpTokensState::Required)
        .http_put_response_hop_limit(1)
        .build();
    let root = LaunchTemplateBlockDeviceMappingRequest::builder()
        .device_name("/dev/xvda")
        .ebs(
            LaunchTemplateEbsBlockDeviceRequest::builder()
                .volume_size(30)
                .volume_type(VolumeType::Gp3)
                .encrypted(true)
                .build(),
        )
        .build();
    let data = RequestLaunchTemplateData::builder().metadata_options(metadata).block_device_mappings(root).build();
    let template = ec2.create_launch_template().launch_template_name("legacy-apps").launch_template_data(data);
    let template = template.send().await.unwrap();
    let template = template.launch_template().unwrap();
    let spec = LaunchTemplateSpecification::builder()
        .id(template.launch_template_id().unwrap())
        .version(template.latest_version_number().unwrap().to_string())
        .build();
    let taint = Taint::builder().key("dedicated").value("apps").effect(TaintEffect::NoSchedule).build();
    eks.create_nodegroup()
        .cluster_name("legacy-main")
        .nodegroup_name("apps")
        .node_role(&node_role)
        .set_subnets(Some(private.clone()))
        .instance_types("m6i.large")
        .ami_type(aws_sdk_eks::types::AmiTypes::Al2023X8664Standard)
        .launch_template(spec)
        .version("1.31")
        .scaling_config(NodegroupScalingConfig::builder().min_size(1).max_size(4).desired_size(2).build())
        .labels("workload", "apps")
        .taints(taint)
        .send()
        .await
        .unwrap();
    if emu.kind == Kind::Ministack {
        // Access entries and Pod Identity: ministack's (moto has neither).
        let admins = service_role(&iam, "legacy-admins", "ec2", &[]).await;
        eks.create_access_entry().cluster_name("legacy-main").principal_arn(&admins).send().await.unwrap();
        let scope = |namespaces: &[&str]| {
            let kind = if namespaces.is_empty() { AccessScopeType::Cluster } else { AccessScopeType::Namespace };
            AccessScope::builder()
                .r#type(kind)
                .set_namespaces(Some(namespaces.iter().map(|n| n.to_string()).collect()))
                .build()
        };
        for (policy, namespaces) in [(ADMIN_POLICY, &[][..]), (EDIT_POLICY, &["apps"][..])] {
            let associate = eks.associate_access_policy().cluster_name("legacy-main").principal_arn(&admins);
            associate.policy_arn(policy).access_scope(scope(namespaces)).send().await.unwrap();
        }
        let trust = json!({"Version": "2012-10-17", "Statement": [{
            "Effect": "Allow",
            "Principal": {"Service": "pods.eks.amazonaws.com"},
            "Action": ["sts:AssumeRole", "sts:TagSession"]
        }]});
        let metrics = role(&iam, "legacy-metrics", &trust, &[ECR_READ]).await;
        let association = eks.create_pod_identity_association().cluster_name("legacy-main").namespace("monitoring");
        association.service_account("metrics").role_arn(metrics).send().await.unwrap();
        eks.create_addon().cluster_name("legacy-main").addon_name("eks-pod-identity-agent").send().await.unwrap();
        let configuration = json!({"env": {"ENABLE_PREFIX_DELEGATION": "true"}}).to_string();
        let cni =
            eks.create_addon().cluster_name("legacy-main").addon_name("vpc-cni").addon_version("v1.18.3-eksbuild.1");
        cni.configuration_values(configuration).service_account_role_arn(cni_role).send().await.unwrap();
        eks.create_addon().cluster_name("legacy-main").addon_name("coredns").send().await.unwrap();
    }
    vpc
}

fn plan(emu: &Emulator, dir: &std::path::Path, code: i32) -> Json {
    support::by_hand::plan(emu, dir, "legacy.yaml", code)
}

async fn generate_a_cluster(kind: Kind) {
    let emu = Emulator::start(kind);
    let vpc = made_by_hand(&emu).await;
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let args = [
        "generate",
        "--stack",
        "legacy",
        "--region",
        "eu-west-1",
        "--vpc",
        &vpc,
        "--eks",
        "legacy-main",
        "--out",
        "legacy.yaml",
    ];
    emu.platformctl(d, &args).expect(0, "generate");
    let yaml = std::fs::read_to_string(d.join("legacy.yaml")).unwrap();
    for line in [
        "eks:",
        "  main:",
        "    version: \"1.31\"",
        "    endpoint_public_access: false",
        "    logging: []",
        "      apps:",
        "        instance_types: [m6i.large]",
        "        ami_type: AL2023_x86_64_STANDARD",
        "        desired_size: 2",
        "        labels: { workload: apps }",
        "        taints: [{ key: dedicated, value: apps, effect: NoSchedule }]",
        &format!("      ebs-csi-controller-sa: {{ namespace: kube-system, managed_policies: [{ECR_READ}] }}"),
    ] {
        assert!(yaml.lines().any(|l| l == line), "`{line}` in:\n{yaml}");
    }
    assert!(!yaml.contains("ci-runner"), "a role no service account assumes is not the cluster's:\n{yaml}");
    // The inline policy is a policy file beside the stack file, which a first apply puts again
    // under the name platformctl gives it.
    let uploader = "      uploader: { namespace: kube-system, policy_file: policies/main-uploader.json }";
    assert!(yaml.lines().any(|l| l == uploader), "`{uploader}` in:\n{yaml}");
    let policy: Json =
        serde_json::from_str(&std::fs::read_to_string(d.join("policies/main-uploader.json")).unwrap()).unwrap();
    assert_eq!(policy["Statement"][0]["Resource"], "arn:aws:s3:::legacy-uploads/*");
    // ministack's DescribeNodegroup does not say which launch template a group runs: there
    // the group reads as made without one, which platformctl replaces once to give it its own.
    let template_seen = kind == Kind::Moto;
    if template_seen {
        assert!(yaml.lines().any(|l| l == "        disk_size_gb: 30"), "{yaml}");
    } else {
        assert!(
            yaml.contains("        # Made without a launch template: the first apply replaces the group once"),
            "{yaml}"
        );
    }
    match kind {
        Kind::Ministack => {
            let cni = format!(
                r#"      vpc-cni: {{ version: v1.18.3-eksbuild.1, configuration: {{"env":{{"ENABLE_PREFIX_DELEGATION":"true"}}}}, service_account_role: {{ managed_policies: [{CNI}] }} }}"#
            );
            let admins = format!("        policies: [{ADMIN_POLICY}, {{ policy: {EDIT_POLICY}, namespaces: [apps] }}]");
            let metrics = format!(
                "      metrics: {{ namespace: monitoring, identity: pod_identity, managed_policies: [{ECR_READ}] }}"
            );
            for line in [&cni, "      legacy-admins:", &admins, &metrics] {
                assert!(yaml.lines().any(|l| l == line), "`{line}` in:\n{yaml}");
            }
        }
        Kind::Moto => {
            assert!(yaml.lines().any(|l| l == "    control_plane_subnets: private"), "{yaml}");
            for what in ["add-ons", "Pod Identity associations", "access entries"] {
                assert!(yaml.contains(&format!("#   legacy-main: its {what} could not be listed")), "{yaml}");
            }
        }
    }
    emu.platformctl(d, &["validate", "legacy.yaml"]).expect(0, "the generated file is valid");

    let state = support::inspect::read_state(d, "legacy");
    let id = |address: &str| state["resources"][address]["id"].as_str().map(str::to_owned);
    assert_eq!(id("eks.main").as_deref(), Some("legacy-main"));
    assert_eq!(id("eks.main.cluster_role").as_deref(), Some("legacy-cluster-role"));
    assert_eq!(id("eks.main.node_role").as_deref(), Some("legacy-node-role"));
    assert_eq!(id("eks.main.node_group[apps]").as_deref(), Some("legacy-main:apps"));
    if template_seen {
        assert!(id("eks.main.launch_template[apps]").is_some_and(|t| t.starts_with("lt-")), "{state:#}");
    }
    assert!(id("eks.main.oidc_provider").is_some_and(|p| p.contains(":oidc-provider/")), "{state:#}");
    assert_eq!(id("eks.main.service_account[ebs-csi-controller-sa]").as_deref(), Some("legacy-ebs-csi"));
    if kind == Kind::Ministack {
        assert_eq!(id("eks.main.addon[vpc-cni]").as_deref(), Some("legacy-main:vpc-cni"));
        assert_eq!(id("eks.main.addon[vpc-cni].role").as_deref(), Some("legacy-cni"));
        assert_eq!(id("eks.main.service_account[metrics]").as_deref(), Some("legacy-metrics"));
        assert!(id("eks.main.service_account[metrics].pod_identity").is_some(), "found by its service account");
        assert!(id("eks.main.access[legacy-admins]").is_some_and(|e| e.ends_with(":role/legacy-admins")), "{state:#}");
    }

    // Nothing to change: names, roles, the group and its template are AWS's as they are.
    let actions = |plan: &Json| -> Vec<(String, String)> {
        let changes = plan["changes"].as_array().unwrap().iter();
        changes.map(|c| (c["address"].as_str().unwrap().to_owned(), c["action"].as_str().unwrap().to_owned())).collect()
    };
    let template_replaced: Vec<(String, String)> = if template_seen {
        vec![]
    } else {
        vec![
            ("eks.main.launch_template[apps]".into(), "create".into()),
            ("eks.main.node_group[apps]".into(), "replace".into()),
        ]
    };
    let renamed = ("eks.main.service_account[uploader]".to_owned(), "update".to_owned());
    let mut expected = template_replaced.clone();
    expected.push(renamed.clone());
    expected.sort();
    let first = plan(&emu, d, 2);
    assert_eq!(actions(&first), expected, "{first:#}");

    // A change in the generated YAML applies in place.
    edit_file(
        &d.join("legacy.yaml"),
        &format!("managed_policies: [{ECR_READ}]"),
        &format!("managed_policies: [{ECR_READ}, {CNI}]"),
    );
    let changed = plan(&emu, d, 2);
    let role = ("eks.main.service_account[ebs-csi-controller-sa]".to_owned(), "update".to_owned());
    expected.push(role);
    expected.sort();
    assert_eq!(actions(&changed), expected, "{changed:#}");
    // Only the roles' changes (ministack's node group replacement is left alone).
    let apply = ["apply", "legacy.yaml", "--auto-approve", "--skip-checks", "--target", "eks.main.service_account"];
    emu.platformctl(d, &apply).expect(0, "in place");
    assert_eq!(actions(&plan(&emu, d, if template_seen { 0 } else { 2 })), template_replaced);
    let iam = aws_sdk_iam::Client::new(&emu.sdk_config().await);
    let attached = iam.list_attached_role_policies().role_name("legacy-ebs-csi").send().await.unwrap();
    let mut arns: Vec<&str> = attached.attached_policies().iter().filter_map(|p| p.policy_arn()).collect();
    arns.sort();
    assert_eq!(arns, [ECR_READ, CNI]);
}

#[tokio::test(flavor = "multi_thread")]
async fn moto_generates_an_eks_cluster_made_by_hand() {
    generate_a_cluster(Kind::Moto).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn ministack_generates_an_eks_cluster_made_by_hand() {
    generate_a_cluster(Kind::Ministack).await;
}
