//! Tests: bad input. Every case of the corpus in `tests/malformed/` (described, one per row, in
//! `tests/malformed/cases.tsv`) is ingested into a fresh store, and `check` asserts:
//!
//! * exactly the expected records are stored, at the expected lines (rows), with the expected
//!   instance ids, and the expected number were counted as duplicates;
//! * every diagnostic names the file; the error and warning diagnostics are exactly the expected
//!   ones (line or row, and a substring of the reason);
//! * every stored record loads back, and for plain `.jsonl` files its original bytes are the
//!   file's bytes at the stored offset; the index holds one document per stored record;
//! * a second ingest of the same file adds nothing (the file is unchanged), and a forced one
//!   adds nothing either (every record is a duplicate) and repeats no diagnostic;
//! * the store reopens with the same counts.
//!
//! Cases too big to commit (a 100 MB line, 100 000 levels of nesting, a large binary file) and the
//! Parquet files are built here, into a temporary directory, by `generate`.

use std::collections::BTreeMap;
use std::fs::File;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Instant;

use serde_json::{json, Value};
use trawl_store::ingest::{ingest, IngestOptions};
use trawl_store::Store;

fn corpus_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/malformed")
}

/// An expected diagnostic: its line (or row; 0 for the whole file) and a substring of its reason.
#[derive(Debug, Clone)]
struct Expect {
    line: u64,
    text: String,
}

/// One row of `cases.tsv`.
#[derive(Debug, Clone)]
struct Case {
    file: String,
    generated: bool,
    /// (line, instance id) of every record that must be stored.
    stored: Vec<(u64, Option<String>)>,
    duplicates: u64,
    errors: Vec<Expect>,
    warnings: Vec<Expect>,
}

fn parse_expects(field: &str, at: &str) -> Vec<Expect> {
    if field.trim() == "-" {
        return Vec::new();
    }
    field
        .split(';')
        .map(|item| {
            let (line, text) = item.trim().split_once(':').unwrap_or_else(|| panic!("{at}: `{item}` is not LINE:TEXT"));
            Expect {
                line: line.trim().parse().unwrap_or_else(|_| panic!("{at}: bad line in `{item}`")),
                text: text.trim().to_string(),
            }
        })
        .collect()
}

/// `LINE:ID` items; `A-B:TEMPLATE` expands to lines A..=B with `{line}` in the template replaced by
/// the line number; an id of `-` means none.
fn parse_stored(field: &str, at: &str) -> Vec<(u64, Option<String>)> {
    let mut out = Vec::new();
    if field.trim() == "-" {
        return out;
    }
    for item in field.split(';') {
        let (lines, id) = item.trim().split_once(':').unwrap_or_else(|| panic!("{at}: `{item}` is not LINE:ID"));
        let (a, b) = match lines.split_once('-') {
            Some((a, b)) => (a, b),
            None => (lines, lines),
        };
        let a: u64 = a.trim().parse().unwrap_or_else(|_| panic!("{at}: bad line in `{item}`"));
        let b: u64 = b.trim().parse().unwrap_or_else(|_| panic!("{at}: bad line in `{item}`"));
        for line in a..=b {
            let id = id.trim();
            let id = (id != "-").then(|| id.replace("{line}", &line.to_string()));
            out.push((line, id));
        }
    }
    out
}

fn cases() -> Vec<Case> {
    let path = corpus_dir().join("cases.tsv");
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let mut out = Vec::new();
    for (i, line) in text.lines().enumerate() {
        if line.trim().is_empty() || line.starts_with('#') {
            continue;
        }
        let at = format!("cases.tsv line {}", i + 1);
        let cols: Vec<&str> = line.split('\t').collect();
        assert_eq!(cols.len(), 8, "{at}: expected 8 tab-separated columns, found {}", cols.len());
        let generated = match cols[1] {
            "file" => false,
            "gen" => true,
            other => panic!("{at}: origin must be `file` or `gen`, not `{other}`"),
        };
        let stored = parse_stored(cols[3], &at);
        let count: usize = cols[2].parse().unwrap_or_else(|_| panic!("{at}: bad stored count"));
        assert_eq!(count, stored.len(), "{at}: the stored count disagrees with the stored list");
        out.push(Case {
            file: cols[0].to_string(),
            generated,
            stored,
            duplicates: cols[4].parse().unwrap_or_else(|_| panic!("{at}: bad duplicates count")),
            errors: parse_expects(cols[5], &at),
            warnings: parse_expects(cols[6], &at),
        });
    }
    out
}

