//! The rules, each named once: id (checkov's where checkov has the rule, so a team maps its
//! existing policy; `PCTL_*` for platformctl's own), severity, title and why it matters.
//! What each rule looks at lives in its family module.

use serde::Serialize;

/// How bad a finding is. `check --fail-on` fails on this and above; the default is `high`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Low,
    Medium,
    High,
    Critical,
}

impl Severity {
    pub fn name(self) -> &'static str {
        match self {
            Severity::Low => "low",
            Severity::Medium => "medium",
            Severity::High => "high",
            Severity::Critical => "critical",
        }
    }
}

impl std::str::FromStr for Severity {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        [Severity::Low, Severity::Medium, Severity::High, Severity::Critical]
            .into_iter()
            .find(|v| v.name() == s)
            .ok_or_else(|| format!("`{s}` is not a severity: low, medium, high or critical"))
    }
}

/// One rule of the catalogue.
#[derive(Debug, PartialEq, Eq)]
pub struct Rule {
    pub id: &'static str,
    pub severity: Severity,
    /// What a compliant stack does, as a sentence.
    pub title: &'static str,
    /// Why it matters: SARIF's full description, the rule's entry in docs/checks.md.
    pub why: &'static str,
}

macro_rules! rules {
    ($($konst:ident = $id:literal, $severity:ident, $title:literal, $why:literal;)*) => {
        $(pub const $konst: &Rule = &Rule { id: $id, severity: Severity::$severity, title: $title, why: $why };)*
        /// Every rule, in the order docs/checks.md lists them.
        pub static RULES: &[Rule] = &[$(Rule { id: $id, severity: Severity::$severity, title: $title, why: $why }),*];
    };
}

