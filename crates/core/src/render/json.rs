//! The machine-readable plan (`plan --json`), a documented and versioned shape:
//! `{"format_version": 1, "stack", "region", "changes": [{"address", "kind", "action", "id",
//! "attributes": [{"name", "before", "after", "forces_replacement", "drift"}], "reasons",
//! "drift"}], "data_loss": [{"address", "action", "reason", "deletion_protection"}], "deposed":
//! [{"address", "kind", "ids"}] (only when an interrupted replacement left old ids), "notices":
//! ["..."] (only when there are: instances pending reboot platformctl may not restart), "moved":
//! [{"from", "to"}] (entries `moved:` gives a new address), "partial": {"targets", "excludes",
//! "left_out"} (only for `--target`/`--exclude`), "summary":
//! {"create", "update", "replace", "delete"}, "checks": {"stack", "findings": [...]}}` (the
//! findings of `platformctl check --format json`). A value not known before apply is
//! `{"known_after_apply": "<address>"}`. Secret values never appear (they are not attributes).
//! docs/plan-json.md describes it.

use serde::Serialize;

use crate::plan::scope::Partial;
use crate::plan::{Change, DataLoss, Deposed, Plan, Summary};
use crate::state::moves::Moved;

pub const PLAN_FORMAT_VERSION: u32 = 1;

#[derive(Serialize)]
struct PlanDocument<'a> {
    format_version: u32,
    stack: &'a str,
    region: &'a str,
    changes: &'a [Change],
    data_loss: &'a [DataLoss],
    #[serde(skip_serializing_if = "<[Deposed]>::is_empty")]
    deposed: &'a [Deposed],
    #[serde(skip_serializing_if = "<[String]>::is_empty")]
    notices: &'a [String],
    #[serde(skip_serializing_if = "<[Moved]>::is_empty")]
    moved: &'a [Moved],
    #[serde(skip_serializing_if = "Option::is_none")]
    partial: Option<&'a Partial>,
    summary: Summary,
    checks: &'a serde_json::Value,
}

pub fn plan_json(plan: &Plan, stack: &str, region: &str, checks: &serde_json::Value) -> String {
    let doc = PlanDocument {
        format_version: PLAN_FORMAT_VERSION,
        stack,
        region,
        changes: &plan.changes,
        data_loss: &plan.data_loss,
        deposed: &plan.deposed,
        notices: &plan.notices,
        moved: &plan.moved,
        partial: plan.partial.as_ref(),
        summary: plan.summary(),
        checks,
    };
    serde_json::to_string_pretty(&doc).expect("plan serialises")
}
