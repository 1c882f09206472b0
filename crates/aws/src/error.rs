//! AWS errors from the SDK's: `AwsError` (platformctl-core's plain data) made from an
//! `SdkError` with its operation name, code, message and request id, and `.aws("Operation")`
//! on any SDK call's result.

use std::error::Error as StdError;

use aws_sdk_ec2::error::{DisplayErrorContext, ProvideErrorMetadata, SdkError};
use aws_sdk_ec2::operation::RequestId;
use aws_smithy_runtime_api::client::orchestrator::HttpResponse;
pub use platformctl_core::error::AwsError;

/// An `AwsError` from an SDK error.
pub fn from_sdk<E>(operation: &'static str, err: SdkError<E, HttpResponse>) -> AwsError
where
    E: ProvideErrorMetadata + StdError + Send + Sync + 'static,
{
    let request_id = err.request_id().map(str::to_owned);
    let code = err.code().map(str::to_owned);
    let message = match (&err, err.message()) {
        (SdkError::ServiceError(_), Some(m)) => m.to_owned(),
        _ => DisplayErrorContext(&err).to_string(),
    };
    let status = err.raw_response().map(|r| r.status().as_u16());
    AwsError { operation, code, message, request_id, status }
}

/// `.aws("CreateVpc")` on an SDK call's result: its error as an `AwsError` naming the operation.
pub trait SdkResultExt<T> {
    fn aws(self, operation: &'static str) -> Result<T, AwsError>;
}

impl<T, E> SdkResultExt<T> for Result<T, SdkError<E, HttpResponse>>
where
    E: ProvideErrorMetadata + StdError + Send + Sync + 'static,
{
    fn aws(self, operation: &'static str) -> Result<T, AwsError> {
        self.map_err(|e| from_sdk(operation, e))
    }
}
