//! HTTP fuzz test: a few thousand random and mutated API requests (methods, paths, headers,
//! params, nesting, sizes, encodings) from a seeded RNG over keep-alive connections. The server
//! must answer every one with a status and a JSON error body (or a JSON result), and stay up.

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::time::{Duration, Instant};

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use serde_json::{json, Value};
use trawl_server::Limits;

use crate::{start_with, TOKEN};

/// Every method of the API (the method table), plus names that are none.
fn methods() -> Vec<&'static str> {
    let mut m = trawl_api::protocol::Request::METHODS.to_vec();
    m.extend(["nope", "", "__proto__"]);
    m
}

const KEYS: &[&str] = &[
    "query",
    "id",
    "ids",
    "a",
    "b",
    "set",
    "value",
    "path",
    "paths",
    "file",
    "line",
    "limit",
    "offset",
    "sort",
    "snippets",
    "step",
    "call",
    "max_lines",
    "from_step",
    "max_steps",
    "name",
    "kind",
    "text",
    "source",
    "subset",
    "version",
    "format",
    "out_dir",
    "expect",
    "annotators",
    "mode",
    "force",
    "context",
    "batch",
    "values",
];

const QUERY_PARTS: &[&str] = &[
    "repo:",
    "resolved:true",
    "steps:>10",
    "steps:<",
    "flag:loop",
    "label:verdict=reject",
    "-",
    "(",
    ")",
    "\"",
    "*",
    "OR",
    "AND",
    "NOT",
    "error",
    "fail*",
    "tool:bash",
    ":",
    "=",
    "\\",
    "é",
    "🦀",
    " ",
    "\u{0}",
    "patch_lines:5..",
];

fn rand_string(rng: &mut ChaCha8Rng, max: usize) -> String {
    let n = rng.random_range(0..=max);
    (0..n)
        .map(|_| match rng.random_range(0..10) {
            0 => char::from_u32(rng.random_range(0..0x800)).unwrap_or('?'),
            1 => ['"', '\\', '\n', '/', '(', ')', '%', '\u{0}', '\u{7f}'][rng.random_range(0..9)],
            2 => '🦀',
            _ => (b'a' + rng.random_range(0..26)) as char,
        })
        .collect()
}

fn rand_query(rng: &mut ChaCha8Rng) -> String {
    match rng.random_range(0..20) {
        0 => format!("{}x{}", "(".repeat(rng.random_range(50..4000)), ")".repeat(rng.random_range(0..4000))),
        1 => "a ".repeat(rng.random_range(100..2_000)),
        _ => (0..rng.random_range(0..12)).map(|_| QUERY_PARTS[rng.random_range(0..QUERY_PARTS.len())]).collect(),
    }
}

fn rand_value(rng: &mut ChaCha8Rng, depth: usize) -> Value {
    let leaf = depth == 0 || rng.random_range(0..3) == 0;
    match rng.random_range(0..if leaf { 6 } else { 8 }) {
        0 => Value::Null,
        1 => json!(rng.random::<bool>()),
        2 => json!(rng.random::<i64>() >> rng.random_range(0..63)),
        3 => json!(rng.random::<f64>() * 1e30 - 5e29),
        4 => json!(rand_string(rng, 40)),
        5 => json!(rand_query(rng)),
        6 => Value::Array((0..rng.random_range(0..6)).map(|_| rand_value(rng, depth - 1)).collect()),
        _ => {
            let mut m = serde_json::Map::new();
            for _ in 0..rng.random_range(0..6) {
                let k = KEYS[rng.random_range(0..KEYS.len())].to_string();
                m.insert(k, rand_value(rng, depth - 1));
            }
            Value::Object(m)
        }
    }
}

