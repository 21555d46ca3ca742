//! Trawl's synthetic data generator: deterministic JSONL rows shaped like NVIDIA's
//! SWE-Zero OpenHands trajectories (`nvidia/SWE-Zero-openhands-trajectories`).
//!
//! It owns the row schema as written to disk (`instance_id, repo, license, trajectory_id,
//! trajectory[{role, content, tool_calls?, name?, tool_call_id?}], model_patch, dataset`), a fixed
//! corpus of synthetic Python checkouts (about twenty repositories whose files repeat across rows,
//! as in real data), a simulation of an execution-free CodeAct agent (views with `cat -n` line
//! numbers, `grep`/`find`/`head` calls with an exit-code footer, `think`, `str_replace` edits,
//! `finish`), and the final `model_patch`, a real unified diff of the edits made in the row.
//! Every row is a pure function of `(seed, index)`: the same pair gives the same bytes on every
//! machine and in any order, so rows can be generated in parallel or on demand.
//!
//! Special cases are mixed in at known rates ([`RATES`]) and distinctive phrases at known rates
//! ([`PHRASES`]), so that filters, facets and full-text search have something to find and
//! benchmarks can check counts. [`plan`] tells, without generating the row, which cases a row has.
//!
//! It deliberately does not parse, validate or ingest anything, has no I/O beyond the caller's
//! writer, and makes no attempt at semantically correct Python: the code only has to look real.
#![deny(missing_docs)]

mod agent;
mod corpus;
mod json;
mod prompts;
mod pysynth;
pub mod queries;
mod rng;
mod vocab;

use std::io::{self, Write};

/// Generation settings. Rows depend only on the seed and the row index.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct GenConfig {
    /// The seed of the data set. Different seeds give different rows over the same checkouts.
    pub seed: u64,
}

impl GenConfig {
    /// Settings for `seed`.
    pub fn new(seed: u64) -> GenConfig {
        GenConfig { seed }
    }
}

/// A distinctive phrase and the fraction of rows that contain it.
///
/// The phrase is written only in rows whose [`RowPlan::phrases`] list it, always on one line
/// and in this exact case, and never inside a longer word, so `rg -c PHRASE file.jsonl` counts
/// exactly the rows that contain it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Phrase {
    /// The text.
    pub text: &'static str,
    /// Probability that a row (more precisely, an instance) contains it.
    pub rate: f64,
}

/// Distinctive phrases and their target rates.
pub const PHRASES: &[Phrase] = &[
    Phrase { text: "maximum recursion depth exceeded", rate: 0.01 },
    Phrase { text: "circular import", rate: 0.02 },
    Phrase { text: "off by one", rate: 0.015 },
    Phrase { text: "memory leak", rate: 0.005 },
    Phrase { text: "thread safety", rate: 0.008 },
    Phrase { text: "segmentation fault", rate: 0.002 },
    Phrase { text: "UnicodeDecodeError", rate: 0.03 },
];

/// Target rates of the special cases (fractions of rows).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Rates {
    /// `model_patch` is empty (the agent made no successful edit).
    pub empty_patch: f64,
    /// The trajectory ends without a `finish` call (cut off).
    pub no_finish: f64,
    /// One identical tool call (same name and arguments) repeated 3 to 5 times in a row.
    pub loop_action: f64,
    /// An `execute_bash` call runs `pytest` or `python` (breaking the execution-free rule).
    ///
    /// Counted by command words (the first word of each `&&`, `|` or `;` segment). A regex over
    /// the whole command line finds more: the workspaces of `python/mypy` and
    /// `python-pillow/Pillow` rows (`/workspace/python__mypy__1.6/mypy/...`) contain the banned
    /// words in every path, as in the real data, about 8% of rows.
    pub ran_tests: f64,
    /// Of the rows with `ran_tests`, the fraction whose command exits non-zero (1 or 2).
    pub ran_tests_failing: f64,
    /// The patch adds a stray `reproduce_issue.py`.
    pub stray_repro: f64,
    /// The patch edits a test file.
    pub edited_tests: f64,
    /// A `str_replace` fails ("No replacement was performed") before the agent recovers.
    pub tool_error: f64,
    /// The row is one of several attempts at the same instance.
    pub multi_attempt: f64,
}

/// The rates the generator targets.
pub const RATES: Rates = Rates {
    empty_patch: 0.05,
    no_finish: 0.03,
    loop_action: 0.03,
    ran_tests: 0.03,
    ran_tests_failing: 0.65,
    stray_repro: 0.03,
    edited_tests: 0.03,
    tool_error: 0.03,
    multi_attempt: 0.06,
};

/// What a row will contain, decided before it is generated. Cheap to compute.
#[derive(Debug, Clone)]
pub struct RowPlan {
    /// Row index.
    pub index: u64,
    /// `owner__name-NUMBER`; shared by the rows that are attempts at the same instance.
    pub instance_id: String,
    /// `owner/name`.
    pub repo: &'static str,
    /// SPDX license of the repository.
    pub license: &'static str,
    /// Source dataset.
    pub dataset: &'static str,
    /// Unique per row.
    pub trajectory_id: String,
    /// Target number of messages (the result is close to it).
    pub target_messages: u32,
    /// Target size of the JSON line in bytes (the result is close to it).
    pub target_bytes: u64,
    /// No successful edit, empty `model_patch`.
    pub empty_patch: bool,
    /// No `finish` call.
    pub no_finish: bool,
    /// Repetitions of the looping action (0 when the row has no loop, else 3 to 5).
    pub loop_repeats: u32,
    /// Exit code of the `pytest`/`python` call, when the row has one.
    pub ran_tests: Option<i32>,
    /// The patch adds `reproduce_issue.py`.
    pub stray_repro: bool,
    /// The patch edits a test file.
    pub edits_test: bool,
    /// A failed `str_replace` precedes the real edit.
    pub tool_error: bool,
    /// Distinctive phrases the row contains (texts from [`PHRASES`]).
    pub phrases: Vec<&'static str>,
    pub(crate) inst: agent::Instance,
}

