//! Exports of a frozen set of trajectories: `jsonl-original` (each record's original bytes),
//! `sft-chat` (OpenAI chat fine-tuning lines) and `parquet` (the NV SWE-Zero/Hero row schema plus
//! our flags and labels), split into train/validation/test by group, optionally redacted, with a
//! manifest that lets `from_manifest` rebuild byte-identical files from a fresh database.
//!
//! Determinism: records are written in stable-id order within each split; splits assign whole
//! groups (repository or instance) in an order given by a hash of the seed and the group key.
//! Nothing depends on row ids, paths or time, so the same records give the same bytes.
//!
//! Atomicity: an export is written into a fresh folder beside the target
//! (`.<target>.trawl-export-<pid>`), every file synced, and that folder then replaces the
//! target as a whole: renamed onto it when the target is missing or empty, or swapped with it in
//! one step (`renameat2(RENAME_EXCHANGE)` on Linux) when the target holds an earlier export, whose
//! folder is then removed. A kill at any moment leaves the target holding either the old export
//! or the new one, complete, never a mix (and the leftover folder of a dead process is removed by
//! the next export). A non-empty target that is not a trawl export (or holds files besides its
//! export) is refused, naming what is in it. On error the new folder is removed.
//!
//! Records are read and converted on worker threads (one read-only SQLite connection each) and
//! written in order by the calling thread. A Parquet worker builds the Arrow columns of a chunk
//! of records directly from the chat messages and encodes and compresses them into a whole row
//! group (`ROW_GROUP` rows); the writer thread only appends the encoded row groups in order, so
//! the bytes do not depend on the number of threads.
//!
//! The files, in the order an export runs through them (each imports only those above it):
//!
//! ```text
//! options   Format, Ratios, GroupBy, Codec, Options; the Manifest and Summary
//! redact    secret patterns replaced by [REDACTED:<kind>], counted per kind
//! chat      a trajectory as chat messages (sft-chat lines, the Parquet trajectory column)
//! parquet   the NV row schema, the labels column, Arrow columns encoded into row groups
//! split     the members' bookkeeping, assigned to train/validation/test by whole groups
//! output    files hashed and written behind, staged and swapped in as a whole
//! pipeline  chunks of records read and converted on worker threads, handed over in order
//! mod       export_subset / from_manifest: check, split, run the pipeline, write the manifest
//! ```

mod chat;
mod options;
mod output;
mod parquet;
mod pipeline;
mod redact;
mod split;

use std::collections::BTreeMap;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::Instant;

use ::parquet::arrow::arrow_writer::ArrowRowGroupWriterFactory;
use rusqlite::{params, OptionalExtension};
use sha2::{Digest, Sha256};

use crate::{Store, StoreError};

pub use self::options::{
    Codec, Format, GroupBy, Manifest, MembersFile, Options, OutputFile, Ratios, SourceEntry, SubsetRef, Summary,
    PARQUET_PAGES, SFT_LINES, SFT_LINES_BARE,
};
pub use self::output::sha256_file;
pub use self::parquet::{labels_json_for, parquet_schema};
pub use self::pipeline::compact_json;
pub use self::redact::{redact_str, secret_kinds};

use self::options::{check_options, SPLITS};
use self::output::{
    create_tmp, hex, io_err, sync_dir, tmp_path, write_err, write_synced, Hashing, OutFile, Sink, Stage, Target,
    TempGuard,
};
use self::pipeline::{pipeline, Job, Payload, CHUNK, ROW_GROUP};
use self::redact::{Counts, SECRET_KINDS};
use self::split::{assign_splits, load_recs, Rec};

/// Exports a subset version.
pub fn export_subset(
    store: &mut Store,
    name: &str,
    version: Option<i64>,
    opts: &Options,
) -> Result<Summary, StoreError> {
    check_options(opts)?;
    let vid = crate::subsets::version_id(store, name, version)?;
    let v = crate::subsets::load(store, vid)?;
    let ids = crate::subsets::member_ids(store, vid)?;
    let lineage = lineage_json(store, vid)?;
    let subset = SubsetRef { name: v.definition.name.clone(), version: v.version, count: v.count };
    run(store, &ids, opts, Some(subset), lineage, None)
}

