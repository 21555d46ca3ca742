//! Curation use cases of [`Library`]: subsets with lineage, dedup reports, contamination lists
//! and exports. Converts between the protocol types and the store's; holds no logic of its own.

use std::path::Path;
use std::time::Instant;

use trawl_core::facts::FlagSet;
use trawl_store::subsets::{self, Cap, DedupRule, Definition, Shaping};
use trawl_store::{contamination, dedup, export};

use crate::protocol::*;
use crate::{ApiError, Library};

fn bad(message: impl Into<String>) -> ApiError {
    ApiError(ErrorBody { code: ErrorCode::BadRequest, message: message.into(), column: None })
}

fn dedup_rule(spec: &Option<DedupSpec>) -> Result<Option<DedupRule>, ApiError> {
    let Some(d) = spec else { return Ok(None) };
    Ok(match d.mode.as_str() {
        "none" => None,
        "exact_patch" => Some(DedupRule::ExactPatch),
        "exact_text" => Some(DedupRule::ExactText),
        "near_patch" => Some(DedupRule::NearPatch { threshold: d.threshold.unwrap_or(0.8) }),
        other => return Err(bad(format!("unknown dedup mode '{other}' (none, exact_patch, exact_text, near_patch)"))),
    })
}

fn shaping_view(s: &Shaping) -> ShapingSpec {
    ShapingSpec {
        dedup: s.dedup.as_ref().map(|d| match d {
            DedupRule::ExactPatch => DedupSpec { mode: "exact_patch".into(), threshold: None },
            DedupRule::ExactText => DedupSpec { mode: "exact_text".into(), threshold: None },
            DedupRule::NearPatch { threshold } => DedupSpec { mode: "near_patch".into(), threshold: Some(*threshold) },
        }),
        cap: s.cap.as_ref().map(|c| CapSpec { k: c.k, order: c.order.clone() }),
        contamination: s.contamination.clone(),
    }
}

