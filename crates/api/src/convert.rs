//! Conversions between the store's (and core's) types and the protocol's: every domain type that
//! crosses the API boundary is turned into (or made from) a protocol type here and nowhere else.

use trawl_core::facts::{Flag, FlagSet};
use trawl_core::labels::{LabelKind, LabelSet};
use trawl_store::labels::{self as store_labels, Op};
use trawl_store::subsets::{self, Cap, DedupRule, Shaping};
use trawl_store::{contamination, export};

use crate::protocol::*;

/// The protocol's name of a core flag (a flag core adds does not compile until it has one).
pub(crate) fn quality_flag(f: Flag) -> QualityFlag {
    match f {
        Flag::EmptyPatch => QualityFlag::EmptyPatch,
        Flag::NoFinish => QualityFlag::NoFinish,
        Flag::HitLimit => QualityFlag::HitLimit,
        Flag::Loop => QualityFlag::Loop,
        Flag::RanTests => QualityFlag::RanTests,
        Flag::EditedTests => QualityFlag::EditedTests,
        Flag::StrayFiles => QualityFlag::StrayFiles,
        Flag::ToolErrors => QualityFlag::ToolErrors,
    }
}

/// The flags of a flag bit set.
pub(crate) fn flag_names(bits: u32) -> Vec<QualityFlag> {
    FlagSet(bits).iter().map(quality_flag).collect()
}

/// One line about a flag (the vocabulary's help; the flag's own doc in core says it at length).
fn flag_detail(f: Flag) -> &'static str {
    match f {
        Flag::EmptyPatch => "the final patch is missing or empty",
        Flag::NoFinish => "no finish/submit action",
        Flag::HitLimit => "the run ended on an iteration, cost or context limit",
        Flag::Loop => "the same action repeated",
        Flag::RanTests => "a bash command runs python, pytest, mypy, pip or apt",
        Flag::EditedTests => "the patch or the edits touch test files",
        Flag::StrayFiles => "the patch adds repro/debug scripts or agent scratch files",
        Flag::ToolErrors => "an observation reports a tool error",
    }
}

/// Every flag with one line about it, in bit order.
pub(crate) fn flag_docs() -> Vec<TermDoc> {
    Flag::ALL.iter().map(|f| TermDoc { name: f.as_str().to_string(), detail: flag_detail(*f).to_string() }).collect()
}

/// Every query field with its help, in the order completion offers them.
pub(crate) fn field_docs() -> Vec<TermDoc> {
    trawl_core::query::fields().iter().map(|(n, d)| TermDoc { name: n.to_string(), detail: d.to_string() }).collect()
}

/// A stored record kind.
pub(crate) fn record_kind(k: trawl_core::RecordKind) -> RecordKind {
    match k {
        trawl_core::RecordKind::Trajectory => RecordKind::Trajectory,
        trawl_core::RecordKind::Prediction => RecordKind::Prediction,
    }
}

/// The search order of a request (null: relevance).
pub(crate) fn sort_of(s: Option<SearchSort>) -> trawl_store::search::Sort {
    use trawl_store::search::{Sort, TextKey};
    match s.unwrap_or(SearchSort::Relevance) {
        SearchSort::Relevance => Sort::Relevance,
        SearchSort::Ingest => Sort::Ingest,
        SearchSort::StepsDesc => Sort::StepsDesc,
        SearchSort::StepsAsc => Sort::StepsAsc,
        SearchSort::PatchLinesDesc => Sort::PatchLinesDesc,
        SearchSort::PatchLinesAsc => Sort::PatchLinesAsc,
        SearchSort::ResolvedAsc => Sort::ResolvedAsc,
        SearchSort::ResolvedDesc => Sort::ResolvedDesc,
        SearchSort::InstanceAsc => Sort::Text(TextKey::Instance, false),
        SearchSort::InstanceDesc => Sort::Text(TextKey::Instance, true),
        SearchSort::RepoAsc => Sort::Text(TextKey::Repo, false),
        SearchSort::RepoDesc => Sort::Text(TextKey::Repo, true),
        SearchSort::DatasetAsc => Sort::Text(TextKey::Dataset, false),
        SearchSort::DatasetDesc => Sort::Text(TextKey::Dataset, true),
    }
}

