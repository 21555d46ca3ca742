//! `trawl serve`: the API of [`trawl_api::Service`] over HTTP, for the UI in any browser (a dataset
//! on a remote GPU box, viewed through an SSH tunnel). SECURITY.md has the threat model; in short:
//!
//! - `POST /api` takes a [`trawl_api::protocol::Request`] as JSON and answers with the method's
//!   result, or with an [`trawl_api::protocol::ErrorBody`] and a 4xx/5xx status — always JSON,
//!   whatever the request (a panic in a handler is a 500, never a dead server).
//! - Every `/api` call needs the token in `Authorization: Bearer <token>` (the scheme in any case);
//!   no cookie carries authority. `GET /?token=<token>` (the URL printed at start) loads the app,
//!   which moves the token into sessionStorage and off the address bar. A 401 closes the connection.
//! - `/api` takes `Content-Type: application/json` only, and a method that changes anything must
//!   come from a page of this server: its `Origin` (or, without one, its `Referer`) is this origin.
//! - Every request whose `Host` header is not an address this server serves is refused (DNS
//!   rebinding), as are duplicate Host headers and absolute-form request targets.
//! - Every response carries a strict Content-Security-Policy; the UI is static files from `ui/dist`.
//! - Resources are bounded: header and idle timeouts, a cap on connections and a lower one on
//!   connections that have not shown the token (the oldest is closed first), body limits per
//!   method, a time limit on searches and renders, API calls on threads with a large stack.
#![deny(missing_docs)]

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::body::{Body, Bytes};
use axum::extract::{Request, State};
use axum::http::{header, HeaderMap, HeaderValue, Method, StatusCode};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::any;
use axum::Router;
use sha2::{Digest, Sha256};
use tokio::sync::{Notify, Semaphore};
use trawl_api::protocol::{ErrorBody, ErrorCode};
use trawl_api::Service;

/// The Content-Security-Policy of every response: nothing but this origin, no inline script or
/// style, no plugins, no framing, no form posts.
pub const CSP: &str = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; \
font-src 'self'; connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

/// The shortest token `trawl serve` accepts without `--insecure-short-token`: 43 characters, what 32
/// random bytes take in unpadded base64url (a hex token of 43 digits still carries 172 bits).
pub const MIN_TOKEN_CHARS: usize = 43;

/// Resource limits of a server.
#[derive(Debug, Clone)]
pub struct Limits {
    /// Time to receive a request's headers, and the longest a connection may sit idle between
    /// requests (hyper's header-read timeout runs from the moment it waits for the next request).
    pub header_timeout: Duration,
    /// Time to receive a request's body.
    pub body_timeout: Duration,
    /// Longest a search, render or other read may run before the answer is "query too expensive".
    pub request_timeout: Duration,
    /// Open connections at most; beyond, new connections are closed at once.
    pub max_connections: usize,
    /// Connections that have not (yet) carried a valid token, at most: the oldest is closed to
    /// admit a new one, so idle sockets without the token cannot lock the owner out.
    pub max_untrusted: usize,
    /// API calls running at once (each on its own thread with [`Limits::stack_size`]).
    pub max_calls: usize,
    /// Stack of the threads that run API calls.
    pub stack_size: usize,
    /// Body limit of methods that carry lists (`label_bulk`, `subset_create`, `contamination_add`, …).
    pub max_body_large: usize,
    /// Body limit of every other method.
    pub max_body: usize,
}

impl Default for Limits {
    fn default() -> Limits {
        Limits {
            header_timeout: Duration::from_secs(15),
            body_timeout: Duration::from_secs(30),
            request_timeout: Duration::from_secs(30),
            max_connections: 512,
            max_untrusted: 64,
            max_calls: 8,
            stack_size: 64 << 20,
            max_body_large: 32 << 20,
            max_body: 256 << 10,
        }
    }
}

