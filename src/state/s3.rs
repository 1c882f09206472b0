//! The state in S3, for teams and CI. Every write is conditional: `If-Match` on the ETag this
//! process last read or wrote (`If-None-Match: *` for the first), so a concurrent writer is
//! detected and nothing is overwritten. The lock is a second object, `<key>.lock`, created with
//! `If-None-Match: *`: S3 lets exactly one creator win. It names its holder, and is deleted at
//! the end of the run, on error and on Ctrl-C; `force-unlock` clears one a killed run left.
//! Previous versions are S3's to keep: the docs ask for bucket versioning.

use std::sync::Arc;
use std::time::{Duration, Instant};

use aws_sdk_s3::error::ProvideErrorMetadata;
use aws_sdk_s3::primitives::ByteStream;
use tokio::sync::Mutex;

use super::State;
use super::lock::{LockError, LockHolder};
use super::store::{StateError, parse_state};

/// A state object in S3.
#[derive(Clone, Debug)]
pub struct S3Store {
    client: aws_sdk_s3::Client,
    pub bucket: String,
    pub key: String,
    /// The ETag of the version this process last read or wrote; `None` before the first write.
    etag: Arc<Mutex<Option<String>>>,
}

/// Whether an S3 error is a failed precondition (412) or a conflicting concurrent request (409).
fn precondition_failed<E: ProvideErrorMetadata>(
    e: &aws_sdk_s3::error::SdkError<E, aws_smithy_runtime_api::client::orchestrator::HttpResponse>,
) -> bool {
    let status = e.raw_response().map(|r| r.status().as_u16());
    matches!(status, Some(412 | 409)) || matches!(e.code(), Some("PreconditionFailed" | "ConditionalRequestConflict"))
}

fn s3_error<E: ProvideErrorMetadata + std::error::Error + Send + Sync + 'static>(
    operation: &'static str,
    location: &str,
    e: aws_sdk_s3::error::SdkError<E, aws_smithy_runtime_api::client::orchestrator::HttpResponse>,
) -> StateError {
    let aws = crate::providers::AwsError::from_sdk(operation, e);
    StateError::Remote { location: location.to_owned(), message: aws.to_string() }
}

impl S3Store {
    pub fn new(client: aws_sdk_s3::Client, bucket: String, key: String) -> Self {
        S3Store { client, bucket, key, etag: Arc::new(Mutex::new(None)) }
    }

    /// The same bucket and client, another key.
    pub fn with_key(&self, key: String) -> S3Store {
        S3Store::new(self.client.clone(), self.bucket.clone(), key)
    }

    /// The state documents beside this one (same key prefix), for `users_of`.
    pub async fn siblings(&self) -> Result<Vec<Vec<u8>>, StateError> {
        let prefix = self.key.rsplit_once('/').map(|(dir, _)| format!("{dir}/")).unwrap_or_default();
        let mut pages = self.client.list_objects_v2().bucket(&self.bucket).prefix(&prefix).into_paginator().send();
        let mut keys = Vec::new();
        while let Some(page) = pages.next().await {
            let page = page.map_err(|e| s3_error("ListObjectsV2", &self.location(), e))?;
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
            if let Some(doc) = self.with_key(key).read_raw().await? {
                out.push(doc);
            }
        }
        Ok(out)
    }

    pub fn location(&self) -> String {
        format!("s3://{}/{}", self.bucket, self.key)
    }