macro_rules! ensure {
    ($cond:expr, $($fmt:tt)+) => {
        if !$cond {
            return Err(format!($($fmt)+));
        }
    };
}

fn count(store: &Store, sql: &str) -> u64 {
    store.connection().query_row(sql, [], |r| r.get::<_, i64>(0)).expect(sql) as u64
}

/// Pairs expected diagnostics with actual ones (same line, reason contains the text), one to one.
fn match_diagnostics(kind: &str, expected: &[Expect], actual: &[(u64, String)]) -> Result<(), String> {
    let mut used = vec![false; actual.len()];
    for e in expected {
        let hit =
            actual.iter().enumerate().position(|(i, (line, msg))| !used[i] && *line == e.line && msg.contains(&e.text));
        match hit {
            Some(i) => used[i] = true,
            None => return Err(format!("no {kind} at line {} containing `{}`; {kind}s: {actual:?}", e.line, e.text)),
        }
    }
    let extra: Vec<_> = actual.iter().zip(&used).filter(|(_, u)| !**u).map(|(a, _)| a).collect();
    ensure!(extra.is_empty(), "unexpected {kind}s: {extra:?}");
    Ok(())
}

/// Ingests one case into a fresh store and checks everything the module docs list.
fn check(case: &Case, path: &Path) -> Result<(), String> {
    let tmp = tempfile::tempdir().map_err(|e| e.to_string())?;
    let db = tmp.path().join("case.trawl.db");
    let display = std::fs::canonicalize(path).map_err(|e| e.to_string())?.display().to_string();
    let opts = IngestOptions { workers: 2, ..IngestOptions::default() };
    let mut store = Store::open(&db).map_err(|e| format!("open: {e}"))?;
    let summary =
        ingest(&mut store, &[path.to_path_buf()], &opts, |_| {}).map_err(|e| format!("ingest failed: {e}"))?;

    // What was stored, where.
    let rows: Vec<(i64, u64, Option<String>, u64, u64)> = {
        let mut st = store
            .connection()
            .prepare("SELECT id, line, instance_id, byte_offset, byte_len FROM trajectories ORDER BY line, id")
            .map_err(|e| e.to_string())?;
        let rows = st
            .query_map([], |r| {
                Ok((
                    r.get(0)?,
                    r.get::<_, i64>(1)? as u64,
                    r.get(2)?,
                    r.get::<_, i64>(3)? as u64,
                    r.get::<_, i64>(4)? as u64,
                ))
            })
            .map_err(|e| e.to_string())?;
        rows.collect::<Result<_, _>>().map_err(|e| e.to_string())?
    };
    let mut got: Vec<(u64, Option<String>)> = rows.iter().map(|r| (r.1, r.2.clone())).collect();
    let mut want = case.stored.clone();
    got.sort();
    want.sort();
    ensure!(got == want, "stored (line, instance) {got:?}, expected {want:?}");
    ensure!(summary.stored == want.len() as u64, "summary.stored {} != {}", summary.stored, want.len());
    ensure!(summary.duplicates == case.duplicates, "summary.duplicates {} != {}", summary.duplicates, case.duplicates);
    // Every record read is accounted for, and those not stored are named by errors.
    ensure!(
        summary.records == summary.stored + summary.duplicates + summary.reports + summary.rejected,
        "records {} != stored {} + duplicates {} + reports {} + rejected {}",
        summary.records,
        summary.stored,
        summary.duplicates,
        summary.reports,
        summary.rejected
    );
    // (One error may name several: the rows of a damaged Parquet row group.)
    ensure!(summary.rejected == 0 || summary.errors > 0, "{} records rejected without an error", summary.rejected);

    // Diagnostics: all name the file; errors and warnings are exactly the expected ones.
    let diags: Vec<(String, u64, String, String)> = {
        let mut st = store
            .connection()
            .prepare("SELECT file, line, severity, message FROM diagnostics ORDER BY id")
            .map_err(|e| e.to_string())?;
        let rows = st
            .query_map([], |r| Ok((r.get(0)?, r.get::<_, i64>(1)? as u64, r.get(2)?, r.get(3)?)))
            .map_err(|e| e.to_string())?;
        rows.collect::<Result<_, _>>().map_err(|e| e.to_string())?
    };
    for d in &diags {
        ensure!(d.0 == display, "diagnostic names file {} instead of {display}: {d:?}", d.0);
    }
    let of =
        |sev: &str| -> Vec<(u64, String)> { diags.iter().filter(|d| d.2 == sev).map(|d| (d.1, d.3.clone())).collect() };
    match_diagnostics("error", &case.errors, &of("error"))?;
    match_diagnostics("warning", &case.warnings, &of("warning"))?;
    ensure!(
        summary.errors == case.errors.len() as u64 && summary.warnings == case.warnings.len() as u64,
        "summary counts {} errors, {} warnings; expected {}, {}",
        summary.errors,
        summary.warnings,
        case.errors.len(),
        case.warnings.len()
    );

    // Every stored record loads back; in a plain JSONL file its bytes are where the row says.
    let plain_lines = case.file.ends_with(".jsonl");
    let file_bytes = if plain_lines { std::fs::read(path).map_err(|e| e.to_string())? } else { Vec::new() };
    for (id, line, _, offset, len) in &rows {
        let loaded =
            trawl_store::show::load_row(&store, *id).map_err(|e| format!("row at line {line} does not load: {e}"))?;
        if plain_lines {
            let (o, l) = (*offset as usize, *len as usize);
            ensure!(
                file_bytes.get(o..o + l) == Some(&loaded.raw[..]),
                "row at line {line}: the file's bytes at offset {o}, length {l} are not the stored record"
            );
        }
    }
    let stats = trawl_store::stats::stats(&store).map_err(|e| e.to_string())?;
    ensure!(stats.indexed == rows.len() as u64, "index holds {} documents for {} rows", stats.indexed, rows.len());

    // Re-ingest: unchanged, then forced. Neither adds a record or a diagnostic.
    let n_diags = count(&store, "SELECT count(*) FROM diagnostics");
    let again =
        ingest(&mut store, &[path.to_path_buf()], &opts, |_| {}).map_err(|e| format!("re-ingest failed: {e}"))?;
    ensure!(
        again.stored == 0 && again.files_unchanged == 1 && again.files == 0,
        "re-ingest: stored {}, files {}, unchanged {}",
        again.stored,
        again.files,
        again.files_unchanged
    );
    let forced = ingest(&mut store, &[path.to_path_buf()], &IngestOptions { force: true, ..opts.clone() }, |_| {})
        .map_err(|e| format!("forced re-ingest failed: {e}"))?;
    ensure!(
        forced.stored == 0 && forced.duplicates == want.len() as u64 + case.duplicates,
        "forced re-ingest: stored {}, duplicates {} (expected 0, {})",
        forced.stored,
        forced.duplicates,
        want.len() as u64 + case.duplicates
    );
    ensure!(count(&store, "SELECT count(*) FROM diagnostics") == n_diags, "forced re-ingest added diagnostics");
    drop(store);

    // Reopen.
    let store = Store::open(&db).map_err(|e| format!("reopen: {e}"))?;
    let stats = trawl_store::stats::stats(&store).map_err(|e| e.to_string())?;
    ensure!(
        // Trajectories, and predictions that joined none (patch-only records, indexed too).
        stats.trajectories + stats.predictions == want.len() as u64 && stats.indexed == want.len() as u64,
        "after reopen: {} trajectories, {} indexed, expected {}",
        stats.trajectories,
        stats.indexed,
        want.len()
    );
    Ok(())
}