/// How to serve.
#[derive(Debug, Clone)]
pub struct ServeOptions {
    /// The token every API call must carry.
    pub token: String,
    /// The built UI (`ui/dist`), if any.
    pub ui_dir: Option<PathBuf>,
    /// Host header values accepted besides the loopback names of the bound port.
    pub extra_hosts: Vec<String>,
    /// Resource limits.
    pub limits: Limits,
}

impl ServeOptions {
    /// Options with this token, no UI, the default limits.
    pub fn new(token: impl Into<String>) -> ServeOptions {
        ServeOptions { token: token.into(), ui_dir: None, extra_hosts: Vec::new(), limits: Limits::default() }
    }
}

/// A fresh random token: 32 bytes from the OS generator as 64 hex digits.
pub fn random_token() -> String {
    let bytes: [u8; 32] = rand::random();
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// Checks a token given by the user: at least [`MIN_TOKEN_CHARS`] characters, unless
/// `allow_short`; printable ASCII without spaces (it travels in a header).
pub fn check_token(token: &str, allow_short: bool) -> Result<(), String> {
    if token.is_empty() {
        return Err("the token is empty".into());
    }
    if !token.bytes().all(|b| b.is_ascii_graphic()) {
        return Err("the token must be printable ASCII without spaces (it is sent in a header)".into());
    }
    if token.chars().count() < MIN_TOKEN_CHARS && !allow_short {
        return Err(format!(
            "the token has {} characters; trawl serve needs at least {MIN_TOKEN_CHARS} (32 random bytes, e.g. \
             `openssl rand -hex 32`), or pass --insecure-short-token",
            token.chars().count()
        ));
    }
    Ok(())
}

struct Ctx {
    service: Arc<Service>,
    token_hash: [u8; 32],
    hosts: Vec<String>,
    limits: Limits,
    calls: Arc<Semaphore>,
}

/// The Host header values a server bound to `addr` accepts.
pub fn allowed_hosts(addr: SocketAddr, extra: &[String]) -> Vec<String> {
    let port = addr.port();
    let mut hosts = vec![format!("127.0.0.1:{port}"), format!("localhost:{port}"), format!("[::1]:{port}")];
    let own = addr.to_string();
    if !hosts.contains(&own) && !addr.ip().is_unspecified() {
        hosts.push(own);
    }
    hosts.extend(extra.iter().cloned());
    hosts
}

/// The router for a server bound to `addr`.
pub fn router(service: Arc<Service>, addr: SocketAddr, opts: &ServeOptions) -> Router {
    let ctx = Arc::new(Ctx {
        service,
        token_hash: Sha256::digest(opts.token.as_bytes()).into(),
        hosts: allowed_hosts(addr, &opts.extra_hosts),
        limits: opts.limits.clone(),
        calls: Arc::new(Semaphore::new(opts.limits.max_calls.max(1))),
    });
    let api = Router::new()
        .route("/api", any(api))
        .route("/api/", any(api))
        .route("/api/{*rest}", any(api))
        .route_layer(middleware::from_fn_with_state(ctx.clone(), require_token))
        .with_state(ctx.clone());
    let ui = opts.ui_dir.clone();
    let app = match ui {
        Some(dir) if dir.join("index.html").is_file() => {
            api.fallback_service(tower_http::services::ServeDir::new(dir).append_index_html_on_directories(true))
        }
        _ => api.fallback(|| async {
            (
                StatusCode::NOT_FOUND,
                [(header::CONTENT_TYPE, "text/plain; charset=utf-8")],
                "trawl serve: the UI is not built here; run `npm --prefix ui ci && npm --prefix ui run build`, \
                 or pass --ui DIR. The API is at POST /api.\n",
            )
        }),
    };
    app.layer(middleware::from_fn_with_state(ctx, check_host)).layer(middleware::from_fn(security_headers)).layer(
        tower_http::catch_panic::CatchPanicLayer::custom(|_: Box<dyn std::any::Any + Send>| {
            error_response(StatusCode::INTERNAL_SERVER_ERROR, ErrorCode::Internal, "internal error: the request failed")
        }),
    )
}

/// The open connections: their count, and the ones that have not carried a valid token yet, oldest
/// first, each with the signal that closes it.
struct Conns {
    max_total: usize,
    max_untrusted: usize,
    table: Mutex<ConnTable>,
}

#[derive(Default)]
struct ConnTable {
    next: u64,
    total: usize,
    untrusted: BTreeMap<u64, Arc<Notify>>,
}

/// One admitted connection; dropping it forgets the connection.
struct ConnGuard {
    id: u64,
    close: Arc<Notify>,
    conns: Arc<Conns>,
}

/// Put on each request, so the token check can mark its connection trusted.
#[derive(Clone)]
struct ConnMark {
    id: u64,
    conns: Arc<Conns>,
}

impl Conns {
    fn lock(&self) -> std::sync::MutexGuard<'_, ConnTable> {
        self.table.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Admits a new connection. When a cap is reached the oldest connection without a valid token
    /// is closed to make room (it may count a moment longer, until its task ends); None when the
    /// total cap is reached and every connection has shown the token.
    fn admit(self: &Arc<Self>) -> Option<ConnGuard> {
        let mut t = self.lock();
        if t.total >= self.max_total || t.untrusted.len() >= self.max_untrusted {
            match t.untrusted.keys().next().copied() {
                Some(oldest) => {
                    if let Some(n) = t.untrusted.remove(&oldest) {
                        n.notify_one();
                    }
                }
                None if t.total >= self.max_total => return None,
                None => {}
            }
        }
        t.next += 1;
        t.total += 1;
        let id = t.next;
        let close = Arc::new(Notify::new());
        t.untrusted.insert(id, close.clone());
        Some(ConnGuard { id, close, conns: self.clone() })
    }

    fn trust(&self, id: u64) {
        self.lock().untrusted.remove(&id);
    }
}

impl Drop for ConnGuard {
    fn drop(&mut self) {
        let mut t = self.conns.lock();
        t.untrusted.remove(&self.id);
        t.total = t.total.saturating_sub(1);
    }
}

/// Serves until the process is stopped: each connection with hyper's HTTP/1 server (header and
/// idle timeouts), under the connection caps of `opts.limits`.
pub async fn serve(
    listener: tokio::net::TcpListener,
    service: Arc<Service>,
    opts: ServeOptions,
) -> std::io::Result<()> {
    use hyper_util::rt::{TokioIo, TokioTimer};
    use tower::ServiceExt;
    let addr = listener.local_addr()?;
    let app = router(service, addr, &opts);
    let limits = opts.limits.clone();
    let conns = Arc::new(Conns {
        max_total: limits.max_connections.max(2),
        max_untrusted: limits.max_untrusted.clamp(1, limits.max_connections.max(2)),
        table: Mutex::new(ConnTable::default()),
    });
    let mut last_warning = std::time::Instant::now() - Duration::from_secs(60);
    loop {
        let (tcp, _peer) = match listener.accept().await {
            Ok(x) => x,
            Err(e) => {
                // Out of file descriptors and the like: wait a little and go on, never stop.
                if last_warning.elapsed() > Duration::from_secs(10) {
                    eprintln!("trawl serve: cannot accept a connection: {e}");
                    last_warning = std::time::Instant::now();
                }
                tokio::time::sleep(Duration::from_millis(20)).await;
                continue;
            }
        };
        let Some(guard) = conns.admit() else {
            drop(tcp);
            continue;
        };
        // No Nagle: an answer goes out as soon as it is written, not after the browser's delayed ACK.
        let _ = tcp.set_nodelay(true);
        let app = app.clone();
        let header_timeout = limits.header_timeout;
        tokio::spawn(async move {
            let mark = ConnMark { id: guard.id, conns: guard.conns.clone() };
            let svc = hyper::service::service_fn(move |mut req: hyper::Request<hyper::body::Incoming>| {
                req.extensions_mut().insert(mark.clone());
                app.clone().oneshot(req.map(Body::new))
            });
            let mut builder = hyper::server::conn::http1::Builder::new();
            builder.timer(TokioTimer::new()).header_read_timeout(header_timeout).max_buf_size(64 * 1024);
            let conn = builder.serve_connection(TokioIo::new(tcp), svc);
            let close = guard.close.clone();
            tokio::select! {
                _ = conn => {}
                _ = close.notified() => {}
            }
            drop(guard);
        });
    }
}

fn error_response(status: StatusCode, code: ErrorCode, message: impl Into<String>) -> Response {
    let body = ErrorBody { code, message: message.into(), column: None };
    json_response(status, &serde_json::to_value(body).unwrap_or_default())
}

fn json_response(status: StatusCode, value: &serde_json::Value) -> Response {
    let mut r = Response::new(Body::from(serde_json::to_vec(value).unwrap_or_default()));
    *r.status_mut() = status;
    r.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static("application/json"));
    r
}

