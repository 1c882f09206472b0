//! The state in S3, for teams and CI, behind platformctl-core's `RemoteStore`. Every write is
//! conditional: `If-Match` on the ETag this process last read or wrote (`If-None-Match: *` for
//! the first), so a concurrent writer is detected and nothing is overwritten. The lock is a
//! second object, `<key>.lock`, created with `If-None-Match: *`: S3 lets exactly one creator
//! win. It names its holder, and is deleted at the end of the run, on error and on Ctrl-C;
//! `force-unlock` clears one a killed run left. Previous versions are S3's to keep: the docs ask
//! for bucket versioning.

use std::sync::Arc;
use std::time::{Duration, Instant};

use aws_sdk_s3::error::{ProvideErrorMetadata, SdkError};
use aws_sdk_s3::operation::put_object::builders::PutObjectFluentBuilder;
use aws_sdk_s3::primitives::ByteStream;
use aws_sdk_s3::types::ServerSideEncryption;
use aws_smithy_runtime_api::client::orchestrator::HttpResponse;
use platformctl_core::state::{LockError, LockHolder, RemoteStore, StateError};
use tokio::sync::Mutex;

use crate::connect::{ConnectOptions, s3_client};
use crate::error::from_sdk;

/// A state object in S3.
#[derive(Clone, Debug)]
pub struct S3Store {
    client: aws_sdk_s3::Client,
    bucket: String,
    key: String,
    /// The KMS key (alias or ARN) the state and lock objects are written with (SSE-KMS); the
    /// bucket's default encryption when `None`.
    kms_key: Option<String>,
    /// The ETag of the version this process last read or wrote; `None` before the first write.
    etag: Arc<Mutex<Option<String>>>,
}

/// Whether an S3 error is a failed precondition (412) or a conflicting concurrent request (409).
fn precondition_failed<E: ProvideErrorMetadata>(e: &SdkError<E, HttpResponse>) -> bool {
    let status = e.raw_response().map(|r| r.status().as_u16());
    matches!(status, Some(412 | 409)) || matches!(e.code(), Some("PreconditionFailed" | "ConditionalRequestConflict"))
}

fn remote_error<E: ProvideErrorMetadata + std::error::Error + Send + Sync + 'static>(
    operation: &'static str,
    location: String,
    e: SdkError<E, HttpResponse>,
) -> StateError {
    StateError::Remote { location, message: from_sdk(operation, e).to_string() }
}

fn lock_error<E: ProvideErrorMetadata + std::error::Error + Send + Sync + 'static>(
    operation: &'static str,
    state: String,
    e: SdkError<E, HttpResponse>,
) -> LockError {
    LockError::Remote { state, message: from_sdk(operation, e).to_string() }
}

impl S3Store {
    /// The state object `key` in `bucket`, reached in `region` with the user's settings, written
    /// encrypted with `kms_key` when given.
    pub async fn open(
        bucket: &str,
        key: &str,
        region: &str,
        kms_key: Option<&str>,
        connect: &ConnectOptions,
    ) -> Arc<dyn RemoteStore> {
        let client = s3_client(region, connect).await;
        Arc::new(S3Store::new(client, bucket.to_owned(), key.to_owned(), kms_key.map(str::to_owned)))
    }

    fn new(client: aws_sdk_s3::Client, bucket: String, key: String, kms_key: Option<String>) -> Self {
        S3Store { client, bucket, key, kms_key, etag: Arc::new(Mutex::new(None)) }
    }

    /// The same bucket, client and key, another object.
    fn with_key(&self, key: String) -> S3Store {
        S3Store::new(self.client.clone(), self.bucket.clone(), key, self.kms_key.clone())
    }

    /// A PutObject of this store: SSE-KMS with the store's key when it has one.
    fn put(&self, key: &str) -> PutObjectFluentBuilder {
        let request = self.client.put_object().bucket(&self.bucket).key(key).content_type("application/json");
        match &self.kms_key {
            Some(kms_key) => request.server_side_encryption(ServerSideEncryption::AwsKms).ssekms_key_id(kms_key),
            None => request,
        }
    }

    fn lock_key(&self) -> String {
        format!("{}.lock", self.key)
    }

    /// Who holds the lock, if anyone.
    async fn lock_holder(&self) -> Result<Option<LockHolder>, LockError> {
        let got = self.client.get_object().bucket(&self.bucket).key(self.lock_key()).send().await;
        match got {
            Ok(out) => {
                let body = out.body.collect().await.map(|b| b.into_bytes().to_vec()).unwrap_or_default();
                Ok(serde_json::from_slice(&body).ok())
            }
            Err(e) if e.as_service_error().is_some_and(|s| s.is_no_such_key()) => Ok(None),
            Err(e) => Err(lock_error("GetObject", self.location(), e)),
        }
    }
}

