//! platformctl: declarative AWS infrastructure from stack YAML.
//!
//! The crate is a one-way pipeline; each stage is a module that only reads the output of the
//! stage before it:
//!
//! ```text
//! stack YAML ─► spec      raw serde types with line:column spans            (spec/)
//!            ─► model     validated, typed stack; all input errors at once  (model/)
//!            ─► expand    components → concrete AWS resources with addresses (expand/)
//!            ─► graph     dependencies between resources; reversed for deletes (graph.rs)
//!            ─► refresh   live state read through providers, batched per kind (refresh.rs)
//!            ─► plan      PURE: desired + state + live → actions             (plan/)
//!            ─► apply     walks the plan in dependency order, records state  (apply/)
//!            ─► render    human / JSON output, never mixed into the engine   (render/)
//! ```
//!
//! `outputs` reads what applications need (endpoints, secret ARNs) back from the state.
//! Only `providers/` talks to AWS. `engine` strings the stages together for the CLI (`cli/`),
//! which stays thin: parse arguments, resolve settings, call one engine function, render.
//!
//! Adding a resource kind (RDS, ElastiCache, EKS, ...) means: a spec section, a model module,
//! an expand module, a `Kind` with its attribute schema, and a provider module. The planner,
//! graph, state and apply engine do not change.

pub mod adopt;
pub mod apply;
pub mod cli;
pub mod cross_stack;
pub mod diagnostics;
pub mod drift;
pub mod engine;
pub mod expand;
pub mod graph;
pub mod graph_export;
pub mod interrupt;
pub mod kubeconfig;
pub mod model;
pub mod outputs;
pub mod plan;
pub mod promote;
pub mod providers;
pub mod refresh;
pub mod render;
pub mod resource;
pub mod saved_plan;
pub mod spec;
pub mod state;
