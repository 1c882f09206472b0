//! The rule families on their test stacks (tests/checks): each violating stack breaks exactly
//! its family's rules, its fixed twin none; the human report and the SARIF are snapshots;
//! skips need a known rule and a reason; docs/checks.md lists every rule as the catalogue does.

use std::collections::BTreeSet;

use super::*;
use crate::model::test_support::{repo_file, stack_from};
use crate::spec::load_file;

fn report(path: &str) -> (CheckReport, crate::diagnostics::Sources) {
    // Relative, as people pass stack files: the reports' paths do not depend on the checkout.
    let relative = std::path::Path::new("../..").join(path);
    assert!(repo_file(path).is_file(), "{path}");
    let loaded = load_file(&relative).unwrap_or_else(|e| panic!("{path}: {e}"));
    let stack = crate::model::validate(&loaded).unwrap_or_else(|d| panic!("{path}: {}", d.render()));
    (check(&loaded, &stack), loaded.sources)
}

fn ids(report: &CheckReport) -> BTreeSet<&'static str> {
    report.active().map(|f| f.rule.id).collect()
}

/// Each family's stack and the rules it must break: together, the whole catalogue.
const FAMILIES: &[(&str, &[&str])] = &[
    (
        "data",
        &[
            "CKV_AWS_16",
            "CKV_AWS_157",
            "CKV_AWS_293",
            "CKV_AWS_133",
            "CKV_AWS_161",
            "CKV_AWS_162",
            "CKV_AWS_353",
            "CKV_AWS_118",
            "CKV_AWS_129",
            "CKV_AWS_226",
            "CKV_AWS_96",
            "CKV_AWS_139",
            "PCTL_DATA_1",
            "CKV_AWS_29",
            "CKV_AWS_30",
            "CKV_AWS_31",
            "CKV2_AWS_50",
            "CKV_AWS_134",
            "CKV2_AWS_57",
            "CKV_AWS_7",
            "CKV_AWS_26",
        ],
    ),
    (
        "compute",
        &[
            "CKV_AWS_37",
            "CKV_AWS_38",
            "CKV_AWS_39",
            "CKV_AWS_58",
            "CKV_AWS_339",
            "CKV_AWS_51",
            "CKV_AWS_163",
            "CKV_AWS_66",
            "CKV_AWS_338",
        ],
    ),
    ("network", &["CKV_AWS_24", "CKV_AWS_25", "CKV_AWS_260", "CKV_AWS_277", "PCTL_SG_1", "CKV2_AWS_12", "CKV2_AWS_11"]),
    ("iam", &["CKV_AWS_62", "CKV_AWS_286", "CKV_AWS_355", "PCTL_IAM_1"]),
];

#[test]
fn each_family_breaks_its_rules_and_its_twin_none() {
    let mut covered = BTreeSet::new();
    for (family, expected) in FAMILIES {
        let (broken, _) = report(&format!("tests/checks/{family}.yaml"));
        assert_eq!(ids(&broken), expected.iter().copied().collect(), "{family}");
        let (fixed, _) = report(&format!("tests/checks/{family}-fixed.yaml"));
        assert_eq!(ids(&fixed), BTreeSet::new(), "{family}-fixed");
        covered.extend(expected.iter().copied());
    }
    let catalogue: BTreeSet<&str> = RULES.iter().map(|r| r.id).collect();
    assert_eq!(covered, catalogue, "a rule without a test stack that breaks it");
}

#[test]
fn the_human_report_and_the_sarif_are_stable() {
    for (family, _) in FAMILIES {
        let (broken, sources) = report(&format!("tests/checks/{family}.yaml"));
        insta::assert_snapshot!(
            format!("{family}_human"),
            crate::render::checks::human(&broken, &sources, Severity::High)
        );
        let sarif = crate::render::sarif::sarif(&[(broken, sources)]);
        insta::assert_snapshot!(format!("{family}_sarif"), serde_json::to_string_pretty(&sarif).unwrap());
    }
}

#[test]
fn a_finding_points_at_its_line_or_at_the_entry_that_leaves_the_default() {
    let (broken, _) = report("tests/checks/compute.yaml");
    let public = broken.findings.iter().find(|f| f.rule.id == "CKV_AWS_38").unwrap();
    assert_eq!((public.location.map(|l| l.line), public.from_default), (Some(16), false));
    let kms = broken.findings.iter().find(|f| f.rule.id == "CKV_AWS_58").unwrap();
    assert_eq!((kms.location.map(|l| (l.line, l.column)), kms.from_default), (Some((13, 3)), true));
}

