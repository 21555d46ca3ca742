//! The labelling commands: `label`, `undo`, `labels show|export|import`, `labelsets list|define`,
//! `queue`, `agreement`, `adjudicate`, `review-flag`, `annotator`, and `bench-label`.
//!
//! Each converts its arguments, calls one `Library` method and prints a short human line or the
//! protocol type as JSON (`--json`).

use std::path::PathBuf;
use std::time::Instant;

use anyhow::{bail, Context, Result};
use clap::{Args, Subcommand};
use serde_json::Value;
use trawl_api::protocol::*;
use trawl_api::Library;

use crate::{open, percentile, print_json};

/// `trawl label`.
#[derive(Args)]
pub struct LabelArgs {
    /// `ID SET VALUE`, or `SET VALUE` with --query. VALUE: a value of the set; `a,b` for a
    /// multi-select set; a number for a rating; any text for a text set.
    #[arg(required = true, num_args = 1..=3)]
    args: Vec<String>,
    /// Label a step (0-based) instead of the trajectory.
    #[arg(long)]
    step: Option<u64>,
    /// Remove this annotator's value instead (`ID SET`).
    #[arg(long)]
    clear: bool,
    /// Label every trajectory this query matches, as one undoable batch.
    #[arg(long, conflicts_with_all = ["step", "clear"])]
    query: Option<String>,
    /// With --query: the number of matches you confirm (the command tells it when missing).
    #[arg(long, requires = "query")]
    confirm: Option<u64>,
    /// Print JSON.
    #[arg(long)]
    json: bool,
}