/// The plan of row `index`: what it will contain, without generating it.
pub fn plan(cfg: &GenConfig, index: u64) -> RowPlan {
    agent::plan(cfg.seed, index)
}

/// Appends row `index` (one JSON object, no trailing newline) to `out`.
pub fn row_into(cfg: &GenConfig, index: u64, out: &mut Vec<u8>) {
    let p = plan(cfg, index);
    agent::write_row(cfg.seed, &p, out);
}

/// Row `index` as one JSON object on one line (no trailing newline).
pub fn row(cfg: &GenConfig, index: u64) -> String {
    let mut out = Vec::with_capacity(256 * 1024);
    row_into(cfg, index, &mut out);
    String::from_utf8(out).expect("rows are built from UTF-8 text")
}

/// Writes rows `0..count` as JSON Lines. Returns the number of bytes written.
pub fn write_jsonl<W: Write>(cfg: &GenConfig, count: u64, w: W) -> io::Result<u64> {
    let (_, bytes) = write_rows(cfg, w, count, |rows, _| rows >= count)?;
    Ok(bytes)
}

/// Writes rows `0, 1, 2, …` as JSON Lines until at least `target_bytes` bytes are written (the
/// last row is complete, so the file is slightly larger). Returns `(rows, bytes)`.
pub fn write_until_bytes<W: Write>(cfg: &GenConfig, target_bytes: u64, w: W) -> io::Result<(u64, u64)> {
    write_rows(cfg, w, u64::MAX, |_, bytes| bytes >= target_bytes)
}

/// Rows per work unit handed to a generator thread (about 1 MB).
const CHUNK_ROWS: u64 = 8;

/// Generates rows in order until `done(rows, bytes)` holds (never beyond row `max_rows`), using
/// every core: worker threads build chunks of consecutive rows and the calling thread writes them
/// in index order, so the output is byte-identical to a sequential run.
fn write_rows<W: Write>(
    cfg: &GenConfig,
    mut w: W,
    max_rows: u64,
    done: impl Fn(u64, u64) -> bool,
) -> io::Result<(u64, u64)> {
    use std::collections::BTreeMap;
    use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
    use std::sync::mpsc;

    if done(0, 0) {
        return Ok((0, 0));
    }
    let threads = std::thread::available_parallelism().map(|n| n.get()).unwrap_or(1).clamp(1, 16);
    let next_chunk = AtomicU64::new(0);
    let stop = AtomicBool::new(false);
    // Bounded so that workers cannot run far ahead of a slow writer.
    let (tx, rx) = mpsc::sync_channel::<(u64, Vec<u8>, Vec<usize>)>(threads * 2);
    let mut rows = 0u64;
    let mut bytes = 0u64;
    let result: io::Result<()> = std::thread::scope(|scope| {
        for _ in 0..threads {
            let tx = tx.clone();
            let (next_chunk, stop) = (&next_chunk, &stop);
            scope.spawn(move || {
                while !stop.load(Ordering::Relaxed) {
                    let chunk = next_chunk.fetch_add(1, Ordering::Relaxed);
                    let first = chunk.saturating_mul(CHUNK_ROWS);
                    if first >= max_rows {
                        break;
                    }
                    let mut buf = Vec::with_capacity(CHUNK_ROWS as usize * 120 * 1024);
                    let mut ends = Vec::with_capacity(CHUNK_ROWS as usize);
                    for i in first..(first + CHUNK_ROWS).min(max_rows) {
                        row_into(cfg, i, &mut buf);
                        buf.push(b'\n');
                        ends.push(buf.len());
                    }
                    if tx.send((chunk, buf, ends)).is_err() {
                        break;
                    }
                }
            });
        }
        drop(tx);
        let mut pending: BTreeMap<u64, (Vec<u8>, Vec<usize>)> = BTreeMap::new();
        let mut want = 0u64;
        let outcome = 'outer: loop {
            let Ok((chunk, buf, ends)) = rx.recv() else {
                break Ok(());
            };
            pending.insert(chunk, (buf, ends));
            while let Some((buf, ends)) = pending.remove(&want) {
                want += 1;
                let mut start = 0;
                for end in ends {
                    if let Err(e) = w.write_all(&buf[start..end]) {
                        break 'outer Err(e);
                    }
                    rows += 1;
                    bytes += (end - start) as u64;
                    start = end;
                    if done(rows, bytes) {
                        break 'outer Ok(());
                    }
                }
            }
        };
        stop.store(true, Ordering::Relaxed);
        // Drain so that blocked senders wake up and see `stop`.
        drop(rx);
        outcome
    });
    result?;
    w.flush()?;
    Ok((rows, bytes))
}
