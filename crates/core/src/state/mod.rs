//! The state: what platformctl has asked AWS for, per resource address. A versioned JSON
//! document with a lineage (which history this is) and a serial (which write of it), after
//! Terraform's statefile. Storage and locking live in `store` and `lock`, apart from the
//! format; a remote store (S3, in platformctl-aws) plugs in through `RemoteStore`.
//!
//! Crash safety rests on one rule: a create is recorded as *pending*, with its idempotency
//! token, before the AWS call, and its id is recorded as soon as the call returns. A state
//! file therefore always knows everything platformctl may have created.

mod backend;
pub mod holds;
mod lock;
pub mod moves;
mod remote;
mod store;

use std::collections::{BTreeMap, BTreeSet};

use serde::{Deserialize, Serialize};

use crate::resource::{Address, Attrs, Kind, Value};

pub use backend::{Lock, Store};
pub use lock::{LockError, LockHolder, StateLock};
pub use remote::RemoteStore;
pub use store::{LocalStore, StateError, default_state_path, parse_state, serialise};

/// The state format this build writes. Older formats are upgraded on read; newer are refused.
pub const FORMAT_VERSION: u32 = 1;

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct State {
    pub format_version: u32,
    pub stack: String,
    pub region: String,
    /// Fixed when the state is first created; a state with another lineage is another history.
    pub lineage: String,
    /// Grows by one on every write.
    pub serial: u64,
    pub resources: BTreeMap<Address, ResourceState>,
    /// Stacks whose outputs this one uses (`network: { from_stack }`): their destroy is refused
    /// while this state still has resources.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub uses_stacks: Vec<String>,
    /// Attribute values a runbook command set in AWS that the stack file does not say yet
    /// (`promote --dns` flipping a failover pair), by address and attribute name: plans keep
    /// them while the stack still says what it said then (see `holds`).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub held: BTreeMap<Address, BTreeMap<String, Hold>>,
}

/// A value held in AWS against the stack file, and why.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Hold {
    /// What AWS holds now.
    pub value: crate::resource::Value,
    /// What the stack said when it was set: the hold lasts while it still says that.
    pub stack_said: crate::resource::Value,
    /// The command that set it, and when (RFC 3339).
    pub by: String,
    pub at: String,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ResourceState {
    pub kind: Kind,
    /// The AWS id; `None` while a create is pending and its result unknown.
    pub id: Option<String>,
    /// The managed attributes as last applied (references resolved to ids).
    pub attributes: Attrs,
    /// Addresses this resource depended on when it was applied: deletes follow them backwards
    /// even after the YAML no longer mentions the resource.
    #[serde(default)]
    pub dependencies: BTreeSet<Address>,
    /// What AWS computed (endpoint, port, ARN) as last read: what `platformctl output` prints
    /// and other resources refer to. Never a secret value.
    #[serde(default, skip_serializing_if = "Attrs::is_empty")]
    pub outputs: Attrs,
    /// An operation that was started and may not have finished.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pending: Option<Pending>,
    /// Ids of earlier generations still to delete: a create-before-destroy replacement (node
    /// groups) records the old id here before it creates the new one, and removes it once the
    /// old one is deleted. Whatever an interruption leaves here, the next apply deletes.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub deposed: Vec<String>,
    /// The renames since the resource got its AWS name (`moved:`, `state mv`): where the stack
    /// now derives a name that differs from AWS's only by them, AWS's stays (`moves`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub renamed: Vec<moves::Rename>,
    /// Recorded from AWS (`generate`, `import`, `state recover`) without platformctl's ownership
    /// tags (`tags::OWNERSHIP`): made by hand or by another tool. Plans do not count lacking them
    /// alone as a change — a generated stack plans clean; the next update adds them and clears
    /// this.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub ownership_tags_pending: bool,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Pending {
    pub operation: PendingOperation,
    /// The idempotency token sent with the call (ClientToken where the API takes one).
    pub token: String,
    pub started_at: String,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PendingOperation {
    Create,
    Delete,
}

impl State {
    pub fn new(stack: &str, region: &str) -> Self {
        State {
            format_version: FORMAT_VERSION,
            stack: stack.to_owned(),
            region: region.to_owned(),
            lineage: uuid::Uuid::new_v4().to_string(),
            serial: 0,
            resources: BTreeMap::new(),
            uses_stacks: Vec::new(),
            held: BTreeMap::new(),
        }
    }

    /// The AWS id of a resource, if it is known.
    pub fn id_of(&self, address: &Address) -> Option<&str> {
        self.resources.get(address).and_then(|r| r.id.as_deref())
    }

    pub fn output_of(&self, address: &Address, name: &str) -> Option<&Value> {
        self.resources.get(address).and_then(|r| r.outputs.get(name)).filter(|v| **v != Value::Null)
    }
}

/// Why `platformctl state push` refuses to replace a state.
#[derive(Debug, thiserror::Error)]
pub enum PushRefusal {
    #[error("{file} is the state of `{stack}` in {region}, not of `{expected}` in {expected_region}")]
    OtherStack { file: String, stack: String, region: String, expected: String, expected_region: String },
    #[error(
        "{location} already holds another history of this stack (lineage {lineage})\n  hint: pass --force to replace it"
    )]
    OtherHistory { location: String, lineage: String },
    #[error("{file} is older (serial {pushed}) than {location} (serial {current})\n  hint: pass --force to go back")]
    Older { file: String, pushed: u64, location: String, current: u64 },
}

impl State {
    /// `pushed` as it may replace this state (`platformctl state push`): of the same stack and
    /// region always; of the same history and not older unless `force`. Writes go forward from
    /// whichever serial is higher.
    pub fn accept_push(
        &self,
        mut pushed: State,
        force: bool,
        file: &str,
        location: &str,
    ) -> Result<State, PushRefusal> {
        if pushed.stack != self.stack || pushed.region != self.region {
            return Err(PushRefusal::OtherStack {
                file: file.to_owned(),
                stack: pushed.stack,
                region: pushed.region,
                expected: self.stack.clone(),
                expected_region: self.region.clone(),
            });
        }
        let exists = self.serial > 0;
        if exists && !force {
            if pushed.lineage != self.lineage {
                return Err(PushRefusal::OtherHistory { location: location.to_owned(), lineage: self.lineage.clone() });
            }
            if pushed.serial < self.serial {
                return Err(PushRefusal::Older {
                    file: file.to_owned(),
                    pushed: pushed.serial,
                    location: location.to_owned(),
                    current: self.serial,
                });
            }
        }
        pushed.serial = pushed.serial.max(self.serial);
        Ok(pushed)
    }
}

/// The current time as RFC 3339, for records humans read.
pub fn now_rfc3339() -> String {
    humantime::format_rfc3339_seconds(std::time::SystemTime::now()).to_string()
}
