//! `trawl`: every use case of the library, headless and scriptable.
//!
//! A thin layer over `trawl-api`: it parses arguments, calls one `Library` method, and prints
//! either a human rendering or the protocol type as JSON (`--json`, a stable contract documented
//! in the README). Exit status 0 when the run did its job (diagnostics are not failures), 1 with a
//! one-line reason on stderr when it could not.

mod bench_app;
mod labels;
mod render;
mod serve;
mod subsets;

use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::Instant;

use anyhow::{bail, Context, Result};
use clap::{Parser, Subcommand};
use trawl_api::protocol::{DiagnosticsRequest, IngestRequest, SearchRequest};
use trawl_api::Library;

/// mimalloc: the record pipelines (ingest, exports, dedup) allocate many short-lived strings on
/// several threads at once. Built with `no_thp` (see Cargo.toml): the exports' multi-megabyte
/// column and page buffers are freed and allocated again all the time, and with transparent huge
/// pages every fresh 2 MiB region was zeroed by the kernel on first touch.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[derive(Parser)]
#[command(name = "trawl", version, about = "Curate datasets of software-engineering agent trajectories")]
struct Cli {
    /// The database file (default: trawl.db in the user's data directory).
    #[arg(long, global = true, env = "TRAWL_DB")]
    db: Option<PathBuf>,
    /// Create the database if it does not exist (`ingest` and `demo` always may; every other
    /// command refuses a missing database instead of creating an empty one).
    #[arg(long, global = true)]
    create: bool,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Read trajectory files and directories into the database.
    Ingest {
        /// Files or directories (walked).
        #[arg(required = true)]
        paths: Vec<PathBuf>,
        /// Re-read files already ingested completely and unchanged.
        #[arg(long)]
        force: bool,
        /// Print the summary as JSON.
        #[arg(long)]
        json: bool,
        /// No progress bar.
        #[arg(long, short)]
        quiet: bool,
    },
    /// Search with the query language (see the README).
    Search {
        /// The query (may start with `-`: `trawl search -flag:loop`).
        #[arg(allow_hyphen_values = true)]
        query: String,
        /// Hits per page.
        #[arg(long, default_value_t = 20, allow_negative_numbers = true)]
        limit: usize,
        /// Hits to skip.
        #[arg(long, default_value_t = 0, allow_negative_numbers = true)]
        offset: usize,
        /// relevance, ingest, steps_desc, steps_asc, patch_lines_desc.
        #[arg(long)]
        sort: Option<String>,
        /// Only count matches (fastest).
        #[arg(long)]
        count: bool,
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
    /// Show one trajectory as a readable trace.
    Show {
        /// Trajectory id (or a unique prefix of at least 6 characters).
        id: String,
        /// Print the normalized trajectory as JSON.
        #[arg(long)]
        json: bool,
        /// Print the original record bytes.
        #[arg(long, conflicts_with = "json")]
        raw: bool,
        /// Show observations in full (default: first 15 lines).
        #[arg(long)]
        full: bool,
    },
    /// Counts about the database.
    Stats {
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
    /// What ingest could not read (or read with a warning).
    Diagnostics {
        /// Only this file.
        #[arg(long)]
        file: Option<String>,
        /// At most this many.
        #[arg(long)]
        limit: Option<usize>,
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
    /// Verify the whole database (index against SQLite, derived facts, record hashes); exit 1 when
    /// something is wrong and not repaired.
    Check {
        /// Repair what can be repaired (rebuild the index, recompute derived facts, restore a
        /// damaged record from its source file).
        #[arg(long)]
        repair: bool,
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
    /// Rebuild the search index and derived facts from the database.
    Reindex {
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
    /// Generate synthetic SWE-ZERO-shaped JSONL (deterministic from the seed).
    Gen {
        /// Seed.
        #[arg(long, default_value_t = 1)]
        seed: u64,
        /// Number of rows.
        #[arg(long, conflicts_with = "bytes")]
        count: Option<u64>,
        /// Write rows until at least this many bytes (accepts K, M, G suffixes).
        #[arg(long)]
        bytes: Option<String>,
        /// Output file.
        #[arg(long)]
        out: PathBuf,
    },
    /// Run each query of a file (one per line) several times in-process and report latencies.
    BenchQueries {
        /// File with one query per line (blank lines and lines starting with # are skipped).
        file: PathBuf,
        /// Runs per query.
        #[arg(long, default_value_t = 10)]
        repeat: usize,
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
    /// Measure the app's latencies (start, open a trajectory, facet click, scroll) through the HTTP API.
    BenchApp {
        /// Trajectories to open (of about 100 steps each).
        #[arg(long, default_value_t = 20)]
        repeat: usize,
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
    /// Label a trajectory or a step (ID SET VALUE), or every match of --query (SET VALUE).
    Label(labels::LabelArgs),
    /// Undo the latest labelling batch of this annotator (or --batch).
    Undo {
        /// The batch id printed by `label`.
        #[arg(long)]
        batch: Option<String>,
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
    /// Serve the app and its API over HTTP on loopback (open the printed URL in a browser).
    Serve {
        /// Port (0 picks a free one).
        #[arg(long, default_value_t = 7878)]
        port: u16,
        /// Address to bind. Anything but loopback exposes the data to the network: prefer an SSH tunnel.
        #[arg(long, default_value = "127.0.0.1")]
        bind: std::net::IpAddr,
        /// The built UI (default: ui/dist beside the binary's source tree, or $TRAWL_UI).
        #[arg(long, env = "TRAWL_UI")]
        ui: Option<PathBuf>,
        /// Removed: a token on the command line is visible to every local user (`ps`). Use
        /// $TRAWL_TOKEN or --token-file.
        #[arg(long, hide = true, allow_hyphen_values = true)]
        token: Option<String>,
        /// Read the token API calls must carry from this file (its first line), or from stdin with
        /// `-` (default: $TRAWL_TOKEN, else a random one). At least 43 characters.
        #[arg(long)]
        token_file: Option<PathBuf>,
        /// Accept a token shorter than 43 characters (32 random bytes); only for throwaway tests.
        #[arg(long)]
        insecure_short_token: bool,
        /// Also accept this Host header (e.g. the name of a reverse proxy); repeatable.
        #[arg(long = "allow-host")]
        allow_host: Vec<String>,
        /// A directory whose files the API may read and write (databases, ingest inputs, label
        /// files, exports); repeatable. Default: the database's directory.
        #[arg(long = "data-dir")]
        data_dir: Vec<PathBuf>,
    },
    /// Show, export or import labels.
    #[command(subcommand)]
    Labels(labels::LabelsCommand),
    /// List or define label sets.
    #[command(subcommand)]
    Labelsets(labels::LabelSetsCommand),
    /// A labelling queue over a query's results, with progress.
    Queue(labels::QueueArgs),
    /// Agreement between annotators on a label set (Cohen's kappa or Krippendorff's alpha).
    Agreement(labels::AgreementArgs),
    /// Record the adjudicated value of a disagreement (ID SET VALUE).
    Adjudicate {
        /// Trajectory id.
        id: String,
        /// Label set.
        set: String,
        /// Value.
        value: String,
        /// Step.
        #[arg(long)]
        step: Option<u64>,
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
    /// Confirm or dismiss an engine flag on a trajectory (decision: confirm, dismiss or clear).
    ReviewFlag {
        /// Trajectory id.
        id: String,
        /// Flag name.
        flag: String,
        /// confirm, dismiss or clear.
        decision: String,
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
    /// Show this install's annotator name, or set it (saved in the user's config file).
    Annotator {
        /// The new name.
        name: Option<String>,
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
    /// Measure the labelling keystroke (label, then load the next trajectory) on a database.
    BenchLabel(labels::BenchLabelArgs),
    /// Subsets with lineage: create, rerun, show, list, lineage.
    Subset {
        #[command(subcommand)]
        cmd: subsets::SubsetCmd,
    },
    /// Duplicate clusters (exact or near-duplicate patches, exact trajectory text).
    Dedup(subsets::DedupArgs),
    /// Contamination lists (SWE-bench Verified and Multilingual built in; add your own).
    Contamination {
        #[command(subcommand)]
        cmd: subsets::ContaminationCmd,
    },
    /// Export a subset version (jsonl-original, sft-chat, parquet) with a manifest, or rebuild one.
    Export(subsets::ExportArgs),
    /// Time subset saving, exports and near-duplicate detection on the database.
    BenchCuration(subsets::BenchArgs),
    /// Build a demo database: generated trajectories plus the real fixtures, then print what is in it.
    Demo {
        /// Where to put the demo data and database.
        #[arg(long, default_value = "demo")]
        dir: PathBuf,
        /// Generated trajectories.
        #[arg(long, default_value_t = 2000)]
        count: u64,
        /// Directory of real fixtures to ingest too (skipped when missing).
        #[arg(long, default_value = "../shared/fixtures/real")]
        fixtures: PathBuf,
    },
}

fn main() {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => usage_error(e),
    };
    CREATE.store(cli.create, std::sync::atomic::Ordering::Relaxed);
    if let Err(e) = run(cli) {
        let mut msg = format!("{e}");
        for cause in e.chain().skip(1) {
            msg.push_str(&format!(": {cause}"));
        }
        eprintln!("trawl: {}", msg.lines().next().unwrap_or(""));
        std::process::exit(1);
    }
}

/// A command line that does not parse: `--help` and `--version` print and exit 0; anything else
/// is a usage error, one line on stderr and exit status 1 (the README's exit-status contract),
/// not clap's several lines and exit status 2.
fn usage_error(e: clap::Error) -> ! {
    use clap::error::ErrorKind;
    match e.kind() {
        ErrorKind::DisplayHelp | ErrorKind::DisplayVersion => {
            let _ = e.print();
            std::process::exit(0);
        }
        ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand => {
            eprintln!("trawl: a command is required (see `trawl --help`)");
        }
        _ => {
            let text = e.to_string();
            let first = text.lines().find(|l| !l.trim().is_empty()).unwrap_or("invalid arguments");
            let first = first.trim().strip_prefix("error: ").unwrap_or(first.trim());
            eprintln!("trawl: {first} (see `trawl --help`)");
        }
    }
    std::process::exit(1);
}

/// `--create`: commands other than `ingest` and `demo` may create a missing database.
static CREATE: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);

fn default_db() -> PathBuf {
    dirs::data_dir().unwrap_or_else(|| PathBuf::from(".")).join("trawl").join("trawl.db")
}

/// Opens the database of `--db` (or the default one). A missing database is an error naming it
/// unless `--create` was given: a mistyped path must not become a new empty database.
fn open(db: &Option<PathBuf>) -> Result<Library> {
    open_with(db, CREATE.load(std::sync::atomic::Ordering::Relaxed))
}

/// Opens the database, creating it when it does not exist (`ingest`).
fn open_creating(db: &Option<PathBuf>) -> Result<Library> {
    open_with(db, true)
}

fn open_with(db: &Option<PathBuf>, create: bool) -> Result<Library> {
    let path = db.clone().unwrap_or_else(default_db);
    // A `file:` URI (`file:PATH?mode=ro`) is SQLite's to resolve; the store checks it exists.
    if !create && !path.exists() && !path.to_string_lossy().starts_with("file:") {
        bail!("no database at {} (`trawl ingest` creates one, or pass --create)", path.display());
    }
    let mut lib =
        Library::open_with(&path, create).with_context(|| format!("cannot open database {}", path.display()))?;
    print_notices(&mut lib);
    Ok(lib)
}

/// Notices about the database (an index rebuilt, and why), one line each on stderr.
fn print_notices(lib: &mut Library) {
    for n in lib.take_notices() {
        eprintln!("trawl: {n}");
    }
}

fn print_json<T: serde::Serialize>(v: &T) -> Result<()> {
    let mut out = std::io::stdout().lock();
    serde_json::to_writer_pretty(&mut out, v)?;
    writeln!(out)?;
    Ok(())
}

fn run(cli: Cli) -> Result<()> {
    match cli.command {
        Command::Ingest { paths, force, json, quiet } => {
            for p in &paths {
                if !p.exists() {
                    bail!("cannot read {}: no such file or directory", p.display());
                }
            }
            let mut lib = open_creating(&cli.db)?;
            let report = ingest_with_progress(&mut lib, &paths, force, quiet || json)?;
            if json {
                print_json(&report)?;
            } else {
                render::ingest_summary(&report);
            }
        }
        Command::Search { query, limit, offset, sort, count, json } => {
            let lib = open(&cli.db)?;
            if count {
                let (n, ms) = lib.count(&query)?;
                if json {
                    print_json(&serde_json::json!({"total": n, "took_ms": ms}))?;
                } else {
                    println!("{n}");
                }
                return Ok(());
            }
            let sort = sort.as_deref().map(subsets::parse_name).transpose()?;
            let resp = lib.search(&SearchRequest { query, limit, offset, sort, snippets: true })?;
            if json {
                print_json(&resp)?;
            } else {
                render::search(&resp);
            }
        }
        Command::Show { id, json, raw, full } => {
            let lib = open(&cli.db)?;
            if raw {
                let bytes = lib.raw(&id)?;
                let mut out = std::io::stdout().lock();
                out.write_all(&bytes)?;
                out.write_all(b"\n")?;
            } else {
                let t = lib.show(&id)?;
                if json {
                    print_json(&t)?;
                } else {
                    render::trajectory(&t, full);
                }
            }
        }
        Command::Stats { json } => {
            let lib = open(&cli.db)?;
            let s = lib.stats()?;
            if json {
                print_json(&s)?;
            } else {
                render::stats(&s);
            }
        }
        Command::Diagnostics { file, limit, json } => {
            let lib = open(&cli.db)?;
            let d = lib.diagnostics(&DiagnosticsRequest { file, limit })?;
            if json {
                print_json(&d)?;
            } else {
                for x in &d.diagnostics {
                    println!("{}:{}: {}: {}", x.file, x.line, x.severity, x.message);
                }
                eprintln!("{} diagnostics", d.total);
            }
        }
        Command::Check { repair, json } => {
            let path = cli.db.clone().unwrap_or_else(default_db);
            let mut lib =
                Library::open_as_is(&path).with_context(|| format!("cannot open database {}", path.display()))?;
            let r = lib.check(repair)?;
            print_notices(&mut lib);
            if json {
                print_json(&r)?;
            } else {
                render::check(&r);
            }
            if !r.unrepaired.is_empty() {
                let what = if repair { "could not be repaired" } else { "found; run `trawl check --repair`" };
                bail!("{} problems {what}", r.unrepaired.len());
            }
        }
        Command::Reindex { json } => {
            let mut lib = open(&cli.db)?;
            let r = lib.reindex()?;
            if json {
                print_json(&r)?;
            } else {
                println!("indexed {} trajectories in {:.1}s", r.indexed, r.elapsed_s);
            }
        }
        Command::Gen { seed, count, bytes, out } => {
            let cfg = trawl_gen::GenConfig::new(seed);
            let file = std::fs::File::create(&out).with_context(|| format!("cannot create {}", out.display()))?;
            let w = std::io::BufWriter::with_capacity(1 << 20, file);
            let (rows, written) = match (count, bytes) {
                (Some(n), _) => (n, trawl_gen::write_jsonl(&cfg, n, w)?),
                (None, Some(b)) => trawl_gen::write_until_bytes(&cfg, parse_size(&b)?, w)?,
                (None, None) => bail!("give --count or --bytes"),
            };
            eprintln!("wrote {rows} rows, {written} bytes to {}", out.display());
        }
        Command::BenchQueries { file, repeat, json } => {
            let lib = open(&cli.db)?;
            bench_queries(&lib, &file, repeat, json)?;
        }
        Command::Demo { dir, count, fixtures } => demo(&dir, count, &fixtures)?,
        Command::BenchApp { repeat, json } => {
            let db = cli.db.clone().unwrap_or_else(default_db);
            bench_app::run(&db, repeat, json)?
        }
        Command::Serve { port, bind, ui, token, token_file, insecure_short_token, allow_host, data_dir } => {
            if token.is_some() {
                bail!(
                    "--token is gone: a token on the command line is visible to every local user in `ps`; \
                     set TRAWL_TOKEN or pass --token-file FILE (or - for stdin)"
                );
            }
            let token = serve::token(token_file.as_deref(), insecure_short_token)?;
            let lib = open(&cli.db)?;
            let opts = serve::Options {
                addr: std::net::SocketAddr::new(bind, port),
                ui,
                token,
                hosts: allow_host,
                data_dirs: data_dir,
            };
            serve::run(lib, opts)?
        }
        Command::Label(a) => labels::label(&cli.db, a)?,
        Command::Undo { batch, json } => labels::undo(&cli.db, batch, json)?,
        Command::Labels(c) => labels::labels(&cli.db, c)?,
        Command::Labelsets(c) => labels::labelsets(&cli.db, c)?,
        Command::Queue(a) => labels::queue(&cli.db, a)?,
        Command::Agreement(a) => labels::agreement(&cli.db, a)?,
        Command::Adjudicate { id, set, value, step, json } => labels::adjudicate(&cli.db, id, set, value, step, json)?,
        Command::ReviewFlag { id, flag, decision, json } => labels::review_flag(&cli.db, id, flag, decision, json)?,
        Command::Annotator { name, json } => labels::annotator(&cli.db, name, json)?,
        Command::BenchLabel(a) => labels::bench_label(&cli.db, a)?,
        Command::Subset { cmd } => subsets::subset(&cli.db, cmd)?,
        Command::Dedup(a) => subsets::dedup(&cli.db, a)?,
        Command::Contamination { cmd } => subsets::contamination(&cli.db, cmd)?,
        Command::Export(a) => subsets::export(&cli.db, a)?,
        Command::BenchCuration(a) => subsets::bench(&cli.db, a)?,
    }
    Ok(())
}

fn ingest_with_progress(
    lib: &mut Library,
    paths: &[PathBuf],
    force: bool,
    quiet: bool,
) -> Result<trawl_api::protocol::IngestReport> {
    let req = IngestRequest { paths: paths.iter().map(|p| p.display().to_string()).collect(), force };
    let bar = if quiet {
        indicatif::ProgressBar::hidden()
    } else {
        let b = indicatif::ProgressBar::new(0);
        b.set_style(
            indicatif::ProgressStyle::with_template(
                "{spinner} [{elapsed_precise}] {wide_bar} {bytes}/{total_bytes} {msg} ETA {eta}",
            )
            .expect("valid template"),
        );
        b
    };
    let report = lib.ingest(&req, |p| {
        bar.set_length(p.total_bytes);
        bar.set_position(p.disk_bytes);
        // Several files (the shards of a dataset): which one, k of n.
        let file = if p.files > 1 {
            let name = std::path::Path::new(&p.current_file).file_name().unwrap_or_default().to_string_lossy();
            format!("file {} of {} ({name}), ", p.file_index, p.files)
        } else {
            String::new()
        };
        bar.set_message(format!("{file}{} records, {:.0} MB/s", p.records, p.mb_per_s));
    })?;
    bar.finish_and_clear();
    Ok(report)
}

fn parse_size(s: &str) -> Result<u64> {
    let s = s.trim();
    let (num, mult) = match s.chars().last() {
        Some('K' | 'k') => (&s[..s.len() - 1], 1u64 << 10),
        Some('M' | 'm') => (&s[..s.len() - 1], 1 << 20),
        Some('G' | 'g') => (&s[..s.len() - 1], 1 << 30),
        _ => (s, 1),
    };
    let n: f64 = num.parse().with_context(|| format!("bad size '{s}'"))?;
    Ok((n * mult as f64) as u64)
}

fn percentile(sorted: &[f64], p: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    let idx = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[idx.min(sorted.len() - 1)]
}

fn bench_queries(lib: &Library, file: &Path, repeat: usize, json: bool) -> Result<()> {
    let text = std::fs::read_to_string(file).with_context(|| format!("cannot read {}", file.display()))?;
    let queries: Vec<&str> = text.lines().map(str::trim).filter(|l| !l.is_empty() && !l.starts_with('#')).collect();
    let mut all = Vec::new();
    let mut per = Vec::new();
    for q in &queries {
        let mut times = Vec::new();
        let mut total = 0;
        for _ in 0..repeat.max(1) {
            let t0 = Instant::now();
            let r =
                lib.search(&SearchRequest { query: q.to_string(), limit: 20, offset: 0, sort: None, snippets: true })?;
            times.push(t0.elapsed().as_secs_f64() * 1000.0);
            total = r.total;
        }
        times.sort_by(f64::total_cmp);
        all.extend(times.iter().copied());
        per.push(serde_json::json!({
            "query": q, "total": total,
            "p50_ms": percentile(&times, 0.5), "p95_ms": percentile(&times, 0.95),
        }));
    }
    all.sort_by(f64::total_cmp);
    let out = serde_json::json!({
        "queries": per,
        "p50_ms": percentile(&all, 0.5),
        "p95_ms": percentile(&all, 0.95),
        "runs": all.len(),
    });
    if json {
        print_json(&out)?;
    } else {
        for q in &per {
            println!(
                "{:>8.2} ms p50 {:>8.2} ms p95 {:>7} hits  {}",
                q["p50_ms"].as_f64().unwrap_or(0.0),
                q["p95_ms"].as_f64().unwrap_or(0.0),
                q["total"],
                q["query"].as_str().unwrap_or("")
            );
        }
        println!(
            "all: p50 {:.2} ms, p95 {:.2} ms over {} runs",
            out["p50_ms"].as_f64().unwrap_or(0.0),
            out["p95_ms"].as_f64().unwrap_or(0.0),
            all.len()
        );
    }
    Ok(())
}

fn demo(dir: &Path, count: u64, fixtures: &Path) -> Result<()> {
    std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
    let data = dir.join("swe-zero-demo.jsonl");
    if !data.exists() {
        let f = std::fs::File::create(&data)?;
        let bytes = trawl_gen::write_jsonl(&trawl_gen::GenConfig::new(7), count, std::io::BufWriter::new(f))?;
        eprintln!("generated {count} trajectories ({:.0} MB) in {}", bytes as f64 / 1e6, data.display());
    }
    let db = dir.join("demo.trawl.db");
    let mut lib = Library::open(&db)?;
    let mut paths = vec![data];
    if fixtures.is_dir() {
        paths.push(fixtures.to_path_buf());
    }
    let report = ingest_with_progress(&mut lib, &paths, false, false)?;
    render::ingest_summary(&report);
    render::stats(&lib.stats()?);
    for q in
        ["\"maximum recursion depth\"", "flag:ran_tests step:(tool:execute_bash cmd:/pytest/ exit:!0)", "resolved:true"]
    {
        println!("\n$ trawl --db {} search '{q}' --limit 3", db.display());
        let r = lib.search(&SearchRequest { query: q.into(), limit: 3, offset: 0, sort: None, snippets: true })?;
        render::search(&r);
    }
    println!("\nThe demo database is {}; try: trawl --db {} show <id>", db.display(), db.display());
    Ok(())
}
