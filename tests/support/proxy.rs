//! A fault-injecting HTTP proxy between platformctl and an emulator, on loopback. It can:
//! - add a fixed latency to every request (what a real AWS call costs, ~50 ms);
//! - answer a fraction of requests with AWS throttling (HTTP 400 `ThrottlingException` /
//!   `Throttling` / EC2's `RequestLimitExceeded`) or HTTP 503, instead of forwarding them;
//! - count requests per AWS operation (`X-Amz-Target`, the query `Action`, Route 53's record
//!   changes, or the REST path);
//! - tell the test when the k-th request has been forwarded and answered by the emulator, and
//!   hold that answer back, so the test can kill platformctl between a create reaching AWS and
//!   platformctl learning of it.
//!
//! Shared by the tests and the benchmark (`benches/platform.rs`).

#![allow(dead_code)]

use std::collections::BTreeMap;
use std::convert::Infallible;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::body::Incoming;
use hyper::{Request, Response};
use hyper_util::client::legacy::Client;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::{TokioExecutor, TokioIo};
use tokio::net::TcpListener;
use tokio::sync::oneshot;

/// What the proxy does besides forwarding.
#[derive(Clone, Debug, Default)]
pub struct Faults {
    pub latency: Duration,
    /// Fraction of requests answered with an error instead of being forwarded (0.0 to 1.0):
    /// half throttling, half HTTP 503.
    pub error_rate: f64,
    /// An operation (`CreateSubnet`) whose first answer is lost on the way back: the emulator
    /// does the work, the client gets an HTTP 503 and retries.
    pub lose_first_answer_of: Option<String>,
    /// Resources take time to come up as on AWS (`AWS_CREATE_TIMES`, divided by this): a
    /// describe of one NAT gateway, database, cluster, node group or Redis group answers
    /// "pending"/"creating" until that long after the first describe of it (a wait's first
    /// poll, right after the create). `None`: ready at once, as the emulators are.
    pub provisioning_speedup: Option<f64>,
}

/// How long AWS usually takes to create the slow kinds (by the state's kind names): the
/// figures issue 20 names, from AWS's documentation and experience.
pub const AWS_CREATE_TIMES: &[(&str, Duration)] = &[
    ("nat_gateway", Duration::from_secs(90)),
    ("db_instance", Duration::from_secs(8 * 60)),
    ("db_read_replica", Duration::from_secs(8 * 60)),
    ("eks_cluster", Duration::from_secs(10 * 60)),
    ("node_group", Duration::from_secs(4 * 60)),
    ("replication_group", Duration::from_secs(10 * 60)),
];

/// A describe of one resource of a slow kind: the kind's name and what identifies the
/// resource (the request body, or the path for EKS's REST calls).
fn describe_of_one(req: &Request<()>, op: &str, body: &[u8]) -> Option<(&'static str, String)> {
    let text = String::from_utf8_lossy(body);
    let kind = match op {
        "DescribeNatGateways" if text.contains("nat-gateway-id") && !text.contains("Value.2=") => "nat_gateway",
        "DescribeDBInstances" if text.contains("DBInstanceIdentifier=") => "db_instance",
        "DescribeReplicationGroups" if text.contains("ReplicationGroupId=") => "replication_group",
        _ if req.method() == hyper::Method::GET => {
            let path: Vec<&str> = req.uri().path().split('/').filter(|s| !s.is_empty()).collect();
            return match path.as_slice() {
                ["clusters", _] => Some(("eks_cluster", req.uri().path().to_owned())),
                ["clusters", _, "node-groups", _] => Some(("node_group", req.uri().path().to_owned())),
                _ => None,
            };
        }
        _ => return None,
    };
    Some((kind, text.into_owned()))
}