#[async_trait::async_trait]
impl RemoteStore for S3Store {
    fn location(&self) -> String {
        format!("s3://{}/{}", self.bucket, self.key)
    }

    fn backup_hint(&self) -> &'static str {
        "the previous object version (bucket versioning)"
    }

    /// `<key prefix>/<stack>.json`.
    fn sibling(&self, stack: &str) -> Arc<dyn RemoteStore> {
        let key = match self.key.rsplit_once('/') {
            Some((dir, _)) => format!("{dir}/{stack}.json"),
            None => format!("{stack}.json"),
        };
        Arc::new(self.with_key(key))
    }

    async fn read(&self) -> Result<Option<Vec<u8>>, StateError> {
        let got = self.client.get_object().bucket(&self.bucket).key(&self.key).send().await;
        match got {
            Ok(out) => {
                *self.etag.lock().await = out.e_tag().map(str::to_owned);
                let body = out.body.collect().await.map_err(|e| StateError::Remote {
                    location: self.location(),
                    message: format!("reading the object failed: {e}"),
                })?;
                Ok(Some(body.into_bytes().to_vec()))
            }
            Err(e) if e.as_service_error().is_some_and(|s| s.is_no_such_key()) => {
                *self.etag.lock().await = None;
                Ok(None)
            }
            Err(e) => Err(remote_error("GetObject", self.location(), e)),
        }
    }

    async fn write(&self, document: Vec<u8>) -> Result<(), StateError> {
        let mut etag = self.etag.lock().await;
        let mut request = self.put(&self.key).body(ByteStream::from(document));
        request = match etag.as_deref() {
            Some(tag) => request.if_match(tag),
            None => request.if_none_match("*"),
        };
        match request.send().await {
            Ok(out) => {
                *etag = out.e_tag().map(str::to_owned);
                Ok(())
            }
            Err(e) if precondition_failed(&e) => Err(StateError::Conflict { location: self.location() }),
            Err(e) => Err(remote_error("PutObject", self.location(), e)),
        }
    }

    /// The state documents beside this one (same key prefix, not nested deeper).
    async fn siblings(&self) -> Result<Vec<Vec<u8>>, StateError> {
        let prefix = self.key.rsplit_once('/').map(|(dir, _)| format!("{dir}/")).unwrap_or_default();
        let mut pages = self.client.list_objects_v2().bucket(&self.bucket).prefix(&prefix).into_paginator().send();
        let mut keys = Vec::new();
        while let Some(page) = pages.next().await {
            let page = page.map_err(|e| remote_error("ListObjectsV2", self.location(), e))?;
            for object in page.contents() {
                let Some(key) = object.key() else { continue };
                let nested = key[prefix.len()..].contains('/');
                if key != self.key && key.ends_with(".json") && !nested {
                    keys.push(key.to_owned());
                }
            }
        }
        let mut out = Vec::new();
        for key in keys {
            if let Some(doc) = self.with_key(key).read().await? {
                out.push(doc);
            }
        }
        Ok(out)
    }

    async fn lock(&self, holder: &LockHolder, timeout: Duration) -> Result<(), LockError> {
        let started = Instant::now();
        let body = serde_json::to_vec(holder).expect("holder serialises");
        let mut delay = Duration::from_secs(1);
        loop {
            let put = self.put(&self.lock_key()).if_none_match("*").body(ByteStream::from(body.clone())).send().await;
            match put {
                Ok(_) => return Ok(()),
                Err(e) if precondition_failed(&e) => {
                    if started.elapsed() >= timeout {
                        return Err(match self.lock_holder().await? {
                            Some(h) => LockError::HeldRemote { state: self.location(), holder: Box::new(h) },
                            None => LockError::HeldUnknown { state: self.location().into() },
                        });
                    }
                    if platformctl_core::interrupt::happened() {
                        return Err(LockError::Interrupted { state: self.location() });
                    }
                    tokio::time::sleep(delay.min(timeout.saturating_sub(started.elapsed()))).await;
                    delay = (delay * 2).min(Duration::from_secs(10));
                }
                Err(e) => return Err(lock_error("PutObject", self.location(), e)),
            }
        }
    }

    async fn unlock(&self, id: &str) -> Result<(), LockError> {
        match self.lock_holder().await? {
            Some(h) if h.id == id => {}
            Some(h) => {
                return Err(LockError::NotYours { state: self.location(), given: id.to_owned(), holder: Box::new(h) });
            }
            None => return Err(LockError::NotLocked { state: self.location() }),
        }
        let request = self.client.delete_object().bucket(&self.bucket).key(self.lock_key());
        request.send().await.map_err(|e| lock_error("DeleteObject", self.location(), e))?;
        Ok(())
    }
}