/// A search hit.
pub(crate) fn hit_view(h: trawl_store::search::Hit) -> SearchHit {
    SearchHit {
        id: h.uid,
        kind: record_kind(h.kind),
        instance_id: h.instance_id,
        base_instance: h.base_instance,
        trajectory_id: h.trajectory_id,
        repo: h.repo,
        dataset: h.dataset,
        format: h.format,
        model: h.model,
        resolved: h.resolved,
        flags: h.flags.iter().map(|f| quality_flag(*f)).collect(),
        steps: h.steps,
        patch_files: h.patch_files,
        patch_lines: h.patch_lines,
        step: h.step,
        snippet: h
            .snippet
            .map(|s| SnippetView { text: s.text, highlights: s.highlights.into_iter().map(|(a, b)| [a, b]).collect() }),
    }
}

/// A whole trajectory, normalized (the header taken out of `row` first).
pub(crate) fn trajectory_view(mut row: trawl_store::show::LoadedRow) -> TrajectoryView {
    let meta = meta_of(&mut row);
    let t = row.traj;
    TrajectoryView {
        meta,
        problem_statement: t.problem_statement,
        steps: t
            .steps
            .into_iter()
            .enumerate()
            .map(|(index, s)| StepView {
                index,
                role: s.role.as_str().to_string(),
                text: s.text,
                thought: s.thought,
                tool_calls: s
                    .tool_calls
                    .into_iter()
                    .map(|c| ToolCallView {
                        id: c.id,
                        name: c.name,
                        arguments: c.arguments,
                        observation: c.observation,
                        exit_code: c.exit_code,
                    })
                    .collect(),
                observation: s.observation,
                exit_code: s.exit_code,
            })
            .collect(),
        patch: t.patch,
    }
}

/// Takes a loaded row's header out as protocol metadata, leaving its steps, patch and problem
/// statement in place for the caller.
pub(crate) fn meta_of(row: &mut trawl_store::show::LoadedRow) -> TrajectoryMeta {
    use std::mem::take;
    let facts = trawl_core::facts::derive(&row.traj);
    let t = &mut row.traj;
    TrajectoryMeta {
        id: take(&mut row.uid),
        source: SourceView {
            file: take(&mut row.source.file),
            byte_offset: row.source.byte_offset,
            byte_len: row.source.byte_len,
            line: row.source.line,
        },
        format: t.format.as_str().to_string(),
        kind: record_kind(row.kind),
        base_instance: t.base_instance().map(str::to_string),
        instance_id: t.instance_id.take(),
        repo: t.repo.take(),
        dataset: t.dataset.take(),
        license: t.license.take(),
        model: t.model.take(),
        trajectory_id: t.trajectory_id.take(),
        resolved: row.resolved,
        exit_status: t.outcome.exit_status.take(),
        error: t.outcome.error.take(),
        usage: UsageView {
            cost: t.usage.cost,
            prompt_tokens: t.usage.prompt_tokens,
            completion_tokens: t.usage.completion_tokens,
            api_calls: t.usage.api_calls,
        },
        flags: flag_names(row.flags),
        facts: facts_view(facts),
        step_count: t.steps.len(),
        prediction: row.prediction.take().map(|p| PredictionView {
            id: p.uid,
            file: p.file,
            line: p.line,
            instance_id: p.instance_id,
            model: p.model,
            patch: p.patch,
            same_patch: p.same_patch,
            count: p.count,
        }),
        joined_to: row.joined_to.take(),
    }
}

fn facts_view(facts: trawl_core::facts::Facts) -> FactsView {
    FactsView {
        tool_counts: facts.tool_counts,
        edited_files: facts.edited_files,
        patch_files: facts.patch.files,
        patch_added: facts.patch.added,
        patch_removed: facts.patch.removed,
        languages: facts.patch.languages,
    }
}

/// A diagnostic.
pub(crate) fn diagnostic_view(d: &trawl_core::Diagnostic) -> DiagnosticView {
    DiagnosticView {
        severity: match d.severity {
            trawl_core::Severity::Error => "error",
            trawl_core::Severity::Warning => "warning",
        }
        .to_string(),
        file: d.file.clone(),
        line: d.line,
        message: d.message.clone(),
    }
}

