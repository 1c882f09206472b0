//! The platformctl binary: the command line (`cli`), the session and apply engine (`engine`),
//! and one function per command (`ops`) that returns data for `platformctl_core::render`.
//!
//! ```text
//! cli (clap) ─► ops::<command> ─► engine::Session ─► platformctl-core (model, expand, plan)
//!     │                                  └─────────► platformctl-aws (live read, providers)
//!     └─────────► platformctl_core::render (what the command returned, as text or JSON)
//! ```
//!
//! The pipeline itself — spec, model, kinds, expand, plan, render, state — is platformctl-core's
//! (no AWS SDK); everything that calls AWS is platformctl-aws's.

pub mod cli;
pub mod engine;
pub mod ops;