/// Runs `check` on every selected case; reports all failures at once.
fn run(select: impl Fn(&Case) -> bool) -> usize {
    let gen_dir = tempfile::tempdir().expect("temp dir");
    let mut failures = Vec::new();
    let mut n = 0;
    for case in cases().iter().filter(|c| select(c)) {
        n += 1;
        let started = Instant::now();
        let path = if case.generated { generate(&case.file, gen_dir.path()) } else { corpus_dir().join(&case.file) };
        let result = check(case, &path);
        eprintln!(
            "{:<45} {:>6.2}s {}",
            case.file,
            started.elapsed().as_secs_f64(),
            if result.is_ok() { "ok" } else { "FAILED" }
        );
        if let Err(e) = result {
            failures.push(format!("{}: {e}", case.file));
        }
        if case.generated {
            let _ = std::fs::remove_file(&path);
        }
    }
    assert!(failures.is_empty(), "{} of {n} cases failed:\n{}", failures.len(), failures.join("\n"));
    n
}

#[test]
fn corpus_is_complete() {
    let cases = cases();
    assert!(cases.len() >= 30, "only {} cases", cases.len());
    let mut listed = BTreeMap::new();
    for c in &cases {
        assert!(listed.insert(c.file.clone(), c.generated).is_none(), "{} is listed twice", c.file);
        if c.generated {
            assert!(GENERATED.contains(&c.file.as_str()), "no generator for {}", c.file);
        } else {
            assert!(corpus_dir().join(&c.file).is_file(), "{} is listed but missing", c.file);
        }
    }
    for g in GENERATED {
        assert_eq!(listed.get(*g), Some(&true), "generated case {g} is not listed as `gen`");
    }
    for entry in std::fs::read_dir(corpus_dir()).expect("corpus dir") {
        let name = entry.expect("entry").file_name().to_string_lossy().into_owned();
        if ["cases.tsv", "make_corpus.py", "README.md"].contains(&name.as_str()) {
            continue;
        }
        assert_eq!(listed.get(&name), Some(&false), "{name} is in tests/malformed but not listed in cases.tsv");
    }
}

