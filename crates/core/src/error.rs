//! An AWS error as users need it: the operation, AWS's error code and message, and the request
//! id for support cases. Plain data: platformctl-aws makes one from an SDK error; the engine and
//! the renderers only read it. An error without a code (an emulator's HTML 404, a connection
//! failure) is never "not found".

#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("{operation} failed: {}{}", self.describe(), self.request_id.as_deref().map(|r| format!(" (request id {r})")).unwrap_or_default())]
pub struct AwsError {
    pub operation: &'static str,
    pub code: Option<String>,
    pub message: String,
    pub request_id: Option<String>,
}

impl AwsError {
    /// A failure platformctl itself detects (a resource that went to `failed`, a time-out).
    pub fn local(operation: &'static str, message: impl Into<String>) -> Self {
        AwsError { operation, code: None, message: message.into(), request_id: None }
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
        self.code().is_some_and(|c| c.contains("NotFound") || c == "Gateway.NotAttached" || c == "NoSuchEntity")
    }

    /// The endpoint does not implement the operation: an emulator's HTML 404 (no code) or its
    /// "No route" answer. Used only where an optional call (DescribeUpdate,
    /// DescribeAddonVersions) has a safe fallback.
    pub fn is_unsupported(&self) -> bool {
        let unreachable = self.message.contains("dispatch failure") || self.message.contains("timeout");
        (self.code.is_none() && !unreachable && !self.message.is_empty()) || self.message.starts_with("No route")
    }

    /// AWS refuses because something still uses the resource; often clears by itself within
    /// seconds after the user is deleted (eventual consistency), so deletes retry on it.
    pub fn is_dependency_violation(&self) -> bool {
        self.code() == Some("DependencyViolation")
    }
}
