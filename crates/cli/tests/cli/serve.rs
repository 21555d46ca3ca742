//! `trawl serve` as a real process, probed the way a hostile local user or page would (issue 16):
//! file reads outside the data directories, idle sockets under the usual 1,024 open-file limit,
//! and token hygiene (command line, short tokens, 401 on keep-alive, `bearer`, duplicate Host,
//! absolute-form targets), all over raw sockets on 127.0.0.1.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use crate::support::{run_json, trawl};

/// The `trawl` that serves ([`crate::support::trawl_bin`]: `TRAWL_TEST_BIN` probes another build).
fn served_bin() -> std::path::PathBuf {
    crate::support::trawl_bin()
}

/// 64 hex digits: what `openssl rand -hex 32` prints.
const TOKEN: &str = "5f0c8d2a91b34e7f6a0d1c2b3e4f5a6b7c8d9e0f1a2b3c4d5e6f708192a3b4c5";

struct Served {
    child: Child,
    addr: SocketAddr,
    dir: tempfile::TempDir,
    db: PathBuf,
}

impl Drop for Served {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A database of 20 generated trajectories in a fresh directory.
fn database() -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    std::fs::create_dir_all(&data).unwrap();
    let gen = data.join("gen.jsonl");
    let out = trawl().args(["gen", "--count", "20", "--seed", "5", "--out"]).arg(&gen).output().unwrap();
    assert!(out.status.success());
    let db = data.join("t.db");
    run_json(&db, &["ingest", gen.to_str().unwrap(), "--json", "--quiet"]);
    (dir, db)
}

/// Starts `trawl serve` (through `sh -c "ulimit -n 1024; exec …"`: the usual open-file limit)
/// and waits for its URL.
fn serve(env_token: &str, extra: &[&str]) -> Served {
    let (dir, db) = database();
    let mut args = vec!["--db".to_string(), db.display().to_string(), "serve".into(), "--port".into(), "0".into()];
    args.extend(extra.iter().map(|s| s.to_string()));
    let quoted: Vec<String> = args.iter().map(|a| format!("'{}'", a.replace('\'', "'\\''"))).collect();
    let script = format!("ulimit -n 1024 && exec '{}' {}", served_bin().display(), quoted.join(" "));
    let mut child = Command::new("sh")
        .args(["-c", &script])
        .env("TRAWL_TOKEN", env_token)
        .env("TRAWL_UI", dir.path().join("no-ui"))
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let stdout = child.stdout.take().unwrap();
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            if let Some(i) = line.find("http://") {
                let url = &line[i + 7..];
                let hostport = url.split('/').next().unwrap_or("").to_string();
                let _ = tx.send(hostport);
            }
        }
    });
    let addr = match rx.recv_timeout(Duration::from_secs(30)) {
        Ok(a) => a.parse().unwrap(),
        Err(_) => {
            let _ = child.kill();
            let mut err = String::new();
            child.stderr.take().unwrap().read_to_string(&mut err).ok();
            panic!("trawl serve printed no URL: {err}");
        }
    };
    Served { child, addr, dir, db }
}

/// Runs a command that should exit at once (a refusal); if it is still running after 3 s (it
/// started serving), kills it and reports it as a success with its output so far.
fn run_for(cmd: &mut Command) -> std::process::Output {
    let mut child = cmd.stdout(Stdio::piped()).stderr(Stdio::piped()).spawn().unwrap();
    let t = Instant::now();
    while t.elapsed() < Duration::from_secs(3) {
        if child.try_wait().unwrap().is_some() {
            return child.wait_with_output().unwrap();
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    let _ = child.kill();
    let out = child.wait_with_output().unwrap();
    std::process::Output { status: std::process::ExitStatus::default(), ..out }
}

struct Reply {
    status: u16,
    head: String,
    body: String,
}

/// Sends raw bytes on a fresh connection and reads the answer until the server closes or
/// `Content-Length` bytes of body arrived.
fn raw(addr: SocketAddr, request: &[u8]) -> Reply {
    let mut s = TcpStream::connect(addr).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(20))).unwrap();
    s.write_all(request).unwrap();
    read_reply(&mut s)
}