/// Methods that only read: they need the token but not a same-origin `Origin`. Every other method
/// (and any unknown name) counts as changing something.
const READ_ONLY: &[&str] = &[
    "db_info",
    "stats",
    "vocabulary",
    "search",
    "trajectory",
    "observation",
    "compare",
    "show",
    "charts",
    "jobs",
    "diagnostics",
    "source_lines",
    "label_sets",
    "annotator",
    "labels_for",
    "queue",
    "agreement",
    "subsets",
    "subset_show",
    "subset_lineage",
    "dedup_report",
    "contamination_lists",
];

/// Methods whose requests carry lists and may be large.
const LARGE: &[&str] = &["label_bulk", "subset_create", "contamination_add", "define_label_set", "ingest_start"];

/// Methods that run under the request time limit (reads whose cost depends on the query or data).
const TIMED: &[&str] = &[
    "search",
    "trajectory",
    "observation",
    "compare",
    "show",
    "charts",
    "diagnostics",
    "source_lines",
    "queue",
    "agreement",
    "dedup_report",
    "labels_for",
];

/// The longest query accepted at the door: a guard in front of the parser, which has its own,
/// tighter limits on length, depth and terms and answers them with a column error (`bad_query`).
pub const MAX_QUERY_BYTES: usize = 64 * 1024;

