//! `trawl bench-app`: the app's latency numbers, measured through the HTTP API the UI uses. It
//! starts `trawl serve`'s server in-process on a free loopback port and times real HTTP requests:
//!
//! - start: opening the database and answering the first screen's call (the explorer's first
//!   page of `search` with facets; the library screen's `db_info` counts are not on it);
//! - open: `trajectory` (load, render, highlight, encode) of trajectories with about 100 steps,
//!   as opened from the list and as opened from a search (whose hits get longer previews);
//! - facet click: `search` for a query with one facet filter added, first page with facets;
//! - scroll: `search` pages of 200 at increasing offsets, as the virtual table fetches them.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::path::Path;
use std::sync::Arc;
use std::time::Instant;

use anyhow::{bail, Context, Result};
use serde_json::{json, Value};
use trawl_api::{Library, Service};

/// A keep-alive HTTP/1.1 connection that posts JSON to `/api`.
struct Client {
    addr: SocketAddr,
    token: String,
    conn: BufReader<TcpStream>,
}

impl Client {
    fn new(addr: SocketAddr, token: &str) -> Result<Client> {
        let s = TcpStream::connect(addr)?;
        s.set_nodelay(true)?;
        Ok(Client { addr, token: token.to_string(), conn: BufReader::new(s) })
    }

    fn call(&mut self, req: &Value) -> Result<Value> {
        let body = serde_json::to_vec(req)?;
        let head = format!(
            "POST /api HTTP/1.1\r\nHost: {0}\r\nOrigin: http://{0}\r\nAuthorization: Bearer {1}\r\nContent-Type: application/json\r\nContent-Length: {2}\r\n\r\n",
            self.addr, self.token, body.len()
        );
        let s = self.conn.get_mut();
        s.write_all(head.as_bytes())?;
        s.write_all(&body)?;
        let mut line = String::new();
        self.conn.read_line(&mut line)?;
        let status: u16 = line.split(' ').nth(1).and_then(|s| s.parse().ok()).context("bad status line")?;
        let mut len = 0usize;
        loop {
            line.clear();
            self.conn.read_line(&mut line)?;
            let l = line.trim_end();
            if l.is_empty() {
                break;
            }
            if let Some((k, v)) = l.split_once(':') {
                if k.eq_ignore_ascii_case("content-length") {
                    len = v.trim().parse()?;
                }
            }
        }
        let mut buf = vec![0; len];
        self.conn.read_exact(&mut buf)?;
        let v: Value = serde_json::from_slice(&buf)?;
        if status != 200 {
            bail!("HTTP {status}: {v}");
        }
        Ok(v)
    }
}

fn median(v: &mut [f64]) -> f64 {
    v.sort_by(f64::total_cmp);
    if v.is_empty() {
        0.0
    } else {
        v[v.len() / 2]
    }
}

fn p95(v: &mut [f64]) -> f64 {
    v.sort_by(f64::total_cmp);
    if v.is_empty() {
        0.0
    } else {
        v[((v.len() as f64 * 0.95).ceil() as usize).saturating_sub(1).min(v.len() - 1)]
    }
}

fn timed(c: &mut Client, req: Value) -> Result<(f64, Value)> {
    let t = Instant::now();
    let v = c.call(&req)?;
    Ok((t.elapsed().as_secs_f64() * 1000.0, v))
}

