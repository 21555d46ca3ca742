//! Curation use cases of [`Library`]: subsets with lineage, dedup reports, contamination lists
//! and exports. Converts between the protocol types and the store's; holds no logic of its own.

use std::path::Path;
use std::time::Instant;

use trawl_store::subsets::{self, Definition};
use trawl_store::{contamination, dedup, export};

use crate::convert::{self, list_view, version_view};
use crate::protocol::*;
use crate::{ApiError, Library};

fn bad(message: impl Into<String>) -> ApiError {
    ApiError(ErrorBody { code: ErrorCode::BadRequest, message: message.into(), column: None })
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
            shaping: convert::shaping_of(&req.shaping),
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
                    flags: convert::flag_names(m.flags),
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
        let mode = match req.mode.unwrap_or(DedupMode::NearPatch) {
            DedupMode::ExactPatch => dedup::Mode::ExactPatch,
            DedupMode::ExactText => dedup::Mode::ExactText,
            DedupMode::NearPatch => {
                let t = req.threshold.unwrap_or(0.8);
                if !(t > 0.0 && t <= 1.0) {
                    return Err(bad(format!("threshold must be in (0, 1], got {t}")));
                }
                dedup::Mode::NearPatch(t)
            }
            DedupMode::None => return Err(bad("unknown dedup mode 'none' (exact_patch, exact_text, near_patch)")),
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
        let kind = req.kind.map(convert::list_kind);
        let source = if req.source.is_empty() { "(api)" } else { req.source.as_str() };
        Ok(list_view(&contamination::add(&mut self.store, &req.name, kind, &req.text, source)?))
    }

    /// Exports a subset version; every export writes `manifest.json` and `members.txt`.
    pub fn export(&mut self, req: &ExportRequest) -> Result<ExportResponse, ApiError> {
        let opts = export::Options {
            format: convert::export_format(req.format),
            out_dir: Path::new(&req.out_dir).to_path_buf(),
            splits: req.splits.map(|r| export::Ratios { train: r.train, validation: r.validation, test: r.test }),
            group_by: convert::group_by(req.group_by),
            seed: req.seed,
            redact: req.redact,
            codec: convert::codec(req.compression),
            parquet_pages: export::PARQUET_PAGES,
            sft_lines: if req.bare { export::SFT_LINES_BARE } else { export::SFT_LINES },
        };
        Ok(convert::export_view(&export::export_subset(&mut self.store, &req.subset, req.version, &opts)?))
    }

    /// Rebuilds an export from its manifest (the records by stable id, the same options) and
    /// checks that every file has the manifest's sha256.
    pub fn export_from_manifest(&mut self, req: &ExportFromManifestRequest) -> Result<ExportResponse, ApiError> {
        Ok(convert::export_view(&export::from_manifest(
            &mut self.store,
            Path::new(&req.manifest),
            Path::new(&req.out_dir),
        )?))
    }
}
