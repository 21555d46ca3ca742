//! `trawl serve`: the HTTP server of `trawl-server` on a tokio runtime.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use anyhow::{Context, Result};
use trawl_api::{Library, PathPolicy, Service};
use trawl_server::{random_token, ServeOptions};

/// Where the UI is looked for when `--ui` is not given: beside the executable
/// (`<exe dir>/ui`, `<exe dir>/../share/trawl/ui`), then the source tree it was built from.
fn default_ui() -> Option<PathBuf> {
    let mut candidates = Vec::new();
    if let Ok(exe) = std::env::current_exe() {
        if let Some(dir) = exe.parent() {
            candidates.push(dir.join("ui"));
            candidates.push(dir.join("../share/trawl/ui"));
        }
    }
    candidates.push(PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../../ui/dist")));
    candidates.into_iter().find(|d| d.join("index.html").is_file())
}

/// What `trawl serve` was asked for.
pub struct Options {
    /// Where to listen.
    pub addr: SocketAddr,
    /// The built UI.
    pub ui: Option<PathBuf>,
    /// The token (None: a random one).
    pub token: Option<String>,
    /// Extra Host header values.
    pub hosts: Vec<String>,
    /// The directories path-taking API methods may use (empty: the database's directory).
    pub data_dirs: Vec<PathBuf>,
}

/// The token from `--token-file` (a file's first line, or stdin with `-`), else `$TRAWL_TOKEN`,
/// else None (a random one); a given token shorter than [`trawl_server::MIN_TOKEN_CHARS`] is
/// refused unless `allow_short`.
pub fn token(file: Option<&Path>, allow_short: bool) -> Result<Option<String>> {
    let (given, from) = match file {
        Some(f) if f == Path::new("-") => {
            let mut line = String::new();
            std::io::stdin().read_line(&mut line).context("cannot read the token from stdin")?;
            (Some(line), "stdin".to_string())
        }
        Some(f) => {
            let text =
                std::fs::read_to_string(f).with_context(|| format!("cannot read the token file {}", f.display()))?;
            (Some(text.lines().next().unwrap_or("").to_string()), f.display().to_string())
        }
        None => (std::env::var("TRAWL_TOKEN").ok().filter(|t| !t.is_empty()), "TRAWL_TOKEN".to_string()),
    };
    let Some(t) = given else { return Ok(None) };
    let t = t.trim().to_string();
    trawl_server::check_token(&t, allow_short).map_err(|e| anyhow::anyhow!("{e} (token from {from})"))?;
    if t.chars().count() < trawl_server::MIN_TOKEN_CHARS {
        eprintln!("trawl serve: WARNING: a short token (--insecure-short-token); anyone who can guess it controls this server");
    }
    Ok(Some(t))
}

/// The token as a URL query value: anything but unreserved characters percent-encoded (a base64
/// token's `+` would otherwise read as a space).
fn url_encoded(t: &str) -> String {
    t.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// Binds, prints the URL with the token, and serves until interrupted.
pub fn run(lib: Library, o: Options) -> Result<()> {
    let db = lib.db_path().display().to_string();
    let dirs = if o.data_dirs.is_empty() {
        let parent = lib.db_path().parent().filter(|p| !p.as_os_str().is_empty()).unwrap_or(Path::new("."));
        vec![parent.to_path_buf()]
    } else {
        o.data_dirs.clone()
    };
    let policy = PathPolicy::within(&dirs).map_err(|e| anyhow::anyhow!("{e}"))?;
    let allowed = policy.describe();
    let service = Arc::new(Service::with_paths(lib, policy));
    let token = o.token.unwrap_or_else(random_token);
    let ui_dir = o.ui.or_else(default_ui);
    let addr = o.addr;
    let rt = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build()?;
    rt.block_on(async move {
        let listener = tokio::net::TcpListener::bind(addr).await.with_context(|| format!("cannot listen on {addr}"))?;
        let local = listener.local_addr()?;
        let shown =
            if local.ip().is_unspecified() { SocketAddr::new([127, 0, 0, 1].into(), local.port()) } else { local };
        println!("trawl serve: {db}");
        match &ui_dir {
            Some(d) => println!("    UI from {}", d.display()),
            None => println!("    UI not built (npm --prefix ui run build); the API is at POST /api"),
        }
        println!("    Files the API may use: under {allowed} (--data-dir)");
        println!("    Open this URL (it carries the access token):");
        println!("    http://{shown}/?token={}", url_encoded(&token));
        use std::io::Write;
        std::io::stdout().flush().ok();
        let mut opts = ServeOptions::new(token);
        opts.ui_dir = ui_dir;
        opts.extra_hosts = o.hosts;
        tokio::select! {
            r = trawl_server::serve(listener, service, opts) => r.context("server stopped"),
            _ = tokio::signal::ctrl_c() => Ok(()),
        }
    })
}
