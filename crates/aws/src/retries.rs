//! Counting the SDK's retries, so an apply's summary can say how many requests AWS throttled or
//! failed before they went through. The retries themselves are the SDK's (standard or adaptive
//! mode, `--max-attempts`, `--retry-mode`): this only watches them, through an interceptor that
//! every client carries.

use std::sync::atomic::{AtomicU64, Ordering};

use aws_smithy_runtime_api::box_error::BoxError;
use aws_smithy_runtime_api::client::interceptors::Intercept;
use aws_smithy_runtime_api::client::interceptors::context::BeforeTransmitInterceptorContextRef;
use aws_smithy_runtime_api::client::retries::RequestAttempts;
use aws_smithy_runtime_api::client::runtime_components::RuntimeComponents;
use aws_smithy_types::config_bag::ConfigBag;

static RETRIES: AtomicU64 = AtomicU64::new(0);

/// Attempts beyond the first, over every request of this process.
pub fn retries() -> u64 {
    RETRIES.load(Ordering::Relaxed)
}

#[derive(Debug, Clone, Copy, Default)]
pub struct RetryCounter;

impl Intercept for RetryCounter {
    fn name(&self) -> &'static str {
        "platformctl::RetryCounter"
    }

    fn read_before_attempt(
        &self,
        _context: &BeforeTransmitInterceptorContextRef<'_>,
        _runtime_components: &RuntimeComponents,
        cfg: &mut ConfigBag,
    ) -> Result<(), BoxError> {
        if cfg.load::<RequestAttempts>().is_some_and(|a| a.attempts() > 1) {
            RETRIES.fetch_add(1, Ordering::Relaxed);
        }
        Ok(())
    }
}