#[test]
fn committed_cases() {
    assert!(run(|c| !c.generated) >= 30);
}

#[test]
fn generated_cases() {
    assert!(run(|c| c.generated && c.file != HUGE) >= 5);
}

#[test]
fn hundred_megabyte_line() {
    assert_eq!(run(|c| c.file == HUGE), 1);
}

// ------------------------------------------------------------------------------------------------
// Generated cases

const HUGE: &str = "huge_line_100mb.jsonl";

const GENERATED: &[&str] = &[
    HUGE,
    "long_single_line_no_newline.jsonl",
    "deep_nesting_100k.jsonl",
    "deep_nesting_100k.json",
    "deep_arguments_string.jsonl",
    "binary_large.jsonl",
    "unexpected_schema.parquet",
    "nv_schema.parquet",
    "trajectory_json_string.parquet",
    "row_numbers_across_batches.parquet",
    "damaged_row_group.parquet",
];

/// The committed valid row (`valid_row.json`) with another instance id and trajectory id.
pub(crate) fn row(instance: &str) -> Value {
    let text = std::fs::read(corpus_dir().join("valid_row.json")).expect("valid_row.json");
    let mut v: Value = serde_json::from_slice(&text).expect("valid_row.json parses");
    v["instance_id"] = json!(instance);
    v["trajectory_id"] = json!(format!("{:x}", blake3_like(instance)));
    v
}

/// A cheap stable hash for distinct trajectory ids.
fn blake3_like(s: &str) -> u64 {
    s.bytes().fold(0xcbf2_9ce4_8422_2325u64, |h, b| (h ^ u64::from(b)).wrapping_mul(0x100_0000_01b3))
}

fn click(n: u64) -> String {
    format!("pallets__click-{n}")
}

pub(crate) fn compact(v: &Value) -> Vec<u8> {
    serde_json::to_vec(v).expect("serialize")
}

/// A grep-like observation of about `bytes` bytes.
fn observation(bytes: usize) -> String {
    let mut s = String::with_capacity(bytes + 200);
    let mut i = 0u64;
    while s.len() < bytes {
        s.push_str(&format!(
            "src/click/core_{:06}.py:{}:        return ctx.invoke(self.callback, **ctx.params)  # {}\n",
            i % 997,
            i % 4093,
            i
        ));
        i += 1;
    }
    s.push_str("[The command completed with exit code 0.]");
    s
}

fn write_lines(path: &Path, lines: &[Vec<u8>], trailing_newline: bool) {
    let mut f = std::io::BufWriter::new(File::create(path).expect("create"));
    for (i, l) in lines.iter().enumerate() {
        f.write_all(l).expect("write");
        if trailing_newline || i + 1 < lines.len() {
            f.write_all(b"\n").expect("write");
        }
    }
    f.flush().expect("flush");
}