/// The answer of a describe of a resource still coming up: its ready status turned back.
fn still_creating(kind: &str, body: &Bytes) -> Bytes {
    let swaps: &[(&str, &str)] = match kind {
        "nat_gateway" => &[("<state>available</state>", "<state>pending</state>")],
        "db_instance" | "db_read_replica" => {
            &[("<DBInstanceStatus>available</DBInstanceStatus>", "<DBInstanceStatus>creating</DBInstanceStatus>")]
        }
        "replication_group" => &[("<Status>available</Status>", "<Status>creating</Status>")],
        _ => &[
            ("\"status\":\"ACTIVE\"", "\"status\":\"CREATING\""),
            ("\"status\": \"ACTIVE\"", "\"status\": \"CREATING\""),
        ],
    };
    let mut text = String::from_utf8_lossy(body).into_owned();
    for (ready, creating) in swaps {
        text = text.replace(ready, creating);
    }
    Bytes::from(text)
}

struct Shared {
    upstream: String,
    faults: Mutex<Faults>,
    counts: Mutex<BTreeMap<String, u64>>,
    /// The same counts keyed by `service Operation` (`ssm ListTagsForResource`).
    service_counts: Mutex<BTreeMap<String, u64>>,
    /// Per service: requests arrived and not answered yet, and the most there were at once.
    service_in_flight: Mutex<BTreeMap<String, (u64, u64)>>,
    /// When each slow resource was first described (`Faults::provisioning_speedup`).
    first_described: Mutex<BTreeMap<String, std::time::Instant>>,
    /// Operations in the order they were forwarded.
    log: Mutex<Vec<String>>,
    /// Every request answered: `service Operation`, when it arrived, when it was answered.
    timeline: Mutex<Vec<Timed>>,
    forwarded: AtomicU64,
    /// Requests sent on to the emulator and not answered yet.
    in_flight: AtomicU64,
    injected: AtomicU64,
    seed: AtomicU64,
    /// (k, tell the test): fired once the k-th forwarded request has its answer.
    watch: Mutex<Option<(u64, oneshot::Sender<()>)>>,
    client: Client<HttpConnector, Full<Bytes>>,
}

/// One request through the proxy: `service Operation`, arrived, answered.
#[derive(Clone, Debug)]
pub struct Timed {
    pub operation: String,
    pub arrived: std::time::Instant,
    pub answered: std::time::Instant,
}

pub struct Proxy {
    pub endpoint: String,
    shared: Arc<Shared>,
    task: tokio::task::JoinHandle<()>,
}

impl Proxy {
    /// Starts a proxy in front of `upstream` (e.g. `http://127.0.0.1:4566`).
    pub async fn start(upstream: &str, faults: Faults) -> Proxy {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind the proxy");
        let address: SocketAddr = listener.local_addr().unwrap();
        let shared = Arc::new(Shared {
            upstream: upstream.trim_end_matches('/').to_owned(),
            faults: Mutex::new(faults),
            counts: Mutex::new(BTreeMap::new()),
            service_counts: Mutex::new(BTreeMap::new()),
            service_in_flight: Mutex::new(BTreeMap::new()),
            first_described: Mutex::new(BTreeMap::new()),
            log: Mutex::new(Vec::new()),
            timeline: Mutex::new(Vec::new()),
            forwarded: AtomicU64::new(0),
            in_flight: AtomicU64::new(0),
            injected: AtomicU64::new(0),
            seed: AtomicU64::new(0x9E37_79B9_7F4A_7C15),
            watch: Mutex::new(None),
            client: Client::builder(TokioExecutor::new()).build_http(),
        });
        let accept = shared.clone();
        let task = tokio::spawn(async move {
            loop {
                let Ok((stream, _)) = listener.accept().await else { continue };
                let shared = accept.clone();
                tokio::spawn(async move {
                    let service = hyper::service::service_fn(move |req| handle(shared.clone(), req));
                    let _ = hyper::server::conn::http1::Builder::new()
                        .serve_connection(TokioIo::new(stream), service)
                        .await;
                });
            }
        });
        Proxy { endpoint: format!("http://{address}"), shared, task }
    }

    pub fn set_faults(&self, faults: Faults) {
        *self.shared.faults.lock().unwrap() = faults;
    }

