//! End to end, on both emulators: issue 20's grown platform at its smallest size (one EKS
//! cluster of five node groups, 20 service account roles, 4 databases with replicas publishing
//! to SSM, 2 Redis groups, 20 repositories, 20 log groups, 16 secrets) applied and then planned,
//! each through a counting proxy. The apply records what it made with the one call that holds
//! its outputs, once. The no-change plan reads the batched kinds with listings, not per
//! resource: IAM's account listing instead of GetRole and the policy listings, ListSecrets
//! instead of DescribeSecret, DescribeLogGroups fifty names a call, tags from the tagging API
//! where the emulator lists that service (Redis groups among them) — and never more calls to one service in flight than
//! its share (or `--parallelism`). Drift made by hand on one of each is still seen: a listing
//! that disagrees with the state is confirmed with the direct read, which names it.

mod support;

use std::collections::BTreeMap;
use std::time::Duration;

use support::proxy::{Faults, Proxy};
use support::stack_text::{grown_platform, grown_platform_for_moto};
use support::{Emulator, Kind, workdir_with_text};

/// The grown platform on `kind`: moto answers no EKS add-on call (EMULATORS.md), so its copy has
/// none.
fn stack_for(kind: Kind) -> String {
    match kind {
        Kind::Ministack => grown_platform("grown", 1),
        Kind::Moto => grown_platform_for_moto("grown", 1),
    }
}

/// Requests by service and operation, and the plan's log (shown when an assertion fails).
struct Counts(BTreeMap<String, u64>, String);

impl std::fmt::Debug for Counts {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{:#?}\n{}", self.0, self.1)
    }
}

fn count(counts: &Counts, operation: &str) -> u64 {
    counts.0.get(operation).copied().unwrap_or(0)
}

