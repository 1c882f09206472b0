//! A customer-managed symmetric KMS key. Its description, rotation, policy and tags change in
//! place; a deletion is scheduled with the key's window (a local setting), and a create finds a
//! key of the same address still in its window and cancels the deletion instead of making
//! another (what the key encrypted stays readable).

use crate::resource::schema::*;
pub use crate::resource::schema::{ARN, TAGS};

pub const DESCRIPTION: Attr = Attr::in_place("description");
/// Yearly rotation of the key material.
pub const ROTATION: Attr = Attr::in_place("rotation");
/// The key policy; absent: the key keeps the policy KMS gave it (AWS's default, which lets
/// the account's IAM policies decide), and the read does not report it.
pub const POLICY: Attr = Attr::in_place("policy").json();
/// Whether the key policy lets CloudWatch Logs of the key's region and account use the key
/// (for log groups encrypted with it). Only for a key without a policy of the stack's own:
/// the provider then writes the policy itself, AWS's default plus that statement.
pub const ALLOW_CLOUDWATCH_LOGS: Attr = Attr::in_place("allow_cloudwatch_logs");
/// Whether the key policy lets CloudWatch alarms use the key (to publish to an SNS topic
/// encrypted with it, which alarms notify). Like `allow_cloudwatch_logs`, only for a key without
/// a policy of the stack's own.
pub const ALLOW_CLOUDWATCH_ALARMS: Attr = Attr::in_place("allow_cloudwatch_alarms");
/// Whether the key policy lets the account's principals use the key through EC2 (EBS volumes:
/// node groups' root volumes encrypted with it, which EC2 Auto Scaling's service-linked role
/// creates). Like `allow_cloudwatch_logs`, only for a key without a policy of the stack's own.
pub const ALLOW_EBS: Attr = Attr::in_place("allow_ebs");
/// Days a destroy's scheduled deletion waits (7–30).
pub const DELETION_WINDOW_DAYS: Attr = Attr::local("deletion_window_days");

pub mod out {
    pub use crate::resource::schema::out::ARN;
}

pub const DEF: KindDef = KindDef::new(
    "kms_key",
    Service::Kms,
    &[
        DESCRIPTION,
        ROTATION,
        POLICY,
        ALLOW_CLOUDWATCH_LOGS,
        ALLOW_CLOUDWATCH_ALARMS,
        ALLOW_EBS,
        DELETION_WINDOW_DAYS,
        TAGS,
        ARN,
    ],
    Adoption::Tag,
)
.outputs(&[out::ARN]);
