//! A state kept somewhere other than the local disk (S3, in platformctl-aws), as the core sees
//! it: documents read and written with optimistic concurrency, and a lock object. The core
//! parses, checks and versions the documents (`Store`); the remote only moves bytes.

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use super::lock::{LockError, LockHolder};
use super::store::StateError;

#[async_trait::async_trait]
pub trait RemoteStore: Send + Sync + fmt::Debug {
    /// Where it is, for messages: `s3://bucket/key`.
    fn location(&self) -> String;

    /// What a backup of a bad document is called in messages ("the previous object version").
    fn backup_hint(&self) -> &'static str;

    /// The store of another stack's state beside this one (same bucket, same key prefix).
    fn sibling(&self, stack: &str) -> Arc<dyn RemoteStore>;

    /// The document, if there is one. Remembers its version for the next `write`.
    async fn read(&self) -> Result<Option<Vec<u8>>, StateError>;

    /// Writes the document only over the version this process last read or wrote (or only if
    /// none exists yet): `StateError::Conflict` when someone else wrote in between.
    async fn write(&self, document: Vec<u8>) -> Result<(), StateError>;

    /// The other state documents beside this one, for "who uses this stack".
    async fn siblings(&self) -> Result<Vec<Vec<u8>>, StateError>;

    /// Takes the lock for `holder`, waiting up to `timeout` for another holder to let go.
    async fn lock(&self, holder: &LockHolder, timeout: Duration) -> Result<(), LockError>;

    /// Releases the lock if `id` holds it; says who holds it otherwise.
    async fn unlock(&self, id: &str) -> Result<(), LockError>;
}
