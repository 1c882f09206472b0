//! IAM policies for the controllers every platform runs, maintained here so that a service
//! account says `preset: cluster-autoscaler` instead of carrying a copy of a policy that ages.
//! Each preset names the upstream policy it follows (`follows`): when the controller's project
//! changes its policy, the preset changes with a new `version` and the plan shows the role's
//! policy change. Where upstream leaves a write on `*` that this stack can scope, the preset
//! scopes it (the autoscaler to this cluster's node groups, external-dns and cert-manager to
//! the zones listed, external-secrets to this stack's secrets and parameters).
//!
//! The documents are plain JSON (no reference to a resource not yet created), so
//! `platformctl check` judges them like policy files.

use serde_json::{Value, json};

/// The presets a service account may name.
pub const CONTROLLER_PRESETS: &[&str] = &[
    "cluster-autoscaler",
    "aws-load-balancer-controller",
    "external-dns",
    "cert-manager",
    "external-secrets",
    "ebs-csi",
    "karpenter",
];

/// AWS's managed policy for the EBS CSI driver, which AWS keeps current.
const EBS_CSI_POLICY: &str = "arn:aws:iam::aws:policy/service-role/AmazonEBSCSIDriverPolicy";

/// What a preset gives a role: an inline policy (`preset-<name>`) and managed policies.
#[derive(Clone, Debug, PartialEq)]
pub struct ControllerPreset {
    pub name: String,
    /// The version of the preset's policy in this project, and the upstream policy it follows.
    pub version: &'static str,
    pub follows: &'static str,
    pub document: Option<Value>,
    pub managed_policies: Vec<String>,
}

/// Where the role is used: what the presets scope their statements to.
pub struct PresetScope<'a> {
    pub stack: &'a str,
    pub region: &'a str,
    /// The EKS cluster's AWS name.
    pub cluster: &'a str,
    /// Route 53 hosted zone ids (external-dns, cert-manager).
    pub hosted_zones: &'a [String],
    /// SSM parameter paths the stack publishes to (external-secrets), e.g. `/user-service/db`.
    pub parameter_paths: &'a [String],
    /// The IAM role name of the cluster's nodes (karpenter passes it to the nodes it starts).
    pub node_role: &'a str,
    /// The stack's own hosted zones' domains (`dns:`): what the DNS presets may change when no
    /// zone ids are listed.
    pub stack_domains: &'a [String],
}

/// The preset `name` for `scope`; `None` for a name not in [`CONTROLLER_PRESETS`].
pub fn controller_preset(name: &str, scope: &PresetScope) -> Option<ControllerPreset> {
    let (version, follows, document, managed) = match name {
        "cluster-autoscaler" => (
            "1",
            "kubernetes/autoscaler cluster-autoscaler 1.31, cloudprovider/aws README (recommended policy)",
            Some(cluster_autoscaler(scope)),
            vec![],
        ),
        "aws-load-balancer-controller" => (
            "1",
            "kubernetes-sigs/aws-load-balancer-controller v2.13, docs/install/iam_policy.json",
            Some(load_balancer_controller()),
            vec![],
        ),
        "external-dns" => {
            ("1", "kubernetes-sigs/external-dns v0.15, docs/tutorials/aws.md", Some(external_dns(scope)), vec![])
        }
        "cert-manager" => {
            ("1", "cert-manager v1.16, docs: ACME DNS01 Route53 (TXT records only)", Some(cert_manager(scope)), vec![])
        }
        "external-secrets" => (
            "1",
            "external-secrets v0.10, docs: AWS Secrets Manager and Parameter Store providers (read only)",
            Some(external_secrets(scope)),
            vec![],
        ),
        "ebs-csi" => (
            "1",
            "kubernetes-sigs/aws-ebs-csi-driver: AWS's managed AmazonEBSCSIDriverPolicy",
            None,
            vec![EBS_CSI_POLICY.to_owned()],
        ),
        "karpenter" => (
            "1",
            "aws/karpenter-provider-aws v1.0, getting-started cloudformation.yaml (KarpenterControllerPolicy, without the interruption queue)",
            Some(karpenter(scope)),
            vec![],
        ),
        _ => return None,
    };
    Some(ControllerPreset { name: name.to_owned(), version, follows, document, managed_policies: managed })
}

