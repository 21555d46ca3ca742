//! `trawl serve` over real HTTP on loopback: token, Host check, CSP, the API's answers; the
//! security suite (issue 16) in `security.rs`, the HTTP fuzz test in `fuzz.rs`.

mod fuzz;
mod security;

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::path::PathBuf;
use std::sync::Arc;

use trawl_api::protocol::IngestRequest;
use trawl_api::{Library, PathPolicy, Service};
use trawl_server::{Limits, ServeOptions, CSP};

const TOKEN: &str = "test-token-0123456789-0123456789-0123456789-0123456789";

struct Server {
    addr: SocketAddr,
    dir: tempfile::TempDir,
}

/// Starts a server on a free port over a database of 200 generated trajectories plus the real fixtures.
fn start(ui: Option<PathBuf>) -> Server {
    start_with(ui, None, Limits::default())
}

/// Starts a server; `data_dir`: restrict paths to this directory (created inside the server's
/// temporary directory), as `trawl serve` does.
fn start_with(ui: Option<PathBuf>, data_dir: Option<&str>, limits: Limits) -> Server {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("gen.jsonl");
    trawl_gen::write_jsonl(&trawl_gen::GenConfig::new(7), 200, std::fs::File::create(&data).unwrap()).unwrap();
    let fixtures = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/fixtures/real");
    let mut lib = Library::open(&dir.path().join("t.db")).unwrap();
    let paths = vec![data.display().to_string(), fixtures.display().to_string()];
    lib.ingest(&IngestRequest { paths, force: false }, |_| {}).unwrap();
    let policy = match data_dir {
        Some(d) => {
            let d = dir.path().join(d);
            std::fs::create_dir_all(&d).unwrap();
            PathPolicy::within(&[d]).unwrap()
        }
        None => PathPolicy::Unrestricted,
    };
    let service = Arc::new(Service::with_paths(lib, policy));
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let rt = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap();
        rt.block_on(async move {
            let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
            tx.send(listener.local_addr().unwrap()).unwrap();
            let mut opts = ServeOptions::new(TOKEN);
            opts.ui_dir = ui;
            opts.limits = limits;
            trawl_server::serve(listener, service, opts).await.unwrap();
        });
    });
    Server { addr: rx.recv().unwrap(), dir }
}

struct Reply {
    status: u16,
    headers: Vec<(String, String)>,
    body: String,
}

impl Reply {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(k, _)| k.eq_ignore_ascii_case(name)).map(|(_, v)| v.as_str())
    }
    fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.body).unwrap_or_else(|e| panic!("not JSON ({e}): {}", self.body))
    }
}

/// One raw HTTP/1.1 request, so the test controls every header (Host included).
fn http(addr: SocketAddr, method: &str, path: &str, host: &str, headers: &[(&str, &str)], body: &str) -> Reply {
    let mut s = TcpStream::connect(addr).unwrap();
    let mut req = format!("{method} {path} HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n");
    for (k, v) in headers {
        req.push_str(&format!("{k}: {v}\r\n"));
    }
    req.push_str(&format!("Content-Length: {}\r\n\r\n{body}", body.len()));
    s.write_all(req.as_bytes()).unwrap();
    let mut raw = Vec::new();
    s.read_to_end(&mut raw).unwrap();
    let text = String::from_utf8_lossy(&raw).to_string();
    let (head, body) = text.split_once("\r\n\r\n").unwrap_or((&text, ""));
    let mut lines = head.lines();
    let status = lines.next().unwrap().split(' ').nth(1).unwrap().parse().unwrap();
    let headers = lines.filter_map(|l| l.split_once(": ")).map(|(k, v)| (k.to_string(), v.to_string())).collect();
    // Bodies may come chunked; the tests only read small JSON bodies, so undo chunking simply.
    let body = if head.to_ascii_lowercase().contains("transfer-encoding: chunked") {
        let mut out = String::new();
        let mut rest = body;
        while let Some((size, after)) = rest.split_once("\r\n") {
            let n = usize::from_str_radix(size.trim(), 16).unwrap_or(0);
            if n == 0 {
                break;
            }
            out.push_str(&after[..n]);
            rest = &after[n + 2..];
        }
        out
    } else {
        body.to_string()
    };
    Reply { status, headers, body }
}

