//! Application Auto Scaling of an Aurora cluster's readers: a scalable target on the replica
//! count and a target-tracking policy on the readers' average CPU. Its id is the target's
//! resource id (`cluster:<identifier>`).

use crate::resource::schema::*;

pub const RESOURCE_ID: Attr = Attr::replace("resource_id");
pub const MIN: Attr = Attr::in_place("min");
pub const MAX: Attr = Attr::in_place("max");
pub const TARGET_CPU_PERCENT: Attr = Attr::in_place("target_cpu_percent");

pub mod out {
    use crate::resource::schema::Output;

    pub const POLICY_NAME: Output = Output::fixed("policy_name");
}

pub const DEF: KindDef = KindDef::new(
    "reader_scaling",
    Service::ApplicationAutoScaling,
    &[RESOURCE_ID, MIN, MAX, TARGET_CPU_PERCENT],
    Adoption::Id(RESOURCE_ID),
)
.outputs(&[out::POLICY_NAME]);