/// Whether a preset changes DNS records: it needs the zones it may change (listed, or the
/// stack's own).
pub fn needs_hosted_zones(name: &str) -> bool {
    matches!(name, "external-dns" | "cert-manager")
}

fn policy(statements: Vec<Value>) -> Value {
    json!({ "Version": "2012-10-17", "Statement": statements })
}

/// The zones a DNS controller may change: the ids listed (`hosted_zones`), or else any zone
/// (whose id the stack learns only when it makes its zones) with the changes' record names held
/// to the stack's own domains — see [`names_condition`].
fn zone_arns(scope: &PresetScope) -> Vec<String> {
    if scope.hosted_zones.is_empty() {
        return vec!["arn:aws:route53:::hostedzone/*".to_owned()];
    }
    scope.hosted_zones.iter().map(|z| format!("arn:aws:route53:::hostedzone/{z}")).collect()
}

/// Without zone ids, record changes are held to the names of the stack's zones (`dns:`): the
/// domain itself and everything below it.
fn names_condition(scope: &PresetScope) -> Option<Value> {
    if !scope.hosted_zones.is_empty() {
        return None;
    }
    let names: Vec<String> = scope.stack_domains.iter().flat_map(|d| [d.clone(), format!("*.{d}")]).collect();
    Some(json!({ "route53:ChangeResourceRecordSetsNormalizedRecordNames": names }))
}

/// A statement with the names condition added to its `ForAllValues:StringLike`, when there is one.
fn held_to_the_stack_domains(mut statement: Value, scope: &PresetScope) -> Value {
    if let Some(names) = names_condition(scope) {
        statement["Condition"]["ForAllValues:StringLike"] = names;
    }
    statement
}

/// Reads anywhere (the autoscaler discovers groups and instance types); scaling and
/// terminating only the groups EKS tagged as this cluster's and enabled for the autoscaler;
/// node groups described only in this cluster.
fn cluster_autoscaler(scope: &PresetScope) -> Value {
    let cluster = scope.cluster;
    policy(vec![
        json!({
            "Sid": "DiscoverGroupsAndInstanceTypes",
            "Effect": "Allow",
            "Action": [
                "autoscaling:DescribeAutoScalingGroups",
                "autoscaling:DescribeAutoScalingInstances",
                "autoscaling:DescribeLaunchConfigurations",
                "autoscaling:DescribeScalingActivities",
                "autoscaling:DescribeTags",
                "ec2:DescribeImages",
                "ec2:DescribeInstanceTypes",
                "ec2:DescribeLaunchTemplateVersions",
                "ec2:GetInstanceTypesFromInstanceRequirements"
            ],
            "Resource": "*"
        }),
        json!({
            "Sid": "DescribeThisClustersNodeGroups",
            "Effect": "Allow",
            "Action": "eks:DescribeNodegroup",
            "Resource": format!("arn:aws:eks:{}:*:nodegroup/{cluster}/*/*", scope.region)
        }),
        json!({
            "Sid": "ScaleThisClustersGroups",
            "Effect": "Allow",
            "Action": ["autoscaling:SetDesiredCapacity", "autoscaling:TerminateInstanceInAutoScalingGroup"],
            "Resource": "*",
            "Condition": { "StringEquals": {
                format!("aws:ResourceTag/k8s.io/cluster-autoscaler/{cluster}"): "owned",
                "aws:ResourceTag/k8s.io/cluster-autoscaler/enabled": "true"
            }}
        }),
    ])
}