    /// Requests per operation so far.
    pub fn counts(&self) -> BTreeMap<String, u64> {
        self.shared.counts.lock().unwrap().clone()
    }

    /// Requests per service and operation so far: `ssm ListTagsForResource` and
    /// `ecr ListTagsForResource` apart.
    pub fn service_counts(&self) -> BTreeMap<String, u64> {
        self.shared.service_counts.lock().unwrap().clone()
    }

    /// Per service, the most requests that were in flight at once (arrived, not answered).
    pub fn peak_in_flight(&self) -> BTreeMap<String, u64> {
        self.shared.service_in_flight.lock().unwrap().iter().map(|(s, (_, peak))| (s.clone(), *peak)).collect()
    }

    /// The operations forwarded so far, in order (1-based position = `when_forwarded`'s k).
    pub fn log(&self) -> Vec<String> {
        self.shared.log.lock().unwrap().clone()
    }

    /// Every request answered so far, with when it arrived and when it was answered.
    #[allow(dead_code)] // the benchmark's; the tests count instead
    pub fn timeline(&self) -> Vec<Timed> {
        self.shared.timeline.lock().unwrap().clone()
    }

    pub fn reset_counts(&self) {
        self.shared.timeline.lock().unwrap().clear();
        self.shared.counts.lock().unwrap().clear();
        self.shared.service_counts.lock().unwrap().clear();
        self.shared.service_in_flight.lock().unwrap().clear();
        self.shared.log.lock().unwrap().clear();
        self.shared.forwarded.store(0, Ordering::SeqCst);
        self.shared.injected.store(0, Ordering::SeqCst);
    }

    /// Requests forwarded to the emulator so far.
    pub fn forwarded(&self) -> u64 {
        self.shared.forwarded.load(Ordering::SeqCst)
    }