/// Ingest progress, with its rate and time left.
pub(crate) fn progress_view(p: &trawl_store::ingest::Progress) -> IngestProgress {
    let secs = p.elapsed.as_secs_f64();
    let mb_per_s = if secs > 0.0 { p.bytes as f64 / 1e6 / secs } else { 0.0 };
    let eta_s = (p.disk_bytes > 0 && p.total_bytes >= p.disk_bytes && secs > 0.0)
        .then(|| secs * (p.total_bytes - p.disk_bytes) as f64 / p.disk_bytes as f64);
    IngestProgress {
        records: p.records,
        bytes: p.bytes,
        disk_bytes: p.disk_bytes,
        total_bytes: p.total_bytes,
        elapsed_s: secs,
        mb_per_s,
        eta_s,
        current_file: p.current_file.clone(),
        file_index: p.file_index,
        files: p.files,
    }
}

/// What an ingest did.
pub(crate) fn ingest_report(s: trawl_store::ingest::IngestSummary) -> IngestReport {
    IngestReport {
        files: s.files,
        files_unchanged: s.files_unchanged,
        records: s.records,
        stored: s.stored,
        duplicates: s.duplicates,
        reports: s.reports,
        rejected: s.rejected,
        outcomes: s.outcomes,
        resolved_joined: s.resolved_joined,
        by_format: s.by_format,
        errors: s.errors,
        warnings: s.warnings,
        diagnostics: s.diagnostics.iter().map(diagnostic_view).collect(),
        bytes: s.bytes,
        elapsed_s: s.elapsed.as_secs_f64(),
        cancelled: s.cancelled,
    }
}

/// What `check` found.
pub(crate) fn check_report(r: trawl_store::check::CheckReport) -> CheckReport {
    CheckReport {
        trajectories: r.trajectories,
        indexed: r.indexed,
        healthy: r.findings.is_empty(),
        findings: r
            .findings
            .into_iter()
            .map(|f| CheckFinding { kind: f.kind.to_string(), message: f.message })
            .collect(),
        repaired: r.repaired,
        unrepaired: r.unrepaired,
    }
}

/// The store's dedup rule of a shaping's dedup (`none` and null: no dedup).
pub(crate) fn dedup_rule(spec: &Option<DedupSpec>) -> Option<DedupRule> {
    let d = spec.as_ref()?;
    match d.mode {
        DedupMode::None => None,
        DedupMode::ExactPatch => Some(DedupRule::ExactPatch),
        DedupMode::ExactText => Some(DedupRule::ExactText),
        DedupMode::NearPatch => Some(DedupRule::NearPatch { threshold: d.threshold.unwrap_or(0.8) }),
    }
}

/// The store's cap of a shaping's cap.
pub(crate) fn cap_of(c: &CapSpec) -> Cap {
    Cap { k: c.k, order: c.order.iter().map(|o| o.as_str().to_string()).collect() }
}

/// The store's shaping of a request's.
pub(crate) fn shaping_of(s: &ShapingSpec) -> Shaping {
    Shaping { dedup: dedup_rule(&s.dedup), cap: s.cap.as_ref().map(cap_of), contamination: s.contamination.clone() }
}

/// A stored shaping. Order keys were checked when the version was made; one this trawl does not
/// know is left out.
pub(crate) fn shaping_view(s: &Shaping) -> ShapingSpec {
    ShapingSpec {
        dedup: s.dedup.as_ref().map(|d| match d {
            DedupRule::ExactPatch => DedupSpec { mode: DedupMode::ExactPatch, threshold: None },
            DedupRule::ExactText => DedupSpec { mode: DedupMode::ExactText, threshold: None },
            DedupRule::NearPatch { threshold } => DedupSpec { mode: DedupMode::NearPatch, threshold: Some(*threshold) },
        }),
        cap: s.cap.as_ref().map(|c| CapSpec { k: c.k, order: c.order.iter().filter_map(|o| o.parse().ok()).collect() }),
        contamination: s.contamination.clone(),
    }
}

/// A saved subset version.
pub(crate) fn version_view(v: &subsets::Version) -> SubsetVersionView {
    let d = &v.definition;
    SubsetVersionView {
        name: d.name.clone(),
        version: v.version,
        parent: d.parent.as_ref().map(|(n, pv)| SubsetRefView { subset: n.clone(), version: Some(*pv) }),
        rule: d.rule.clone(),
        includes: d.includes.clone(),
        excludes: d.excludes.clone(),
        shaping: shaping_view(&d.shaping),
        pool: v.pool,
        count: v.count,
        stages: v
            .stages
            .iter()
            .map(|s| StageView { label: s.label.clone(), removed: s.removed, added: s.added, count: s.count })
            .collect(),
        created: v.created.clone(),
        took_ms: v.took.as_secs_f64() * 1000.0,
    }
}

