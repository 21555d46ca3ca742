//! Curation commands: `trawl subset create|rerun|show|list|lineage`, `trawl dedup`,
//! `trawl contamination list|add`, `trawl export` and `trawl bench-curation`. Each handler parses
//! its arguments into a protocol request, calls one `Library` method and prints JSON (`--json`)
//! or a short human rendering.

use std::path::{Path, PathBuf};
use std::time::Instant;

use anyhow::{bail, Context, Result};
use clap::{Args, Subcommand};
use trawl_api::protocol::*;
use trawl_api::Library;

use crate::{open, print_json};

/// `trawl subset …`.
#[derive(Subcommand)]
pub enum SubsetCmd {
    /// Evaluate a definition and freeze it as the next version of NAME.
    Create {
        /// Subset name.
        name: String,
        /// Parent version NAME or NAME@VERSION (default: the whole database).
        #[arg(long)]
        parent: Option<String>,
        /// Rule in the query language (default: everything in the parent).
        #[arg(long, default_value = "", allow_hyphen_values = true)]
        rule: String,
        /// Trajectory id to add by hand (repeatable).
        #[arg(long = "include")]
        includes: Vec<String>,
        /// Trajectory id to remove by hand (repeatable).
        #[arg(long = "exclude")]
        excludes: Vec<String>,
        /// Keep one per duplicate group: none, exact_patch, exact_text, near_patch.
        #[arg(long)]
        dedup: Option<String>,
        /// Similarity threshold for near_patch.
        #[arg(long, default_value_t = 0.8)]
        threshold: f64,
        /// At most K trajectories per instance.
        #[arg(long)]
        cap: Option<usize>,
        /// Which to keep first (cap and dedup), comma-separated: resolved, fewest_steps,
        /// most_steps, smallest_patch, largest_patch, ingest.
        #[arg(long, default_value = "resolved,fewest_steps")]
        order: String,
        /// Remove trajectories on this contamination list (repeatable; see `trawl contamination list`).
        #[arg(long = "contamination")]
        contamination: Vec<String>,
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
    /// Evaluate a version's definition again as a new version (frozen versions never change).
    Rerun {
        /// NAME or NAME@VERSION.
        name: String,
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
    /// A version's definition, funnel and members.
    Show {
        /// NAME or NAME@VERSION.
        name: String,
        /// Members per page.
        #[arg(long, default_value_t = 20)]
        limit: usize,
        /// Members to skip.
        #[arg(long, default_value_t = 0)]
        offset: usize,
        /// Print every member id, one per line, and nothing else.
        #[arg(long, conflicts_with = "json")]
        ids: bool,
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
    /// Every subset and its versions.
    List {
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
    /// The funnel from the whole database to a version, through its parents.
    Lineage {
        /// NAME or NAME@VERSION.
        name: String,
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
}

/// `trawl dedup`.
#[derive(Args)]
pub struct DedupArgs {
    /// Only trajectories matching this query (default: all).
    #[arg(long, conflicts_with = "subset", allow_hyphen_values = true)]
    query: Option<String>,
    /// Only the members of this subset version (NAME or NAME@VERSION).
    #[arg(long)]
    subset: Option<String>,
    /// near_patch, exact_patch or exact_text.
    #[arg(long, default_value = "near_patch")]
    mode: String,
    /// Similarity threshold for near_patch.
    #[arg(long, default_value_t = 0.8)]
    threshold: f64,
    /// Clusters to print (largest first).
    #[arg(long, default_value_t = 20)]
    limit: usize,
    /// Print JSON.
    #[arg(long)]
    json: bool,
}

/// `trawl contamination …`.
#[derive(Subcommand)]
pub enum ContaminationCmd {
    /// The lists: built in (SWE-bench Verified, Multilingual) and added.
    List {
        /// Print JSON.
        #[arg(long)]
        json: bool,
        /// Print the provenance of the built-in lists.
        #[arg(long)]
        provenance: bool,
    },
    /// Add (or replace) a list from a file: one instance id or owner/name per line.
    Add {
        /// List name.
        #[arg(long)]
        name: String,
        /// The file.
        #[arg(long)]
        file: PathBuf,
        /// instances or repos (default: detected).
        #[arg(long)]
        kind: Option<String>,
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
}

/// `trawl export`.
#[derive(Args)]
pub struct ExportArgs {
    /// The subset version to export (NAME or NAME@VERSION).
    #[arg(long, required_unless_present = "from_manifest", conflicts_with = "from_manifest")]
    subset: Option<String>,
    /// jsonl-original, sft-chat or parquet.
    #[arg(long, required_unless_present = "from_manifest")]
    format: Option<String>,
    /// Output directory.
    #[arg(long)]
    out: PathBuf,
    /// Train,validation,test ratios, e.g. 0.8,0.1,0.1 (default: one file).
    #[arg(long)]
    split: Option<String>,
    /// repo or instance: a group never spans two splits.
    #[arg(long, default_value = "repo")]
    group_by: String,
    /// Seed of the split assignment.
    #[arg(long, default_value_t = 0)]
    seed: u64,
    /// Redact secrets (API keys, tokens, private keys) in the exported text.
    #[arg(long)]
    redact: bool,
    /// Page codec of a parquet export: snappy (default, what pyarrow writes), zstd (smaller) or none.
    #[arg(long)]
    compression: Option<String>,
    /// sft-chat lines with messages and tools alone (by default each line also carries the record's
    /// uid, format, outcome, labels and envelope, so that the file can be ingested back as it was).
    #[arg(long, conflicts_with = "from_manifest")]
    bare: bool,
    /// Rebuild the export a manifest describes (records by id, same options) and check every sha256.
    #[arg(long)]
    from_manifest: Option<PathBuf>,
    /// Print JSON.
    #[arg(long)]
    json: bool,
}

/// `trawl bench-curation`.
#[derive(Args)]
pub struct BenchArgs {
    /// The JSONL source file the database was ingested from (for the jq comparison).
    #[arg(long)]
    source: Option<PathBuf>,
    /// Records to export.
    #[arg(long, default_value_t = 10_000)]
    export_count: u64,
    /// Scratch directory for the exports.
    #[arg(long, default_value = "bench-curation-out")]
    out: PathBuf,
    /// Skip the near-duplicate run.
    #[arg(long)]
    no_dedup: bool,
    /// Drop the cached dedup keys first, so that the first near-duplicate run computes every key.
    #[arg(long)]
    cold_dedup: bool,
    /// Seconds a `jq` selection over --source took before (printed by an earlier run): used
    /// instead of running jq again, which takes minutes over a 10 GB source.
    #[arg(long)]
    jq_seconds: Option<f64>,
    /// Export runs per format, alternated between the formats; the median counts (this VM's
    /// speed drifts between minutes, so one run says little).
    #[arg(long, default_value_t = 1)]
    repeat: u32,
    /// Print JSON.
    #[arg(long)]
    json: bool,
}

/// Splits `NAME@VERSION`.
fn name_version(s: &str) -> Result<(String, Option<i64>)> {
    match s.rsplit_once('@') {
        Some((n, v)) => {
            let v: i64 = v.parse().with_context(|| format!("bad version in '{s}': give NAME or NAME@VERSION"))?;
            Ok((n.to_string(), Some(v)))
        }
        None => Ok((s.to_string(), None)),
    }
}

fn thousands(n: u64) -> String {
    let s = n.to_string();
    let mut out = String::new();
    for (i, c) in s.chars().enumerate() {
        if i > 0 && (s.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

fn print_version(v: &SubsetVersionView) {
    let parent = match &v.parent {
        Some(p) => format!("{}@{}", p.subset, p.version.unwrap_or(0)),
        None => "all trajectories".to_string(),
    };
    println!(
        "{}@{}: {} of {} ({parent}), saved {}{}",
        v.name,
        v.version,
        thousands(v.count),
        thousands(v.pool),
        v.created,
        if v.took_ms > 0.0 { format!(" in {:.0} ms", v.took_ms) } else { String::new() }
    );
    println!("  {:>12}  {}", thousands(v.pool), parent);
    print_stages(v.stages.iter().map(|s| (s.label.as_str(), s.removed, s.added, s.count)));
}

fn print_stages<'a>(stages: impl Iterator<Item = (&'a str, u64, u64, u64)>) {
    for (label, removed, added, count) in stages {
        let delta = if added > 0 && removed == 0 {
            format!("+{}", thousands(added))
        } else if added > 0 {
            format!("+{} −{}", thousands(added), thousands(removed))
        } else {
            format!("−{}", thousands(removed))
        };
        println!("  {delta:>12}  {label}  → {}", thousands(count));
    }
}

/// Runs `trawl subset …`.
pub fn subset(db: &Option<PathBuf>, cmd: SubsetCmd) -> Result<()> {
    match cmd {
        SubsetCmd::Create {
            name,
            parent,
            rule,
            includes,
            excludes,
            dedup,
            threshold,
            cap,
            order,
            contamination,
            json,
        } => {
            let mut lib = open(db)?;
            let parent = match parent {
                Some(p) => {
                    let (subset, version) = name_version(&p)?;
                    Some(SubsetRefView { subset, version })
                }
                None => None,
            };
            let dedup = dedup.as_deref().map(parse_name).transpose()?;
            let order: Vec<CapOrder> =
                order.split(',').map(str::trim).filter(|s| !s.is_empty()).map(parse_name).collect::<Result<_>>()?;
            let req = SubsetCreateRequest {
                name,
                parent,
                rule,
                includes,
                excludes,
                shaping: ShapingSpec {
                    dedup: dedup.map(|mode| DedupSpec { mode, threshold: Some(threshold) }),
                    cap: cap.map(|k| CapSpec { k, order: order.clone() }),
                    contamination,
                },
            };
            let v = lib.subset_create(&req)?;
            if json {
                print_json(&v)?;
            } else {
                print_version(&v);
            }
        }
        SubsetCmd::Rerun { name, json } => {
            let mut lib = open(db)?;
            let (n, v) = name_version(&name)?;
            let out = lib.subset_rerun(&n, v)?;
            if json {
                print_json(&out)?;
            } else {
                print_version(&out);
            }
        }
        SubsetCmd::Show { name, limit, offset, ids, json } => {
            let lib = open(db)?;
            let (n, v) = name_version(&name)?;
            if ids {
                for id in lib.subset_member_ids(&n, v)? {
                    println!("{id}");
                }
                return Ok(());
            }
            let r = lib.subset_show(&SubsetShowRequest { name: n, version: v, offset, limit })?;
            if json {
                print_json(&r)?;
            } else {
                print_version(&r.version);
                if !r.version.rule.is_empty() {
                    println!("rule: {}", r.version.rule);
                }
                for m in &r.members {
                    println!(
                        "{}  {:<40} {:>4} steps  {}",
                        &m.id[..m.id.len().min(12)],
                        m.instance_id.as_deref().unwrap_or("-"),
                        m.steps,
                        crate::render::flags_text(&m.flags, ",")
                    );
                }
                println!("{} members; showing {}..{}", r.total, offset, offset + r.members.len());
            }
        }
        SubsetCmd::List { json } => {
            let lib = open(db)?;
            let r = lib.subsets()?;
            if json {
                print_json(&r)?;
            } else {
                for s in &r.subsets {
                    for v in &s.versions {
                        println!("{}@{}  {:>10}  {}  {}", s.name, v.version, thousands(v.count), v.created, v.rule);
                    }
                }
            }
        }
        SubsetCmd::Lineage { name, json } => {
            let lib = open(db)?;
            let (n, v) = name_version(&name)?;
            let r = lib.subset_lineage(&SubsetLineageRequest { name: n, version: v })?;
            if json {
                print_json(&r)?;
            } else {
                for (i, node) in r.nodes.iter().enumerate() {
                    match (&node.name, node.version) {
                        (Some(n), Some(v)) => println!("{n}@{v}: {}  (rule: {})", thousands(node.count), node.rule),
                        _ => println!("all trajectories: {}", thousands(node.count)),
                    }
                    print_stages(
                        r.stages
                            .iter()
                            .filter(|s| s.node == i + 1)
                            .map(|s| (s.label.as_str(), s.removed, s.added, s.count)),
                    );
                }
            }
        }
    }
    Ok(())
}

/// Runs `trawl dedup`.
pub fn dedup(db: &Option<PathBuf>, a: DedupArgs) -> Result<()> {
    let lib = open(db)?;
    let subset = match &a.subset {
        Some(s) => {
            let (subset, version) = name_version(s)?;
            Some(SubsetRefView { subset, version })
        }
        None => None,
    };
    let r = lib.dedup_report(&DedupReportRequest {
        query: a.query,
        subset,
        mode: Some(parse_name(&a.mode)?),
        threshold: Some(a.threshold),
        limit: Some(a.limit),
    })?;
    if a.json {
        print_json(&r)?;
    } else {
        println!(
            "{} clusters among {} trajectories; keeping one per cluster removes {} ({:.1} s)",
            thousands(r.clusters_total),
            thousands(r.scanned),
            thousands(r.removable),
            r.took_ms / 1000.0
        );
        for c in &r.clusters {
            let inst: Vec<&str> = c.instances.iter().map(|i| i.as_deref().unwrap_or("-")).collect();
            println!("{:>5} members, similarity >= {:.2}: {}", c.size, c.min_similarity, inst.join(" "));
            for m in c.members.iter().take(5) {
                println!("        {m}");
            }
        }
    }
    Ok(())
}

/// Runs `trawl contamination …`.
pub fn contamination(db: &Option<PathBuf>, cmd: ContaminationCmd) -> Result<()> {
    match cmd {
        ContaminationCmd::List { json, provenance } => {
            let lib = open(db)?;
            let r = lib.contamination_lists()?;
            if json {
                print_json(&r)?;
            } else if provenance {
                print!("{}", r.provenance);
            } else {
                for l in &r.lists {
                    println!(
                        "{:<36} {:>5} {:<9} {}",
                        l.name,
                        l.entries,
                        l.kind,
                        if l.builtin { "built in".to_string() } else { l.source.clone() }
                    );
                }
            }
        }
        ContaminationCmd::Add { name, file, kind, json } => {
            let text = std::fs::read_to_string(&file).with_context(|| format!("cannot read {}", file.display()))?;
            let mut lib = open(db)?;
            let kind = kind.as_deref().map(parse_name).transpose()?;
            let l = lib.contamination_add(&ContaminationAddRequest {
                name,
                kind,
                text,
                source: file.display().to_string(),
            })?;
            if json {
                print_json(&l)?;
            } else {
                println!("{}: {} {}", l.name, l.entries, l.kind);
            }
        }
    }
    Ok(())
}

/// A name of one of the API's vocabularies (a dedup mode, an export format, …), with the API's
/// error text for an unknown one.
pub fn parse_name<T: std::str::FromStr<Err = String>>(s: &str) -> Result<T> {
    s.parse().map_err(anyhow::Error::msg)
}

fn parse_ratios(s: &str) -> Result<SplitRatios> {
    let parts: Vec<f64> = s
        .split(',')
        .map(|p| p.trim().parse::<f64>())
        .collect::<Result<_, _>>()
        .with_context(|| format!("bad --split '{s}': give three numbers, e.g. 0.8,0.1,0.1"))?;
    if parts.len() != 3 {
        bail!("bad --split '{s}': give three numbers (train,validation,test), e.g. 0.8,0.1,0.1");
    }
    Ok(SplitRatios { train: parts[0], validation: parts[1], test: parts[2] })
}

fn print_export(r: &ExportResponse) {
    for o in &r.outputs {
        println!(
            "{:<20} {:>8} records {:>8} groups {:>12} bytes  sha256 {}{}",
            o.file,
            o.records,
            o.groups,
            o.bytes,
            &o.sha256[..16],
            if o.skipped > 0 { format!("  ({} skipped)", o.skipped) } else { String::new() }
        );
    }
    let redacted: u64 = r.redactions.values().sum();
    if redacted > 0 {
        let kinds: Vec<String> =
            r.redactions.iter().filter(|(_, n)| **n > 0).map(|(k, n)| format!("{k} {n}")).collect();
        println!("redacted {redacted}: {}", kinds.join(", "));
    }
    println!(
        "{} records, {:.1} MB in {:.2} s ({:.0} MB/s); manifest {}",
        r.records,
        r.bytes as f64 / 1e6,
        r.elapsed_s,
        r.mb_per_s,
        r.manifest_path
    );
}

/// Runs `trawl export`.
pub fn export(db: &Option<PathBuf>, a: ExportArgs) -> Result<()> {
    let mut lib = open(db)?;
    let r = match &a.from_manifest {
        Some(m) => lib.export_from_manifest(&ExportFromManifestRequest {
            manifest: m.display().to_string(),
            out_dir: a.out.display().to_string(),
        })?,
        None => {
            let (subset, version) = name_version(a.subset.as_deref().unwrap_or_default())?;
            let splits = a.split.as_deref().map(parse_ratios).transpose()?;
            let format = parse_name(a.format.as_deref().unwrap_or_default())?;
            let group_by = Some(parse_name(&a.group_by)?);
            let compression = a.compression.as_deref().map(parse_name).transpose()?;
            lib.export(&ExportRequest {
                subset,
                version,
                format,
                out_dir: a.out.display().to_string(),
                splits,
                group_by,
                seed: a.seed,
                redact: a.redact,
                compression,
                bare: a.bare,
            })?
        }
    };
    if a.json {
        print_json(&r)?;
    } else {
        print_export(&r);
        if r.rebuilt_from.is_some() {
            println!("every file matches the manifest's sha256");
        }
    }
    Ok(())
}

/// Finds N such that `steps:>N` matches about `target` trajectories.
fn steps_threshold(lib: &Library, target: u64) -> Result<(u64, u64)> {
    let (mut lo, mut hi) = (0u64, 10_000u64);
    while lo < hi {
        let mid = (lo + hi) / 2;
        let (n, _) = lib.count(&format!("steps:>{mid}"))?;
        if n > target {
            lo = mid + 1;
        } else {
            hi = mid;
        }
    }
    let (n_lo, _) = lib.count(&format!("steps:>{}", lo.saturating_sub(1)))?;
    let (n, _) = lib.count(&format!("steps:>{lo}"))?;
    if lo > 0 && n_lo.abs_diff(target) < n.abs_diff(target) {
        return Ok((lo - 1, n_lo));
    }
    Ok((lo, n))
}

/// Runs `trawl bench-curation`: subset save, exports and near-dup timings on the open database.
pub fn bench(db: &Option<PathBuf>, a: BenchArgs) -> Result<()> {
    let mut lib = open(db)?;
    let total = lib.stats()?.trajectories;
    if total == 0 {
        bail!("the database is empty: ingest something first");
    }
    let stamp = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH)?.as_secs();
    let mut results = serde_json::Map::new();
    results.insert("trajectories".into(), total.into());

    // 1. Saving a version whose rule matches about half.
    let (half_n, half_count) = steps_threshold(&lib, total / 2)?;
    let rule = format!("steps:>{half_n}");
    let t0 = Instant::now();
    let v = lib.subset_create(&SubsetCreateRequest {
        name: format!("bench-half-{stamp}"),
        parent: None,
        rule: rule.clone(),
        includes: vec![],
        excludes: vec![],
        shaping: ShapingSpec::default(),
    })?;
    let save_s = t0.elapsed().as_secs_f64();
    eprintln!("subset save: rule '{rule}' matches {half_count}, saved {} members in {save_s:.3} s", v.count);
    results.insert("subset_save".into(), serde_json::json!({"rule": rule, "members": v.count, "seconds": save_s}));

    // 2. An export subset of about export_count.
    let (n, _) = steps_threshold(&lib, a.export_count.min(total))?;
    let name = format!("bench-export-{stamp}");
    let ev = lib.subset_create(&SubsetCreateRequest {
        name: name.clone(),
        parent: None,
        rule: format!("steps:>{n}"),
        includes: vec![],
        excludes: vec![],
        shaping: ShapingSpec::default(),
    })?;
    eprintln!("export subset: {} records (steps:>{n})", ev.count);
    let formats = [ExportFormat::SftChat, ExportFormat::Parquet, ExportFormat::JsonlOriginal];
    let mut runs: Vec<Vec<serde_json::Value>> = vec![Vec::new(); formats.len()];
    for run in 1..=a.repeat.max(1) {
        for (format, runs) in formats.iter().zip(&mut runs) {
            let out = a.out.join(format.as_str());
            // Every run writes into an empty directory, as the first does (not over the last
            // run's files).
            let _ = std::fs::remove_dir_all(&out);
            let t0 = Instant::now();
            let r = lib.export(&ExportRequest {
                subset: name.clone(),
                version: None,
                format: *format,
                out_dir: out.display().to_string(),
                splits: None,
                group_by: None,
                seed: 0,
                redact: false,
                compression: None,
                bare: false,
            })?;
            let wall = t0.elapsed().as_secs_f64();
            eprintln!(
                "export {format} (run {run}): {} records, {:.1} MB in {:.2} s ({:.0} MB/s of output; {:.2} s of it writing records)",
                r.records,
                r.bytes as f64 / 1e6,
                r.elapsed_s,
                r.mb_per_s,
                r.write_elapsed_s,
            );
            runs.push(serde_json::json!({"records": r.records, "bytes": r.bytes, "write_seconds": r.write_elapsed_s,
                "seconds": wall, "mb_per_s": r.mb_per_s}));
        }
    }
    // Each format's median run (by throughput), with every run's throughput beside it.
    let mut exports = serde_json::Map::new();
    for (format, mut runs) in formats.iter().zip(runs) {
        let rate = |v: &serde_json::Value| v["mb_per_s"].as_f64().unwrap_or(0.0);
        runs.sort_by(|x, y| rate(x).total_cmp(&rate(y)));
        let all: Vec<f64> = runs.iter().map(rate).collect();
        let mut median = runs[runs.len() / 2].clone();
        if runs.len() > 1 {
            eprintln!("export {format}: median {:.0} MB/s of output over {} runs {all:.0?}", rate(&median), runs.len());
            median["runs_mb_per_s"] = serde_json::json!(all);
        }
        exports.insert(format.to_string(), median);
    }
    // jq over the source, selecting the same records by trajectory_id.
    let ours = exports["jsonl-original"]["seconds"].as_f64().unwrap_or(0.0);
    if let Some(jq_s) = a.jq_seconds {
        eprintln!(
            "jq select (measured before): {jq_s:.2} s; trawl jsonl-original {ours:.2} s: {:.1}x faster",
            jq_s / ours.max(1e-9)
        );
        results.insert(
            "jq".into(),
            serde_json::json!({"records": null, "seconds": jq_s, "speedup": jq_s / ours.max(1e-9), "reused": true}),
        );
    } else if let Some(src) = &a.source {
        let jq_ok = std::process::Command::new("jq").arg("--version").output().is_ok_and(|o| o.status.success());
        if jq_ok {
            let exported = a.out.join("jsonl-original").join("data.jsonl");
            let ids = trajectory_ids(&exported)?;
            let ids_file = a.out.join("ids.json");
            let map: serde_json::Map<String, serde_json::Value> =
                ids.iter().map(|i| (i.clone(), serde_json::Value::Bool(true))).collect();
            std::fs::write(&ids_file, serde_json::to_vec(&map)?)?;
            let jq_out = a.out.join("jq.jsonl");
            let t0 = Instant::now();
            let status = std::process::Command::new("jq")
                .args(["-c", "--slurpfile", "m"])
                .arg(&ids_file)
                .arg("select($m[0][.trajectory_id] // false)")
                .arg(src)
                .stdout(std::fs::File::create(&jq_out)?)
                .status()?;
            let jq_s = t0.elapsed().as_secs_f64();
            if !status.success() {
                bail!("jq failed: {status}");
            }
            let lines = std::fs::read(&jq_out)?.iter().filter(|b| **b == b'\n').count();
            eprintln!(
                "jq select over {}: {lines} records in {jq_s:.2} s; trawl jsonl-original {ours:.2} s: {:.1}x faster",
                src.display(),
                jq_s / ours.max(1e-9)
            );
            results.insert(
                "jq".into(),
                serde_json::json!({"records": lines, "seconds": jq_s, "speedup": jq_s / ours.max(1e-9)}),
            );
            let _ = std::fs::remove_file(&jq_out);
        } else {
            eprintln!("jq is not installed: skipping the jq comparison");
        }
    }
    results.insert("exports".into(), exports.into());

    // 3. Near-duplicates over every patch, cold (keys computed) and warm (cached).
    if !a.no_dedup {
        if a.cold_dedup {
            let n = lib.dedup_clear_cache()?;
            eprintln!("near-dup: dropped the cached keys of {n} trajectories");
        }
        let mut runs = Vec::new();
        let first = if a.cold_dedup { "first run (cold: computes every key)" } else { "first run (reads records)" };
        for label in [first, "second run (cached keys)"] {
            let t0 = Instant::now();
            let r = lib.dedup_report(&DedupReportRequest {
                query: None,
                subset: None,
                mode: Some(DedupMode::NearPatch),
                threshold: Some(0.8),
                limit: Some(5),
            })?;
            let s = t0.elapsed().as_secs_f64();
            eprintln!(
                "near-dup {label}: {} patches, {} clusters, {} removable in {s:.2} s",
                r.scanned, r.clusters_total, r.removable
            );
            runs.push(
                serde_json::json!({"run": label, "scanned": r.scanned, "clusters": r.clusters_total, "seconds": s}),
            );
        }
        results.insert("near_dup".into(), runs.into());
    }
    print_targets(&results);
    if a.json {
        print_json(&serde_json::Value::Object(results))?;
    }
    Ok(())
}

/// The targets against what was measured, one line each (on stderr, like the timings).
fn print_targets(r: &serde_json::Map<String, serde_json::Value>) {
    let num = |v: &serde_json::Value| v.as_f64();
    let line = |what: &str, got: Option<f64>, unit: &str, target: &str, pass: Option<bool>| {
        let got = got.map_or("-".to_string(), |g| format!("{g:.2} {unit}"));
        let verdict = match pass {
            Some(true) => "PASS",
            Some(false) => "FAIL",
            None => "not run",
        };
        eprintln!("  {what:<40} {got:>14}   target {target:<12} {verdict}");
    };
    eprintln!("targets (issue 4) on {} trajectories:", r.get("trajectories").and_then(num).unwrap_or(0.0));
    let save = r.get("subset_save");
    let save_s = save.and_then(|s| num(&s["seconds"]));
    let members = save.and_then(|s| s["members"].as_u64()).unwrap_or(0);
    line(&format!("subset save ({members} members)"), save_s, "s", "<= 2 s", save_s.map(|s| s <= 2.0));
    let speedup = r.get("jq").and_then(|j| num(&j["speedup"]));
    line("jsonl-original vs jq select", speedup, "x", ">= 20x", speedup.map(|x| x >= 20.0));
    for f in ["sft-chat", "parquet"] {
        let mbs = r.get("exports").and_then(|e| e.get(f)).and_then(|e| num(&e["mb_per_s"]));
        line(&format!("{f} export (output)"), mbs, "MB/s", ">= 100 MB/s", mbs.map(|m| m >= 100.0));
    }
    let first = r.get("near_dup").and_then(|n| n.get(0));
    let dd = first.and_then(|f| num(&f["seconds"]));
    let scanned = first.and_then(|f| f["scanned"].as_u64()).unwrap_or(0);
    line(&format!("near-dup over {scanned} patches (first run)"), dd, "s", "<= 60 s", dd.map(|s| s <= 60.0));
}

fn trajectory_ids(path: &Path) -> Result<Vec<String>> {
    use std::io::BufRead;
    let f = std::io::BufReader::new(std::fs::File::open(path)?);
    let mut out = Vec::new();
    for line in f.lines() {
        let v: serde_json::Value = serde_json::from_str(&line?)?;
        if let Some(t) = v.get("trajectory_id").and_then(|t| t.as_str()) {
            out.push(t.to_string());
        }
    }
    Ok(out)
}
