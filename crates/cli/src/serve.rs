//! `trawl serve`: the HTTP server of `trawl-server` on a tokio runtime.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;

use anyhow::{Context, Result};
use trawl_api::{Library, Service};
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

/// Binds, prints the URL with the token, and serves until interrupted.
pub fn run(
    lib: Library,
    addr: SocketAddr,
    ui: Option<PathBuf>,
    token: Option<String>,
    hosts: Vec<String>,
) -> Result<()> {
    let db = lib.db_path().display().to_string();
    let service = Arc::new(Service::new(lib));
    let token = token.filter(|t| !t.is_empty()).unwrap_or_else(random_token);
    let ui_dir = ui.or_else(default_ui);
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
        println!("    Open this URL (it carries the access token):");
        println!("    http://{shown}/?token={token}");
        use std::io::Write;
        std::io::stdout().flush().ok();
        let opts = ServeOptions { token, ui_dir, extra_hosts: hosts };
        tokio::select! {
            r = trawl_server::serve(listener, service, opts) => r.context("server stopped"),
            _ = tokio::signal::ctrl_c() => Ok(()),
        }
    })
}