/// The store's export format.
pub(crate) fn export_format(f: ExportFormat) -> export::Format {
    match f {
        ExportFormat::JsonlOriginal => export::Format::JsonlOriginal,
        ExportFormat::SftChat => export::Format::SftChat,
        ExportFormat::Parquet => export::Format::Parquet,
    }
}

/// The store's split grouping (null: by repository).
pub(crate) fn group_by(g: Option<GroupBy>) -> export::GroupBy {
    match g {
        None | Some(GroupBy::Repo) => export::GroupBy::Repo,
        Some(GroupBy::Instance) => export::GroupBy::Instance,
    }
}

/// The store's Parquet codec (null: the default).
pub(crate) fn codec(c: Option<Compression>) -> export::Codec {
    match c {
        None => export::Codec::default(),
        Some(Compression::Snappy) => export::Codec::Snappy,
        Some(Compression::Zstd) => export::Codec::Zstd,
        Some(Compression::None) => export::Codec::Uncompressed,
    }
}

/// What an export wrote.
pub(crate) fn export_view(s: &export::Summary) -> ExportResponse {
    let m = &s.manifest;
    let bytes: u64 = m.outputs.iter().map(|o| o.bytes).sum();
    let secs = s.elapsed.as_secs_f64();
    ExportResponse {
        manifest_path: s.manifest_path.display().to_string(),
        format: m.format.clone(),
        subset: m.subset.as_ref().map(|r| r.name.clone()),
        version: m.subset.as_ref().map(|r| r.version),
        outputs: m
            .outputs
            .iter()
            .map(|o| ExportFileView {
                file: o.file.clone(),
                split: o.split.clone(),
                records: o.records,
                skipped: o.skipped,
                groups: o.groups,
                bytes: o.bytes,
                sha256: o.sha256.clone(),
            })
            .collect(),
        redactions: m.redactions.clone(),
        records: m.outputs.iter().map(|o| o.records).sum(),
        bytes,
        elapsed_s: secs,
        write_elapsed_s: s.write_elapsed.as_secs_f64(),
        mb_per_s: if secs > 0.0 { bytes as f64 / 1e6 / secs } else { 0.0 },
        rebuilt_from: m.rebuilt_from.clone(),
    }
}

/// The store's contamination list kind.
pub(crate) fn list_kind(k: ListKind) -> contamination::ListKind {
    match k {
        ListKind::Instances => contamination::ListKind::Instances,
        ListKind::Repos => contamination::ListKind::Repos,
    }
}

/// A contamination list.
pub(crate) fn list_view(l: &contamination::List) -> ContaminationListView {
    ContaminationListView {
        name: l.name.clone(),
        kind: match l.kind {
            contamination::ListKind::Instances => ListKind::Instances,
            contamination::ListKind::Repos => ListKind::Repos,
        },
        entries: l.entries.len() as u64,
        builtin: l.builtin,
        source: l.source.clone(),
    }
}

/// A label set.
pub(crate) fn set_view(s: &LabelSet) -> LabelSetView {
    let rating = s.kind == LabelKind::Rating;
    LabelSetView {
        name: s.name.clone(),
        kind: s.kind.as_str().into(),
        level: s.level.as_str().into(),
        values: s.values.clone(),
        min: rating.then_some(s.min),
        max: rating.then_some(s.max),
        description: s.description.clone(),
    }
}

/// A label event with whether it was undone.
pub(crate) fn event_view(h: &store_labels::HistoryEntry) -> LabelEventView {
    let e = &h.event;
    let (op, key, value, undoes) = match &e.op {
        Op::Set { key, value } => ("set", Some(key), Some(value.clone()), None),
        Op::Clear { key } => ("clear", Some(key), None, None),
        Op::Undo { batch } => ("undo", None, None, Some(batch.clone())),
    };
    LabelEventView {
        event: e.event.clone(),
        annotator: e.annotator.clone(),
        at: e.at.clone(),
        op: op.into(),
        id: key.map(|k| k.target.clone()),
        step: key.and_then(|k| k.step),
        set: key.map(|k| k.set.clone()),
        value,
        batch: e.batch.clone(),
        undoes,
        undone: h.undone,
    }
}

/// What a labelling write did.
pub(crate) fn written(w: store_labels::Written) -> LabelWriteResult {
    LabelWriteResult { batch: w.batch, count: w.count }
}