fn api(s: &Server, body: &str, auth: Option<&str>) -> Reply {
    let host = format!("127.0.0.1:{}", s.addr.port());
    let bearer = auth.map(|t| format!("Bearer {t}"));
    let origin = format!("http://{host}");
    let mut headers = vec![("Content-Type", "application/json"), ("Origin", &origin)];
    if let Some(b) = &bearer {
        headers.push(("Authorization", b));
    }
    http(s.addr, "POST", "/api", &host, &headers, body)
}

#[test]
fn api_calls_without_the_right_token_get_401() {
    let s = start(None);
    let body = r#"{"method":"stats","params":{}}"#;
    let none = api(&s, body, None);
    assert_eq!(none.status, 401, "{}", none.body);
    assert_eq!(none.json()["code"], "unauthorized");
    let wrong = api(&s, body, Some("nope"));
    assert_eq!(wrong.status, 401);
    let ok = api(&s, body, Some(TOKEN));
    assert_eq!(ok.status, 200, "{}", ok.body);
    assert_eq!(ok.json()["trajectories"], 212, "200 generated + 12 real (their 4 predictions joined)");
}

#[test]
fn a_foreign_host_header_is_refused_even_with_the_token() {
    let s = start(None);
    let port = s.addr.port();
    let body = r#"{"method":"stats","params":{}}"#;
    let bearer = format!("Bearer {TOKEN}");
    for host in [format!("evil.example:{port}"), "127.0.0.1".to_string(), format!("127.0.0.1:{}", port + 1)] {
        let r = http(
            s.addr,
            "POST",
            "/api",
            &host,
            &[("Authorization", &bearer), ("Content-Type", "application/json")],
            body,
        );
        assert_eq!(r.status, 403, "host {host}: {}", r.body);
        let r = http(s.addr, "GET", "/", &host, &[], "");
        assert_eq!(r.status, 403, "host {host}");
    }
    for host in [format!("localhost:{port}"), format!("127.0.0.1:{port}")] {
        let r = http(
            s.addr,
            "POST",
            "/api",
            &host,
            &[("Authorization", &bearer), ("Content-Type", "application/json")],
            body,
        );
        assert_eq!(r.status, 200, "host {host}: {}", r.body);
    }
}

#[test]
fn the_token_url_loads_the_app_but_no_cookie_authorizes_api_calls() {
    let ui = tempfile::tempdir().unwrap();
    std::fs::write(ui.path().join("index.html"), "<!doctype html><title>trawl</title>").unwrap();
    let s = start(Some(ui.path().to_path_buf()));
    let host = format!("127.0.0.1:{}", s.addr.port());
    let page = http(s.addr, "GET", &format!("/?token={TOKEN}"), &host, &[], "");
    assert_eq!(page.status, 200);
    assert!(page.body.contains("<title>trawl</title>"));
    assert!(page.header("set-cookie").is_none(), "no cookie: the app keeps the token in sessionStorage");
    assert_eq!(page.header("referrer-policy"), Some("no-referrer"));
    // A cookie with the token (as older versions set) carries no authority over the API.
    let cookie = format!("trawl_token={TOKEN}");
    let r = http(
        s.addr,
        "POST",
        "/api",
        &host,
        &[("Cookie", &cookie), ("Content-Type", "application/json")],
        r#"{"method":"db_info","params":{}}"#,
    );
    assert_eq!(r.status, 401, "{}", r.body);
}