fn version_view(v: &subsets::Version) -> SubsetVersionView {
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

fn export_view(s: &export::Summary) -> ExportResponse {
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

impl Library {
    /// Evaluates a subset definition and freezes it as the next version of its subset.
    pub fn subset_create(&mut self, req: &SubsetCreateRequest) -> Result<SubsetVersionView, ApiError> {
        let parent = match &req.parent {
            None => None,
            Some(p) => {
                let vid = subsets::version_id(&self.store, &p.subset, p.version)?;
                Some((p.subset.clone(), subsets::load(&self.store, vid)?.version))
            }
        };
        let def = Definition {
            name: req.name.clone(),
            parent,
            rule: req.rule.clone(),
            includes: req.includes.clone(),
            excludes: req.excludes.clone(),
            shaping: Shaping {
                dedup: dedup_rule(&req.shaping.dedup)?,
                cap: req.shaping.cap.as_ref().map(|c| Cap { k: c.k, order: c.order.clone() }),
                contamination: req.shaping.contamination.clone(),
            },
        };
        Ok(version_view(&subsets::create(&mut self.store, &def)?))
    }

    /// Evaluates a version's definition again (against the current database) as a new version.
    pub fn subset_rerun(&mut self, name: &str, version: Option<i64>) -> Result<SubsetVersionView, ApiError> {
        let vid = subsets::version_id(&self.store, name, version)?;
        let def = subsets::load(&self.store, vid)?.definition;
        Ok(version_view(&subsets::create(&mut self.store, &def)?))
    }

    /// Every subset and its versions.
    pub fn subsets(&self) -> Result<SubsetsResponse, ApiError> {
        Ok(SubsetsResponse {
            subsets: subsets::list(&self.store)?
                .into_iter()
                .map(|(name, vs)| SubsetSummaryView { name, versions: vs.iter().map(version_view).collect() })
                .collect(),
        })
    }

    /// A version and a page of its frozen members.
    pub fn subset_show(&self, req: &SubsetShowRequest) -> Result<SubsetShowResponse, ApiError> {
        let vid = subsets::version_id(&self.store, &req.name, req.version)?;
        let v = subsets::load(&self.store, vid)?;
        let rows = subsets::member_page(&self.store, vid, req.offset, req.limit.min(10_000))?;
        Ok(SubsetShowResponse {
            total: v.count,
            version: version_view(&v),
            members: rows
                .into_iter()
                .map(|m| SubsetMemberView {
                    id: m.uid,
                    instance_id: m.instance_id,
                    repo: m.repo,
                    dataset: m.dataset,
                    resolved: m.resolved,
                    steps: m.steps,
                    flags: FlagSet(m.flags).iter().map(|f| f.as_str().to_string()).collect(),
                })
                .collect(),
        })
    }

    /// The stable ids of a version's members (for scripts).
    pub fn subset_member_ids(&self, name: &str, version: Option<i64>) -> Result<Vec<String>, ApiError> {
        let vid = subsets::version_id(&self.store, name, version)?;
        Ok(subsets::members(&self.store, vid)?.into_iter().map(|(_, u)| u).collect())
    }

    /// The lineage of a version: the whole pool, then each version from the root, with the stages
    /// between them.
    pub fn subset_lineage(&self, req: &SubsetLineageRequest) -> Result<SubsetLineageResponse, ApiError> {
        let vid = subsets::version_id(&self.store, &req.name, req.version)?;
        let chain = subsets::lineage(&self.store, vid)?;
        let mut nodes = vec![LineageNode {
            name: None,
            version: None,
            count: chain.first().map(|v| v.pool).unwrap_or(0),
            rule: String::new(),
        }];
        let mut stages = Vec::new();
        for v in &chain {
            nodes.push(LineageNode {
                name: Some(v.definition.name.clone()),
                version: Some(v.version),
                count: v.count,
                rule: v.definition.rule.clone(),
            });
            let node = nodes.len() - 1;
            stages.extend(v.stages.iter().map(|s| LineageStage {
                node,
                label: s.label.clone(),
                removed: s.removed,
                added: s.added,
                count: s.count,
            }));
        }
        Ok(SubsetLineageResponse { nodes, stages })
    }

    /// Drops the cached dedup keys (derived; recomputed by the next dedup), returning how many
    /// trajectories had them. Used by the benchmark to time a cold run.
    pub fn dedup_clear_cache(&self) -> Result<u64, ApiError> {
        Ok(dedup::clear_cache(&self.store)?)
    }

    /// Duplicate clusters among the matches of a query or the members of a subset version.
    pub fn dedup_report(&self, req: &DedupReportRequest) -> Result<DedupReportResponse, ApiError> {
        let started = Instant::now();
        let ids = match &req.subset {
            Some(s) => subsets::member_ids(&self.store, subsets::version_id(&self.store, &s.subset, s.version)?)?,
            None => trawl_store::search::matching_ids(&self.store, req.query.as_deref().unwrap_or(""))?,
        };
        let mode = match req.mode.as_deref().unwrap_or("near_patch") {
            "exact_patch" => dedup::Mode::ExactPatch,
            "exact_text" => dedup::Mode::ExactText,
            "near_patch" => {
                let t = req.threshold.unwrap_or(0.8);
                if !(t > 0.0 && t <= 1.0) {
                    return Err(bad(format!("threshold must be in (0, 1], got {t}")));
                }
                dedup::Mode::NearPatch(t)
            }
            other => return Err(bad(format!("unknown dedup mode '{other}' (exact_patch, exact_text, near_patch)"))),
        };
        let mut clusters = dedup::report(&self.store, &ids, mode)?;
        let clusters_total = clusters.len() as u64;
        let removable = clusters.iter().map(|c| c.members.len() as u64 - 1).sum();
        clusters.sort_by(|a, b| b.members.len().cmp(&a.members.len()).then(a.members[0].cmp(&b.members[0])));
        clusters.truncate(req.limit.unwrap_or(100));
        let mut views = Vec::with_capacity(clusters.len());
        for c in clusters {
            let (members, instances): (Vec<String>, Vec<Option<String>>) =
                subsets::uids_and_instances(&self.store, &c.members)?.into_iter().unzip();
            views.push(DedupClusterView {
                size: members.len() as u64,
                min_similarity: c.min_similarity,
                members,
                instances,
            });
        }
        Ok(DedupReportResponse {
            scanned: ids.len() as u64,
            clusters_total,
            removable,
            clusters: views,
            took_ms: started.elapsed().as_secs_f64() * 1000.0,
        })
    }

    /// The contamination lists (built-in and the user's) and the built-in lists' provenance.
    pub fn contamination_lists(&self) -> Result<ContaminationListsResponse, ApiError> {
        Ok(ContaminationListsResponse {
            lists: contamination::lists(&self.store)?.iter().map(list_view).collect(),
            provenance: contamination::PROVENANCE.to_string(),
        })
    }

    /// Adds (or replaces) a user contamination list.
    pub fn contamination_add(&mut self, req: &ContaminationAddRequest) -> Result<ContaminationListView, ApiError> {
        let kind = match req.kind.as_deref() {
            None => None,
            Some(k) => Some(
                contamination::ListKind::from_name(k)
                    .ok_or_else(|| bad(format!("unknown list kind '{k}' (instances, repos)")))?,
            ),
        };
        let source = if req.source.is_empty() { "(api)" } else { req.source.as_str() };
        Ok(list_view(&contamination::add(&mut self.store, &req.name, kind, &req.text, source)?))
    }

    /// Exports a subset version; every export writes `manifest.json` and `members.txt`.
    pub fn export(&mut self, req: &ExportRequest) -> Result<ExportResponse, ApiError> {
        let format = export::Format::from_name(&req.format).ok_or_else(|| {
            bad(format!("unknown export format '{}' (jsonl-original, sft-chat, parquet)", req.format))
        })?;
        let group_by = match req.group_by.as_deref() {
            None => export::GroupBy::Repo,
            Some(g) => {
                export::GroupBy::from_name(g).ok_or_else(|| bad(format!("unknown group_by '{g}' (repo, instance)")))?
            }
        };
        let codec = match req.compression.as_deref() {
            None => export::Codec::default(),
            Some(c) => export::Codec::from_name(c)
                .ok_or_else(|| bad(format!("unknown compression '{c}' (snappy, zstd, none)")))?,
        };
        let opts = export::Options {
            format,
            out_dir: Path::new(&req.out_dir).to_path_buf(),
            splits: req.splits.map(|r| export::Ratios { train: r.train, validation: r.validation, test: r.test }),
            group_by,
            seed: req.seed,
            redact: req.redact,
            codec,
            parquet_pages: export::PARQUET_PAGES,
        };
        Ok(export_view(&export::export_subset(&mut self.store, &req.subset, req.version, &opts)?))
    }

    /// Rebuilds an export from its manifest (the records by stable id, the same options) and
    /// checks that every file has the manifest's sha256.
    pub fn export_from_manifest(&mut self, req: &ExportFromManifestRequest) -> Result<ExportResponse, ApiError> {
        Ok(export_view(&export::from_manifest(&mut self.store, Path::new(&req.manifest), Path::new(&req.out_dir))?))
    }
}

fn list_view(l: &contamination::List) -> ContaminationListView {
    ContaminationListView {
        name: l.name.clone(),
        kind: l.kind.as_str().to_string(),
        entries: l.entries.len() as u64,
        builtin: l.builtin,
        source: l.source.clone(),
    }
}