fn generate(name: &str, dir: &Path) -> PathBuf {
    let path = dir.join(name);
    match name {
        HUGE => {
            let mut big = row(&click(1002));
            big["trajectory"][3]["content"] = json!(observation(100 * 1024 * 1024));
            write_lines(&path, &[compact(&row(&click(1001))), compact(&big), compact(&row(&click(1003)))], true);
        }
        "long_single_line_no_newline.jsonl" => {
            let mut v = row(&click(1001));
            v["trajectory"][3]["content"] = json!(observation(3 * 1024 * 1024));
            write_lines(&path, &[compact(&v)], false);
        }
        "deep_nesting_100k.jsonl" => {
            let depth = 100_000;
            let mut deep = compact(&row(&click(1002)));
            let marker = b"\"dataset\":";
            let at = deep.windows(marker.len()).position(|w| w == marker).expect("dataset key");
            let mut nested = b"\"extra\":".to_vec();
            nested.extend(std::iter::repeat_n(b'[', depth));
            nested.extend(std::iter::repeat_n(b']', depth));
            nested.push(b',');
            deep.splice(at..at, nested);
            write_lines(&path, &[compact(&row(&click(1001))), deep, compact(&row(&click(1003)))], true);
        }
        "deep_nesting_100k.json" => {
            let depth = 100_000;
            let mut body = b"{\"trajectory\": ".to_vec();
            body.extend(std::iter::repeat_n(b'[', depth));
            body.extend(std::iter::repeat_n(b']', depth));
            body.extend(b"}\n");
            std::fs::write(&path, body).expect("write");
        }
        "deep_arguments_string.jsonl" => {
            let depth = 100_000;
            let mut v = row(&click(1002));
            let args = "[".repeat(depth) + &"]".repeat(depth);
            v["trajectory"][2]["tool_calls"][0]["function"]["arguments"] = json!(args);
            write_lines(&path, &[compact(&row(&click(1001))), compact(&v)], true);
        }
        "binary_large.jsonl" => {
            // A first line without NUL bytes, then 8 MiB of noise.
            let mut bytes = b"\x1f\x8b\x08\x00 compressed-looking header\n".to_vec();
            let mut x = 0x9e37_79b9_7f4a_7c15u64;
            while bytes.len() < 8 * 1024 * 1024 {
                x ^= x << 13;
                x ^= x >> 7;
                x ^= x << 17;
                bytes.extend_from_slice(&x.to_le_bytes());
            }
            std::fs::write(&path, bytes).expect("write");
        }
        "unexpected_schema.parquet" => {
            use arrow_schema::{DataType, Field, Schema};
            let schema = Schema::new(vec![
                Field::new("id", DataType::Int64, false),
                Field::new("text", DataType::Utf8, true),
                Field::new("score", DataType::Float64, true),
            ]);
            let rows = [
                json!({"id": 1, "text": "The movie was great", "score": 0.9}),
                json!({"id": 2, "text": "Terrible plot", "score": 0.1}),
                json!({"id": 3, "text": null, "score": 0.5}),
            ];
            write_parquet(&path, schema, &rows);
        }
        "nv_schema.parquet" => {
            let mut r2 = row(&click(1002));
            r2["trajectory"][2]["tool_calls"][0]["function"]["arguments"] = json!("{\"command\": \"grep -rn");
            let rows = [row(&click(1001)), r2, row(&click(1003))];
            write_parquet(&path, nv_schema(), &rows);
        }
        "trajectory_json_string.parquet" => {
            let as_string = |mut v: Value, cut: bool| {
                let mut t = serde_json::to_string(&v["trajectory"]).expect("serialize");
                if cut {
                    t.truncate(t.len() / 2);
                }
                v["trajectory"] = json!(t);
                v
            };
            let rows = [
                as_string(row(&click(1001)), false),
                as_string(row(&click(1002)), true),
                as_string(row(&click(1003)), false),
            ];
            write_parquet(&path, string_schema(), &rows);
        }
        "row_numbers_across_batches.parquet" => {
            // 150 rows (the reader takes 64 at a time); rows 70 and 130 are broken.
            let rows: Vec<Value> = (1..=150u64)
                .map(|i| {
                    let mut v = row(&format!("pallets__click-{i}"));
                    let mut t = serde_json::to_string(&v["trajectory"]).expect("serialize");
                    if i == 70 || i == 130 {
                        t.truncate(100);
                    }
                    v["trajectory"] = json!(t);
                    v
                })
                .collect();
            write_parquet(&path, string_schema(), &rows);
        }
        "damaged_row_group.parquet" => {
            // 30 rows in row groups of 10; the page header of the second group's `trajectory`
            // column is overwritten, so that group cannot be decoded.
            let rows: Vec<Value> = (1..=30u64)
                .map(|i| {
                    let mut v = row(&format!("pallets__click-{i}"));
                    v["trajectory"] = json!(serde_json::to_string(&v["trajectory"]).expect("serialize"));
                    v
                })
                .collect();
            let props =
                parquet::file::properties::WriterProperties::builder().set_max_row_group_row_count(Some(10)).build();
            write_parquet_with(&path, string_schema(), &rows, Some(props));
            let reader =
                parquet::file::reader::SerializedFileReader::new(File::open(&path).expect("open")).expect("read back");
            use parquet::file::reader::FileReader;
            let meta = reader.metadata();
            assert_eq!(meta.num_row_groups(), 3);
            let chunk = meta.row_group(1).column(4);
            assert_eq!(chunk.column_path().string(), "trajectory");
            let mut bytes = std::fs::read(&path).expect("read");
            let at = chunk.data_page_offset() as usize;
            bytes[at..at + 16].fill(0xff);
            std::fs::write(&path, bytes).expect("write");
        }
        other => panic!("no generator for {other}"),
    }
    path
}

