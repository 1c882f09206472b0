//! An AWS error as users need it: the operation, AWS's error code and message, and the request
//! id for support cases. Plain data: platformctl-aws makes one from an SDK error; the engine and
//! the renderers only read it. An error without a code (an emulator's HTML 404, a connection
//! failure) is never "not found".

const INTERRUPTED: &str = "interrupted";

#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("{operation} failed: {}{}", self.describe(), self.request_id.as_deref().map(|r| format!(" (request id {r})")).unwrap_or_default())]
pub struct AwsError {
    pub operation: &'static str,
    pub code: Option<String>,
    pub message: String,
    pub request_id: Option<String>,
    /// The HTTP status of AWS's answer; none for a failure without one (no connection, a
    /// time-out, one platformctl detects).
    pub status: Option<u16>,
}

impl AwsError {
    /// A failure platformctl itself detects (a resource that went to `failed`, a time-out).
    pub fn local(operation: &'static str, message: impl Into<String>) -> Self {
        AwsError { operation, code: None, message: message.into(), request_id: None, status: None }
    }

    /// A wait cut short by Ctrl-C or SIGTERM: the operation itself was done (and recorded);
    /// the next run resumes the wait.
    pub fn interrupted(message: impl Into<String>) -> Self {
        AwsError::local(INTERRUPTED, message)
    }

    pub fn is_interrupted(&self) -> bool {
        self.operation == INTERRUPTED && self.code.is_none()
    }

    fn describe(&self) -> String {
        match &self.code {
            Some(code) => format!("{code}: {}", self.message),
            None => self.message.clone(),
        }
    }

    pub fn code(&self) -> Option<&str> {
        self.code.as_deref()
    }

    /// The resource does not exist (any more). Only a real AWS error code says so.
    pub fn is_not_found(&self) -> bool {
        self.code().is_some_and(|c| {
            c.contains("NotFound")
                || matches!(c, "Gateway.NotAttached" | "NoSuchEntity" | "NoSuchHostedZone" | "NoSuchHealthCheck")
        })
    }

    /// The endpoint definitely does not implement the operation: an unknown-operation error
    /// code, an HTTP 404 or 501 that carries no AWS error code (an emulator's HTML page), or an
    /// emulator's router saying it has no route for the request. Anything else — a time-out, a
    /// connection or parse failure, a 5xx, an AWS error — is an error, retried or reported, never
    /// taken as "unsupported". Used only where an optional call has a safe fallback.
    pub fn is_unsupported(&self) -> bool {
        let unknown_operation = matches!(self.code(), Some("UnknownOperationException" | "InvalidAction"));
        let page_not_found = self.code.is_none() && matches!(self.status, Some(404 | 501));
        unknown_operation || page_not_found || self.message.starts_with("No route for ")
    }

    /// AWS refuses because something still uses the resource; often clears by itself within
    /// seconds after the user is deleted (eventual consistency), so deletes retry on it.
    pub fn is_dependency_violation(&self) -> bool {
        self.code() == Some("DependencyViolation")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn answer(code: Option<&str>, status: Option<u16>, message: &str) -> AwsError {
        AwsError {
            operation: "DescribeUpdate",
            code: code.map(str::to_owned),
            message: message.to_owned(),
            request_id: None,
            status,
        }
    }

    #[test]
    fn only_a_definite_unknown_operation_is_unsupported() {
        assert!(answer(None, Some(404), "<!doctype html><title>404 Not Found</title>").is_unsupported());
        assert!(answer(None, Some(501), "").is_unsupported());
        assert!(answer(Some("InvalidAction"), Some(400), "Unknown EC2 action").is_unsupported());
        assert!(answer(Some("UnknownOperationException"), Some(400), "").is_unsupported());
        assert!(answer(Some("InvalidRequestException"), Some(400), "No route for GET /addons").is_unsupported());
        // What once counted and must not: no answer, a time-out, a parse failure, a 5xx, AWS errors.
        assert!(!answer(None, None, "dispatch failure: connection refused").is_unsupported());
        assert!(!answer(None, None, "timeout: operation timed out").is_unsupported());
        assert!(!answer(None, Some(200), "failed to parse the response").is_unsupported());
        assert!(!answer(None, Some(503), "Service Unavailable").is_unsupported());
        assert!(!answer(None, Some(502), "<html>Bad Gateway</html>").is_unsupported());
        assert!(!answer(Some("ResourceNotFoundException"), Some(404), "No cluster found").is_unsupported());
        assert!(!answer(Some("ThrottlingException"), Some(400), "Rate exceeded").is_unsupported());
    }
}