rules! {
    RDS_ENCRYPTED = "CKV_AWS_16", High, "RDS instance storage is encrypted",
        "Unencrypted storage, snapshots and backups can be read by anyone who gets hold of them; encryption cannot be turned on later without a new instance.";
    RDS_MULTI_AZ = "CKV_AWS_157", Medium, "RDS instance is Multi-AZ",
        "A single-AZ instance is down for the whole failure of its AZ and for every maintenance reboot.";
    RDS_DELETION_PROTECTION = "CKV_AWS_293", Medium, "RDS instance has deletion protection",
        "Without it one mistaken destroy or console click deletes the database.";
    RDS_BACKUPS = "CKV_AWS_133", Medium, "Database backups are kept at least 7 days",
        "Point-in-time recovery reaches back only as far as the backups: a problem found after the weekend must still be recoverable.";
    AURORA_ENCRYPTED = "CKV_AWS_96", High, "Aurora cluster storage is encrypted",
        "Unencrypted storage, snapshots and backups can be read by anyone who gets hold of them; encryption cannot be turned on later without a new cluster.";
    AURORA_DELETION_PROTECTION = "CKV_AWS_139", Medium, "Aurora cluster has deletion protection",
        "Without it one mistaken destroy or console click deletes the cluster.";
    RDS_IAM_AUTH = "CKV_AWS_161", Medium, "RDS instance has IAM authentication",
        "With IAM authentication, access is granted and revoked in IAM with short-lived tokens, and no long-lived password needs to reach the application.";
    AURORA_IAM_AUTH = "CKV_AWS_162", Medium, "Aurora cluster has IAM authentication",
        "With IAM authentication, access is granted and revoked in IAM with short-lived tokens, and no long-lived password needs to reach the application.";
    RDS_PERFORMANCE_INSIGHTS = "CKV_AWS_353", Low, "Databases have Performance Insights",
        "The load a database was under, query by query, is what an incident review needs; without it the history is gone.";
    RDS_ENHANCED_MONITORING = "CKV_AWS_118", Low, "Databases have Enhanced Monitoring",
        "CloudWatch's own RDS metrics stop at the hypervisor; the operating system's view (memory, swap, processes, disk queue) every few seconds is what explains a slow database.";
    RDS_LOG_EXPORTS = "CKV_AWS_129", Medium, "Databases publish their logs to CloudWatch",
        "The PostgreSQL log (connections, errors, slow statements) kept outside the instance outlives it and can be searched and alarmed on.";
    RDS_MINOR_UPGRADES = "CKV_AWS_226", Low, "Databases take minor version upgrades automatically",
        "Minor versions carry the security fixes; applied in the maintenance window, they arrive without anyone remembering to.";
    FINAL_SNAPSHOT = "PCTL_DATA_1", Medium, "A database or cache takes a final snapshot when deleted",
        "Without a final snapshot, deleting the resource loses its data for good.";
    REDIS_AT_REST = "CKV_AWS_29", High, "ElastiCache data is encrypted at rest",
        "Unencrypted disks, backups and swap can be read by anyone who gets hold of them.";
    REDIS_IN_TRANSIT = "CKV_AWS_30", High, "ElastiCache traffic is encrypted in transit",
        "Without TLS, sessions and cached data cross the network in clear text.";
    REDIS_AUTH = "CKV_AWS_31", High, "ElastiCache requires an AUTH token over TLS",
        "Without a token any client that reaches the port can read and write every key.";
    REDIS_FAILOVER = "CKV2_AWS_50", Medium, "ElastiCache fails over automatically (a replica per shard)",
        "With no replica, a node failure loses the shard's data and the cache is down until a new node is filled.";
    REDIS_SNAPSHOTS = "CKV_AWS_134", Medium, "ElastiCache keeps daily snapshots",
        "Without snapshots a lost group cannot be restored.";
    KMS_ROTATION = "CKV_AWS_7", Medium, "Customer-managed KMS keys rotate their key material",
        "A key used for years encrypts ever more data with the same material; yearly rotation limits what one leaked or broken version exposes, and old data stays readable.";
    SNS_ENCRYPTED = "CKV_AWS_26", Medium, "Notification topics are encrypted at rest",
        "Alarm messages name the systems, thresholds and endpoints of the platform; a KMS key keeps them unreadable at rest and their access auditable.";
    SECRET_ROTATION = "CKV2_AWS_57", Low, "Secrets are rotated automatically",
        "A secret that never changes stays valid for whoever copied it. platformctl does not set up rotation yet: rotate with a Secrets Manager rotation schedule, or prefer `managed_password: true` for databases.";
    EKS_LOGGING = "CKV_AWS_37", Medium, "EKS sends all five control-plane log types",
        "The audit and authenticator logs are what an incident review reads; a type not sent is lost.";
    EKS_PUBLIC_OPEN = "CKV_AWS_38", High, "EKS public endpoint is not open to 0.0.0.0/0",
        "An API server reachable from the whole internet is one leaked credential or one CVE away from the cluster.";
    EKS_PUBLIC = "CKV_AWS_39", Medium, "EKS public endpoint is disabled",
        "A private endpoint is reachable only from the VPC (and what is peered or connected to it).";
    EKS_SECRETS_KMS = "CKV_AWS_58", Medium, "EKS encrypts Kubernetes secrets with a KMS key",
        "Envelope encryption keeps secrets unreadable in etcd backups and lets access to them be audited and revoked through the key.";
    EKS_VERSION = "CKV_AWS_339", Medium, "EKS runs a Kubernetes version AWS still supports",
        "An unsupported version gets no security fixes, and AWS upgrades it on its own schedule at the end of extended support.";
    ECR_IMMUTABLE = "CKV_AWS_51", Medium, "ECR image tags are immutable",
        "A mutable tag can be pointed at another image after review: what runs is no longer what was tested.";
    ECR_SCAN = "CKV_AWS_163", Medium, "ECR scans images on push",
        "Known vulnerabilities are caught before an image is deployed.";
    LOG_RETENTION = "CKV_AWS_66", Low, "Log groups have a retention period",
        "Logs kept forever cost more every month and keep personal data longer than any policy allows.";
    AUDIT_LOG_RETENTION = "CKV_AWS_338", Low, "Audit logs are kept at least a year",
        "Incident reviews and audits reach back a year; EKS's control-plane log group holds its audit log.";
    SG_SSH = "CKV_AWS_24", High, "No security group allows SSH (22) from the internet",
        "SSH open to 0.0.0.0/0 is scanned and brute-forced within minutes.";
    SG_RDP = "CKV_AWS_25", High, "No security group allows RDP (3389) from the internet",
        "RDP open to 0.0.0.0/0 is scanned and brute-forced within minutes.";
    SG_HTTP = "CKV_AWS_260", Medium, "No security group allows plain HTTP (80) from the internet",
        "Put a load balancer with TLS in front: plain HTTP from the internet is readable and alterable on the way.";
    SG_ALL_PORTS = "CKV_AWS_277", High, "No security group allows every port from the internet",
        "All ports open to 0.0.0.0/0 exposes every service of every instance in the group.";
    SG_DATA_PORTS = "PCTL_SG_1", High, "No security group opens a database or cache port to the internet",
        "Databases and caches belong in private subnets, reached from the application's security group.";
    FLOW_LOGS = "CKV2_AWS_11", Medium, "The VPC has flow logs",
        "Flow logs are the record of who talked to what: without them an incident in the network leaves no trace.";
    DEFAULT_SG = "CKV2_AWS_12", Medium, "The VPC's default security group allows no traffic",
        "Anything launched without a security group lands in the default one: with its rules emptied, it is reachable by nothing (CIS AWS 5.4).";
    IAM_ADMIN = "CKV_AWS_62", Critical, "No IAM policy allows every action on every resource",
        "`Action: *` on `Resource: *` is full administrator access: whoever holds the role owns the account.";
    IAM_WILDCARD_RESOURCE = "CKV_AWS_355", Medium, "IAM write actions name their resources, not `*`",
        "A write action on `*` reaches every resource of the account, not only the stack's.";
    IAM_ESCALATION = "CKV_AWS_286", High, "No IAM policy allows privilege escalation",
        "Actions like iam:PassRole, iam:AttachRolePolicy or iam:CreatePolicyVersion on `*` let the holder grant itself any permission.";
    IAM_FULL_ACCESS = "PCTL_IAM_1", High, "Service account roles get no *FullAccess or AdministratorAccess managed policy",
        "A controller's pod compromised is then the whole service compromised: give it the scoped policy its project documents, as a policy file.";
}

/// The rule with this id.
pub fn rule(id: &str) -> Option<&'static Rule> {
    RULES.iter().find(|r| r.id == id)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_unique_and_well_formed() {
        let mut ids: Vec<&str> = RULES.iter().map(|r| r.id).collect();
        ids.sort();
        ids.dedup();
        assert_eq!(ids.len(), RULES.len());
        for id in ids {
            assert!(id.starts_with("CKV_AWS_") || id.starts_with("CKV2_AWS_") || id.starts_with("PCTL_"), "{id}");
        }
    }
}