/// The NV SWE-Zero Parquet schema: the row fields as strings, `trajectory` as
/// list<struct{role, content, tool_calls: list<struct{id, type, function: struct{name, arguments}}>,
/// tool_call_id, name}>.
pub(crate) fn nv_schema() -> arrow_schema::Schema {
    use arrow_schema::{DataType, Field, Fields, Schema};
    let s = |n: &str| Field::new(n, DataType::Utf8, true);
    let function = DataType::Struct(Fields::from(vec![s("name"), s("arguments")]));
    let call = DataType::Struct(Fields::from(vec![s("id"), s("type"), Field::new("function", function, true)]));
    let message = DataType::Struct(Fields::from(vec![
        s("role"),
        s("content"),
        Field::new("tool_calls", DataType::List(Arc::new(Field::new("item", call, true))), true),
        s("tool_call_id"),
        s("name"),
    ]));
    Schema::new(vec![
        s("instance_id"),
        s("repo"),
        s("license"),
        s("trajectory_id"),
        Field::new("trajectory", DataType::List(Arc::new(Field::new("item", message, true))), true),
        s("model_patch"),
        s("dataset"),
    ])
}

/// The same row with every field a string (`trajectory` as JSON text).
pub(crate) fn string_schema() -> arrow_schema::Schema {
    use arrow_schema::{DataType, Field, Schema};
    let s = |n: &str| Field::new(n, DataType::Utf8, true);
    Schema::new(vec![
        s("instance_id"),
        s("repo"),
        s("license"),
        s("trajectory_id"),
        s("trajectory"),
        s("model_patch"),
        s("dataset"),
    ])
}

/// Writes JSON rows as a Parquet file of the given schema (decoded with arrow-json).
pub(crate) fn write_parquet(path: &Path, schema: arrow_schema::Schema, rows: &[Value]) {
    write_parquet_with(path, schema, rows, None)
}

/// [`write_parquet`] with writer properties.
pub(crate) fn write_parquet_with(
    path: &Path,
    schema: arrow_schema::Schema,
    rows: &[Value],
    props: Option<parquet::file::properties::WriterProperties>,
) {
    let schema = Arc::new(schema);
    let mut body = Vec::new();
    for r in rows {
        body.extend(compact(r));
        body.push(b'\n');
    }
    let reader = arrow_json::ReaderBuilder::new(Arc::clone(&schema))
        .with_batch_size(50)
        .build(std::io::Cursor::new(body))
        .expect("json reader");
    let file = File::create(path).expect("create parquet");
    let mut w = parquet::arrow::ArrowWriter::try_new(file, schema, props).expect("parquet writer");
    for batch in reader {
        w.write(&batch.expect("decode rows")).expect("write batch");
    }
    w.close().expect("close parquet");
}