    /// The raw state document, if the object exists.
    pub async fn read_raw(&self) -> Result<Option<Vec<u8>>, StateError> {
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
            Err(e) => Err(s3_error("GetObject", &self.location(), e)),
        }
    }

    pub async fn read(&self, stack: &str, region: &str) -> Result<State, StateError> {
        Ok(self.read_existing(stack, Some(region)).await?.unwrap_or_else(|| State::new(stack, region)))
    }

    /// The state if the object exists, of `stack` in `region` (any region when `None`).
    pub async fn read_existing(&self, stack: &str, region: Option<&str>) -> Result<Option<State>, StateError> {
        let Some(bytes) = self.read_raw().await? else { return Ok(None) };
        let backup = "the previous object version (bucket versioning)";
        parse_state(&bytes, stack, region, &self.location(), backup).map(Some)
    }

    /// Writes the state with the next serial, only over the version this process knows.
    pub async fn write(&self, state: &mut State) -> Result<(), StateError> {
        state.serial += 1;
        let mut body = serde_json::to_vec_pretty(state).expect("state serialises");
        body.push(b'\n');
        let mut etag = self.etag.lock().await;
        let mut request = self
            .client
            .put_object()
            .bucket(&self.bucket)
            .key(&self.key)
            .content_type("application/json")
            .body(ByteStream::from(body));
        request = match etag.as_deref() {
            Some(tag) => request.if_match(tag),
            None => request.if_none_match("*"),
        };
        match request.send().await {
            Ok(out) => {
                *etag = out.e_tag().map(str::to_owned);
                Ok(())
            }
            Err(e) if precondition_failed(&e) => {
                state.serial -= 1;
                Err(StateError::Conflict { location: self.location() })
            }
            Err(e) => {
                state.serial -= 1;
                Err(s3_error("PutObject", &self.location(), e))
            }
        }
    }

    fn lock_key(&self) -> String {
        format!("{}.lock", self.key)
    }

    /// Who holds the lock, if anyone.
    pub async fn lock_holder(&self) -> Result<Option<LockHolder>, LockError> {
        let got = self.client.get_object().bucket(&self.bucket).key(self.lock_key()).send().await;
        match got {
            Ok(out) => {
                let body = out.body.collect().await.map(|b| b.into_bytes().to_vec()).unwrap_or_default();
                Ok(serde_json::from_slice(&body).ok())
            }
            Err(e) if e.as_service_error().is_some_and(|s| s.is_no_such_key()) => Ok(None),
            Err(e) => Err(LockError::Remote {
                state: self.location(),
                message: crate::providers::AwsError::from_sdk("GetObject", e).to_string(),
            }),
        }
    }

    /// Takes the lock, waiting up to `timeout` for a holder to let go.
    pub async fn lock(&self, holder: LockHolder, timeout: Duration) -> Result<S3Lock, LockError> {
        let started = Instant::now();
        let body = serde_json::to_vec(&holder).expect("holder serialises");
        let mut delay = Duration::from_secs(1);
        loop {
            let put = self
                .client
                .put_object()
                .bucket(&self.bucket)
                .key(self.lock_key())
                .if_none_match("*")
                .content_type("application/json")
                .body(ByteStream::from(body.clone()))
                .send()
                .await;
            match put {
                Ok(_) => {
                    crate::interrupt::holding_remote_lock(Some(format!(
                        "clear it with `platformctl force-unlock <stack file> {}`",
                        holder.id
                    )));
                    return Ok(S3Lock { store: self.clone(), holder });
                }
                Err(e) if precondition_failed(&e) => {
                    if started.elapsed() >= timeout {
                        return Err(match self.lock_holder().await? {
                            Some(h) => LockError::HeldRemote { state: self.location(), holder: Box::new(h) },
                            None => LockError::HeldUnknown { state: self.location().into() },
                        });
                    }
                    if crate::interrupt::happened() {
                        return Err(LockError::Interrupted { state: self.location() });
                    }
                    tokio::time::sleep(delay.min(timeout.saturating_sub(started.elapsed()))).await;
                    delay = (delay * 2).min(Duration::from_secs(10));
                }
                Err(e) => {
                    return Err(LockError::Remote {
                        state: self.location(),
                        message: crate::providers::AwsError::from_sdk("PutObject", e).to_string(),
                    });
                }
            }
        }
    }

    /// Deletes the lock if `id` holds it; says who holds it otherwise.
    pub async fn unlock(&self, id: &str) -> Result<(), LockError> {
        match self.lock_holder().await? {
            Some(h) if h.id == id => {}
            Some(h) => {
                return Err(LockError::NotYours { state: self.location(), given: id.to_owned(), holder: Box::new(h) });
            }
            None => return Err(LockError::NotLocked { state: self.location() }),
        }
        self.client.delete_object().bucket(&self.bucket).key(self.lock_key()).send().await.map_err(|e| {
            LockError::Remote {
                state: self.location(),
                message: crate::providers::AwsError::from_sdk("DeleteObject", e).to_string(),
            }
        })?;
        Ok(())
    }
}

/// The S3 lock this process holds.
#[derive(Debug)]
pub struct S3Lock {
    store: S3Store,
    pub holder: LockHolder,
}

impl S3Lock {
    pub async fn release(self) -> Result<(), LockError> {
        let released = self.store.unlock(&self.holder.id).await;
        crate::interrupt::holding_remote_lock(None);
        released
    }
}