/// The lineage of a version as manifest JSON: every version from the root, with its definition
/// (rule, includes, excludes, shaping), parent size, count and funnel.
pub fn lineage_json(store: &Store, vid: i64) -> Result<serde_json::Value, StoreError> {
    let chain = crate::subsets::lineage(store, vid)?;
    Ok(serde_json::Value::Array(
        chain
            .iter()
            .map(|v| {
                serde_json::json!({
                    "name": v.definition.name,
                    "version": v.version,
                    "parent": v.definition.parent.as_ref().map(|(n, pv)| serde_json::json!({"name": n, "version": pv})),
                    "definition": v.definition,
                    "pool": v.pool,
                    "count": v.count,
                    "stages": v.stages,
                    "created": v.created,
                })
            })
            .collect(),
    ))
}

/// Rebuilds an export from its manifest into `out_dir`: the same records (found by the stable
/// ids of the manifest's members file, in this database), the same options, and checks that every
/// output file has the manifest's sha256. Fails, naming the file, when one differs.
pub fn from_manifest(store: &mut Store, manifest_path: &Path, out_dir: &Path) -> Result<Summary, StoreError> {
    let read = |p: &Path| std::fs::read(p).map_err(|e| StoreError::Io { path: p.display().to_string(), source: e });
    let bytes = read(manifest_path)?;
    let m: Manifest = serde_json::from_slice(&bytes)
        .map_err(|e| StoreError::NotAManifest { path: manifest_path.display().to_string(), reason: e.to_string() })?;
    let dir = manifest_path.parent().unwrap_or(Path::new("."));
    let members_path = dir.join(&m.members.file);
    let members = read(&members_path)?;
    let got = hex(&Sha256::digest(&members));
    if got != m.members.sha256 {
        return Err(StoreError::ChecksumMismatch {
            path: members_path.display().to_string(),
            got,
            want: m.members.sha256.clone(),
        });
    }
    let uids: Vec<String> =
        String::from_utf8_lossy(&members).lines().filter(|l| !l.is_empty()).map(str::to_string).collect();
    let mut ids = Vec::with_capacity(uids.len());
    let mut missing = Vec::new();
    {
        let mut st = store.conn.prepare_cached("SELECT id FROM trajectories WHERE uid = ?1")?;
        for u in &uids {
            match st.query_row([u], |r| r.get::<_, i64>(0)).optional()? {
                Some(id) => ids.push(id),
                None => missing.push(u.clone()),
            }
        }
    }
    if !missing.is_empty() {
        return Err(StoreError::ManifestRecordsMissing {
            missing: missing.len(),
            total: uids.len(),
            first: missing[0].clone(),
        });
    }
    ids.sort_unstable();
    let format = Format::from_name(&m.format)
        .ok_or_else(|| StoreError::ManifestValue { field: "format", value: m.format.clone() })?;
    let group_by = GroupBy::from_name(&m.group_by)
        .ok_or_else(|| StoreError::ManifestValue { field: "group_by", value: m.group_by.clone() })?;
    let codec = match m.compression.as_deref() {
        None => Codec::default(),
        Some(c) => Codec::from_name(c)
            .ok_or_else(|| StoreError::ManifestValue { field: "compression", value: c.to_string() })?,
    };
    let opts = Options {
        format,
        out_dir: out_dir.to_path_buf(),
        splits: m.splits,
        group_by,
        seed: m.seed,
        redact: m.redact,
        codec,
        parquet_pages: match m.parquet_pages {
            None => 1,
            Some(v @ (1 | 2)) => v,
            Some(v) => return Err(StoreError::ManifestValue { field: "parquet_pages", value: v.to_string() }),
        },
        sft_lines: match (format, m.sft_lines) {
            (Format::SftChat, None) => SFT_LINES_BARE,
            (Format::SftChat, Some(v @ (SFT_LINES_BARE | SFT_LINES))) => v,
            (_, None) => SFT_LINES,
            (_, Some(v)) => return Err(StoreError::ManifestValue { field: "sft_lines", value: v.to_string() }),
        },
    };
    let summary =
        run(store, &ids, &opts, m.subset.clone(), m.lineage.clone(), Some(manifest_path.display().to_string()))?;
    let want: Vec<(&str, &str)> = m.outputs.iter().map(|o| (o.file.as_str(), o.sha256.as_str())).collect();
    let have: Vec<(&str, &str)> =
        summary.manifest.outputs.iter().map(|o| (o.file.as_str(), o.sha256.as_str())).collect();
    for ((wf, ws), (hf, hs)) in want.iter().zip(&have) {
        if wf != hf || ws != hs {
            return Err(StoreError::RebuildDiffers {
                detail: format!("{hf} has sha256 {hs}, the manifest says {wf} {ws}"),
            });
        }
    }
    if want.len() != have.len() {
        return Err(StoreError::RebuildDiffers {
            detail: format!("{} output files, the manifest lists {}", have.len(), want.len()),
        });
    }
    Ok(summary)
}