/// Checks every string field named `query` (or `q`) in the params, at any depth.
fn check_queries(v: &serde_json::Value) -> Result<(), String> {
    match v {
        serde_json::Value::Object(m) => {
            for (k, v) in m {
                if let (true, Some(q)) = (k == "query" || k == "q", v.as_str()) {
                    if q.len() > MAX_QUERY_BYTES {
                        return Err(format!("query too expensive: {} bytes (at most {MAX_QUERY_BYTES})", q.len()));
                    }
                }
                check_queries(v)?;
            }
            Ok(())
        }
        serde_json::Value::Array(a) => a.iter().try_for_each(check_queries),
        _ => Ok(()),
    }
}

fn forbidden(message: impl Into<String>) -> Response {
    error_response(StatusCode::FORBIDDEN, ErrorCode::Forbidden, message)
}

/// `scheme://authority` of an Origin or Referer value.
fn origin_of(v: &str) -> Option<(&str, &str)> {
    let (scheme, rest) = v.split_once("://")?;
    let authority = rest.split(['/', '?', '#']).next()?;
    Some((scheme, authority))
}

/// The request comes from a page of this server: its Origin (or, without one, its Referer) is
/// `http(s)://<the Host it was sent to>`.
fn same_origin(headers: &HeaderMap) -> Result<(), String> {
    let host = headers.get(header::HOST).and_then(|v| v.to_str().ok()).unwrap_or("");
    let (what, value) = match (headers.get(header::ORIGIN), headers.get(header::REFERER)) {
        (Some(o), _) => ("Origin", o.to_str().unwrap_or("")),
        (None, Some(r)) => ("Referer", r.to_str().unwrap_or("")),
        (None, None) => {
            return Err(format!(
                "a request that changes data must come from the app: it carries neither Origin nor Referer \
                 (scripts: send `Origin: http://{host}`)"
            ))
        }
    };
    match origin_of(value) {
        Some((scheme, authority))
            if (scheme.eq_ignore_ascii_case("http") || scheme.eq_ignore_ascii_case("https"))
                && authority.eq_ignore_ascii_case(host) =>
        {
            Ok(())
        }
        _ => Err(format!(
            "a request that changes data must come from the app: its {what} '{value}' is not http://{host}"
        )),
    }
}