/// A plausible request: a method and params with its own keys, filled at random.
fn rand_request(rng: &mut ChaCha8Rng) -> Value {
    let methods = methods();
    let method = methods[rng.random_range(0..methods.len())];
    let mut params = serde_json::Map::new();
    for _ in 0..rng.random_range(0..7) {
        let k = KEYS[rng.random_range(0..KEYS.len())];
        let v = match (k, rng.random_range(0..3)) {
            ("query", 0 | 1) => json!(rand_query(rng)),
            ("limit" | "offset" | "line" | "step" | "expect", 0) => json!(rng.random_range(0u64..100_000)),
            ("set", 0) => json!("verdict"),
            ("value", 0) => json!(["keep", "reject", "maybe"][rng.random_range(0..3)]),
            ("path" | "file" | "out_dir", 0) => {
                json!(["/etc/passwd", "/dev/zero", "../../x", "data/x.db", ""][rng.random_range(0..5)])
            }
            _ => rand_value(rng, 3),
        };
        params.insert(k.to_string(), v);
    }
    let mut req = json!({ "method": method, "params": params });
    if rng.random_range(0..10) == 0 {
        req["params"] = rand_value(rng, 4);
    }
    req
}

/// A request of the right shape with random values: it reaches the method's code.
fn well_formed(rng: &mut ChaCha8Rng) -> Value {
    let q = rand_query(rng);
    let id = ["nope", "", "abcdef", "🦀🦀🦀🦀🦀🦀", "0000000000"][rng.random_range(0..5)];
    let n = rng.random_range(0u64..1_000_000);
    let sort = ["relevance", "steps_asc", "bogus"][rng.random_range(0..3)];
    let value = ["keep", "reject", "x"][rng.random_range(0..3)];
    let file = ["/etc/passwd", "/dev/zero", "/proc/self/environ", "gen.jsonl"][rng.random_range(0..4)];
    match rng.random_range(0..12) {
        0 => json!({"method":"search","params":{"query": q, "limit": n % 500, "offset": n, "sort": sort}}),
        1 => json!({"method":"charts","params":{"query": q}}),
        2 => json!({"method":"trajectory","params":{"id": id, "query": q, "from_step": n % 50, "max_steps": n % 7}}),
        3 => json!({"method":"observation","params":{"id": id, "step": n % 40, "call": n % 3, "max_lines": n}}),
        4 => json!({"method":"compare","params":{"a": id, "b": id}}),
        5 => json!({"method":"show","params":{"id": id}}),
        6 => json!({"method":"queue","params":{"query": q}}),
        7 => json!({"method":"label","params":{"id": id, "set": "verdict", "value": value}}),
        8 => json!({"method":"label_bulk","params":{"query": q, "set": "verdict", "value": "keep", "expect": n % 3}}),
        9 => json!({"method":"source_lines","params":{"file": file, "line": n}}),
        10 => json!({"method":"diagnostics","params":{"limit": n % 100}}),
        _ => json!({"method":"stats","params":{}}),
    }
}

