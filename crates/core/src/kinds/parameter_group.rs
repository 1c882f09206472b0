//! What a DB parameter group (an instance's) and a DB cluster parameter group (an Aurora
//! cluster's) share, after terraform-provider-aws's aws_db_parameter_group: the name, the family
//! and the description are fixed at creation (ForceNew); the parameters change in place
//! (ModifyDBParameterGroup, ResetDBParameterGroup for those the stack no longer sets).
//!
//! The family follows the engine's major version, and the name carries the family, so a major
//! upgrade makes a new group beside the old one: created first, switched to with the upgrade,
//! the old one deleted once nothing uses it.

use crate::resource::schema::*;

pub const NAME: Attr = Attr::replace("name");
/// `postgres16`, `aurora-postgresql16`: what the group's parameters are for.
pub const FAMILY: Attr = Attr::replace("family");
pub const DESCRIPTION: Attr = Attr::replace("description");
/// `{ name: value }` as text, as RDS keeps them: only those the stack sets (RDS's defaults for
/// the family stand for the rest).
pub const PARAMETERS: Attr = Attr::in_place("parameters");
/// The identifiers of the instances rebooted after a parameter that only a restart applies
/// (a static one) changed: the stack's `reboot: allowed`. Empty: none is rebooted; RDS shows
/// them as pending reboot until someone restarts them.
pub const REBOOT_INSTANCES: Attr = Attr::instruction("reboot_instances");
/// Tags set at creation. Neither emulator lists a parameter group's tags (moto answers none,
/// ministack refuses the ARN), so they are not compared: a change of the stack's tags reaches
/// groups made afterwards.
pub const CREATION_TAGS: Attr = Attr::instruction("tags");

/// PostgreSQL's parameters that only a server restart applies (its `postmaster` context, and
/// RDS's own static ones), as far as a stack is likely to set them. The plan uses it to say a
/// change waits for a restart; the provider sends a parameter as needing one when RDS's own
/// `ApplyType` says so or this list does.
pub const STATIC: &[&str] = &[
    "autovacuum_freeze_max_age",
    "autovacuum_max_workers",
    "autovacuum_multixact_freeze_max_age",
    "huge_pages",
    "max_connections",
    "max_locks_per_transaction",
    "max_logical_replication_workers",
    "max_pred_locks_per_transaction",
    "max_prepared_transactions",
    "max_replication_slots",
    "max_wal_senders",
    "max_worker_processes",
    "rds.logical_replication",
    "shared_buffers",
    "shared_preload_libraries",
    "track_activity_query_size",
    "track_commit_timestamp",
    "wal_buffers",
    "wal_level",
];

/// Whether changing `name` waits for a restart of the instances.
pub fn is_static(name: &str) -> bool {
    STATIC.contains(&name)
}

pub const ATTRIBUTES: &[Attr] = &[NAME, FAMILY, DESCRIPTION, PARAMETERS, REBOOT_INSTANCES, CREATION_TAGS, ARN];

pub use crate::resource::schema::ARN;