/// Runs the benchmark on the database at `db`; prints a table (or JSON).
pub fn run(db: &Path, repeat: usize, json_out: bool) -> Result<()> {
    let token = trawl_server::random_token();
    let t_start = Instant::now();
    let service =
        Arc::new(Service::new(Library::open_with(db, false).with_context(|| format!("cannot open {}", db.display()))?));
    let (tx, rx) = std::sync::mpsc::channel();
    let opts = trawl_server::ServeOptions::new(token.clone());
    std::thread::spawn(move || -> Result<()> {
        let rt = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build()?;
        rt.block_on(async move {
            let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
            tx.send(listener.local_addr()?).ok();
            trawl_server::serve(listener, service, opts).await?;
            Ok(())
        })
    });
    let addr = rx.recv().context("server did not start")?;
    let mut c = Client::new(addr, &token)?;
    // The first screen is the explorer: its one call is the first page of results with facets.
    let first =
        c.call(&json!({"method": "search", "params": {"query": "", "limit": 200, "offset": 0, "snippets": false}}))?;
    let start_ms = t_start.elapsed().as_secs_f64() * 1000.0;
    let info = c.call(&json!({"method": "db_info", "params": {}}))?;
    let total = first["total"].as_u64().unwrap_or(0);

    // Trajectories of about 100 steps; in a database without any (the generated SWE-ZERO-shaped
    // rows have about 35), its longest ones, as `benches/app_browser.mjs` does. Which it opened
    // is printed with the numbers.
    let mut hits = |query: &str, sort: Option<&str>| -> Result<Vec<(String, u64)>> {
        let v = c.call(&json!({"method": "search", "params": {"query": query, "limit": repeat.max(1), "offset": 0, "snippets": false, "sort": sort}}))?;
        Ok(v["hits"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|h| Some((h["id"].as_str()?.to_string(), h["steps"].as_u64().unwrap_or(0))))
            .collect())
    };
    let mut picked = hits("steps:90..110", None)?;
    let mut opened = "trajectories of 90..110 steps";
    if picked.is_empty() {
        picked = hits("", Some("steps_desc"))?;
        opened = "the longest trajectories (none has 90..110 steps)";
    }
    if picked.is_empty() {
        bail!("no trajectory to open in {}", db.display());
    }
    let steps: Vec<u64> = picked.iter().map(|(_, n)| *n).collect();
    let ids: Vec<String> = picked.into_iter().map(|(id, _)| id).collect();
    // As the UI opens one: its first screen (the first 6 steps, highlighted), then the rest
    // (the other steps and the patch). Also whole in one call, from the list (no query) and from a
    // search (observations with a hit come with longer previews).
    let mut opens = Vec::new();
    let parts: [(&str, Option<&str>, Value); 4] = [
        ("first screen (6 steps)", None, json!({"max_steps": 6})),
        ("the rest (steps 6.., patch)", None, json!({"from_step": 6})),
        ("whole", None, json!({})),
        ("whole, from a search \"error\"", Some("error"), json!({})),
    ];
    for (name, query, extra) in &parts {
        let mut ms_all = Vec::new();
        let (mut lines, mut bytes) = (0u64, 0usize);
        for id in &ids {
            let mut params = json!({"id": id});
            if let Some(q) = query {
                params["query"] = json!(q);
            }
            for (k, v) in extra.as_object().into_iter().flatten() {
                params[k] = v.clone();
            }
            let (ms, v) = timed(&mut c, json!({"method": "trajectory", "params": params}))?;
            ms_all.push(ms);
            bytes += v.to_string().len();
            for s in v["steps"].as_array().into_iter().flatten() {
                for call in s["calls"].as_array().into_iter().flatten() {
                    lines += call["observation"]["lines"].as_array().map_or(0, |l| l.len() as u64);
                }
            }
        }
        opens.push(json!({"part": name, "n": ms_all.len(), "median_ms": median(&mut ms_all), "p95_ms": p95(&mut ms_all),
            "query": query, "observation_lines_rendered": lines / ids.len() as u64, "json_kb": bytes / ids.len() / 1024}));
    }

    // Facet clicks: a base query, then each of the top facet values added as a filter.
    let base = "";
    let facets = &first["facets"];
    let mut clicks = Vec::new();
    let mut clicked = Vec::new();
    for field in ["repo", "dataset", "flag", "resolved"] {
        for f in facets[field].as_array().into_iter().flatten().take(5) {
            let value = f["value"].as_str().unwrap_or("");
            if value == "(none)" || f["count"].as_u64() == Some(0) {
                continue;
            }
            let q = format!("{base}{field}:\"{value}\"");
            for _ in 0..2 {
                let (ms, _) = timed(
                    &mut c,
                    json!({"method": "search", "params": {"query": q, "limit": 200, "offset": 0, "snippets": true}}),
                )?;
                clicks.push(ms);
            }
            clicked.push(q);
        }
    }

    // Scrolling: pages of 200 through the whole result list, in two orders.
    let mut pages = Vec::new();
    for sort in ["ingest", "repo_asc"] {
        let mut offset = 0;
        while offset < total.min(100_000) as usize {
            let (ms, _) = timed(
                &mut c,
                json!({"method": "search", "params": {"query": "", "limit": 200, "offset": offset, "sort": sort, "snippets": false}}),
            )?;
            pages.push(ms);
            offset += (total as usize / 25).max(200);
        }
    }

    let out = json!({
        "db": db.display().to_string(),
        "trajectories": info["stats"]["trajectories"],
        "start_to_first_screen_ms": start_ms,
        "open_trajectory": opens,
        "opened": opened,
        "opened_steps": steps,
        "facet_click": {"n": clicks.len(), "median_ms": median(&mut clicks), "p95_ms": p95(&mut clicks)},
        "scroll_page": {"n": pages.len(), "median_ms": median(&mut pages), "p95_ms": p95(&mut pages)},
    });
    if json_out {
        println!("{}", serde_json::to_string_pretty(&out)?);
    } else {
        println!("trawl bench-app on {} ({} trajectories), through HTTP:", db.display(), out["trajectories"]);
        println!("  start to first screen          {:>8.1} ms", start_ms);
        let row = |name: &str, v: &Value| {
            println!(
                "  {name:<30} {:>8.1} ms median {:>8.1} ms p95  (n={})",
                v["median_ms"].as_f64().unwrap_or(0.0),
                v["p95_ms"].as_f64().unwrap_or(0.0),
                v["n"]
            )
        };
        println!("  open {opened} (steps {steps:?}):");
        for o in out["open_trajectory"].as_array().into_iter().flatten() {
            row(&format!("  {}", o["part"].as_str().unwrap_or("")), o);
            println!(
                "      (payload {} KB, {} highlighted observation lines)",
                o["json_kb"], o["observation_lines_rendered"]
            );
        }
        row("facet click", &out["facet_click"]);
        row("scroll page (200 rows)", &out["scroll_page"]);
    }
    Ok(())
}