/// `trawl labels`.
#[derive(Subcommand)]
pub enum LabelsCommand {
    /// A trajectory's current labels, flag reviews and label history.
    Show {
        /// Trajectory id.
        id: String,
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
    /// Write every label event as JSON Lines (to stdout, or a file).
    Export {
        /// Output file (written atomically).
        #[arg(long)]
        out: Option<PathBuf>,
        /// Only this annotator's events.
        #[arg(long)]
        annotator: Option<String>,
        /// Print a JSON summary (with --out).
        #[arg(long)]
        json: bool,
    },
    /// Merge a labels file: valid lines are imported, bad ones reported with line and reason.
    Import {
        /// The JSON Lines file.
        file: PathBuf,
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
}

/// `trawl labelsets`.
#[derive(Subcommand)]
pub enum LabelSetsCommand {
    /// The label sets and their values.
    List {
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
    /// Create or update label sets from a JSON file (a list, `{"sets": [...]}`, or one set).
    Define {
        /// The file.
        #[arg(long)]
        file: PathBuf,
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
}

/// `trawl queue`.
#[derive(Args)]
pub struct QueueArgs {
    /// The query (default: everything).
    #[arg(default_value = "")]
    query: String,
    /// all, unlabelled, flagged_first or sample.
    #[arg(long, default_value = "all")]
    kind: String,
    /// The label set that counts as done.
    #[arg(long, default_value = "verdict")]
    set: String,
    /// Sample size (kind sample).
    #[arg(long)]
    n: Option<usize>,
    /// Sample seed.
    #[arg(long)]
    seed: Option<u64>,
    /// Show at most this many ids.
    #[arg(long)]
    limit: Option<usize>,
    /// Print JSON.
    #[arg(long)]
    json: bool,
}

/// `trawl agreement`.
#[derive(Args)]
pub struct AgreementArgs {
    /// Label set.
    set: String,
    /// Only these annotators (comma-separated).
    #[arg(long, value_delimiter = ',')]
    annotators: Vec<String>,
    /// Print JSON.
    #[arg(long)]
    json: bool,
}

/// `trawl bench-label`.
#[derive(Args)]
pub struct BenchLabelArgs {
    /// Keystrokes to measure.
    #[arg(long, default_value_t = 200)]
    n: usize,
    /// The queue's query.
    #[arg(long, default_value = "")]
    query: String,
    /// Print JSON.
    #[arg(long)]
    json: bool,
}

/// Reads a value typed on the command line according to its set's kind.
fn typed_value(lib: &Library, set: &str, text: &str) -> Result<Value> {
    let kind = lib.label_sets()?.into_iter().find(|s| s.name == set).map(|s| s.kind);
    Ok(match kind.as_deref() {
        Some("multi") => Value::from(text.split(',').map(str::trim).filter(|s| !s.is_empty()).collect::<Vec<_>>()),
        Some("rating") => text.trim().parse::<i64>().map(Value::from).unwrap_or_else(|_| Value::from(text)),
        _ => Value::from(text),
    })
}

fn print_write(r: &LabelWriteResult, what: &str, json: bool) -> Result<()> {
    if json {
        print_json(r)
    } else {
        println!("{what} {} (batch {}; `trawl undo` reverts it)", r.count, r.batch);
        Ok(())
    }
}

/// `trawl label`.
pub fn label(db: &Option<PathBuf>, a: LabelArgs) -> Result<()> {
    let mut lib = open(db)?;
    if let Some(query) = a.query {
        let [set, value] = &a.args[..] else { bail!("with --query give SET VALUE") };
        let n = lib.count(&query)?.0;
        let Some(confirmed) = a.confirm else {
            bail!("the query matches {n} trajectories; run again with --confirm {n} to label them all")
        };
        let value = typed_value(&lib, set, value)?;
        let r = lib.label_bulk(&LabelBulkRequest { query, set: set.clone(), value, expect: Some(confirmed) })?;
        return print_write(&r, "labelled", a.json);
    }
    if a.clear {
        let [id, set] = &a.args[..] else { bail!("with --clear give ID SET") };
        let r = lib.clear_label(&ClearLabelRequest { id: id.clone(), step: a.step, set: set.clone() })?;
        return print_write(&r, "cleared", a.json);
    }
    let [id, set, value] = &a.args[..] else { bail!("give ID SET VALUE") };
    let value = typed_value(&lib, set, value)?;
    let r = lib.label(&LabelRequest { id: id.clone(), step: a.step, set: set.clone(), value })?;
    print_write(&r, "labelled", a.json)
}

/// `trawl adjudicate ID SET VALUE`.
pub fn adjudicate(
    db: &Option<PathBuf>,
    id: String,
    set: String,
    value: String,
    step: Option<u64>,
    json: bool,
) -> Result<()> {
    let mut lib = open(db)?;
    let value = typed_value(&lib, &set, &value)?;
    let r = lib.adjudicate(&LabelRequest { id, step, set, value })?;
    print_write(&r, "adjudicated", json)
}

/// `trawl undo`.
pub fn undo(db: &Option<PathBuf>, batch: Option<String>, json: bool) -> Result<()> {
    let mut lib = open(db)?;
    let r = lib.undo(&UndoRequest { batch })?;
    if json {
        print_json(&r)
    } else {
        println!("undid batch {} ({} labels changed back)", r.batch, r.count);
        Ok(())
    }
}

/// `trawl review-flag ID FLAG DECISION`.
pub fn review_flag(db: &Option<PathBuf>, id: String, flag: String, decision: String, json: bool) -> Result<()> {
    let mut lib = open(db)?;
    let r = lib.review_flag(&ReviewFlagRequest { id, flag, decision })?;
    print_write(&r, "reviewed", json)
}

/// `trawl annotator [NAME]`.
pub fn annotator(db: &Option<PathBuf>, name: Option<String>, json: bool) -> Result<()> {
    let mut lib = open(db)?;
    let view = match name {
        Some(name) => lib.set_annotator(&SetAnnotatorRequest { name })?,
        None => lib.annotator(),
    };
    if json {
        print_json(&view)
    } else {
        println!("{} ({})", view.name, view.source);
        Ok(())
    }
}

/// `trawl labels …`.
pub fn labels(db: &Option<PathBuf>, cmd: LabelsCommand) -> Result<()> {
    match cmd {
        LabelsCommand::Show { id, json } => {
            let lib = open(db)?;
            let l = lib.labels_for(&LabelsForRequest { id })?;
            if json {
                return print_json(&l);
            }
            println!("{} (you are {})", l.id, l.annotator);
            for c in &l.current {
                let step = c.step.map(|s| format!(" step {s}")).unwrap_or_default();
                println!("  {}{step} = {}  by {} at {}", c.set, c.value, c.annotator, c.at);
            }
            for f in l.flags.iter().filter(|f| f.set_by_engine || !f.decisions.is_empty()) {
                let d: Vec<String> = f.decisions.iter().map(|(a, d)| format!("{d} by {a}")).collect();
                let engine = if f.set_by_engine { "flagged" } else { "not flagged" };
                println!("  flag {} ({engine}) {}", f.flag, d.join(", "));
            }
            println!("  {} events in history", l.history.len());
        }
        LabelsCommand::Export { out, annotator, json } => {
            let lib = open(db)?;
            let r =
                lib.labels_export(&LabelsExportRequest { path: out.map(|p| p.display().to_string()), annotator })?;
            match (&r.jsonl, json) {
                (Some(text), _) => print!("{text}"),
                (None, true) => print_json(&r)?,
                (None, false) => eprintln!("wrote {} events to {}", r.count, r.path.as_deref().unwrap_or("")),
            }
        }
        LabelsCommand::Import { file, json } => {
            if !file.exists() {
                bail!("cannot read {}: no such file", file.display());
            }
            let mut lib = open(db)?;
            let r = lib.labels_import(&LabelsImportRequest { path: file.display().to_string() })?;
            if json {
                return print_json(&r);
            }
            for e in &r.errors {
                eprintln!("{}:{}: {}", file.display(), e.line, e.reason);
            }
            println!("imported {}, duplicates {}, errors {}", r.imported, r.duplicates, r.errors.len());
        }
    }
    Ok(())
}

/// `trawl labelsets …`.
pub fn labelsets(db: &Option<PathBuf>, cmd: LabelSetsCommand) -> Result<()> {
    let (sets, json) = match cmd {
        LabelSetsCommand::List { json } => (open(db)?.label_sets()?, json),
        LabelSetsCommand::Define { file, json } => (open(db)?.define_label_sets_from_file(&file)?, json),
    };
    if json {
        return print_json(&sets);
    }
    for s in &sets {
        let values = match (s.min, s.max) {
            (Some(a), Some(b)) => format!("{a}..{b}"),
            _ => s.values.join(", "),
        };
        println!("{} ({}, {}) {values}", s.name, s.kind, s.level);
    }
    Ok(())
}

/// `trawl queue`.
pub fn queue(db: &Option<PathBuf>, a: QueueArgs) -> Result<()> {
    let lib = open(db)?;
    let q = lib.queue(&QueueRequest {
        query: a.query,
        kind: Some(a.kind),
        set: Some(a.set),
        n: a.n,
        seed: a.seed,
        offset: 0,
        limit: a.limit,
    })?;
    if a.json {
        return print_json(&q);
    }
    for id in &q.ids {
        println!("{id}");
    }
    eprintln!("done {} / {}", q.done, q.total);
    Ok(())
}

/// `trawl agreement`.
pub fn agreement(db: &Option<PathBuf>, a: AgreementArgs) -> Result<()> {
    let lib = open(db)?;
    let r = lib.agreement(&AgreementRequest { set: a.set, annotators: a.annotators })?;
    if a.json {
        return print_json(&r);
    }
    let value = r.value.map(|v| format!("{v:.3}")).unwrap_or_else(|| "undefined".into());
    println!("{} {}: {value} over {} items ({})", r.set, r.kind, r.items, r.annotators.join(", "));
    for d in &r.disagreements {
        let step = d.step.map(|s| format!(" step {s}")).unwrap_or_default();
        let values: Vec<String> = d.values.iter().map(|(a, v)| format!("{a}={v}")).collect();
        let adj = d.adjudicated.as_ref().map(|v| format!("  adjudicated {v}")).unwrap_or_default();
        println!("  {}{step}: {}{adj}", d.id, values.join(" "));
    }
    Ok(())
}

/// `trawl bench-label`: the labelling keystroke (label the current trajectory, then load the next
/// one and its labels) measured through the Library on an existing database. It writes labels
/// under the annotator `trawl-bench` and undoes each batch afterwards (the history keeps them).
pub fn bench_label(db: &Option<PathBuf>, a: BenchLabelArgs) -> Result<()> {
    let mut lib = open(db)?;
    lib.use_annotator("trawl-bench")?;
    let started = Instant::now();
    let q = lib.queue(&QueueRequest {
        query: a.query,
        kind: Some("unlabelled".into()),
        set: Some("verdict".into()),
        n: None,
        seed: None,
        offset: 0,
        limit: None,
    })?;
    let queue_ms = started.elapsed().as_secs_f64() * 1000.0;
    if q.ids.len() < 2 {
        bail!("the queue has {} trajectories; the benchmark needs at least 2", q.ids.len());
    }
    let n = a.n.min(q.ids.len() - 1);
    let (mut total, mut write, mut show) = (Vec::new(), Vec::new(), Vec::new());
    let mut batches = Vec::new();
    for i in 0..n {
        let t0 = Instant::now();
        let value = Value::from(if i % 2 == 0 { "keep" } else { "reject" });
        let r = lib.label(&LabelRequest { id: q.ids[i].clone(), step: None, set: "verdict".into(), value })?;
        let t1 = Instant::now();
        let next = &q.ids[i + 1];
        let t = lib.show(next).with_context(|| format!("show {next}"))?;
        lib.labels_for(&LabelsForRequest { id: next.clone() })?;
        let t2 = Instant::now();
        std::hint::black_box(t);
        batches.push(r.batch);
        write.push((t1 - t0).as_secs_f64() * 1000.0);
        show.push((t2 - t1).as_secs_f64() * 1000.0);
        total.push((t2 - t0).as_secs_f64() * 1000.0);
    }
    for b in batches {
        lib.undo(&UndoRequest { batch: Some(b) })?;
    }
    let stats = |mut v: Vec<f64>| {
        v.sort_by(f64::total_cmp);
        serde_json::json!({"p50_ms": percentile(&v, 0.5), "p95_ms": percentile(&v, 0.95), "max_ms": v.last().copied().unwrap_or(0.0)})
    };
    let trajectories = lib.stats()?.trajectories;
    let out = serde_json::json!({
        "trajectories": trajectories,
        "keystrokes": n,
        "queue_ms": queue_ms,
        "keystroke": stats(total),
        "label": stats(write),
        "next": stats(show),
    });
    if a.json {
        return print_json(&out);
    }
    let ms = |k: &str, p: &str| out[k][p].as_f64().unwrap_or(0.0);
    println!("{trajectories} trajectories, queue built in {queue_ms:.1} ms, {n} keystrokes");
    for k in ["keystroke", "label", "next"] {
        println!(
            "{k:>10}: p50 {:>7.2} ms  p95 {:>7.2} ms  max {:>7.2} ms",
            ms(k, "p50_ms"),
            ms(k, "p95_ms"),
            ms(k, "max_ms")
        );
    }
    Ok(())
}