fn is_json(headers: &HeaderMap) -> bool {
    headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .is_some_and(|m| m.trim().eq_ignore_ascii_case("application/json"))
}

async fn api(State(ctx): State<Arc<Ctx>>, req: Request) -> Response {
    let limits = &ctx.limits;
    let hard = limits.max_body_large.max(limits.max_body);
    if let Some(n) =
        req.headers().get(header::CONTENT_LENGTH).and_then(|v| v.to_str().ok()).and_then(|v| v.parse::<u64>().ok())
    {
        if n > hard as u64 {
            let mut r = too_large(n as usize, hard);
            r.headers_mut().insert(header::CONNECTION, HeaderValue::from_static("close"));
            return r;
        }
    }
    let (parts, body) = req.into_parts();
    // The body is read first, whatever is refused next: answering with unread data on the socket
    // can make the kernel reset the connection before the client reads the answer.
    let body = match tokio::time::timeout(limits.body_timeout, axum::body::to_bytes(body, hard)).await {
        Ok(Ok(b)) => b,
        Ok(Err(e)) => {
            let mut r = error_response(
                StatusCode::PAYLOAD_TOO_LARGE,
                ErrorCode::BadRequest,
                format!("cannot read the request body (at most {hard} bytes): {e}"),
            );
            r.headers_mut().insert(header::CONNECTION, HeaderValue::from_static("close"));
            return r;
        }
        Err(_) => {
            let mut r = error_response(
                StatusCode::REQUEST_TIMEOUT,
                ErrorCode::BadRequest,
                format!("the request body did not arrive within {} s", limits.body_timeout.as_secs()),
            );
            r.headers_mut().insert(header::CONNECTION, HeaderValue::from_static("close"));
            return r;
        }
    };
    if parts.method != Method::POST {
        let mut r = error_response(
            StatusCode::METHOD_NOT_ALLOWED,
            ErrorCode::BadRequest,
            format!("{} /api: the API takes POST with a JSON body", parts.method),
        );
        r.headers_mut().insert(header::ALLOW, HeaderValue::from_static("POST"));
        return r;
    }
    if parts.uri.path() != "/api" {
        return error_response(
            StatusCode::NOT_FOUND,
            ErrorCode::NotFound,
            format!("no endpoint {}: the API is POST /api", parts.uri.path()),
        );
    }
    let headers = parts.headers;
    if !is_json(&headers) {
        return forbidden("the API takes `Content-Type: application/json` only (a form or text/plain post is refused)");
    }
    // The method name first (cheap), to apply its body limit and origin rule before running it.
    let head: serde_json::Value = match serde_json::from_slice(&body) {
        Ok(v) => v,
        Err(e) => return error_response(StatusCode::BAD_REQUEST, ErrorCode::BadRequest, format!("bad request: {e}")),
    };
    let method = head.get("method").and_then(|m| m.as_str()).unwrap_or("").to_string();
    let cap = if LARGE.contains(&method.as_str()) { limits.max_body_large } else { limits.max_body };
    if body.len() > cap {
        return too_large(body.len(), cap);
    }
    if !READ_ONLY.contains(&method.as_str()) {
        if let Err(m) = same_origin(&headers) {
            return forbidden(m);
        }
    }
    if let Some(params) = head.get("params") {
        if let Err(m) = check_queries(params) {
            return error_response(StatusCode::BAD_REQUEST, ErrorCode::TooExpensive, m);
        }
    }
    drop(head);
    run_call(&ctx, method, body).await
}

