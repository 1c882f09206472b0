//! platformctl-core: everything about a stack that needs no AWS. The pipeline, each stage a
//! module that only reads the output of the stage before it:
//!
//! ```text
//! stack YAML ─► spec      raw serde types with line:column spans            (spec/)
//!            ─► model     validated, typed stack; all input errors at once  (model/)
//!            ─► expand    components → concrete AWS resources with addresses (expand/)
//!            ─► graph     dependencies between resources; reversed for deletes (graph.rs)
//!               (the live read: platformctl-aws)
//!            ─► plan      PURE: desired + state + live → actions             (plan/)
//!               (apply: the platformctl binary's engine walks plan::operations)
//!            ─► render    human / JSON / markdown output, never mixed into the engine (render/)
//! ```
//!
//! Resource kinds are declared once each (`kinds/`, the schema in `resource::schema`): their
//! attributes and how each changes and compares, lifecycle, waits, outputs and adoption. The
//! state format, its local store and lock live in `state/`; a remote store (S3) plugs in
//! through `state::RemoteStore`. This crate has no AWS SDK dependency: it cannot call AWS.

pub mod checks;
pub mod cross_stack;
pub mod diagnostics;
pub mod drift;
pub mod error;
pub mod expand;
pub mod generate;
pub mod graph;
pub mod graph_export;
pub mod input_file;
pub mod interrupt;
pub mod kinds;
pub mod kubeconfig;
pub mod model;
pub mod outputs;
pub mod plan;
pub mod private_file;
pub mod render;
pub mod resource;
pub mod saved_plan;
pub mod spec;
pub mod stack_order;
pub mod state;