/// The controller's policy as its project publishes it: the load balancers, target groups,
/// listeners and security groups it creates carry `elbv2.k8s.aws/cluster`, and the writes on
/// them are conditioned on that tag. Upstream leaves a few writes on `*` (security group
/// ingress of the nodes' groups, listeners and rules, WAF and Shield associations), which
/// `platformctl check` reports (CKV_AWS_355).
fn load_balancer_controller() -> Value {
    let cluster_tag_set = json!({ "Null": { "aws:RequestTag/elbv2.k8s.aws/cluster": "false" } });
    let owned = json!({ "Null": { "aws:ResourceTag/elbv2.k8s.aws/cluster": "false" } });
    let owned_untouched = json!({ "Null": {
        "aws:RequestTag/elbv2.k8s.aws/cluster": "true",
        "aws:ResourceTag/elbv2.k8s.aws/cluster": "false"
    }});
    let load_balancers = json!([
        "arn:aws:elasticloadbalancing:*:*:targetgroup/*/*",
        "arn:aws:elasticloadbalancing:*:*:loadbalancer/net/*/*",
        "arn:aws:elasticloadbalancing:*:*:loadbalancer/app/*/*"
    ]);
    policy(vec![
        json!({
            "Sid": "CreateTheLoadBalancingServiceLinkedRole",
            "Effect": "Allow",
            "Action": "iam:CreateServiceLinkedRole",
            "Resource": "*",
            "Condition": { "StringEquals": { "iam:AWSServiceName": "elasticloadbalancing.amazonaws.com" } }
        }),
        json!({
            "Sid": "Discover",
            "Effect": "Allow",
            "Action": [
                "ec2:DescribeAccountAttributes",
                "ec2:DescribeAddresses",
                "ec2:DescribeAvailabilityZones",
                "ec2:DescribeInternetGateways",
                "ec2:DescribeVpcs",
                "ec2:DescribeVpcPeeringConnections",
                "ec2:DescribeSubnets",
                "ec2:DescribeSecurityGroups",
                "ec2:DescribeInstances",
                "ec2:DescribeNetworkInterfaces",
                "ec2:DescribeTags",
                "ec2:DescribeIpamPools",
                "ec2:DescribeRouteTables",
                "ec2:GetCoipPoolUsage",
                "ec2:DescribeCoipPools",
                "ec2:GetSecurityGroupsForVpc",
                "elasticloadbalancing:DescribeLoadBalancers",
                "elasticloadbalancing:DescribeLoadBalancerAttributes",
                "elasticloadbalancing:DescribeListeners",
                "elasticloadbalancing:DescribeListenerCertificates",
                "elasticloadbalancing:DescribeListenerAttributes",
                "elasticloadbalancing:DescribeSSLPolicies",
                "elasticloadbalancing:DescribeRules",
                "elasticloadbalancing:DescribeTargetGroups",
                "elasticloadbalancing:DescribeTargetGroupAttributes",
                "elasticloadbalancing:DescribeTargetHealth",
                "elasticloadbalancing:DescribeTags",
                "elasticloadbalancing:DescribeTrustStores",
                "elasticloadbalancing:DescribeCapacityReservation"
            ],
            "Resource": "*"
        }),
        json!({
            "Sid": "CertificatesUserPoolsWafAndShield",
            "Effect": "Allow",
            "Action": [
                "cognito-idp:DescribeUserPoolClient",
                "acm:ListCertificates",
                "acm:DescribeCertificate",
                "iam:ListServerCertificates",
                "iam:GetServerCertificate",
                "waf-regional:GetWebACL",
                "waf-regional:GetWebACLForResource",
                "waf-regional:AssociateWebACL",
                "waf-regional:DisassociateWebACL",
                "wafv2:GetWebACL",
                "wafv2:GetWebACLForResource",
                "wafv2:AssociateWebACL",
                "wafv2:DisassociateWebACL",
                "shield:GetSubscriptionState",
                "shield:DescribeProtection",
                "shield:CreateProtection",
                "shield:DeleteProtection"
            ],
            "Resource": "*"
        }),
        json!({
            "Sid": "NodeSecurityGroupIngress",
            "Effect": "Allow",
            "Action": ["ec2:AuthorizeSecurityGroupIngress", "ec2:RevokeSecurityGroupIngress"],
            "Resource": "*"
        }),
        json!({ "Sid": "CreateSecurityGroups", "Effect": "Allow", "Action": "ec2:CreateSecurityGroup", "Resource": "*" }),
        json!({
            "Sid": "TagSecurityGroupsAtCreation",
            "Effect": "Allow",
            "Action": "ec2:CreateTags",
            "Resource": "arn:aws:ec2:*:*:security-group/*",
            "Condition": {
                "StringEquals": { "ec2:CreateAction": "CreateSecurityGroup" },
                "Null": { "aws:RequestTag/elbv2.k8s.aws/cluster": "false" }
            }
        }),
        json!({
            "Sid": "RetagItsSecurityGroups",
            "Effect": "Allow",
            "Action": ["ec2:CreateTags", "ec2:DeleteTags"],
            "Resource": "arn:aws:ec2:*:*:security-group/*",
            "Condition": owned_untouched
        }),
        json!({
            "Sid": "ChangeItsSecurityGroups",
            "Effect": "Allow",
            "Action": [
                "ec2:AuthorizeSecurityGroupIngress",
                "ec2:RevokeSecurityGroupIngress",
                "ec2:DeleteSecurityGroup"
            ],
            "Resource": "*",
            "Condition": owned
        }),
        json!({
            "Sid": "CreateLoadBalancersAndTargetGroups",
            "Effect": "Allow",
            "Action": ["elasticloadbalancing:CreateLoadBalancer", "elasticloadbalancing:CreateTargetGroup"],
            "Resource": "*",
            "Condition": cluster_tag_set
        }),
        json!({
            "Sid": "ListenersAndRules",
            "Effect": "Allow",
            "Action": [
                "elasticloadbalancing:CreateListener",
                "elasticloadbalancing:DeleteListener",
                "elasticloadbalancing:CreateRule",
                "elasticloadbalancing:DeleteRule"
            ],
            "Resource": "*"
        }),
        json!({
            "Sid": "RetagItsLoadBalancers",
            "Effect": "Allow",
            "Action": ["elasticloadbalancing:AddTags", "elasticloadbalancing:RemoveTags"],
            "Resource": load_balancers,
            "Condition": owned_untouched
        }),
        json!({
            "Sid": "RetagListenersAndRules",
            "Effect": "Allow",
            "Action": ["elasticloadbalancing:AddTags", "elasticloadbalancing:RemoveTags"],
            "Resource": [
                "arn:aws:elasticloadbalancing:*:*:listener/net/*/*/*",
                "arn:aws:elasticloadbalancing:*:*:listener/app/*/*/*",
                "arn:aws:elasticloadbalancing:*:*:listener-rule/net/*/*/*",
                "arn:aws:elasticloadbalancing:*:*:listener-rule/app/*/*/*"
            ]
        }),
        json!({
            "Sid": "ChangeItsLoadBalancers",
            "Effect": "Allow",
            "Action": [
                "elasticloadbalancing:ModifyLoadBalancerAttributes",
                "elasticloadbalancing:SetIpAddressType",
                "elasticloadbalancing:SetSecurityGroups",
                "elasticloadbalancing:SetSubnets",
                "elasticloadbalancing:DeleteLoadBalancer",
                "elasticloadbalancing:ModifyTargetGroup",
                "elasticloadbalancing:ModifyTargetGroupAttributes",
                "elasticloadbalancing:DeleteTargetGroup",
                "elasticloadbalancing:ModifyListenerAttributes",
                "elasticloadbalancing:ModifyCapacityReservation",
                "elasticloadbalancing:ModifyIpPools"
            ],
            "Resource": "*",
            "Condition": owned
        }),
        json!({
            "Sid": "TagAtCreation",
            "Effect": "Allow",
            "Action": "elasticloadbalancing:AddTags",
            "Resource": load_balancers,
            "Condition": {
                "StringEquals": { "elasticloadbalancing:CreateAction": ["CreateTargetGroup", "CreateLoadBalancer"] },
                "Null": { "aws:RequestTag/elbv2.k8s.aws/cluster": "false" }
            }
        }),
        json!({
            "Sid": "RegisterTargets",
            "Effect": "Allow",
            "Action": ["elasticloadbalancing:RegisterTargets", "elasticloadbalancing:DeregisterTargets"],
            "Resource": "arn:aws:elasticloadbalancing:*:*:targetgroup/*/*"
        }),
        json!({
            "Sid": "ListenerCertificatesRulesAndWaf",
            "Effect": "Allow",
            "Action": [
                "elasticloadbalancing:SetWebAcl",
                "elasticloadbalancing:ModifyListener",
                "elasticloadbalancing:AddListenerCertificates",
                "elasticloadbalancing:RemoveListenerCertificates",
                "elasticloadbalancing:ModifyRule",
                "elasticloadbalancing:SetRulePriorities"
            ],
            "Resource": "*"
        }),
    ])
}