fn too_large(n: usize, cap: usize) -> Response {
    error_response(
        StatusCode::PAYLOAD_TOO_LARGE,
        ErrorCode::BadRequest,
        format!("request body of {n} bytes is too large for this method (at most {cap})"),
    )
}

/// Runs one call on its own thread (a large stack: no input can overflow it), at most
/// `max_calls` at once, under the time limit for timed methods. A panic is a 500.
async fn run_call(ctx: &Arc<Ctx>, method: String, body: Bytes) -> Response {
    let limits = &ctx.limits;
    let timed = TIMED.contains(&method.as_str());
    let deadline = tokio::time::Instant::now() + limits.request_timeout;
    let permit = if timed {
        match tokio::time::timeout_at(deadline, ctx.calls.clone().acquire_owned()).await {
            Ok(Ok(p)) => p,
            _ => return too_expensive(&method, limits.request_timeout),
        }
    } else {
        match ctx.calls.clone().acquire_owned().await {
            Ok(p) => p,
            Err(_) => return error_response(StatusCode::SERVICE_UNAVAILABLE, ErrorCode::Internal, "server stopping"),
        }
    };
    let (tx, rx) = tokio::sync::oneshot::channel();
    let service = ctx.service.clone();
    let spawned =
        std::thread::Builder::new().name(format!("api-{method}")).stack_size(limits.stack_size).spawn(move || {
            let _permit = permit;
            let r = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| service.call_json(&body)));
            let _ = tx.send(r);
        });
    if let Err(e) = spawned {
        return error_response(
            StatusCode::SERVICE_UNAVAILABLE,
            ErrorCode::Internal,
            format!("cannot run the request: {e}"),
        );
    }
    let answer = if timed {
        match tokio::time::timeout_at(deadline, rx).await {
            Ok(a) => a,
            Err(_) => return too_expensive(&method, limits.request_timeout),
        }
    } else {
        rx.await
    };
    match answer {
        Ok(Ok(Ok(value))) => json_response(StatusCode::OK, &value),
        Ok(Ok(Err(e))) => {
            let status = match e.code() {
                ErrorCode::BadQuery | ErrorCode::BadRequest => StatusCode::BAD_REQUEST,
                ErrorCode::NotFound => StatusCode::NOT_FOUND,
                ErrorCode::DatabaseTooNew => StatusCode::CONFLICT,
                ErrorCode::Io => StatusCode::UNPROCESSABLE_ENTITY,
                ErrorCode::Unauthorized => StatusCode::UNAUTHORIZED,
                ErrorCode::Forbidden => StatusCode::FORBIDDEN,
                ErrorCode::TooExpensive => StatusCode::SERVICE_UNAVAILABLE,
                ErrorCode::Internal => StatusCode::INTERNAL_SERVER_ERROR,
            };
            json_response(status, &serde_json::to_value(&e.0).unwrap_or_default())
        }
        Ok(Err(_)) | Err(_) => error_response(
            StatusCode::INTERNAL_SERVER_ERROR,
            ErrorCode::Internal,
            format!("internal error in {method}"),
        ),
    }
}

fn too_expensive(method: &str, limit: Duration) -> Response {
    error_response(
        StatusCode::SERVICE_UNAVAILABLE,
        ErrorCode::TooExpensive,
        format!(
            "query too expensive: {method} did not finish within {} s; narrow the query (a field filter, fewer wildcards)",
            limit.as_secs_f64()
        ),
    )
}