#[test]
fn every_response_carries_the_csp() {
    let ui = tempfile::tempdir().unwrap();
    std::fs::write(ui.path().join("index.html"), "<!doctype html>").unwrap();
    let s = start(Some(ui.path().to_path_buf()));
    let host = format!("127.0.0.1:{}", s.addr.port());
    for r in [
        http(s.addr, "GET", "/", &host, &[], ""),
        http(s.addr, "GET", "/missing.js", &host, &[], ""),
        api(&s, r#"{"method":"stats","params":{}}"#, Some(TOKEN)),
        api(&s, r#"{"method":"stats","params":{}}"#, None),
        http(s.addr, "GET", "/", "evil.example", &[], ""),
    ] {
        assert_eq!(r.header("content-security-policy"), Some(CSP), "status {}", r.status);
        assert_eq!(r.header("x-content-type-options"), Some("nosniff"));
    }
    assert!(CSP.contains("script-src 'self'") && !CSP.contains("unsafe"));
}

#[test]
fn api_errors_are_json_with_a_code_and_the_query_column() {
    let s = start(None);
    let r = api(&s, r#"{"method":"search","params":{"query":"repo:x (unclosed"}}"#, Some(TOKEN));
    assert_eq!(r.status, 400);
    let e = r.json();
    assert_eq!(e["code"], "bad_query");
    assert!(e["column"].as_u64().unwrap() > 1, "{e}");
    let r = api(&s, r#"{"method":"no_such_method","params":{}}"#, Some(TOKEN));
    assert_eq!(r.status, 400);
    assert_eq!(r.json()["code"], "bad_request");
    let r = api(&s, "not json", Some(TOKEN));
    assert_eq!(r.status, 400);
}

#[test]
fn search_sorts_page_and_facets_through_http() {
    let s = start(None);
    let q = |sort: &str, offset: usize| {
        let body = format!(
            r#"{{"method":"search","params":{{"query":"","limit":50,"offset":{offset},"sort":"{sort}","snippets":false}}}}"#
        );
        let r = api(&s, &body, Some(TOKEN));
        assert_eq!(r.status, 200, "{}", r.body);
        r.json()
    };
    let first = q("repo_asc", 0);
    assert_eq!(first["total"], 212);
    let mut repos: Vec<String> = Vec::new();
    for off in (0..212).step_by(50) {
        for h in q("repo_asc", off)["hits"].as_array().unwrap() {
            repos.push(h["repo"].as_str().unwrap_or("").to_lowercase());
        }
    }
    assert_eq!(repos.len(), 212, "pages cover every hit once");
    let known: Vec<&String> = repos.iter().filter(|r| !r.is_empty()).collect();
    assert!(known.windows(2).all(|w| w[0] <= w[1]), "repo_asc is ordered");
    let desc = q("repo_desc", 0);
    assert_ne!(desc["hits"][0]["id"], first["hits"][0]["id"]);
    let facets = &first["facets"]["repo"];
    let sum: u64 = facets.as_array().unwrap().iter().map(|f| f["count"].as_u64().unwrap()).sum();
    assert_eq!(sum, 212);
}

#[test]
fn charts_and_jobs_work_through_http() {
    let s = start(None);
    let r = api(&s, r#"{"method":"charts","params":{"query":"resolved:true"}}"#, Some(TOKEN));
    assert_eq!(r.status, 200, "{}", r.body);
    let c = r.json();
    let total = c["total"].as_u64().unwrap();
    let stats = api(&s, r#"{"method":"search","params":{"query":"resolved:true","limit":1}}"#, Some(TOKEN)).json();
    assert_eq!(total, stats["total"].as_u64().unwrap());
    let in_buckets: u64 = c["steps"]["buckets"].as_array().unwrap().iter().map(|b| b["count"].as_u64().unwrap()).sum();
    assert_eq!(in_buckets, total);

    // A background ingest of more generated data; the API stays usable and sees the new rows.
    let dir = tempfile::tempdir().unwrap();
    let more = dir.path().join("more.jsonl");
    trawl_gen::write_jsonl(&trawl_gen::GenConfig::new(99), 300, std::fs::File::create(&more).unwrap()).unwrap();
    let body = format!(r#"{{"method":"ingest_start","params":{{"paths":["{}"]}}}}"#, more.display());
    let job = api(&s, &body, Some(TOKEN)).json();
    let id = job["id"].as_u64().unwrap();
    let mut last = serde_json::Value::Null;
    for _ in 0..600 {
        assert_eq!(api(&s, r#"{"method":"stats","params":{}}"#, Some(TOKEN)).status, 200);
        last = api(&s, r#"{"method":"jobs","params":{}}"#, Some(TOKEN)).json();
        let j = last.as_array().unwrap().iter().find(|j| j["id"] == id).unwrap().clone();
        if j["state"] != "running" {
            assert_eq!(j["state"], "done", "{j}");
            assert_eq!(j["report"]["stored"], 300);
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    assert_ne!(last, serde_json::Value::Null);
    let after = api(&s, r#"{"method":"search","params":{"query":"","limit":1}}"#, Some(TOKEN)).json();
    assert_eq!(after["total"], 512, "searches see the ingested rows");
    let bad = api(&s, r#"{"method":"ingest_start","params":{"paths":["/no/such/file.jsonl"]}}"#, Some(TOKEN));
    assert_eq!(bad.status, 422);
    assert!(bad.json()["message"].as_str().unwrap().contains("/no/such/file.jsonl"));
}