/// Records changed in the zones listed only; the zone list is account-wide (no resource).
fn external_dns(scope: &PresetScope) -> Value {
    policy(vec![
        held_to_the_stack_domains(
            json!({
                "Sid": "ChangeRecordsOfTheZonesListed",
                "Effect": "Allow",
                "Action": "route53:ChangeResourceRecordSets",
                "Resource": zone_arns(scope)
            }),
            scope,
        ),
        json!({
            "Sid": "ReadTheZonesListed",
            "Effect": "Allow",
            "Action": ["route53:ListResourceRecordSets", "route53:ListTagsForResources"],
            "Resource": zone_arns(scope)
        }),
        json!({ "Sid": "FindZones", "Effect": "Allow", "Action": "route53:ListHostedZones", "Resource": "*" }),
    ])
}

/// DNS-01 challenges: TXT records in the zones listed, and the status of its changes.
fn cert_manager(scope: &PresetScope) -> Value {
    policy(vec![
        json!({ "Sid": "ChallengeStatus", "Effect": "Allow", "Action": "route53:GetChange", "Resource": "arn:aws:route53:::change/*" }),
        held_to_the_stack_domains(
            json!({
                "Sid": "TxtRecordsOfTheZonesListed",
                "Effect": "Allow",
                "Action": "route53:ChangeResourceRecordSets",
                "Resource": zone_arns(scope),
                "Condition": { "ForAllValues:StringEquals": { "route53:ChangeResourceRecordSetsRecordTypes": ["TXT"] } }
            }),
            scope,
        ),
        json!({
            "Sid": "ReadTheZonesListed",
            "Effect": "Allow",
            "Action": "route53:ListResourceRecordSets",
            "Resource": zone_arns(scope)
        }),
        json!({ "Sid": "FindZones", "Effect": "Allow", "Action": "route53:ListHostedZonesByName", "Resource": "*" }),
    ])
}