    /// Resolves once every request sent on has its answer: what a killed platformctl left
    /// in flight has then been done by the emulator, as AWS finishes what it received.
    pub async fn settled(&self) {
        let deadline = tokio::time::Instant::now() + Duration::from_secs(60);
        while self.shared.in_flight.load(Ordering::SeqCst) > 0 {
            assert!(tokio::time::Instant::now() < deadline, "requests still in flight after 60 s");
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }

    /// Errors answered instead of forwarding.
    pub fn injected(&self) -> u64 {
        self.shared.injected.load(Ordering::SeqCst)
    }

    /// Resolves when the k-th request (counting from now, 1-based) has been forwarded and the
    /// emulator answered; that answer is then held back for a few seconds.
    pub fn when_forwarded(&self, k: u64) -> oneshot::Receiver<()> {
        let (tx, rx) = oneshot::channel();
        let target = self.forwarded() + k;
        *self.shared.watch.lock().unwrap() = Some((target, tx));
        rx
    }
}

impl Drop for Proxy {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// The AWS operation a request calls, for the per-operation counts: `X-Amz-Target`, the query
/// `Action`, or for REST services (EKS, S3) the method and the path's first segment.
fn operation(req: &Request<()>, body: &[u8]) -> String {
    if let Some(target) = req.headers().get("x-amz-target").and_then(|v| v.to_str().ok()) {
        return target.rsplit('.').next().unwrap_or(target).to_owned();
    }
    let text = String::from_utf8_lossy(body);
    if let Some(action) = text.split('&').find_map(|p| p.strip_prefix("Action=")) {
        return action.to_owned();
    }
    // CloudWatch speaks RPC v2 (CBOR): the operation ends the path (`/service/…/operation/X`).
    if let Some((_, op)) = req.uri().path().rsplit_once("/operation/") {
        return op.to_owned();
    }
    // Route 53 is REST: its record changes are POSTs to a zone's `rrset`.
    if req.method() == hyper::Method::POST && req.uri().path().trim_end_matches('/').ends_with("/rrset") {
        return "ChangeResourceRecordSets".to_owned();
    }
    let first = req.uri().path().split('/').find(|s| !s.is_empty()).unwrap_or("");
    format!("{} /{first}", req.method())
}

/// The service a request is signed for: the fourth part of SigV4's credential scope
/// (`Credential=AKID/20261203/eu-west-1/ssm/aws4_request`).
fn service(req: &Request<()>) -> String {
    let authorization = req.headers().get("authorization").and_then(|v| v.to_str().ok()).unwrap_or_default();
    let scope = authorization.split("Credential=").nth(1).unwrap_or_default();
    scope.split(['/', ',']).nth(3).unwrap_or("unsigned").to_owned()
}

fn full(body: impl Into<Bytes>) -> Full<Bytes> {
    Full::new(body.into())
}

fn unavailable() -> Response<Full<Bytes>> {
    Response::builder().status(503).body(full("Service Unavailable")).unwrap()
}

/// A cheap deterministic pseudo-random number in [0, 1): the same run injects the same faults.
fn next_random(shared: &Shared) -> f64 {
    let mut x = shared.seed.load(Ordering::SeqCst);
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    shared.seed.store(x, Ordering::SeqCst);
    (x >> 11) as f64 / (1u64 << 53) as f64
}

async fn handle(shared: Arc<Shared>, req: Request<Incoming>) -> Result<Response<Full<Bytes>>, Infallible> {
    let (parts, incoming) = req.into_parts();
    let body = incoming.collect().await.map(|b| b.to_bytes()).unwrap_or_default();
    let shape = Request::from_parts(parts.clone(), ());
    let arrived = std::time::Instant::now();
    let _arrived = InFlight::arrive(&shared, service(&shape));
    let faults = shared.faults.lock().unwrap().clone();
    if !faults.latency.is_zero() {
        tokio::time::sleep(faults.latency).await;
    }
    let op = operation(&shape, &body);
    *shared.counts.lock().unwrap().entry(op.clone()).or_default() += 1;
    let service_op = format!("{} {op}", service(&shape));
    *shared.service_counts.lock().unwrap().entry(service_op.clone()).or_default() += 1;
    let _timed = Timeline { shared: shared.clone(), operation: service_op, arrived };

    if faults.error_rate > 0.0 && next_random(&shared) < faults.error_rate {
        shared.injected.fetch_add(1, Ordering::SeqCst);
        let answer = if next_random(&shared) < 0.5 { error_for(&shape, &body) } else { unavailable() };
        return Ok(answer);
    }

    // AWS finishes a request it received even when the caller goes away: forward it in a task
    // of its own, which a client killed mid-request does not cancel.
    shared.in_flight.fetch_add(1, Ordering::SeqCst);
    let lose = faults.lose_first_answer_of.as_deref() == Some(op.as_str()) && {
        let mut faults = shared.faults.lock().unwrap();
        faults.lose_first_answer_of.take().is_some()
    };
    let creating = faults.provisioning_speedup.and_then(|speedup| {
        let (kind, key) = describe_of_one(&shape, &op, &body)?;
        let takes = AWS_CREATE_TIMES.iter().find(|(k, _)| *k == kind)?.1.div_f64(speedup);
        let since = *shared.first_described.lock().unwrap().entry(key).or_insert_with(std::time::Instant::now);
        (since.elapsed() < takes).then_some(kind)
    });
    let forwarding = tokio::spawn(forward(shared, parts, body, op));
    let answer = forwarding.await.unwrap_or_else(|_| unavailable());
    Ok(match (lose, creating) {
        (true, _) => unavailable(),
        (false, Some(kind)) => {
            let (mut parts, body) = answer.into_parts();
            let body = still_creating(kind, &body.collect().await.map(|b| b.to_bytes()).unwrap_or_default());
            parts.headers.remove(hyper::header::CONTENT_LENGTH);
            Response::from_parts(parts, full(body))
        }
        (false, None) => answer,
    })
}

/// A request on its way through the proxy: noted in the timeline once answered (dropped).
struct Timeline {
    shared: Arc<Shared>,
    operation: String,
    arrived: std::time::Instant,
}

impl Drop for Timeline {
    fn drop(&mut self) {
        let (operation, arrived) = (std::mem::take(&mut self.operation), self.arrived);
        let timed = Timed { operation, arrived, answered: std::time::Instant::now() };
        self.shared.timeline.lock().unwrap().push(timed);
    }
}

/// A request of a service between its arrival and its answer (the count drops when dropped).
struct InFlight {
    shared: Arc<Shared>,
    service: String,
}

impl InFlight {
    fn arrive(shared: &Arc<Shared>, service: String) -> InFlight {
        let mut all = shared.service_in_flight.lock().unwrap();
        let (now, peak) = all.entry(service.clone()).or_default();
        *now += 1;
        *peak = (*peak).max(*now);
        drop(all);
        InFlight { shared: shared.clone(), service }
    }
}

impl Drop for InFlight {
    fn drop(&mut self) {
        if let Some((now, _)) = self.shared.service_in_flight.lock().unwrap().get_mut(&self.service) {
            *now = now.saturating_sub(1);
        }
    }
}

/// Sends a request on to the emulator and returns its answer, noting it in the log (and
/// holding it back when it is the one the test waits for).
async fn forward(
    shared: Arc<Shared>,
    parts: hyper::http::request::Parts,
    body: Bytes,
    op: String,
) -> Response<Full<Bytes>> {
    let uri = format!("{}{}", shared.upstream, parts.uri.path_and_query().map(|p| p.as_str()).unwrap_or("/"));
    let mut upstream = Request::builder().method(parts.method.clone()).uri(uri);
    for (name, value) in parts.headers.iter() {
        upstream = upstream.header(name, value);
    }
    let upstream = upstream.body(full(body)).unwrap();
    let answer = match shared.client.request(upstream).await {
        Ok(resp) => {
            let (parts, incoming) = resp.into_parts();
            let body = incoming.collect().await.map(|b| b.to_bytes()).unwrap_or_default();
            Response::from_parts(parts, full(body))
        }
        Err(_) => unavailable(),
    };
    let n = {
        let mut log = shared.log.lock().unwrap();
        log.push(op.clone());
        shared.in_flight.fetch_sub(1, Ordering::SeqCst);
        shared.forwarded.fetch_add(1, Ordering::SeqCst) + 1
    };
    let fire = {
        let mut watch = shared.watch.lock().unwrap();
        match watch.as_ref() {
            Some((k, _)) if *k == n => watch.take().map(|(_, tx)| tx),
            _ => None,
        }
    };
    if let Some(tx) = fire {
        let _ = tx.send(());
        // The emulator has done it; platformctl has not heard yet. The test kills it now.
        tokio::time::sleep(Duration::from_secs(3)).await;
    }
    answer
}

/// A throttling answer in the protocol the request used (REST services get a 503, which every
/// SDK client retries).
fn error_for(req: &Request<()>, body: &[u8]) -> Response<Full<Bytes>> {
    let builder = Response::builder().status(400);
    if req.headers().contains_key("x-amz-target") {
        return builder
            .header("content-type", "application/x-amz-json-1.1")
            .body(full(r#"{"__type":"ThrottlingException","message":"Rate exceeded"}"#))
            .unwrap();
    }
    let text = String::from_utf8_lossy(body);
    if text.contains("Version=2016-11-15") {
        let xml = "<Response><Errors><Error><Code>RequestLimitExceeded</Code><Message>Request limit exceeded.</Message></Error></Errors><RequestID>proxy</RequestID></Response>";
        return builder.header("content-type", "text/xml").body(full(xml)).unwrap();
    }
    if text.contains("Action=") {
        let xml = "<ErrorResponse><Error><Type>Sender</Type><Code>Throttling</Code><Message>Rate exceeded</Message></Error><RequestId>proxy</RequestId></ErrorResponse>";
        return builder.header("content-type", "text/xml").body(full(xml)).unwrap();
    }
    unavailable()
}
