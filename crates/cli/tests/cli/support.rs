//! Running the `trawl` binary and reading its JSON output.

use std::path::Path;
use std::process::Command;

use serde_json::Value;

/// A `trawl` command.
/// The `trawl` binary under test: this build's, or `TRAWL_TEST_BIN` (to run the same tests against
/// another build, e.g. to see a new test fail on the previous release).
pub fn trawl_bin() -> std::path::PathBuf {
    std::env::var_os("TRAWL_TEST_BIN").unwrap_or_else(|| env!("CARGO_BIN_EXE_trawl").into()).into()
}

/// A command running [`trawl_bin`].
pub fn trawl() -> Command {
    Command::new(trawl_bin())
}

/// Runs `trawl --db DB ARGS...`, asserts success and returns its standard output.
pub fn run(db: &Path, args: &[&str]) -> Vec<u8> {
    let out = trawl().arg("--db").arg(db).args(args).output().expect("run trawl");
    assert!(
        out.status.success(),
        "trawl {} failed ({}): {}",
        args.join(" "),
        out.status,
        String::from_utf8_lossy(&out.stderr)
    );
    out.stdout
}

/// Runs `trawl --db DB ARGS...` (which must include `--json`) and parses its output.
pub fn run_json(db: &Path, args: &[&str]) -> Value {
    let out = run(db, args);
    serde_json::from_slice(&out).unwrap_or_else(|e| {
        panic!("trawl {}: output is not json ({e}): {}", args.join(" "), String::from_utf8_lossy(&out))
    })
}

/// A non-negative integer field of a JSON object.
pub fn u(v: &Value, key: &str) -> u64 {
    v.get(key).and_then(Value::as_u64).unwrap_or_else(|| panic!("no integer `{key}` in {v}"))
}

/// Generates `count` SWE-ZERO-shaped rows with `trawl gen` into `out`.
pub fn gen(out: &Path, seed: u64, count: u64) {
    let status = trawl()
        .args(["gen", "--seed", &seed.to_string(), "--count", &count.to_string(), "--out"])
        .arg(out)
        .stderr(std::process::Stdio::null())
        .status()
        .expect("run trawl gen");
    assert!(status.success(), "trawl gen failed");
}

/// A running `trawl serve` (killed when dropped).
pub struct Serve {
    child: std::process::Child,
    /// Where it listens.
    pub addr: std::net::SocketAddr,
}

/// The token the test servers require.
pub const TOKEN: &str = "test-token-0123456789-0123456789-0123456789-abcdef";

impl Serve {
    /// Starts `trawl --db DB serve --port 0` and waits for the URL it prints.
    pub fn start(db: &Path) -> Serve {
        use std::io::BufRead;
        let mut child = trawl()
            .arg("--db")
            .arg(db)
            .args(["serve", "--port", "0"])
            .env("TRAWL_TOKEN", TOKEN)
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::inherit())
            .spawn()
            .expect("spawn trawl serve");
        let stdout = child.stdout.take().expect("stdout");
        let mut lines = std::io::BufReader::new(stdout).lines();
        let addr = loop {
            let line = lines.next().expect("trawl serve ended before printing its URL").expect("read stdout");
            if let Some(rest) = line.trim().strip_prefix("http://") {
                let host = rest.split('/').next().expect("host");
                break host.parse().expect("socket address");
            }
        };
        // Keep draining stdout so the server never blocks on a full pipe.
        std::thread::spawn(move || for _ in lines {});
        Serve { child, addr }
    }

    /// `POST /api` with a method and its params; returns (HTTP status, JSON body).
    pub fn call(&self, method: &str, params: Value) -> (u16, Value) {
        use std::io::{Read, Write};
        let body = serde_json::json!({ "method": method, "params": params }).to_string();
        let mut s = std::net::TcpStream::connect(self.addr).expect("connect to trawl serve");
        let req = format!(
            "POST /api HTTP/1.1\r\nHost: {0}\r\nOrigin: http://{0}\r\nAuthorization: Bearer {TOKEN}\r\nContent-Type: application/json\r\nConnection: close\r\nContent-Length: {1}\r\n\r\n{body}",
            self.addr,
            body.len()
        );
        s.write_all(req.as_bytes()).expect("send");
        let mut raw = Vec::new();
        s.read_to_end(&mut raw).expect("read reply");
        let text = String::from_utf8_lossy(&raw).to_string();
        let (head, body) = text.split_once("\r\n\r\n").unwrap_or((&text, ""));
        let status: u16 = head.split(' ').nth(1).and_then(|s| s.parse().ok()).unwrap_or(0);
        let body = if head.to_ascii_lowercase().contains("transfer-encoding: chunked") {
            let mut out = String::new();
            let mut rest = body;
            while let Some((size, after)) = rest.split_once("\r\n") {
                let n = usize::from_str_radix(size.trim(), 16).unwrap_or(0);
                if n == 0 || after.len() < n {
                    break;
                }
                out.push_str(&after[..n]);
                rest = after[n..].trim_start_matches("\r\n");
            }
            out
        } else {
            body.to_string()
        };
        (status, serde_json::from_str(&body).unwrap_or(Value::String(body)))
    }

    /// Whether the server process is still running.
    pub fn running(&mut self) -> bool {
        self.child.try_wait().expect("wait for trawl serve").is_none()
    }

    /// Like [`Serve::call`], asserting HTTP 200.
    pub fn ok(&self, method: &str, params: Value) -> Value {
        let (status, v) = self.call(method, params);
        assert_eq!(status, 200, "{method} failed: {v}");
        v
    }
}

impl Drop for Serve {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// `search '' --count`: how many trajectories the index finds.
pub fn search_count(db: &Path, query: &str) -> u64 {
    let out = run(db, &["search", query, "--count"]);
    String::from_utf8_lossy(&out).trim().parse().expect("a count")
}