/// Reads of this stack's secrets (`<stack>/...`) and parameters (`/<stack>/...` and the paths
/// its databases publish to), and the decryption of their keys only through those services.
fn external_secrets(scope: &PresetScope) -> Value {
    let region = scope.region;
    let mut paths = vec![format!("/{}", scope.stack)];
    paths.extend(scope.parameter_paths.iter().filter(|p| !p.starts_with(&format!("/{}/", scope.stack))).cloned());
    let parameters: Vec<String> = paths
        .iter()
        .flat_map(|p| {
            [format!("arn:aws:ssm:{region}:*:parameter{p}"), format!("arn:aws:ssm:{region}:*:parameter{p}/*")]
        })
        .collect();
    policy(vec![
        json!({
            "Sid": "ReadThisStacksSecrets",
            "Effect": "Allow",
            "Action": [
                "secretsmanager:GetSecretValue",
                "secretsmanager:DescribeSecret",
                "secretsmanager:GetResourcePolicy",
                "secretsmanager:ListSecretVersionIds"
            ],
            "Resource": format!("arn:aws:secretsmanager:{region}:*:secret:{}/*", scope.stack)
        }),
        json!({
            "Sid": "ReadThisStacksParameters",
            "Effect": "Allow",
            "Action": ["ssm:GetParameter", "ssm:GetParameters", "ssm:GetParametersByPath"],
            "Resource": parameters
        }),
        json!({
            "Sid": "DecryptThroughThoseServicesOnly",
            "Effect": "Allow",
            "Action": "kms:Decrypt",
            "Resource": "*",
            "Condition": { "StringEquals": { "kms:ViaService": [
                format!("secretsmanager.{region}.amazonaws.com"),
                format!("ssm.{region}.amazonaws.com")
            ]}}
        }),
    ])
}