/// Compares in time independent of the tokens' contents and lengths: both are hashed first.
fn same(hash: &[u8; 32], presented: &str) -> bool {
    let h: [u8; 32] = Sha256::digest(presented.as_bytes()).into();
    h.iter().zip(hash.iter()).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// The token of an `Authorization: Bearer <token>` header (the scheme in any case, RFC 7235).
fn presented_token(headers: &HeaderMap) -> Option<String> {
    let v = headers.get(header::AUTHORIZATION)?.to_str().ok()?.trim();
    let (scheme, token) = v.split_once(' ')?;
    scheme.eq_ignore_ascii_case("bearer").then(|| token.trim().to_string())
}

async fn require_token(State(ctx): State<Arc<Ctx>>, req: Request, next: Next) -> Response {
    let refused = match presented_token(req.headers()) {
        Some(t) if same(&ctx.token_hash, &t) => {
            if let Some(mark) = req.extensions().get::<ConnMark>() {
                mark.conns.trust(mark.id);
            }
            return next.run(req).await;
        }
        Some(_) => "wrong token",
        None => {
            "this API needs the token in `Authorization: Bearer <token>`: open the URL `trawl serve` printed (the app \
             sends it), or send the header"
        }
    };
    // Read what the client sent (bounded) before closing: closing with unread data makes the kernel
    // reset the connection, and the client may lose this answer.
    let limit = ctx.limits.max_body_large.max(ctx.limits.max_body);
    let _ = tokio::time::timeout(Duration::from_secs(5), axum::body::to_bytes(req.into_body(), limit)).await;
    let mut r = error_response(StatusCode::UNAUTHORIZED, ErrorCode::Unauthorized, refused);
    r.headers_mut().insert(header::CONNECTION, HeaderValue::from_static("close"));
    r.headers_mut().insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
    r
}

async fn check_host(State(ctx): State<Arc<Ctx>>, req: Request, next: Next) -> Response {
    let mut hosts = req.headers().get_all(header::HOST).iter();
    let (first, second) = (hosts.next(), hosts.next());
    if second.is_some() {
        return bad_framing("two Host headers: refused");
    }
    if req.uri().scheme().is_some() || req.uri().authority().is_some() {
        return bad_framing("absolute-form request targets (a proxy request) are refused: send `POST /api`");
    }
    let host = first.and_then(|v| v.to_str().ok()).unwrap_or("");
    if ctx.hosts.iter().any(|h| h.eq_ignore_ascii_case(host)) {
        return next.run(req).await;
    }
    forbidden(format!("host '{host}' is not served here (expected one of {})", ctx.hosts.join(", ")))
}

fn bad_framing(message: &str) -> Response {
    let mut r = error_response(StatusCode::BAD_REQUEST, ErrorCode::BadRequest, message);
    r.headers_mut().insert(header::CONNECTION, HeaderValue::from_static("close"));
    r
}

async fn security_headers(req: Request, next: Next) -> Response {
    let is_api = req.uri().path().starts_with("/api");
    let mut resp = next.run(req).await.into_response();
    let h = resp.headers_mut();
    h.insert(header::CONTENT_SECURITY_POLICY, HeaderValue::from_static(CSP));
    h.insert(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    h.insert(header::REFERRER_POLICY, HeaderValue::from_static("no-referrer"));
    h.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    h.insert("cross-origin-opener-policy", HeaderValue::from_static("same-origin"));
    h.insert("cross-origin-resource-policy", HeaderValue::from_static("same-origin"));
    if is_api {
        h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    }
    resp
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn method_lists_name_real_methods() {
        use trawl_api::protocol::Request;
        for name in READ_ONLY.iter().chain(LARGE).chain(TIMED) {
            assert!(Request::METHODS.contains(name), "{name} is not an API method");
        }
    }

    #[test]
    fn bearer_scheme_is_case_insensitive_and_tokens_compare_by_digest() {
        let mut h = HeaderMap::new();
        for v in ["Bearer abc", "bearer abc", "BEARER  abc ", "bEaReR abc"] {
            h.insert(header::AUTHORIZATION, HeaderValue::from_str(v).unwrap());
            assert_eq!(presented_token(&h).as_deref(), Some("abc"), "{v}");
        }
        for v in ["Basic abc", "Bearerabc", "abc"] {
            h.insert(header::AUTHORIZATION, HeaderValue::from_str(v).unwrap());
            assert_eq!(presented_token(&h), None, "{v}");
        }
        let hash: [u8; 32] = Sha256::digest(b"secret").into();
        assert!(same(&hash, "secret"));
        assert!(!same(&hash, "secre") && !same(&hash, "secrets") && !same(&hash, ""));
    }
}