const SKIPPING: &str = "\
stack: skips
region: eu-west-1
checks:
  skip: { CKV_AWS_66: \"kept forever by the legal hold\" }
ecr:
  app:
    tag_mutability: mutable
    checks: { skip: { CKV_AWS_51: \"the dev tag is moved on purpose\" } }
  other: { tag_mutability: mutable }
log_groups:
  /a: { retention_days: never }
";

#[test]
fn skips_apply_to_their_entry_or_the_stack_and_stay_listed() {
    let loaded = crate::spec::parse_str(std::path::Path::new("stack.yaml"), SKIPPING).unwrap();
    let stack = crate::model::validate(&loaded).unwrap();
    let report = check(&loaded, &stack);
    let listed: Vec<(&str, &str, Option<&str>)> =
        report.findings.iter().map(|f| (f.rule.id, f.address.as_str(), f.skipped.as_deref())).collect();
    assert_eq!(
        listed,
        [
            ("CKV_AWS_51", "ecr.app", Some("the dev tag is moved on purpose")),
            ("CKV_AWS_51", "ecr.other", None),
            ("CKV_AWS_66", "log_group[/a]", Some("kept forever by the legal hold")),
        ]
    );
    assert_eq!(report.failing(Severity::Low).count(), 1);
}

/// Rules added to the EKS cluster group are checked as a stack group's are, and skipped on
/// the cluster's entry.
#[test]
fn the_cluster_security_group_rules_are_checked_too() {
    let src = format!(
        "{}eks:\n  main:\n    version: \"1.31\"\n    cluster_security_group_ingress:\n      - {{ protocol: tcp, port: 22, from: 0.0.0.0/0 }}\n      - {{ protocol: tcp, port: 443, from: 10.8.0.0/16 }}\n",
        crate::model::test_support::USER_SERVICE
    );
    let findings = |src: &str| {
        let loaded = crate::spec::parse_str(std::path::Path::new("stack.yaml"), src).unwrap();
        let report = check(&loaded, &crate::model::validate(&loaded).unwrap());
        report
            .findings
            .iter()
            .filter(|f| f.address.starts_with("eks.main.cluster_security_group"))
            .map(|f| (f.rule.id, f.address.clone(), f.location.map(|l| l.line), f.skipped.clone()))
            .collect::<Vec<_>>()
    };
    let line = src.lines().position(|l| l.contains("port: 22, from: 0.0.0.0/0")).map(|i| i + 1);
    let address = "eks.main.cluster_security_group.ingress[tcp:22:0.0.0.0/0]".to_owned();
    assert_eq!(findings(&src), [("CKV_AWS_24", address.clone(), line, None)]);
    let skipped = src.replace(
        "    version: \"1.31\"\n",
        "    version: \"1.31\"\n    checks: { skip: { CKV_AWS_24: \"the bastion is the cluster\" } }\n",
    );
    assert_eq!(findings(&skipped)[0].3.as_deref(), Some("the bastion is the cluster"));
}

#[test]
fn a_skip_needs_a_known_rule_and_a_reason() {
    let bad = SKIPPING
        .replace("CKV_AWS_66: \"kept forever by the legal hold\"", "CKV_AWS_66: \"  \"")
        .replace("CKV_AWS_51: \"the dev tag", "CKV_AWS_9999: \"the dev tag");
    let errors = stack_from(&bad).unwrap_err();
    assert!(
        errors.contains("a skipped rule needs its reason") && errors.contains("checks.skip.CKV_AWS_66"),
        "{errors}"
    );
    assert!(errors.contains("`CKV_AWS_9999` is not a rule of `platformctl check`"), "{errors}");
    assert!(errors.contains("stack.yaml:8:"), "the unknown rule is pointed at: {errors}");
}

#[test]
fn docs_list_every_rule_as_the_catalogue_does() {
    let doc = std::fs::read_to_string(repo_file("docs/checks.md")).unwrap();
    for rule in RULES {
        let row = format!("| `{}` | {} | {} |", rule.id, rule.severity.name(), rule.title);
        assert!(doc.contains(&row), "docs/checks.md lacks or misstates: {row}");
    }
}