fn deep_json(rng: &mut ChaCha8Rng) -> String {
    let n = rng.random_range(100..3000);
    let (open, close) = if rng.random::<bool>() { ("[", "]") } else { ("{\"a\":", "}") };
    format!(r#"{{"method":"search","params":{}1{}}}"#, open.repeat(n), close.repeat(n))
}

/// The body: a request, possibly mutated (truncated, bytes flipped or inserted, invalid UTF-8,
/// a BOM, deep nesting, large).
fn rand_body(rng: &mut ChaCha8Rng) -> Vec<u8> {
    let mut b = match rng.random_range(0..12) {
        0 => deep_json(rng).into_bytes(),
        1 => Vec::new(),
        2 => {
            let pad = "x".repeat(rng.random_range(1000..400_000));
            json!({ "method": "search", "params": { "query": "", "pad": pad } }).to_string().into_bytes()
        }
        3..=6 => serde_json::to_vec(&well_formed(rng)).unwrap(),
        _ => serde_json::to_vec(&rand_request(rng)).unwrap(),
    };
    match rng.random_range(0..8) {
        0 if !b.is_empty() => {
            let n = rng.random_range(0..b.len());
            b.truncate(n);
        }
        1 if !b.is_empty() => {
            for _ in 0..rng.random_range(1..5) {
                let i = rng.random_range(0..b.len());
                b[i] = rng.random();
            }
        }
        2 => {
            let i = rng.random_range(0..=b.len());
            let junk: Vec<u8> = (0..rng.random_range(1..20)).map(|_| rng.random()).collect();
            b.splice(i..i, junk);
        }
        3 => b.splice(0..0, [0xEF, 0xBB, 0xBF]).for_each(drop),
        _ => {}
    }
    b
}

struct Conn {
    addr: SocketAddr,
    s: Option<TcpStream>,
}

impl Conn {
    fn stream(&mut self) -> &mut TcpStream {
        if self.s.is_none() {
            let s = TcpStream::connect(self.addr).expect("the server accepts connections");
            s.set_read_timeout(Some(Duration::from_secs(30))).unwrap();
            self.s = Some(s);
        }
        self.s.as_mut().unwrap()
    }
}

/// Reads one response: (status, headers, body); the body by Content-Length or chunked.
fn read_response(s: &mut TcpStream) -> std::io::Result<(u16, String, Vec<u8>)> {
    let mut buf = Vec::new();
    let mut byte = [0u8; 1];
    while !buf.ends_with(b"\r\n\r\n") {
        if s.read(&mut byte)? == 0 {
            return Err(std::io::Error::new(std::io::ErrorKind::UnexpectedEof, "closed before an answer"));
        }
        buf.push(byte[0]);
    }
    let head = String::from_utf8_lossy(&buf).to_string();
    let status = head.split(' ').nth(1).and_then(|x| x.parse().ok()).unwrap_or(0);
    let lower = head.to_ascii_lowercase();
    let mut body = Vec::new();
    if let Some(len) = lower.lines().find_map(|l| l.strip_prefix("content-length:")).and_then(|v| v.trim().parse().ok())
    {
        body.resize(len, 0);
        s.read_exact(&mut body)?;
    } else if lower.contains("transfer-encoding: chunked") {
        loop {
            let mut line = Vec::new();
            while !line.ends_with(b"\r\n") {
                s.read_exact(&mut byte)?;
                line.push(byte[0]);
            }
            let n = usize::from_str_radix(String::from_utf8_lossy(&line).trim(), 16).unwrap_or(0);
            let mut chunk = vec![0; n + 2];
            s.read_exact(&mut chunk)?;
            if n == 0 {
                break;
            }
            body.extend_from_slice(&chunk[..n]);
        }
    }
    Ok((status, head, body))
}

#[test]
fn http_fuzz_every_request_gets_a_status_and_json_and_the_server_stays_up() {
    let seed: u64 = std::env::var("TRAWL_FUZZ_SEED").ok().and_then(|s| s.parse().ok()).unwrap_or(16);
    let count: usize = std::env::var("TRAWL_FUZZ_COUNT").ok().and_then(|s| s.parse().ok()).unwrap_or(3000);
    let limits = Limits { request_timeout: Duration::from_secs(10), ..Limits::default() };
    let srv = start_with(None, Some("data"), limits);
    let host = format!("127.0.0.1:{}", srv.addr.port());
    let started = Instant::now();
    let threads = 4;
    let per = count / threads;
    let mut handles = Vec::new();
    for t in 0..threads {
        let addr = srv.addr;
        let host = host.clone();
        handles.push(std::thread::spawn(move || {
            let mut rng = ChaCha8Rng::seed_from_u64(seed * 1000 + t as u64);
            let mut conn = Conn { addr, s: None };
            let mut statuses = std::collections::BTreeMap::<u16, usize>::new();
            for i in 0..per {
                let method = match rng.random_range(0..20) {
                    0 => "GET",
                    1 => "PUT",
                    2 => "DELETE",
                    3 => "OPTIONS",
                    4 => "PATCH",
                    _ => "POST",
                };
                let path = match rng.random_range(0..20) {
                    0 => "/api/",
                    1 => "/api/x/y",
                    2 => "/api?method=stats",
                    3 => "/api/%2e%2e/api",
                    _ => "/api",
                };
                let body = rand_body(&mut rng);
                let mut head = format!("{method} {path} HTTP/1.1\r\nHost: {host}\r\n");
                if rng.random_range(0..10) > 0 {
                    let scheme = if rng.random_range(0..10) > 0 {
                        ["Bearer", "bearer", "BEARER"][rng.random_range(0..3)]
                    } else {
                        ["Basic", "Token", "Bearer\t"][rng.random_range(0..3)]
                    };
                    let tok = if rng.random_range(0..10) > 0 { TOKEN.to_string() } else { rand_string(&mut rng, 60) };
                    let tok: String = tok.chars().filter(|c| c.is_ascii_graphic()).collect();
                    head.push_str(&format!("Authorization: {scheme} {tok}\r\n"));
                }
                if rng.random_range(0..10) > 0 {
                    const TYPES: [&str; 6] = [
                        "application/json",
                        "application/json; charset=utf-8",
                        "text/plain",
                        "application/x-www-form-urlencoded",
                        "multipart/form-data; boundary=x",
                        "APPLICATION/JSON",
                    ];
                    let ct = if rng.random_range(0..5) > 0 { TYPES[0] } else { TYPES[rng.random_range(0..6)] };
                    head.push_str(&format!("Content-Type: {ct}\r\n"));
                }
                match rng.random_range(0..6) {
                    0 => {}
                    1 => head.push_str("Origin: http://127.0.0.1:18888\r\n"),
                    2 => head.push_str("Origin: null\r\n"),
                    _ => head.push_str(&format!("Origin: http://{host}\r\n")),
                }
                if rng.random_range(0..15) == 0 {
                    head.push_str(
                        ["Content-Encoding: gzip\r\n", "Content-Encoding: br\r\n", "Accept-Encoding: gzip\r\n"]
                            [rng.random_range(0..3)],
                    );
                }
                let chunked = rng.random_range(0..8) == 0;
                let mut wire = Vec::new();
                if chunked {
                    head.push_str("Transfer-Encoding: chunked\r\n\r\n");
                    wire.extend_from_slice(head.as_bytes());
                    for part in body.chunks(rng.random_range(1..4096)) {
                        wire.extend_from_slice(format!("{:x}\r\n", part.len()).as_bytes());
                        wire.extend_from_slice(part);
                        wire.extend_from_slice(b"\r\n");
                    }
                    wire.extend_from_slice(b"0\r\n\r\n");
                } else {
                    head.push_str(&format!("Content-Length: {}\r\n\r\n", body.len()));
                    wire.extend_from_slice(head.as_bytes());
                    wire.extend_from_slice(&body);
                }
                let mut answer = None;
                for _attempt in 0..2 {
                    let s = conn.stream();
                    if s.write_all(&wire).is_err() {
                        conn.s = None;
                        continue;
                    }
                    match read_response(conn.stream()) {
                        Ok(a) => {
                            answer = Some(a);
                            break;
                        }
                        Err(_) => conn.s = None,
                    }
                }
                let (status, head, body) = answer.unwrap_or_else(|| {
                    panic!(
                        "request {i} of thread {t} got no answer: {}",
                        String::from_utf8_lossy(&wire[..wire.len().min(300)])
                    )
                });
                *statuses.entry(status).or_default() += 1;
                assert!((200..600).contains(&status), "status {status}: {head}");
                let v: Value = serde_json::from_slice(&body).unwrap_or_else(|e| {
                    panic!(
                        "request {i} ({method} {path}) answered {status} without JSON ({e}): {}",
                        String::from_utf8_lossy(&body)
                    )
                });
                if status != 200 {
                    assert!(v["code"].is_string() && v["message"].is_string(), "error body: {v}");
                }
                if status == 500 {
                    eprintln!("500 for: {} -> {v}", String::from_utf8_lossy(&wire[..wire.len().min(300)]));
                }
                if head.to_ascii_lowercase().contains("connection: close") {
                    conn.s = None;
                }
            }
            statuses
        }));
    }
    let mut all = std::collections::BTreeMap::<u16, usize>::new();
    for h in handles {
        for (k, v) in h.join().expect("a fuzz thread failed") {
            *all.entry(k).or_default() += v;
        }
    }
    eprintln!("fuzz: {} requests in {:?}; statuses {all:?}", per * threads, started.elapsed());
    assert!(all.get(&200).copied().unwrap_or(0) > per / 10, "some requests are valid and answered: {all:?}");
    let r = crate::api(&srv, r#"{"method":"stats","params":{}}"#, Some(TOKEN));
    assert_eq!(r.status, 200, "the server is up after the fuzz: {}", r.body);
}
