//! `trawl serve`: the API of [`trawl_api::Service`] over HTTP, for the UI in any browser (a dataset
//! on a remote GPU box, viewed through an SSH tunnel).
//!
//! - `POST /api` takes a [`trawl_api::protocol::Request`] as JSON and answers with the method's
//!   result, or with an [`trawl_api::protocol::ErrorBody`] and a 4xx/5xx status.
//! - Every `/api` call needs the token: `Authorization: Bearer <token>` or the `trawl_token` cookie,
//!   which `GET /?token=<token>` sets (the URL printed at start, as Jupyter does).
//! - Every request whose `Host` header is not an address this server serves is refused (DNS
//!   rebinding: a foreign page that resolves its own name to 127.0.0.1 cannot reach the API).
//! - Every response carries a strict Content-Security-Policy; the UI is static files from `ui/dist`.
#![deny(missing_docs)]

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;

use axum::body::{Body, Bytes};
use axum::extract::{Request, State};
use axum::http::{header, HeaderMap, HeaderValue, Method, StatusCode};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use axum::Router;
use trawl_api::protocol::{ErrorBody, ErrorCode};
use trawl_api::Service;

/// The Content-Security-Policy of every response: nothing but this origin, no inline script or
/// style, no plugins, no framing, no form posts.
pub const CSP: &str = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; \
font-src 'self'; connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

/// The cookie that carries the token after `GET /?token=…`.
pub const COOKIE: &str = "trawl_token";

/// How to serve.
#[derive(Debug, Clone)]
pub struct ServeOptions {
    /// The token every API call must carry.
    pub token: String,
    /// The built UI (`ui/dist`), if any.
    pub ui_dir: Option<PathBuf>,
    /// Host header values accepted besides the loopback names of the bound port.
    pub extra_hosts: Vec<String>,
}

/// A fresh random token (32 hex digits, 128 bits from the OS generator).
pub fn random_token() -> String {
    let bytes: [u8; 16] = rand::random();
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

struct Ctx {
    service: Arc<Service>,
    token: String,
    hosts: Vec<String>,
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
    let ctx = Arc::new(Ctx { service, token: opts.token.clone(), hosts: allowed_hosts(addr, &opts.extra_hosts) });
    let api = Router::new()
        .route("/api", post(api))
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
    app.layer(middleware::from_fn_with_state(ctx.clone(), token_cookie))
        .layer(middleware::from_fn_with_state(ctx, check_host))
        .layer(middleware::from_fn(security_headers))
}

/// Serves until the process is stopped.
pub async fn serve(
    listener: tokio::net::TcpListener,
    service: Arc<Service>,
    opts: ServeOptions,
) -> std::io::Result<()> {
    use axum::serve::ListenerExt;
    let addr = listener.local_addr()?;
    // No Nagle: an answer goes out as soon as it is written, not after the browser's delayed ACK.
    let listener = listener.tap_io(|tcp| {
        if let Err(e) = tcp.set_nodelay(true) {
            eprintln!("trawl serve: cannot set TCP_NODELAY: {e}");
        }
    });
    axum::serve(listener, router(service, addr, &opts)).await
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

async fn api(State(ctx): State<Arc<Ctx>>, body: Bytes) -> Response {
    let service = ctx.service.clone();
    let answer = tokio::task::spawn_blocking(move || service.call_json(&body)).await;
    match answer {
        Ok(Ok(value)) => json_response(StatusCode::OK, &value),
        Ok(Err(e)) => {
            let status = match e.code() {
                ErrorCode::BadQuery | ErrorCode::BadRequest => StatusCode::BAD_REQUEST,
                ErrorCode::NotFound => StatusCode::NOT_FOUND,
                ErrorCode::DatabaseTooNew => StatusCode::CONFLICT,
                ErrorCode::Io => StatusCode::UNPROCESSABLE_ENTITY,
                ErrorCode::Unauthorized => StatusCode::UNAUTHORIZED,
                ErrorCode::Internal => StatusCode::INTERNAL_SERVER_ERROR,
            };
            json_response(status, &serde_json::to_value(&e.0).unwrap_or_default())
        }
        Err(e) => {
            error_response(StatusCode::INTERNAL_SERVER_ERROR, ErrorCode::Internal, format!("request failed: {e}"))
        }
    }
}

/// Compares in time independent of where the first difference is.
fn same(a: &str, b: &str) -> bool {
    a.len() == b.len() && a.bytes().zip(b.bytes()).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

fn presented_token(headers: &HeaderMap) -> Option<String> {
    if let Some(v) = headers.get(header::AUTHORIZATION).and_then(|v| v.to_str().ok()) {
        if let Some(t) = v.strip_prefix("Bearer ") {
            return Some(t.trim().to_string());
        }
    }
    for v in headers.get_all(header::COOKIE) {
        for part in v.to_str().unwrap_or("").split(';') {
            if let Some((k, val)) = part.trim().split_once('=') {
                if k == COOKIE {
                    return Some(val.to_string());
                }
            }
        }
    }
    None
}

async fn require_token(State(ctx): State<Arc<Ctx>>, req: Request, next: Next) -> Response {
    match presented_token(req.headers()) {
        Some(t) if same(&t, &ctx.token) => next.run(req).await,
        Some(_) => error_response(StatusCode::UNAUTHORIZED, ErrorCode::Unauthorized, "wrong token"),
        None => error_response(
            StatusCode::UNAUTHORIZED,
            ErrorCode::Unauthorized,
            "this API needs the token: open the URL `trawl serve` printed, or send `Authorization: Bearer <token>`",
        ),
    }
}

/// `GET /?token=T` with the right token: set the cookie, so the UI's calls carry it.
async fn token_cookie(State(ctx): State<Arc<Ctx>>, req: Request, next: Next) -> Response {
    let given = (req.method() == Method::GET)
        .then(|| req.uri().query())
        .flatten()
        .and_then(|q| q.split('&').find_map(|kv| kv.strip_prefix("token=")).map(str::to_string));
    let mut resp = next.run(req).await;
    if let Some(t) = given {
        if same(&t, &ctx.token) {
            let cookie = format!("{COOKIE}={t}; Path=/; HttpOnly; SameSite=Strict");
            if let Ok(v) = HeaderValue::from_str(&cookie) {
                resp.headers_mut().append(header::SET_COOKIE, v);
            }
        }
    }
    resp
}

async fn check_host(State(ctx): State<Arc<Ctx>>, req: Request, next: Next) -> Response {
    let host = req.headers().get(header::HOST).and_then(|v| v.to_str().ok()).unwrap_or("");
    if ctx.hosts.iter().any(|h| h.eq_ignore_ascii_case(host)) {
        return next.run(req).await;
    }
    error_response(
        StatusCode::FORBIDDEN,
        ErrorCode::Unauthorized,
        format!("host '{host}' is not served here (expected one of {})", ctx.hosts.join(", ")),
    )
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
