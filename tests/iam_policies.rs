//! The IAM policies docs/teams.md gives the CI roles (`docs/iam/*.json`) match what the code
//! calls: every AWS operation platformctl-aws names (each SDK call is labelled with its
//! operation for errors, `.aws("DescribeVpcs")`) is allowed to the apply role, every read it
//! makes is allowed to the plan role, and the plan role gets no write, no lock and no secret
//! value. A new call without its permission fails here, not in a team's first apply.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use serde_json::Value;

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap().flatten() {
        let path = entry.path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// The IAM service prefix of the calls in a source file of crates/aws/src.
fn service_of(relative: &Path) -> Option<&'static str> {
    let first = relative.components().next()?.as_os_str().to_str()?;
    Some(match first.trim_end_matches(".rs") {
        "ec2" => "ec2",
        "eks" => "eks",
        "rds" => "rds",
        "elasticache" => "elasticache",
        "iam" => "iam",
        "secrets" => "secretsmanager",
        "ecr" => "ecr",
        "logs" => "logs",
        "ssm" => "ssm",
        "autoscaling" => "application-autoscaling",
        "kms" => "kms",
        "sns" => "sns",
        "cloudwatch" => "cloudwatch",
        "s3_state" => "s3",
        "existing" | "tagging" => "tag",
        "route53" => "route53",
        "acm" => "acm",
        "elb" => "elasticloadbalancing",
        "connect" => "sts",
        _ => return None,
    })
}

const VERBS: &[&str] = &[
    "Describe",
    "List",
    "Get",
    "Create",
    "Request",
    "Delete",
    "Modify",
    "Put",
    "Update",
    "Tag",
    "Untag",
    "Add",
    "Remove",
    "Associate",
    "Disassociate",
    "Attach",
    "Detach",
    "Authorize",
    "Revoke",
    "Allocate",
    "Release",
    "Accept",
    "Promote",
    "Register",
    "Deregister",
    "Increase",
    "Decrease",
    "Replace",
    "Restore",
    "Enable",
    "Disable",
    "Cancel",
    "Schedule",
    "Subscribe",
    "Unsubscribe",
    "Reset",
    "Reboot",
    "Change",
];

/// The IAM actions of the operations named in string literals of the crate's sources.
fn actions_called() -> BTreeSet<String> {
    let src = root().join("crates/aws/src");
    let mut files = Vec::new();
    rust_files(&src, &mut files);
    let mut actions = BTreeSet::new();
    for file in files {
        let Some(service) = service_of(file.strip_prefix(&src).unwrap()) else { continue };
        let text = std::fs::read_to_string(&file).unwrap();
        for literal in text.split('"').skip(1).step_by(2) {
            let is_operation = VERBS.iter().any(|v| literal.starts_with(v))
                && literal.len() > 6
                && literal.chars().all(|c| c.is_ascii_alphanumeric());
            if !is_operation {
                continue;
            }
            let action = match (service, literal) {
                (_, "DescribeSecret") => "secretsmanager:DescribeSecret".to_owned(),
                (_, "DescribeKey") => "kms:DescribeKey".to_owned(),
                ("s3", "ListObjectsV2") => "s3:ListBucket".to_owned(),
                // Every identity may call it; no policy grants it.
                ("sts", "GetCallerIdentity") => continue,
                _ => format!("{service}:{literal}"),
            };
            actions.insert(action);
        }
    }
    actions
}

fn allowed(policy_file: &str) -> BTreeSet<String> {
    let path = root().join("docs/iam").join(policy_file);
    let policy: Value = serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
    let mut actions = BTreeSet::new();
    for statement in policy["Statement"].as_array().unwrap() {
        assert_eq!(statement["Effect"], "Allow", "{policy_file}: allow-only statements");
        match &statement["Action"] {
            Value::String(a) => {
                actions.insert(a.clone());
            }
            Value::Array(list) => actions.extend(list.iter().map(|a| a.as_str().unwrap().to_owned())),
            other => panic!("{policy_file}: Action {other}"),
        }
    }
    assert!(!actions.iter().any(|a| a.contains('*')), "{policy_file}: no wildcard actions: {actions:?}");
    actions
}

fn is_read(action: &str) -> bool {
    let operation = action.split_once(':').unwrap().1;
    ["Describe", "List", "Get"].iter().any(|v| operation.starts_with(v)) && operation != "GetSecretValue"
}

#[test]
fn the_apply_role_may_make_every_call_platformctl_makes() {
    let called = actions_called();
    assert!(called.len() > 100, "the scan finds the calls: {called:?}");
    let apply = allowed("apply-role-policy.json");
    let missing: Vec<&String> = called.difference(&apply).collect();
    assert!(missing.is_empty(), "docs/iam/apply-role-policy.json lacks {missing:?}");
    let unused: Vec<&String> = apply
        .difference(&called)
        .filter(|a| {
            // Not calls of platformctl's own: what the services it calls need of the caller
            // (passing roles, grants on KMS keys, the data keys of secrets and SecureString
            // parameters through Secrets Manager and SSM).
            ![
                "iam:PassRole",
                "iam:CreateServiceLinkedRole",
                "kms:DescribeKey",
                "kms:CreateGrant",
                "kms:Decrypt",
                "kms:Encrypt",
                "kms:GenerateDataKey",
            ]
            .contains(&a.as_str())
        })
        .filter(|a| !["s3:GetObject", "s3:PutObject", "s3:DeleteObject"].contains(&a.as_str()))
        .collect();
    assert!(unused.is_empty(), "docs/iam/apply-role-policy.json allows what platformctl never calls: {unused:?}");
}

#[test]
fn the_plan_role_reads_and_nothing_more() {
    let plan = allowed("plan-role-policy.json");
    let reads: BTreeSet<String> =
        actions_called().into_iter().filter(|a| is_read(a) && a != "tag:GetResources").collect();
    let missing: Vec<&String> = reads.difference(&plan).collect();
    assert!(missing.is_empty(), "docs/iam/plan-role-policy.json lacks the reads {missing:?}");
    for action in &plan {
        assert!(
            is_read(action) || action == "s3:GetObject",
            "the plan role must not be allowed `{action}` (a plan writes nothing, takes no lock with --lock=false and reads no secret value)"
        );
    }
    assert!(!plan.contains("secretsmanager:GetSecretValue"));
}

/// Both roles trust GitHub's OIDC provider for one exact subject: pull requests of the
/// repository for the plan role, one GitHub environment for the apply role.
#[test]
fn the_roles_trust_exact_subjects() {
    for (file, subject) in [
        ("plan-role-trust.json", "repo:ORG/REPO:pull_request"),
        ("apply-role-trust.json", "repo:ORG/REPO:environment:prod"),
    ] {
        let trust: Value =
            serde_json::from_str(&std::fs::read_to_string(root().join("docs/iam").join(file)).unwrap()).unwrap();
        let statements = trust["Statement"].as_array().unwrap();
        assert_eq!(statements.len(), 1, "{file}");
        let s = &statements[0];
        assert_eq!(s["Action"], "sts:AssumeRoleWithWebIdentity", "{file}");
        let equals = &s["Condition"]["StringEquals"];
        assert_eq!(equals["token.actions.githubusercontent.com:sub"], subject, "{file}: exact subject, no wildcard");
        assert_eq!(equals["token.actions.githubusercontent.com:aud"], "sts.amazonaws.com", "{file}");
        assert!(s["Condition"].get("StringLike").is_none(), "{file}: no pattern match on the subject");
    }
}