/// Exports the given rows.
fn run(
    store: &mut Store,
    ids: &[i64],
    opts: &Options,
    subset: Option<SubsetRef>,
    lineage: serde_json::Value,
    rebuilt_from: Option<String>,
) -> Result<Summary, StoreError> {
    let started = Instant::now();
    check_options(opts)?;
    let target = Target::check(&opts.out_dir)?;
    let mut stage = Stage::create(&target)?;
    let dir = &stage.dir.clone();

    let mut recs = load_recs(store, ids)?;
    recs.sort_by(|a, b| a.uid.cmp(&b.uid));
    let (assign, group_counts) = match &opts.splits {
        Some(r) => assign_splits(&recs, r, opts.group_by, opts.seed),
        None => {
            let groups: std::collections::HashSet<String> = recs
                .iter()
                .map(|r| match opts.group_by {
                    GroupBy::Repo => r.repo.clone().unwrap_or_else(|| r.uid.clone()),
                    GroupBy::Instance => r.instance.clone().unwrap_or_else(|| r.uid.clone()),
                })
                .collect();
            (vec![0; recs.len()], [groups.len() as u64, 0, 0])
        }
    };
    let split_names: Vec<&str> = match &opts.splits {
        Some(_) => SPLITS.to_vec(),
        None => vec!["all"],
    };
    let mut guard = TempGuard(Vec::new());
    let schema = parquet_schema();
    let mut files: Vec<OutFile> = Vec::new();
    let mut factories: Vec<ArrowRowGroupWriterFactory> = Vec::new();
    for (i, split) in split_names.iter().enumerate() {
        let name = if opts.splits.is_some() {
            format!("{split}.{}", opts.format.extension())
        } else {
            format!("data.{}", opts.format.extension())
        };
        let tmp = tmp_path(dir, &name);
        let file = create_tmp(&tmp)?;
        guard.0.push(tmp.clone());
        let w = Hashing::create(file).map_err(|e| io_err(&tmp, e))?;
        let sink = match opts.format {
            Format::Parquet => {
                // Long unique texts: no dictionaries, no page statistics (both cost time and save
                // nothing on them); small columns keep dictionaries.
                let mut props = ::parquet::file::properties::WriterProperties::builder()
                    .set_dictionary_enabled(false)
                    .set_statistics_enabled(::parquet::file::properties::EnabledStatistics::None);
                use ::parquet::schema::types::ColumnPath;
                for col in ["instance_id", "repo", "license", "dataset", "format"] {
                    props = props.set_column_dictionary_enabled(ColumnPath::new(vec![col.to_string()]), true);
                }
                for col in ["role", "name", "tool_call_id"] {
                    let path = ["trajectory", "list", "item", col].map(String::from).to_vec();
                    props = props.set_column_dictionary_enabled(ColumnPath::new(path), true);
                }
                let props = props
                    .set_compression(opts.codec.parquet())
                    .set_writer_version(match opts.parquet_pages {
                        1 => ::parquet::file::properties::WriterVersion::PARQUET_1_0,
                        _ => ::parquet::file::properties::WriterVersion::PARQUET_2_0,
                    })
                    .set_encoding(::parquet::basic::Encoding::PLAIN)
                    .set_created_by(format!("trawl {}", env!("CARGO_PKG_VERSION")))
                    .build();
                let aw = ::parquet::arrow::ArrowWriter::try_new(w, schema.clone(), Some(props))
                    .map_err(|e| write_err(&tmp, e))?;
                // Row groups are encoded on the workers (one per job) and appended in order.
                let (fw, factory) = aw.into_serialized_writer().map_err(|e| write_err(&tmp, e))?;
                factories.push(factory);
                Sink::Parquet(Box::new(fw))
            }
            _ => Sink::Lines(w),
        };
        files.push(OutFile {
            name,
            split: split.to_string(),
            tmp,
            sink: Some(sink),
            records: 0,
            skipped: 0,
            groups: group_counts[i],
            bytes: 0,
            sha256: String::new(),
        });
    }

    // Jobs: chunks of ids within one split, in output order.
    let mut per_split: Vec<Vec<i64>> = vec![Vec::new(); split_names.len()];
    for (r, s) in recs.iter().zip(&assign) {
        per_split[*s].push(r.id);
    }
    let chunk = if opts.format == Format::Parquet { ROW_GROUP } else { CHUNK };
    let jobs: Vec<Job<'_>> = per_split
        .iter()
        .enumerate()
        .flat_map(|(split, ids)| ids.chunks(chunk).enumerate().map(move |(index, ids)| Job { split, index, ids }))
        .collect();
    let mut redactions: Counts = [0; SECRET_KINDS.len()];
    let write_started = Instant::now();
    pipeline(&store.db_path, &jobs, opts, &schema, &factories, |split, out| {
        let f = &mut files[split];
        f.records += out.records;
        f.skipped += out.skipped;
        for (a, b) in redactions.iter_mut().zip(out.redactions) {
            *a += b;
        }
        match (f.sink.as_mut().expect("open sink"), out.payload) {
            (Sink::Lines(w), Payload::Bytes(b)) => w.write_all(&b).map_err(|e| io_err(&f.tmp, e)),
            (Sink::Parquet(w), Payload::RowGroup(chunks)) => {
                let mut rg = w.next_row_group().map_err(|e| write_err(&f.tmp, e))?;
                for c in chunks {
                    c.append_to_row_group(&mut rg).map_err(|e| write_err(&f.tmp, e))?;
                }
                rg.close().map(|_| ()).map_err(|e| write_err(&f.tmp, e))
            }
            _ => unreachable!("payload matches the format"),
        }
    })?;
    // Close, sync.
    for f in &mut files {
        let hashing = match f.sink.take().expect("open sink") {
            Sink::Lines(w) => w,
            Sink::Parquet(w) => w.into_inner().map_err(|e| write_err(&f.tmp, e))?,
        };
        (f.bytes, f.sha256) = hashing.close().map_err(|e| io_err(&f.tmp, e))?;
    }
    let write_elapsed = write_started.elapsed();

    // The members sidecar: stable ids in output order.
    let members_name = "members.txt";
    let members_tmp = tmp_path(dir, members_name);
    let mut members_text = String::with_capacity(recs.len() * 70);
    for r in &recs {
        members_text.push_str(&r.uid);
        members_text.push('\n');
    }
    guard.0.push(members_tmp.clone());
    write_synced(&members_tmp, members_text.as_bytes())?;

    let sources = source_entries(store, &recs)?;
    let manifest = Manifest {
        manifest_version: 1,
        tool: format!("trawl {}", env!("CARGO_PKG_VERSION")),
        created: crate::db::now(),
        database: store.db_path.display().to_string(),
        format: opts.format.as_str().to_string(),
        subset,
        lineage,
        seed: opts.seed,
        splits: opts.splits,
        group_by: opts.group_by.as_str().to_string(),
        redact: opts.redact,
        compression: (opts.format == Format::Parquet).then(|| opts.codec.as_str().to_string()),
        parquet_pages: (opts.format == Format::Parquet).then_some(opts.parquet_pages),
        sft_lines: (opts.format == Format::SftChat).then_some(opts.sft_lines),
        redactions: SECRET_KINDS.iter().zip(redactions).map(|((k, _), n)| (k.to_string(), n)).collect(),
        sources,
        members: MembersFile {
            file: members_name.to_string(),
            count: recs.len() as u64,
            sha256: hex(&Sha256::digest(members_text.as_bytes())),
        },
        outputs: files
            .iter()
            .map(|f| OutputFile {
                file: f.name.clone(),
                split: f.split.clone(),
                records: f.records,
                skipped: f.skipped,
                groups: f.groups,
                bytes: f.bytes,
                sha256: f.sha256.clone(),
            })
            .collect(),
        rebuilt_from,
    };
    let manifest_name = "manifest.json";
    let manifest_tmp = tmp_path(dir, manifest_name);
    guard.0.push(manifest_tmp.clone());
    let mut mbytes = serde_json::to_vec_pretty(&manifest).expect("manifest serializes");
    mbytes.push(b'\n');
    write_synced(&manifest_tmp, &mbytes)?;

    // Publish: data files, the sidecar, the manifest last.
    let mut renames: Vec<(PathBuf, PathBuf)> = files.iter().map(|f| (f.tmp.clone(), dir.join(&f.name))).collect();
    renames.push((members_tmp, dir.join(members_name)));
    renames.push((manifest_tmp, dir.join(manifest_name)));
    for (from, to) in &renames {
        std::fs::rename(from, to).map_err(|e| io_err(to, e))?;
    }
    guard.0.clear();
    sync_dir(dir);
    stage.publish(&target)?;
    Ok(Summary { manifest, manifest_path: target.dir.join(manifest_name), elapsed: started.elapsed(), write_elapsed })
}