async fn batched_plan_and_drift(kind: Kind) {
    let emu = Emulator::start(kind);
    let (dir, _) = workdir_with_text(&stack_for(kind));
    let d = dir.path();
    // The apply through a counting proxy: it never takes tags from a tagging listing (which lags
    // behind the change just made), so its only listing is the check that AWS holds nothing of
    // the stack before a first apply (existing.rs).
    let counting = Proxy::start(&emu.endpoint, Faults::default()).await;
    let env = [("AWS_ENDPOINT_URL", counting.endpoint.as_str())];
    support::platformctl_with_env(d, &["apply", "stack.yaml", "--auto-approve"], &env).expect(0, "apply");
    let applied = counting.service_counts();
    assert_eq!(applied.get("tagging GetResources"), Some(&1), "{applied:#?}");
    // Outputs AWS never changes are read once, when their resource is made: the service account
    // roles name the OIDC provider's ARN and the node groups their role's without reading
    // either again (before, each such step read the resource it names).
    let state = support::inspect::read_state(d, "grown");
    let of_kind = |k: &str| {
        let resources = state["resources"].as_object().unwrap();
        resources.iter().filter(|(_, r)| r["kind"] == k).map(|(a, _)| a.clone()).collect::<Vec<_>>()
    };
    let (roles, providers) = (of_kind("iam_role").len() as u64, of_kind("oidc_provider").len() as u64);
    assert_eq!(providers, 1, "the grown platform's cluster has its OIDC provider");
    assert_eq!(applied.get("iam GetOpenIDConnectProvider"), Some(&providers), "{applied:#?}");
    assert_eq!(applied.get("iam GetRole"), Some(&roles), "{applied:#?}");
    // What apply records of what it made is its outputs, read with the one call that holds them:
    // GetRole for a role's ARN, not its policies; a repository's, log group's or parameter's
    // describe, not its lifecycle policy or tags.
    for whole_read_only in [
        "iam ListRolePolicies",
        "iam ListAttachedRolePolicies",
        "iam GetRolePolicy",
        "ecr GetLifecyclePolicy",
        "ecr ListTagsForResource",
        "logs ListTagsForResource",
        "ssm ListTagsForResource",
    ] {
        assert_eq!(applied.get(whole_read_only), None, "{whole_read_only}: {applied:#?}");
    }
    // 50 ms per request, as the benchmark: the plan's calls overlap, and each service's gate
    // (in_flight.rs) shows in how many of them are in flight at once.
    let proxy = Proxy::start(&emu.endpoint, Faults { latency: Duration::from_millis(50), ..Default::default() }).await;
    // The registry's debug log names each resource read directly and why: in the failures.
    let env = [("AWS_ENDPOINT_URL", proxy.endpoint.as_str()), ("RUST_LOG", "platformctl_aws::registry=debug")];
    let plan = support::platformctl_with_env(d, &["plan", "stack.yaml", "--detailed-exitcode"], &env);
    let plan = plan.expect(0, "no changes");
    let counts = Counts(proxy.service_counts(), plan.stderr);
    let peaks = proxy.peak_in_flight();
    // 20 repositories' lifecycle policies and 21 log groups' tags are read at once, through
    // gates of 10 (ECR) and 5 (CloudWatch Logs) calls in flight; IAM's is 4.
    assert_eq!(peaks.get("ecr"), Some(&10), "{peaks:?}");
    assert_eq!(peaks.get("logs"), Some(&5), "{peaks:?}");
    assert!(peaks.get("iam").is_some_and(|p| *p <= 4), "{peaks:?}");
    assert!(roles >= 20, "the grown platform has its service account roles: {roles}");
    // IAM: one account listing page, no call per role.
    assert_eq!(count(&counts, "iam GetAccountAuthorizationDetails"), 1, "{counts:#?}");
    for per_role in ["iam GetRole", "iam ListRolePolicies", "iam ListAttachedRolePolicies", "iam GetRolePolicy"] {
        assert_eq!(count(&counts, per_role), 0, "{per_role}: {counts:#?}");
    }
    // Secrets and the connection fields written into some of them: ten names a ListSecrets,
    // no DescribeSecret; the fields' secrets are the stack's own, listed once for both kinds.
    let listings = of_kind("secret").len().div_ceil(10) as u64;
    assert_eq!(count(&counts, "secretsmanager ListSecrets"), listings, "{counts:#?}");
    assert_eq!(count(&counts, "secretsmanager DescribeSecret"), 0, "{counts:#?}");
    // Log groups: fifty names a DescribeLogGroups.
    let groups = of_kind("log_group").len();
    assert_eq!(count(&counts, "logs DescribeLogGroups"), groups.div_ceil(50) as u64, "{counts:#?}");
    // SSM: ten names a GetParameters.
    let parameters = of_kind("ssm_parameter").len();
    assert_eq!(count(&counts, "ssm GetParameters"), parameters.div_ceil(10) as u64, "{counts:#?}");
    // Launch templates: one DescribeLaunchTemplates for all, and each template's version read
    // once, though both the template and its node group compare it.
    let templates = of_kind("launch_template").len() as u64;
    assert!(templates >= 5, "a template per node group: {templates}");
    assert_eq!(count(&counts, "ec2 DescribeLaunchTemplates"), 1, "{counts:#?}");
    assert_eq!(count(&counts, "ec2 DescribeLaunchTemplateVersions"), templates, "{counts:#?}");
    // Tags: one tagging listing for the repositories, log groups, parameters and Redis groups
    // together (63 resources fit in one page); the services the emulator lists there
    // (EMULATORS.md: moto lists SSM parameters by type, ministack ECR repositories and Redis
    // groups) need no tag call at all, the others one per resource. (moto names Redis groups
    // `elasticache:replication-group` there, not AWS's `elasticache:replicationgroup`.)
    assert_eq!(count(&counts, "tagging GetResources"), 1, "{counts:#?}");
    let groups = of_kind("replication_group").len();
    assert!(groups >= 2, "the grown platform has its Redis groups: {groups}");
    let (listed, unlisted) = match kind {
        Kind::Moto => (vec!["ssm"], vec![("ecr", of_kind("ecr_repository").len()), ("elasticache", groups)]),
        Kind::Ministack => (vec!["ecr", "elasticache"], vec![("ssm", parameters)]),
    };
    for service in listed {
        assert_eq!(count(&counts, &format!("{service} ListTagsForResource")), 0, "{counts:#?}");
    }
    for (service, resources) in unlisted {
        assert_eq!(count(&counts, &format!("{service} ListTagsForResource")), resources as u64, "{counts:#?}");
    }

    // Drift by hand on one resource of each batched kind.
    let config = emu.sdk_config().await;
    let role_address = of_kind("iam_role")
        .into_iter()
        .find(|a| state["resources"][a]["attributes"]["inline_policies"].as_object().is_some_and(|p| !p.is_empty()))
        .expect("a service account role with an inline policy");
    let role = support::inspect::id(&state, &role_address);
    let iam = aws_sdk_iam::Client::new(&config);
    let inline = iam.list_role_policies().role_name(&role).send().await.unwrap();
    let policy = inline.policy_names().first().cloned().expect("the role's inline policy");
    iam.delete_role_policy().role_name(&role).policy_name(&policy).send().await.unwrap();
    let secret = support::inspect::id(&state, &of_kind("secret")[0]);
    let sm = aws_sdk_secretsmanager::Client::new(&config);
    // (A tag, not a description: moto ignores the empty description that clears one.)
    let tag = aws_sdk_secretsmanager::types::Tag::builder().key("by-hand").value("yes").build();
    sm.tag_resource().secret_id(&secret).tags(tag).send().await.unwrap();
    let group = support::inspect::id(&state, &of_kind("log_group")[0]);
    let logs = aws_sdk_cloudwatchlogs::Client::new(&config);
    logs.put_retention_policy().log_group_name(&group).retention_in_days(7).send().await.unwrap();
    let gone = support::inspect::id(&state, &of_kind("log_group")[1]);
    logs.delete_log_group().log_group_name(&gone).send().await.unwrap();
    let parameter = support::inspect::id(&state, &of_kind("ssm_parameter")[0]);
    let ssm = aws_sdk_ssm::Client::new(&config);
    let tag = aws_sdk_ssm::types::Tag::builder().key("by-hand").value("yes").build().unwrap();
    ssm.add_tags_to_resource()
        .resource_type(aws_sdk_ssm::types::ResourceTypeForTagging::Parameter)
        .resource_id(&parameter)
        .tags(tag)
        .send()
        .await
        .unwrap();
    let repository = &state["resources"][&of_kind("ecr_repository")[0]];
    let ecr = aws_sdk_ecr::Client::new(&config);
    let tag = aws_sdk_ecr::types::Tag::builder().key("by-hand").value("yes").build().unwrap();
    let arn = repository["outputs"]["arn"].as_str().expect("a repository's ARN output");
    ecr.tag_resource().resource_arn(arn).tags(tag).send().await.unwrap();
    let redis = &state["resources"][&of_kind("replication_group")[0]];
    let elasticache = aws_sdk_elasticache::Client::new(&config);
    let tag = aws_sdk_elasticache::types::Tag::builder().key("by-hand").value("yes").build();
    let arn = redis["outputs"]["arn"].as_str().expect("a Redis group's ARN output");
    elasticache.add_tags_to_resource().resource_name(arn).tags(tag).send().await.unwrap();

    let drifted = emu.platformctl(d, &["plan", "stack.yaml", "--json", "--detailed-exitcode"]).expect(2, "drift");
    let mut changes = support::plan_changes(&drifted);
    changes.sort();
    let mut expected = vec![
        (role_address, "update".to_owned(), vec!["inline_policies".to_owned()]),
        (of_kind("secret")[0].clone(), "update".to_owned(), vec!["tags".to_owned()]),
        (of_kind("log_group")[0].clone(), "update".to_owned(), vec!["retention_days".to_owned()]),
        (of_kind("log_group")[1].clone(), "create".to_owned(), vec![]),
        (of_kind("ssm_parameter")[0].clone(), "update".to_owned(), vec!["tags".to_owned()]),
        (of_kind("ecr_repository")[0].clone(), "update".to_owned(), vec!["tags".to_owned()]),
        (of_kind("replication_group")[0].clone(), "update".to_owned(), vec!["tags".to_owned()]),
    ];
    expected.sort();
    let named: Vec<_> = changes.iter().map(|(a, action, _)| (a.clone(), action.clone())).collect();
    let wanted: Vec<_> = expected.iter().map(|(a, action, _)| (a.clone(), action.clone())).collect();
    assert_eq!(named, wanted, "{}", drifted.stdout);
    for ((_, _, attributes), (address, _, wanted)) in changes.iter().zip(&expected) {
        assert!(wanted.iter().all(|w| attributes.contains(w)), "{address}: {attributes:?}, wanted {wanted:?}");
    }
    // `--parallelism 2 --parallelism ecr=1`: two calls in flight per service at most, one to
    // ECR, the plan's reads included.
    proxy.reset_counts();
    let repair = ["apply", "stack.yaml", "--auto-approve", "--parallelism", "2", "--parallelism", "ecr=1"];
    support::platformctl_with_env(d, &repair, &env[..1]).expect(0, "drift put right");
    let peaks = proxy.peak_in_flight();
    assert!(peaks.values().all(|p| *p <= 2) && peaks.get("ecr") == Some(&1), "{peaks:?}");
    assert!(peaks.values().any(|p| *p == 2), "another service had two in flight: {peaks:?}");
    emu.platformctl(d, &["plan", "stack.yaml", "--detailed-exitcode"]).expect(0, "converged again");
}

#[tokio::test(flavor = "multi_thread")]
async fn moto_plans_the_grown_platform_with_listings_and_sees_drift() {
    batched_plan_and_drift(Kind::Moto).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn ministack_plans_the_grown_platform_with_listings_and_sees_drift() {
    batched_plan_and_drift(Kind::Ministack).await;
}
