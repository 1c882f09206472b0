//! The compute tier's rules: EKS (control-plane logs, endpoint exposure, secrets encryption,
//! a supported version, how long its audit log is kept), ECR (immutable tags, scanning) and
//! log groups (retention).

use super::Findings;
use super::catalogue::*;
use crate::model::{Eks, KubernetesVersion, LOG_TYPES, Stack};

/// The oldest Kubernetes version EKS still supports (standard or extended support) when this
/// platformctl was released: 1.31's extended support ended on 2026-11-26. Updated with each
/// release, like checkov's list, so a check gives the same answer on every run of one version.
const OLDEST_SUPPORTED: KubernetesVersion = KubernetesVersion { major: 1, minor: 32 };

/// How long audit logs are kept at least, in days.
const AUDIT_LOG_DAYS: i64 = 365;

pub(super) fn evaluate(stack: &Stack, found: &mut Findings) {
    for e in &stack.compute.eks {
        eks(e, found);
    }
    for r in &stack.compute.ecr {
        let address = format!("ecr.{}", r.name);
        if r.tag_mutability != "IMMUTABLE" {
            found.add(
                ECR_IMMUTABLE,
                &address,
                &["ecr", &r.name, "tag_mutability"],
                "a pushed tag can be moved to another image",
                "tag_mutability: immutable",
            );
        }
        if !r.scan_on_push {
            found.add(
                ECR_SCAN,
                &address,
                &["ecr", &r.name, "scan_on_push"],
                "images are not scanned when pushed",
                "scan_on_push: true",
            );
        }
    }
    for g in &stack.compute.log_groups {
        if g.retention_days.is_none() {
            found.add(
                LOG_RETENTION,
                format!("log_group[{}]", g.name),
                &["log_groups", &g.name, "retention_days"],
                "events are kept forever",
                "retention_days: 365",
            );
        }
    }
}

fn eks(e: &Eks, found: &mut Findings) {
    let address = format!("eks.{}", e.name);
    let at = |field: &'static str| ["eks", e.name.as_str(), field];
    let missing: Vec<&str> = LOG_TYPES.iter().copied().filter(|t| !e.logging.iter().any(|l| l == t)).collect();
    if !missing.is_empty() {
        found.add(
            EKS_LOGGING,
            &address,
            &at("logging"),
            format!("control-plane logs not sent: {}", missing.join(", ")),
            format!("logging: [{}]", LOG_TYPES.join(", ")),
        );
    }
    if e.endpoint_public_access {
        if e.public_access_cidrs.iter().any(|c| c == "0.0.0.0/0") {
            found.add(
                EKS_PUBLIC_OPEN,
                &address,
                &at("public_access_cidrs"),
                "the API server's public endpoint is open to the whole internet",
                "public_access_cidrs: [203.0.113.0/24]   # your office or VPN egress",
            );
        }
        found.add(
            EKS_PUBLIC,
            &address,
            &at("endpoint_public_access"),
            "the API server has a public endpoint",
            "endpoint_public_access: false   # reach it from the VPC, a VPN or a bastion",
        );
    }
    if e.secrets_kms_key.is_none() {
        found.add(
            EKS_SECRETS_KMS,
            &address,
            &at("secrets_kms_key"),
            "Kubernetes secrets are not envelope-encrypted with a KMS key",
            "secrets_kms_key: alias/eks-secrets   # replaces the cluster",
        );
    }
    if e.version < OLDEST_SUPPORTED {
        found.add(
            EKS_VERSION,
            &address,
            &at("version"),
            format!("Kubernetes {} is out of EKS support (the oldest supported is {OLDEST_SUPPORTED})", e.version),
            format!("version: \"{}\"   # one minor version per apply", e.version.next_minor()),
        );
    }
    if e.log_retention_days < AUDIT_LOG_DAYS {
        found.add(
            AUDIT_LOG_RETENTION,
            format!("{address}.log_group"),
            &at("log_retention_days"),
            format!("the control-plane log group, with the audit log, keeps {} days", e.log_retention_days),
            "log_retention_days: 365",
        );
    }
}
