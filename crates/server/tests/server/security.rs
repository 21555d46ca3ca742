//! The security suite of issue 16, over real HTTP on loopback, modelled on what Jupyter Server
//! tests: requests that change data must come from the app (token in a header, JSON, same Origin);
//! a query that would overflow the parser is an error and the server stays up; `source_lines`
//! reads only source files; idle and untrusted connections are bounded; time and body limits.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::{Duration, Instant};

use trawl_server::Limits;

use crate::{api, http, start, start_with, Server, TOKEN};

fn host(s: &Server) -> String {
    format!("127.0.0.1:{}", s.addr.port())
}

fn rejects(s: &Server) -> u64 {
    let r = api(s, r#"{"method":"search","params":{"query":"label:verdict=reject","limit":1}}"#, Some(TOKEN));
    assert_eq!(r.status, 200, "{}", r.body);
    r.json()["total"].as_u64().unwrap()
}

const BULK: &str = r#"{"method":"label_bulk","params":{"query":"","set":"verdict","value":"reject"},"x":"="}"#;

#[test]
fn a_cross_origin_form_post_changes_nothing() {
    let s = start(None);
    let h = host(&s);
    let bearer = format!("Bearer {TOKEN}");
    let cookie = format!("trawl_token={TOKEN}");
    // What a page on another local port can send: a text/plain form post with the victim's cookie.
    let r = http(
        s.addr,
        "POST",
        "/api",
        &h,
        &[("Content-Type", "text/plain"), ("Origin", "http://127.0.0.1:18888"), ("Cookie", &cookie)],
        BULK,
    );
    assert!(r.status == 401 || r.status == 403, "a cross-origin form post is refused: {} {}", r.status, r.body);
    assert!(r.json()["message"].as_str().is_some());
    assert_eq!(rejects(&s), 0, "nothing was labelled");
    // Even with the token: not JSON, or a foreign / missing / opaque origin, is refused with a sentence.
    let cases: [(&str, Vec<(&str, &str)>); 5] = [
        ("text/plain", vec![("Content-Type", "text/plain"), ("Origin", "http://127.0.0.1:18888")]),
        ("foreign origin", vec![("Content-Type", "application/json"), ("Origin", "http://127.0.0.1:18888")]),
        ("null origin", vec![("Content-Type", "application/json"), ("Origin", "null")]),
        ("foreign referer", vec![("Content-Type", "application/json"), ("Referer", "http://localhost:18888/x")]),
        ("no origin", vec![("Content-Type", "application/json")]),
    ];
    for (what, mut headers) in cases {
        headers.push(("Authorization", &bearer));
        let r = http(s.addr, "POST", "/api", &h, &headers, BULK);
        assert_eq!(r.status, 403, "{what}: {}", r.body);
        assert_eq!(r.json()["code"], "forbidden", "{what}");
        assert!(r.json()["message"].as_str().unwrap().len() > 20, "{what}: a sentence");
    }
    assert_eq!(rejects(&s), 0, "nothing was labelled");
    // Every state-changing method is covered (the rule is by method, unknown ones included).
    for body in [
        r#"{"method":"set_annotator","params":{"name":"mallory"}}"#,
        r#"{"method":"open_db","params":{"path":"/tmp/x.db"}}"#,
        r#"{"method":"ingest_start","params":{"paths":["/tmp"]}}"#,
        r#"{"method":"export","params":{"subset":"s","format":"parquet","out_dir":"/tmp/x"}}"#,
    ] {
        let headers =
            [("Content-Type", "application/json"), ("Origin", "http://127.0.0.1:18888"), ("Authorization", &bearer)];
        let r = http(s.addr, "POST", "/api", &h, &headers, body);
        assert_eq!(r.status, 403, "{body}: {}", r.body);
    }
    // The app's own requests: same Origin (or a same-origin Referer) → done.
    let origin = format!("http://{h}");
    let referer = format!("http://{h}/#/search");
    let r = http(
        s.addr,
        "POST",
        "/api",
        &h,
        &[("Content-Type", "application/json; charset=utf-8"), ("Referer", &referer), ("Authorization", &bearer)],
        r#"{"method":"label_bulk","params":{"query":"","set":"verdict","value":"reject","expect":212}}"#,
    );
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(rejects(&s), 212);
    let r = http(
        s.addr,
        "POST",
        "/api",
        &h,
        &[("Content-Type", "application/json"), ("Origin", &origin), ("Authorization", &bearer)],
        r#"{"method":"undo","params":{}}"#,
    );
    assert_eq!(r.status, 200, "{}", r.body);
    // Reads need the token but no Origin (scripts with curl).
    let r = http(
        s.addr,
        "POST",
        "/api",
        &h,
        &[("Content-Type", "application/json"), ("Authorization", &bearer)],
        r#"{"method":"stats","params":{}}"#,
    );
    assert_eq!(r.status, 200, "{}", r.body);
}

#[test]
fn a_query_nested_3000_deep_is_an_error_and_the_server_stays_up() {
    let s = start(None);
    let deep = format!("{}repo:x{}", "(".repeat(3000), ")".repeat(3000));
    for (method, params) in [
        ("search", serde_json::json!({ "query": deep })),
        ("charts", serde_json::json!({ "query": deep })),
        ("queue", serde_json::json!({ "query": deep })),
        ("trajectory", serde_json::json!({ "id": "nope", "query": deep })),
        ("label_bulk", serde_json::json!({ "query": deep, "set": "verdict", "value": "keep" })),
    ] {
        let body = serde_json::json!({ "method": method, "params": params }).to_string();
        let r = api(&s, &body, Some(TOKEN));
        assert!((400..500).contains(&r.status) || r.status == 503, "{method}: {} {}", r.status, r.body);
        assert!(r.json()["message"].as_str().is_some(), "{method}: a JSON error");
        assert_eq!(api(&s, r#"{"method":"stats","params":{}}"#, Some(TOKEN)).status, 200, "alive after {method}");
    }
    // A deep but acceptable query still runs (parse error or answer, never a crash).
    let ok = format!("{}repo:x{}", "(".repeat(100), ")".repeat(100));
    let r = api(&s, &serde_json::json!({"method":"search","params":{"query": ok}}).to_string(), Some(TOKEN));
    assert!(r.status == 200 || r.status == 400, "{} {}", r.status, r.body);
}

#[test]
fn source_lines_reads_only_source_files_of_the_open_database() {
    let s = start_with(None, Some("data"), Limits::default());
    let call = |file: &str| {
        let body = serde_json::json!({"method":"source_lines","params":{"file": file, "line": 1}}).to_string();
        api(&s, &body, Some(TOKEN))
    };
    // An ingested source (recorded by ingest) is readable.
    let gen = s.dir.path().join("gen.jsonl");
    let r = call(gen.to_str().unwrap());
    assert_eq!(r.status, 200, "{}", r.body);
    // Any other file, even inside the data directory, is not.
    let other = s.dir.path().join("data/notes.txt");
    std::fs::write(&other, "secret\n").unwrap();
    for f in [other.to_str().unwrap(), "/etc/passwd", "/dev/zero", "/proc/self/environ"] {
        let t = Instant::now();
        let r = call(f);
        assert_eq!(r.status, 403, "{f}: {}", r.body);
        assert!(!r.body.contains("secret"), "{f}: {}", r.body);
        assert!(t.elapsed() < Duration::from_secs(5), "{f} answered at once");
    }
    assert_eq!(api(&s, r#"{"method":"stats","params":{}}"#, Some(TOKEN)).status, 200);
}

#[test]
fn path_taking_methods_stay_inside_the_data_directories() {
    let s = start_with(None, Some("data"), Limits::default());
    let data = s.dir.path().join("data").canonicalize().unwrap();
    let outside = s.dir.path().join("outside");
    std::fs::create_dir_all(&outside).unwrap();
    std::fs::write(outside.join("labels.jsonl"), "").unwrap();
    #[cfg(unix)]
    std::os::unix::fs::symlink(&outside, data.join("link")).unwrap();
    let d = data.display().to_string();
    for (method, params) in [
        ("open_db", serde_json::json!({ "path": format!("{d}/../outside/x.db") })),
        ("open_db", serde_json::json!({ "path": format!("{d}/link/x.db") })),
        ("ingest_start", serde_json::json!({ "paths": [outside.join("labels.jsonl")] })),
        ("labels_import", serde_json::json!({ "path": format!("{d}/link/labels.jsonl") })),
        ("labels_export", serde_json::json!({ "path": "/tmp/trawl-labels-export-test.jsonl" })),
        ("export", serde_json::json!({ "subset": "s", "format": "parquet", "out_dir": format!("{d}/link/out") })),
    ] {
        let body = serde_json::json!({ "method": method, "params": params }).to_string();
        let r = api(&s, &body, Some(TOKEN));
        assert_eq!(r.status, 403, "{method}: {}", r.body);
        let m = r.json()["message"].as_str().unwrap().to_string();
        assert!(m.contains(&d) && m.contains("--data-dir"), "{method}: names the allowed directory: {m}");
    }
    assert!(!outside.join("x.db").exists() && !outside.join("out").exists());
    // Inside the data directory: allowed.
    let body = serde_json::json!({"method":"labels_export","params":{"path": format!("{d}/labels.jsonl")}}).to_string();
    assert_eq!(api(&s, &body, Some(TOKEN)).status, 200);
    let body = serde_json::json!({"method":"open_db","params":{"path": format!("{d}/new/x.db")}}).to_string();
    let r = api(&s, &body, Some(TOKEN));
    assert_eq!(r.status, 200, "{}", r.body);
}

#[test]
fn idle_and_slow_connections_are_closed() {
    let limits = Limits { header_timeout: Duration::from_millis(800), ..Limits::default() };
    let s = start_with(None, None, limits);
    let closed_within = |c: &mut TcpStream, d: Duration| {
        c.set_read_timeout(Some(d)).unwrap();
        let mut b = [0u8; 1024];
        let t = Instant::now();
        loop {
            match c.read(&mut b) {
                Ok(0) => return true,
                Ok(_) => continue,
                Err(_) => return t.elapsed() < d,
            }
        }
    };
    // Silent.
    let mut idle = TcpStream::connect(s.addr).unwrap();
    assert!(closed_within(&mut idle, Duration::from_secs(5)), "an idle socket is closed");
    // Headers that never end (slowloris).
    let mut slow = TcpStream::connect(s.addr).unwrap();
    slow.write_all(format!("POST /api HTTP/1.1\r\nHost: {}\r\nX-A: ", host(&s)).as_bytes()).unwrap();
    assert!(closed_within(&mut slow, Duration::from_secs(5)), "unfinished headers are cut off");
    // Keep-alive after an answer: closed when idle.
    let mut ka = TcpStream::connect(s.addr).unwrap();
    let body = r#"{"method":"stats","params":{}}"#;
    let req = format!(
        "POST /api HTTP/1.1\r\nHost: {}\r\nAuthorization: Bearer {TOKEN}\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n{body}",
        host(&s),
        body.len()
    );
    ka.write_all(req.as_bytes()).unwrap();
    assert!(closed_within(&mut ka, Duration::from_secs(5)), "an idle keep-alive connection is closed");
}

#[test]
fn connections_without_the_token_are_capped_oldest_first() {
    let limits = Limits { max_untrusted: 8, ..Limits::default() };
    let s = start_with(None, None, limits);
    let mut idle: Vec<TcpStream> = (0..40).map(|_| TcpStream::connect(s.addr).unwrap()).collect();
    std::thread::sleep(Duration::from_millis(300));
    let r = api(&s, r#"{"method":"stats","params":{}}"#, Some(TOKEN));
    assert_eq!(r.status, 200, "{}", r.body);
    let mut closed = 0;
    for c in &mut idle {
        c.set_read_timeout(Some(Duration::from_millis(50))).unwrap();
        let mut b = [0u8; 16];
        if matches!(c.read(&mut b), Ok(0)) {
            closed += 1;
        }
    }
    assert!(closed >= 30, "the oldest idle connections were closed ({closed} of 40)");
    assert!(!matches!(idle.last_mut().unwrap().read(&mut [0u8; 1]), Ok(0)), "the newest are kept");
}

#[test]
fn a_search_over_the_time_limit_answers_query_too_expensive() {
    let limits = Limits { request_timeout: Duration::from_nanos(1), ..Limits::default() };
    let s = start_with(None, None, limits);
    let r = api(&s, r#"{"method":"search","params":{"query":"error OR fail*","limit":50}}"#, Some(TOKEN));
    assert_eq!(r.status, 503, "{}", r.body);
    assert_eq!(r.json()["code"], "too_expensive");
    assert!(r.json()["message"].as_str().unwrap().contains("query too expensive"));
    // Untimed calls still answer.
    assert_eq!(api(&s, r#"{"method":"stats","params":{}}"#, Some(TOKEN)).status, 200);
}

#[test]
fn request_bodies_are_limited_per_method() {
    let s = start(None);
    let big = "x".repeat(300 * 1024);
    let body = serde_json::json!({"method":"search","params":{"query":"","pad": big}}).to_string();
    let r = api(&s, &body, Some(TOKEN));
    assert_eq!(r.status, 413, "{}", r.body);
    assert_eq!(r.json()["code"], "bad_request");
    // A list method takes more.
    let ids: Vec<String> = (0..30_000).map(|i| format!("id-{i:08}")).collect();
    let body =
        serde_json::json!({"method":"label_bulk","params":{"query":"","set":"verdict","value":"nope","ids":ids}})
            .to_string();
    assert!(body.len() > 300 * 1024);
    let r = api(&s, &body, Some(TOKEN));
    assert_ne!(r.status, 413, "{}", r.body);
    // A declared length over the hard cap is refused before the body is read.
    let h = host(&s);
    let mut c = TcpStream::connect(s.addr).unwrap();
    let head = format!(
        "POST /api HTTP/1.1\r\nHost: {h}\r\nAuthorization: Bearer {TOKEN}\r\nContent-Type: application/json\r\nContent-Length: 999999999\r\n\r\n"
    );
    c.write_all(head.as_bytes()).unwrap();
    c.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
    let mut out = Vec::new();
    let _ = c.read_to_end(&mut out);
    let text = String::from_utf8_lossy(&out);
    assert!(text.starts_with("HTTP/1.1 413"), "{text}");
    assert_eq!(api(&s, r#"{"method":"stats","params":{}}"#, Some(TOKEN)).status, 200);
}