/// Karpenter v1's controller: it starts and tags instances, fleets and launch templates only
/// with this cluster's ownership tags, deletes only what carries them, makes the instance
/// profiles of its node classes (tagged likewise), passes only the cluster's node role to EC2,
/// and reads in this region. The interruption queue (SQS, EventBridge) is not part of it.
fn karpenter(scope: &PresetScope) -> Value {
    let (region, cluster) = (scope.region, scope.cluster);
    let ec2 = |resource: &str| format!("arn:aws:ec2:{region}:*:{resource}/*");
    let owned = format!("aws:ResourceTag/kubernetes.io/cluster/{cluster}");
    let requested = format!("aws:RequestTag/kubernetes.io/cluster/{cluster}");
    let created: Vec<String> =
        ["fleet", "instance", "volume", "network-interface", "launch-template", "spot-instances-request"]
            .iter()
            .map(|r| ec2(r))
            .collect();
    let profiles = "arn:aws:iam::*:instance-profile/*";
    policy(vec![
        json!({
            "Sid": "AllowScopedEC2InstanceAccessActions",
            "Effect": "Allow",
            "Action": ["ec2:RunInstances", "ec2:CreateFleet"],
            "Resource": [
                format!("arn:aws:ec2:{region}::image/*"),
                format!("arn:aws:ec2:{region}::snapshot/*"),
                ec2("security-group"),
                ec2("subnet"),
                ec2("capacity-reservation")
            ]
        }),
        json!({
            "Sid": "AllowScopedEC2LaunchTemplateAccessActions",
            "Effect": "Allow",
            "Action": ["ec2:RunInstances", "ec2:CreateFleet"],
            "Resource": ec2("launch-template"),
            "Condition": {
                "StringEquals": { owned.clone(): "owned" },
                "StringLike": { "aws:ResourceTag/karpenter.sh/nodepool": "*" }
            }
        }),
        json!({
            "Sid": "AllowScopedEC2InstanceActionsWithTags",
            "Effect": "Allow",
            "Action": ["ec2:RunInstances", "ec2:CreateFleet", "ec2:CreateLaunchTemplate"],
            "Resource": created,
            "Condition": {
                "StringEquals": { requested.clone(): "owned", "aws:RequestTag/eks:eks-cluster-name": cluster },
                "StringLike": { "aws:RequestTag/karpenter.sh/nodepool": "*" }
            }
        }),
        json!({
            "Sid": "AllowScopedResourceCreationTagging",
            "Effect": "Allow",
            "Action": "ec2:CreateTags",
            "Resource": created,
            "Condition": {
                "StringEquals": {
                    requested.clone(): "owned",
                    "aws:RequestTag/eks:eks-cluster-name": cluster,
                    "ec2:CreateAction": ["RunInstances", "CreateFleet", "CreateLaunchTemplate"]
                },
                "StringLike": { "aws:RequestTag/karpenter.sh/nodepool": "*" }
            }
        }),
        json!({
            "Sid": "AllowScopedResourceTagging",
            "Effect": "Allow",
            "Action": "ec2:CreateTags",
            "Resource": ec2("instance"),
            "Condition": {
                "StringEquals": { owned.clone(): "owned" },
                "StringLike": { "aws:ResourceTag/karpenter.sh/nodepool": "*" },
                "StringEqualsIfExists": { "aws:RequestTag/eks:eks-cluster-name": cluster },
                "ForAllValues:StringEquals": { "aws:TagKeys": ["eks:eks-cluster-name", "karpenter.sh/nodeclaim", "Name"] }
            }
        }),
        json!({
            "Sid": "AllowScopedDeletion",
            "Effect": "Allow",
            "Action": ["ec2:TerminateInstances", "ec2:DeleteLaunchTemplate"],
            "Resource": [ec2("instance"), ec2("launch-template")],
            "Condition": {
                "StringEquals": { owned.clone(): "owned" },
                "StringLike": { "aws:ResourceTag/karpenter.sh/nodepool": "*" }
            }
        }),
        json!({
            "Sid": "AllowRegionalReadActions",
            "Effect": "Allow",
            "Action": [
                "ec2:DescribeAvailabilityZones",
                "ec2:DescribeCapacityReservations",
                "ec2:DescribeImages",
                "ec2:DescribeInstances",
                "ec2:DescribeInstanceTypeOfferings",
                "ec2:DescribeInstanceTypes",
                "ec2:DescribeLaunchTemplates",
                "ec2:DescribeSecurityGroups",
                "ec2:DescribeSpotPriceHistory",
                "ec2:DescribeSubnets"
            ],
            "Resource": "*",
            "Condition": { "StringEquals": { "aws:RequestedRegion": region } }
        }),
        json!({
            "Sid": "AllowSSMReadActions",
            "Effect": "Allow",
            "Action": "ssm:GetParameter",
            "Resource": format!("arn:aws:ssm:{region}::parameter/aws/service/*")
        }),
        json!({ "Sid": "AllowPricingReadActions", "Effect": "Allow", "Action": "pricing:GetProducts", "Resource": "*" }),
        json!({
            "Sid": "AllowPassingInstanceRole",
            "Effect": "Allow",
            "Action": "iam:PassRole",
            "Resource": format!("arn:aws:iam::*:role/{}", scope.node_role),
            "Condition": { "StringEquals": { "iam:PassedToService": "ec2.amazonaws.com" } }
        }),
        json!({
            "Sid": "AllowScopedInstanceProfileCreationActions",
            "Effect": "Allow",
            "Action": "iam:CreateInstanceProfile",
            "Resource": profiles,
            "Condition": {
                "StringEquals": {
                    requested.clone(): "owned",
                    "aws:RequestTag/eks:eks-cluster-name": cluster,
                    "aws:RequestTag/topology.kubernetes.io/region": region
                },
                "StringLike": { "aws:RequestTag/karpenter.k8s.aws/ec2nodeclass": "*" }
            }
        }),
        json!({
            "Sid": "AllowScopedInstanceProfileTagActions",
            "Effect": "Allow",
            "Action": "iam:TagInstanceProfile",
            "Resource": profiles,
            "Condition": {
                "StringEquals": {
                    owned.clone(): "owned",
                    "aws:ResourceTag/topology.kubernetes.io/region": region,
                    requested: "owned",
                    "aws:RequestTag/eks:eks-cluster-name": cluster,
                    "aws:RequestTag/topology.kubernetes.io/region": region
                },
                "StringLike": {
                    "aws:ResourceTag/karpenter.k8s.aws/ec2nodeclass": "*",
                    "aws:RequestTag/karpenter.k8s.aws/ec2nodeclass": "*"
                }
            }
        }),
        json!({
            "Sid": "AllowScopedInstanceProfileActions",
            "Effect": "Allow",
            "Action": ["iam:AddRoleToInstanceProfile", "iam:RemoveRoleFromInstanceProfile", "iam:DeleteInstanceProfile"],
            "Resource": profiles,
            "Condition": {
                "StringEquals": { owned: "owned", "aws:ResourceTag/topology.kubernetes.io/region": region },
                "StringLike": { "aws:ResourceTag/karpenter.k8s.aws/ec2nodeclass": "*" }
            }
        }),
        json!({
            "Sid": "AllowInstanceProfileReadActions",
            "Effect": "Allow",
            "Action": ["iam:GetInstanceProfile", "iam:ListInstanceProfiles"],
            "Resource": profiles
        }),
        json!({
            "Sid": "AllowAPIServerEndpointDiscovery",
            "Effect": "Allow",
            "Action": "eks:DescribeCluster",
            "Resource": format!("arn:aws:eks:{region}:*:cluster/{cluster}")
        }),
    ])
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scope() -> PresetScope<'static> {
        PresetScope {
            stack: "user-service",
            region: "eu-west-1",
            cluster: "user-service-main",
            hosted_zones: Box::leak(Box::new(["Z0123456789ABC".to_owned()])),
            parameter_paths: Box::leak(Box::new(["/user-service/db".to_owned(), "/shared/config".to_owned()])),
            node_role: "user-service-main-node",
            stack_domains: &[],
        }
    }

    fn actions(doc: &Value) -> Vec<String> {
        doc["Statement"]
            .as_array()
            .unwrap()
            .iter()
            .flat_map(|s| match &s["Action"] {
                Value::String(a) => vec![a.clone()],
                Value::Array(list) => list.iter().map(|a| a.as_str().unwrap().to_owned()).collect(),
                _ => vec![],
            })
            .collect()
    }

    /// What the issue found missing from the seed's copies: the autoscaler's instance types and
    /// node group reads, the load balancer controller's listener attributes.
    #[test]
    fn presets_carry_what_current_controllers_call() {
        let autoscaler = controller_preset("cluster-autoscaler", &scope()).unwrap().document.unwrap();
        for a in ["ec2:DescribeInstanceTypes", "eks:DescribeNodegroup", "autoscaling:SetDesiredCapacity"] {
            assert!(actions(&autoscaler).contains(&a.to_owned()), "{a}");
        }
        let scale = &autoscaler["Statement"][2];
        assert_eq!(
            scale["Condition"]["StringEquals"]["aws:ResourceTag/k8s.io/cluster-autoscaler/user-service-main"],
            "owned"
        );
        let lbc = controller_preset("aws-load-balancer-controller", &scope()).unwrap().document.unwrap();
        for a in ["elasticloadbalancing:DescribeListenerAttributes", "elasticloadbalancing:ModifyListenerAttributes"] {
            assert!(actions(&lbc).contains(&a.to_owned()), "{a}");
        }
        assert!(!actions(&lbc).iter().any(|a| a.ends_with(":*") || a == "*"), "no wildcard action");
    }

    #[test]
    fn presets_are_scoped_to_the_stack() {
        let dns = controller_preset("external-dns", &scope()).unwrap().document.unwrap();
        assert_eq!(dns["Statement"][0]["Resource"], json!(["arn:aws:route53:::hostedzone/Z0123456789ABC"]));
        assert!(dns["Statement"][0].get("Condition").is_none(), "zone ids listed: no names condition");
        let domains = ["example.com".to_owned()];
        let own = PresetScope { hosted_zones: &[], stack_domains: &domains, ..scope() };
        let dns = controller_preset("external-dns", &own).unwrap().document.unwrap();
        assert_eq!(dns["Statement"][0]["Resource"], json!(["arn:aws:route53:::hostedzone/*"]));
        assert_eq!(
            dns["Statement"][0]["Condition"]["ForAllValues:StringLike"]["route53:ChangeResourceRecordSetsNormalizedRecordNames"],
            json!(["example.com", "*.example.com"])
        );
        let certs = controller_preset("cert-manager", &own).unwrap().document.unwrap();
        let txt = &certs["Statement"][1]["Condition"];
        assert_eq!(txt["ForAllValues:StringEquals"]["route53:ChangeResourceRecordSetsRecordTypes"], json!(["TXT"]));
        assert_eq!(
            txt["ForAllValues:StringLike"]["route53:ChangeResourceRecordSetsNormalizedRecordNames"][1],
            "*.example.com"
        );
        let certs = controller_preset("cert-manager", &scope()).unwrap().document.unwrap();
        assert_eq!(
            certs["Statement"][1]["Condition"]["ForAllValues:StringEquals"]["route53:ChangeResourceRecordSetsRecordTypes"],
            json!(["TXT"])
        );
        let secrets = controller_preset("external-secrets", &scope()).unwrap().document.unwrap();
        assert_eq!(secrets["Statement"][0]["Resource"], "arn:aws:secretsmanager:eu-west-1:*:secret:user-service/*");
        assert_eq!(
            secrets["Statement"][1]["Resource"],
            json!([
                "arn:aws:ssm:eu-west-1:*:parameter/user-service",
                "arn:aws:ssm:eu-west-1:*:parameter/user-service/*",
                "arn:aws:ssm:eu-west-1:*:parameter/shared/config",
                "arn:aws:ssm:eu-west-1:*:parameter/shared/config/*"
            ])
        );
        let ebs = controller_preset("ebs-csi", &scope()).unwrap();
        assert_eq!((ebs.document, ebs.managed_policies), (None, vec![EBS_CSI_POLICY.to_owned()]));
        assert!(controller_preset("cluster-api", &scope()).is_none());
        let karpenter = controller_preset("karpenter", &scope()).unwrap().document.unwrap();
        let pass = karpenter["Statement"].as_array().unwrap().iter().find(|s| s["Action"] == "iam:PassRole").unwrap();
        assert_eq!(pass["Resource"], "arn:aws:iam::*:role/user-service-main-node", "only the cluster's node role");
        let deletion = &karpenter["Statement"][5];
        assert_eq!(
            deletion["Condition"]["StringEquals"]["aws:ResourceTag/kubernetes.io/cluster/user-service-main"],
            "owned"
        );
        assert!(CONTROLLER_PRESETS.iter().all(|p| controller_preset(p, &scope()).is_some()));
    }
}