/// The source files of the records with their sha256 (cached per fingerprint; recomputed when the
/// file changed; `None` with a note when it is gone or changed since ingest).
fn source_entries(store: &Store, recs: &[Rec]) -> Result<Vec<SourceEntry>, StoreError> {
    let mut counts: BTreeMap<i64, u64> = BTreeMap::new();
    for r in recs {
        *counts.entry(r.source_id).or_default() += 1;
    }
    let mut out = Vec::new();
    for (sid, n) in counts {
        let (path, fp): (String, String) =
            store.conn.query_row("SELECT path, fingerprint FROM sources WHERE id = ?1", [sid], |r| {
                Ok((r.get(0)?, r.get(1)?))
            })?;
        let p = Path::new(&path);
        let current = std::fs::metadata(p).ok().and_then(|m| crate::ingest::fingerprint(p, m.len()).ok());
        let (sha, note) = match current {
            None => (None, Some("the file is gone".to_string())),
            Some(c) if c != fp => (None, Some("the file changed since it was ingested".to_string())),
            Some(_) => {
                let cached: Option<String> = store
                    .conn
                    .query_row(
                        "SELECT sha256 FROM source_hashes WHERE source_id = ?1 AND fingerprint = ?2",
                        params![sid, fp],
                        |r| r.get(0),
                    )
                    .optional()?;
                match cached {
                    Some(h) => (Some(h), None),
                    None => match sha256_file(p) {
                        Ok(h) => {
                            store.conn.execute(
                                "INSERT OR REPLACE INTO source_hashes (source_id, fingerprint, sha256) VALUES (?1, ?2, ?3)",
                                params![sid, fp, h],
                            )?;
                            (Some(h), None)
                        }
                        Err(e) => (None, Some(format!("cannot read: {e}"))),
                    },
                }
            }
        };
        out.push(SourceEntry { path, sha256: sha, records: n, note });
    }
    out.sort_by(|a, b| a.path.cmp(&b.path));
    Ok(out)
}