fn read_reply(s: &mut TcpStream) -> Reply {
    let mut buf = Vec::new();
    let mut chunk = [0u8; 8192];
    loop {
        if let Some(end) = find(&buf, b"\r\n\r\n") {
            let head = String::from_utf8_lossy(&buf[..end]).to_string();
            let len = head
                .lines()
                .find_map(|l| l.split_once(':').filter(|(k, _)| k.eq_ignore_ascii_case("content-length")))
                .and_then(|(_, v)| v.trim().parse::<usize>().ok());
            if let Some(len) = len {
                if buf.len() >= end + 4 + len {
                    let body = String::from_utf8_lossy(&buf[end + 4..end + 4 + len]).to_string();
                    return Reply { status: status_of(&head), head, body };
                }
            }
        }
        match s.read(&mut chunk) {
            Ok(0) => break,
            Ok(n) => buf.extend_from_slice(&chunk[..n]),
            Err(e) => panic!("no answer: {e} (so far: {})", String::from_utf8_lossy(&buf)),
        }
    }
    let text = String::from_utf8_lossy(&buf).to_string();
    let (head, body) = text.split_once("\r\n\r\n").unwrap_or((&text, ""));
    Reply { status: status_of(head), head: head.to_string(), body: body.to_string() }
}

fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).position(|w| w == needle)
}

fn status_of(head: &str) -> u16 {
    head.split(' ').nth(1).and_then(|s| s.parse().ok()).unwrap_or(0)
}

/// `POST /api` with the token in the header and this server's Origin, as the app sends it.
fn call(addr: SocketAddr, method: &str, params: serde_json::Value) -> Reply {
    let body = serde_json::json!({ "method": method, "params": params }).to_string();
    let req = format!(
        "POST /api HTTP/1.1\r\nHost: {addr}\r\nOrigin: http://{addr}\r\nAuthorization: Bearer {TOKEN}\r\n\
         Content-Type: application/json\r\nConnection: close\r\nContent-Length: {}\r\n\r\n{body}",
        body.len()
    );
    raw(addr, req.as_bytes())
}

fn alive(addr: SocketAddr) {
    let r = call(addr, "stats", serde_json::json!({}));
    assert_eq!(r.status, 200, "the server answers: {} {}", r.head, r.body);
}

fn p(path: &Path) -> String {
    path.display().to_string()
}

#[test]
fn serve_refuses_file_reads_and_writes_outside_the_data_directories() {
    let s = serve(TOKEN, &[]);
    // A secret beside the data directory (as /etc/shadow is beside everything).
    let secret = s.dir.path().join("shadow");
    std::fs::write(&secret, "root:$6$secret-hash:19000:0:99999:7:::\n").unwrap();
    let r = call(s.addr, "source_lines", serde_json::json!({ "file": p(&secret), "line": 1 }));
    assert!(!r.body.contains("secret-hash"), "source_lines read a file outside the data: {}", r.body);
    assert_eq!(r.status, 403, "{}", r.body);
    // Through `..` from inside the data directory.
    let dotdot = format!("{}/../shadow", s.db.parent().unwrap().display());
    let r = call(s.addr, "source_lines", serde_json::json!({ "file": dotdot, "line": 1 }));
    assert!(!r.body.contains("secret-hash") && r.status == 403, "{}", r.body);
    // A device: refused at once, and the server stays up.
    let t = Instant::now();
    let r = call(s.addr, "source_lines", serde_json::json!({ "file": "/dev/zero", "line": 2 }));
    assert!(r.status >= 400 && t.elapsed() < Duration::from_secs(10), "{} {}", r.status, r.body);
    alive(s.addr);
    // A source file of the database is readable.
    let gen = s.db.parent().unwrap().join("gen.jsonl");
    let r = call(s.addr, "source_lines", serde_json::json!({ "file": p(&gen), "line": 1 }));
    assert_eq!(r.status, 200, "{}", r.body);
    // Every path-taking method, outside the data directory: refused with the allowed directory named.
    let outside = s.dir.path().join("elsewhere");
    let allowed = s.db.parent().unwrap().canonicalize().unwrap().display().to_string();
    for (method, params) in [
        ("open_db", serde_json::json!({ "path": p(&outside.join("x.db")) })),
        ("ingest_start", serde_json::json!({ "paths": [p(&secret)] })),
        ("labels_import", serde_json::json!({ "path": p(&secret) })),
        ("labels_export", serde_json::json!({ "path": p(&outside.join("labels.jsonl")) })),
        ("export", serde_json::json!({ "subset": "s", "format": "jsonl-original", "out_dir": p(&outside) })),
    ] {
        let r = call(s.addr, method, params);
        assert_eq!(r.status, 403, "{method} outside the data directory: {}", r.body);
        assert!(r.body.contains(&allowed), "{method}: the refusal names {allowed}: {}", r.body);
    }
    assert!(!outside.exists(), "nothing was created outside the data directory");
    // Inside: allowed.
    let r = call(s.addr, "labels_export", serde_json::json!({ "path": p(&s.db.parent().unwrap().join("l.jsonl")) }));
    assert_eq!(r.status, 200, "{}", r.body);
    alive(s.addr);
}

