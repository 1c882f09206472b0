//! platformctl-aws: the only crate that talks to AWS. One provider per resource kind (read many,
//! create, update, delete, status), registered in `registry`; the live read (`refresh`); the
//! SDK clients and their retries (`connect`, `retries`); the S3 state backend (`s3_state`)
//! behind platformctl-core's `RemoteStore`.
//!
//! Contract with the engine:
//! - `read` answers for every request, `Present` or `Absent`. A request without an id is a
//!   pending create: it is found as the kind's declaration says (`Adoption`: by its
//!   `platformctl:address` tag, by the name that is its id, or by its natural key).
//! - `create` returns the new id as soon as AWS gives it; waiting for readiness is separate
//!   (`status`), so the id is recorded before any wait.
//! - `delete` of something already gone succeeds.
//! - secret values (generated passwords, auth tokens) are read from Secrets Manager inside the
//!   provider call that needs them and go nowhere else: never into attributes or outputs.
//!
//! Adding a kind: its declaration in platformctl-core's `kinds/`, a provider here (a unit struct
//! implementing `registry::Provider`, in its service's module) and its line in
//! `registry::provider`.

mod acm;
mod autoscaling;
mod cloudwatch;
mod common;
mod connect;
pub mod discover;
mod ec2;
mod ecr;
mod eks;
mod elasticache;
mod elb;
pub mod error;
pub mod existing;
mod iam;
mod in_flight;
mod kms;
mod logs;
mod rds;
pub mod refresh;
mod registry;
pub mod retries;
mod route53;
pub mod s3_state;
mod secrets;
mod sns;
mod ssm;
mod tagging;
#[cfg(test)]
mod test_mocks;

pub use common::PollDelay;
pub use connect::{Aws, ConnectOptions, Role};
pub use error::AwsError;
pub use in_flight::{Parallelism, SERVICES};
pub use rds::promote_read_replica;
pub use registry::{ReadRequest, Status, conflicts, create, delete, outputs, read, status, update};
pub use retries::retries;
pub use route53::record::{FailoverTakeover, take_over_failover};