#[test]
fn serve_answers_its_owner_while_1100_idle_sockets_without_a_token_are_open() {
    let s = serve(TOKEN, &[]);
    let mut idle = Vec::new();
    for _ in 0..1100 {
        match TcpStream::connect_timeout(&s.addr, Duration::from_secs(2)) {
            Ok(c) => idle.push(c),
            Err(e) => panic!("connect failed after {} sockets: {e}", idle.len()),
        }
    }
    // The owner's request, on a fresh connection, while the idle sockets are still open.
    let body = r#"{"method":"stats","params":{}}"#;
    let req = format!(
        "POST /api HTTP/1.1\r\nHost: {}\r\nAuthorization: Bearer {TOKEN}\r\nContent-Type: application/json\r\n\
         Connection: close\r\nContent-Length: {}\r\n\r\n{body}",
        s.addr,
        body.len()
    );
    let t = Instant::now();
    let mut c = TcpStream::connect_timeout(&s.addr, Duration::from_secs(5)).expect("connect");
    c.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
    c.write_all(req.as_bytes()).unwrap();
    let r = read_reply(&mut c);
    assert_eq!(r.status, 200, "answered in {:?}: {} {}", t.elapsed(), r.head, r.body);
    drop(idle);
    alive(s.addr);
}

#[test]
fn serve_token_hygiene() {
    // No token on the command line (every local user sees it in `ps`).
    let (_dir, db) = database();
    let serve_cmd = || {
        let mut c = Command::new(served_bin());
        c.arg("--db").arg(&db).args(["serve", "--port", "0"]).env("TRAWL_UI", "/nonexistent").stdin(Stdio::null());
        c
    };
    let out = run_for(serve_cmd().args(["--token", TOKEN]).env_remove("TRAWL_TOKEN"));
    assert!(!out.status.success(), "--token on the command line is refused");
    assert!(String::from_utf8_lossy(&out.stderr).contains("ps"), "{}", String::from_utf8_lossy(&out.stderr));
    // A short token is refused unless asked for.
    let out = run_for(serve_cmd().env("TRAWL_TOKEN", "a"));
    assert!(!out.status.success(), "TRAWL_TOKEN=a is refused");
    assert!(String::from_utf8_lossy(&out.stderr).contains("43"), "{}", String::from_utf8_lossy(&out.stderr));
    let short = serve("a", &["--insecure-short-token"]);
    drop(short);
    // --token-file reads a file.
    let tf = tempfile::NamedTempFile::new().unwrap();
    std::fs::write(tf.path(), format!("{TOKEN}\n")).unwrap();
    let s = serve("", &["--token-file", tf.path().to_str().unwrap()]);
    alive(s.addr);
    let a = s.addr;

    // A 401 on a keep-alive connection says `Connection: close` and closes.
    let body = r#"{"method":"stats","params":{}}"#;
    let mut c = TcpStream::connect(a).unwrap();
    c.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
    let req = format!(
        "POST /api HTTP/1.1\r\nHost: {a}\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n{body}",
        body.len()
    );
    c.write_all(req.as_bytes()).unwrap();
    let r = read_reply(&mut c);
    assert_eq!(r.status, 401, "{}", r.body);
    assert!(r.head.to_ascii_lowercase().contains("connection: close"), "401 says Connection: close: {}", r.head);
    let mut rest = [0u8; 16];
    assert!(matches!(c.read(&mut rest), Ok(0)), "the connection is closed after a 401");

    // The scheme is case-insensitive (RFC 7235).
    for scheme in ["bearer", "BEARER", "Bearer"] {
        let req = format!(
            "POST /api HTTP/1.1\r\nHost: {a}\r\nAuthorization: {scheme} {TOKEN}\r\nContent-Type: application/json\r\n\
             Connection: close\r\nContent-Length: {}\r\n\r\n{body}",
            body.len()
        );
        assert_eq!(raw(a, req.as_bytes()).status, 200, "scheme {scheme}");
    }
    // A token that shares a prefix, or is longer, is wrong.
    for wrong in [&TOKEN[..40], &format!("{TOKEN}0")[..]] {
        let req = format!(
            "POST /api HTTP/1.1\r\nHost: {a}\r\nAuthorization: Bearer {wrong}\r\nContent-Type: application/json\r\n\
             Connection: close\r\nContent-Length: {}\r\n\r\n{body}",
            body.len()
        );
        assert_eq!(raw(a, req.as_bytes()).status, 401);
    }
    // Two Host headers, and an absolute-form target, are refused even with the token.
    let req = format!(
        "POST /api HTTP/1.1\r\nHost: {a}\r\nHost: evil.example\r\nAuthorization: Bearer {TOKEN}\r\n\
         Content-Type: application/json\r\nConnection: close\r\nContent-Length: {}\r\n\r\n{body}",
        body.len()
    );
    let r = raw(a, req.as_bytes());
    assert_eq!(r.status, 400, "duplicate Host: {} {}", r.head, r.body);
    let req = format!(
        "POST http://{a}/api HTTP/1.1\r\nHost: {a}\r\nAuthorization: Bearer {TOKEN}\r\n\
         Content-Type: application/json\r\nConnection: close\r\nContent-Length: {}\r\n\r\n{body}",
        body.len()
    );
    let r = raw(a, req.as_bytes());
    assert_eq!(r.status, 400, "absolute-form target: {} {}", r.head, r.body);
    // The cookie carries no authority over the API.
    let req = format!(
        "POST /api HTTP/1.1\r\nHost: {a}\r\nCookie: trawl_token={TOKEN}\r\nContent-Type: application/json\r\n\
         Connection: close\r\nContent-Length: {}\r\n\r\n{body}",
        body.len()
    );
    assert_eq!(raw(a, req.as_bytes()).status, 401, "a cookie alone is not the token");
    alive(a);
}

#[test]
fn serve_prints_a_random_token_of_32_bytes() {
    let (_dir, db) = database();
    let mut child = Command::new(served_bin())
        .arg("--db")
        .arg(&db)
        .args(["serve", "--port", "0"])
        .env_remove("TRAWL_TOKEN")
        .env("TRAWL_UI", "/nonexistent")
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let url = loop {
        let l = lines.next().expect("a URL line").unwrap();
        if let Some(i) = l.find("token=") {
            break l[i + 6..].trim().to_string();
        }
    };
    let _ = child.kill();
    let _ = child.wait();
    assert!(url.len() >= 43 && url.chars().all(|c| c.is_ascii_hexdigit()), "token {url}");
}
