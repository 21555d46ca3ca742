//! Labelling use cases of [`Library`]: label sets, judgements, undo, bulk labelling, queues,
//! import and export, agreement and adjudication, flag review, and this install's annotator name.
//!
//! Converts between the protocol types of `protocol::labels` and `trawl_store::labels`; the rules
//! (schemas, history, current values) live there and in `trawl_core::labels`.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde_json::Value;
use trawl_core::facts::{Flag, FlagSet};
use trawl_core::labels::{LabelKind, LabelLevel, LabelSet, ADJUDICATOR_PREFIX, FLAG_REVIEW_SET};
use trawl_store::labels::{self as store_labels, Key, NewLabel, QueueKind};

use crate::convert::{event_view, set_view, written};
use crate::protocol::*;
use crate::{ApiError, Library};

/// The annotator labels are written under, and where the name came from.
#[derive(Debug, Clone)]
pub(crate) struct Annotator {
    name: String,
    source: &'static str,
}

impl Annotator {
    /// `TRAWL_ANNOTATOR`, else the user's config file, else the login name.
    pub(crate) fn from_environment() -> Annotator {
        if let Some(name) = std::env::var("TRAWL_ANNOTATOR").ok().filter(|n| !n.trim().is_empty()) {
            return Annotator { name: name.trim().to_string(), source: "env" };
        }
        if let Some(name) = read_config().get("annotator").and_then(Value::as_str).filter(|n| !n.trim().is_empty()) {
            return Annotator { name: name.trim().to_string(), source: "config" };
        }
        let user = std::env::var("USER").or_else(|_| std::env::var("USERNAME")).unwrap_or_default();
        let user = if user.trim().is_empty() { "anonymous".to_string() } else { user.trim().to_string() };
        Annotator { name: user, source: "user" }
    }
}

/// The user's trawl config file: `$TRAWL_CONFIG_DIR/config.json`, else `<config dir>/trawl/config.json`.
fn config_path() -> Option<PathBuf> {
    match std::env::var_os("TRAWL_CONFIG_DIR") {
        Some(dir) if !dir.is_empty() => Some(PathBuf::from(dir).join("config.json")),
        _ => dirs::config_dir().map(|d| d.join("trawl").join("config.json")),
    }
}

fn read_config() -> serde_json::Map<String, Value> {
    config_path()
        .and_then(|p| std::fs::read(p).ok())
        .and_then(|b| serde_json::from_slice::<Value>(&b).ok())
        .and_then(|v| if let Value::Object(m) = v { Some(m) } else { None })
        .unwrap_or_default()
}

/// Writes a file atomically: a temporary file beside it, then a rename.
fn write_atomically(path: &Path, bytes: &[u8]) -> Result<(), ApiError> {
    let io = |e: std::io::Error| ApiError::new(ErrorCode::Io, format!("{}: {e}", path.display()));
    if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
        std::fs::create_dir_all(parent).map_err(io)?;
    }
    let mut tmp = path.as_os_str().to_owned();
    tmp.push(".partial");
    let tmp = PathBuf::from(tmp);
    std::fs::write(&tmp, bytes).map_err(io)?;
    std::fs::rename(&tmp, path).map_err(io)
}

fn bad_request(message: impl Into<String>) -> ApiError {
    ApiError::new(ErrorCode::BadRequest, message)
}

fn set_from_view(v: &LabelSetView) -> Result<LabelSet, ApiError> {
    let kind = LabelKind::from_name(&v.kind).ok_or_else(|| {
        bad_request(format!(
            "label set '{}': unknown kind '{}'; expected single, multi, rating or text",
            v.name, v.kind
        ))
    })?;
    let level = LabelLevel::from_name(&v.level).ok_or_else(|| {
        bad_request(format!("label set '{}': unknown level '{}'; expected trajectory, step or both", v.name, v.level))
    })?;
    let (min, max) = match kind {
        LabelKind::Rating => (
            v.min.ok_or_else(|| bad_request(format!("label set '{}' (rating) needs min and max", v.name)))?,
            v.max.ok_or_else(|| bad_request(format!("label set '{}' (rating) needs min and max", v.name)))?,
        ),
        _ => (0, 0),
    };
    Ok(LabelSet {
        name: v.name.clone(),
        kind,
        level,
        values: v.values.clone(),
        min,
        max,
        description: v.description.clone(),
    })
}

impl Library {
    /// This install's annotator name and where it comes from.
    pub fn annotator(&self) -> AnnotatorView {
        AnnotatorView { name: self.annotator.name.clone(), source: self.annotator.source.into() }
    }

    /// Sets the annotator name and saves it in the user's config file.
    pub fn set_annotator(&mut self, req: &SetAnnotatorRequest) -> Result<AnnotatorView, ApiError> {
        check_own_name(&req.name)?;
        let path = config_path().ok_or_else(|| ApiError::new(ErrorCode::Io, "no config directory on this system"))?;
        let mut config = read_config();
        config.insert("annotator".into(), Value::from(req.name.clone()));
        let text = serde_json::to_vec_pretty(&Value::Object(config)).expect("a JSON map serializes");
        write_atomically(&path, &text)?;
        self.annotator = Annotator { name: req.name.clone(), source: "config" };
        Ok(self.annotator())
    }

    /// Labels under this name for this process only (scripts, tests, benchmarks); nothing is saved.
    pub fn use_annotator(&mut self, name: &str) -> Result<AnnotatorView, ApiError> {
        check_own_name(name)?;
        self.annotator = Annotator { name: name.to_string(), source: "session" };
        Ok(self.annotator())
    }

    /// Every label set.
    pub fn label_sets(&self) -> Result<Vec<LabelSetView>, ApiError> {
        Ok(store_labels::label_sets(self.store.connection())?.iter().map(set_view).collect())
    }

    /// Creates or replaces a label set.
    pub fn define_label_set(&mut self, req: &LabelSetView) -> Result<LabelSetView, ApiError> {
        let set = set_from_view(req)?;
        store_labels::define_label_set(&mut self.store, &set)?;
        let stored = store_labels::label_set(self.store.connection(), &set.name)?
            .ok_or_else(|| ApiError::new(ErrorCode::Internal, "label set vanished"))?;
        Ok(set_view(&stored))
    }

    /// Defines every label set of a JSON file: a list of sets, `{"sets": [...]}`, or one set.
    /// All are checked before any is written.
    pub fn define_label_sets_from_file(&mut self, path: &Path) -> Result<Vec<LabelSetView>, ApiError> {
        let bytes =
            std::fs::read(path).map_err(|e| ApiError::new(ErrorCode::Io, format!("{}: {e}", path.display())))?;
        let value: Value =
            serde_json::from_slice(&bytes).map_err(|e| bad_request(format!("{}: not JSON: {e}", path.display())))?;
        let list = match value {
            Value::Array(items) => items,
            Value::Object(mut m) if m.contains_key("sets") => match m.remove("sets") {
                Some(Value::Array(items)) => items,
                _ => return Err(bad_request(format!("{}: 'sets' must be a list", path.display()))),
            },
            other => vec![other],
        };
        let mut views = Vec::new();
        for (i, item) in list.into_iter().enumerate() {
            let view: LabelSetView = serde_json::from_value(item)
                .map_err(|e| bad_request(format!("{}: set {}: {e}", path.display(), i + 1)))?;
            let set = set_from_view(&view)?;
            set.check().map_err(|e| bad_request(format!("{}: {e}", path.display())))?;
            views.push(view);
        }
        views.iter().map(|v| self.define_label_set(v)).collect()
    }

    /// Labels a trajectory (or one of its steps) as this install's annotator.
    pub fn label(&mut self, req: &LabelRequest) -> Result<LabelWriteResult, ApiError> {
        let name = self.annotator.name.clone();
        self.write_one(&name, &req.id, req.step, &req.set, Some(req.value.clone()))
    }

    /// Removes this annotator's value.
    pub fn clear_label(&mut self, req: &ClearLabelRequest) -> Result<LabelWriteResult, ApiError> {
        let name = self.annotator.name.clone();
        self.write_one(&name, &req.id, req.step, &req.set, None)
    }

    /// Records the adjudicated value (annotator `adjudicator:<name>`): queries see it instead of
    /// the annotators' values.
    pub fn adjudicate(&mut self, req: &LabelRequest) -> Result<LabelWriteResult, ApiError> {
        let name = format!("{ADJUDICATOR_PREFIX}{}", self.annotator.name);
        self.write_one(&name, &req.id, req.step, &req.set, Some(req.value.clone()))
    }

    fn write_one(
        &mut self,
        annotator: &str,
        id: &str,
        step: Option<u64>,
        set: &str,
        value: Option<Value>,
    ) -> Result<LabelWriteResult, ApiError> {
        let target = store_labels::resolve_uid(&self.store, id)?;
        let label = NewLabel { key: Key { target, step, set: set.to_string() }, value };
        Ok(written(store_labels::write(&mut self.store, annotator, &store_labels::now(), &[label])?))
    }

    /// Confirms or dismisses an engine flag (set `flag_review`, values `confirm:<flag>` and
    /// `dismiss:<flag>`), keeping this annotator's decisions about the other flags.
    pub fn review_flag(&mut self, req: &ReviewFlagRequest) -> Result<LabelWriteResult, ApiError> {
        let flag = Flag::from_name(&req.flag).ok_or_else(|| {
            let valid: Vec<&str> = Flag::ALL.iter().map(|f| f.as_str()).collect();
            bad_request(format!("unknown flag '{}'; valid flags: {}", req.flag, valid.join(", ")))
        })?;
        if !matches!(req.decision.as_str(), "confirm" | "dismiss" | "clear") {
            return Err(bad_request(format!("bad decision '{}'; expected confirm, dismiss or clear", req.decision)));
        }
        let target = store_labels::resolve_uid(&self.store, &req.id)?;
        let me = self.annotator.name.clone();
        let mut chosen: Vec<Value> = store_labels::current_for(self.store.connection(), &target)?
            .into_iter()
            .find(|c| c.annotator == me && c.set == FLAG_REVIEW_SET && c.step.is_none())
            .and_then(|c| c.value.as_array().cloned())
            .unwrap_or_default();
        let suffix = format!(":{}", flag.as_str());
        chosen.retain(|v| !v.as_str().is_some_and(|s| s.ends_with(&suffix)));
        if req.decision != "clear" {
            chosen.push(Value::from(format!("{}{suffix}", req.decision)));
        }
        self.write_one(&me, &target, None, FLAG_REVIEW_SET, Some(Value::Array(chosen)))
    }

    /// A trajectory's labels: current values of every annotator, its history, and flag reviews.
    pub fn labels_for(&self, req: &LabelsForRequest) -> Result<TrajectoryLabels, ApiError> {
        let target = store_labels::resolve_uid(&self.store, &req.id)?;
        let conn = self.store.connection();
        let current = store_labels::current_for(conn, &target)?;
        let engine = FlagSet(store_labels::flags_of(conn, &target)?);
        let flags = Flag::ALL
            .iter()
            .map(|f| {
                let suffix = format!(":{}", f.as_str());
                let decisions = current
                    .iter()
                    .filter(|c| c.set == FLAG_REVIEW_SET && c.step.is_none())
                    .filter_map(|c| {
                        let values = c.value.as_array()?;
                        let d = values.iter().filter_map(Value::as_str).find(|v| v.ends_with(&suffix))?;
                        Some((c.annotator.clone(), d.trim_end_matches(&suffix).to_string()))
                    })
                    .collect();
                FlagReviewView { flag: f.as_str().into(), set_by_engine: engine.iter().any(|x| x == *f), decisions }
            })
            .collect();
        Ok(TrajectoryLabels {
            id: target.clone(),
            annotator: self.annotator.name.clone(),
            current: current
                .into_iter()
                .map(|c| CurrentLabelView {
                    annotator: c.annotator,
                    step: c.step,
                    set: c.set,
                    value: c.value,
                    at: c.at,
                })
                .collect(),
            history: store_labels::history_for(conn, &target)?.iter().map(event_view).collect(),
            flags,
        })
    }

    /// Undoes a batch: the given one, or this annotator's latest batch not undone yet.
    pub fn undo(&mut self, req: &UndoRequest) -> Result<LabelWriteResult, ApiError> {
        let name = self.annotator.name.clone();
        Ok(written(store_labels::undo(&mut self.store, &name, &store_labels::now(), req.batch.as_deref())?))
    }

    /// Labels every trajectory a query matches with one value, as one batch (one undo).
    pub fn label_bulk(&mut self, req: &LabelBulkRequest) -> Result<LabelWriteResult, ApiError> {
        let ids = store_labels::matching_uids(&self.store, &req.query)?;
        if let Some(expected) = req.expect {
            if expected != ids.len() as u64 {
                return Err(bad_request(format!(
                    "the query now matches {} trajectories, not the {expected} confirmed; nothing was labelled",
                    ids.len()
                )));
            }
        }
        if ids.is_empty() {
            return Err(bad_request("the query matches no trajectory; nothing was labelled"));
        }
        let labels: Vec<NewLabel> = ids
            .into_iter()
            .map(|target| NewLabel {
                key: Key { target, step: None, set: req.set.clone() },
                value: Some(req.value.clone()),
            })
            .collect();
        let name = self.annotator.name.clone();
        Ok(written(store_labels::write(&mut self.store, &name, &store_labels::now(), &labels)?))
    }

    /// A labelling queue over a query's results, with progress (done / total) for this annotator.
    pub fn queue(&self, req: &QueueRequest) -> Result<QueueResponse, ApiError> {
        let kind = match req.kind.as_deref().unwrap_or("all") {
            "all" => QueueKind::All,
            "unlabelled" | "unlabeled" => QueueKind::Unlabelled,
            "flagged_first" => QueueKind::FlaggedFirst,
            "sample" => QueueKind::Sample {
                n: req.n.ok_or_else(|| bad_request("a sample queue needs n"))?,
                seed: req.seed.unwrap_or(0),
            },
            other => {
                return Err(bad_request(format!(
                    "unknown queue kind '{other}'; expected all, unlabelled, flagged_first or sample"
                )))
            }
        };
        let set = req.set.as_deref().unwrap_or("verdict");
        let q = store_labels::queue(&self.store, &req.query, kind, set, &self.annotator.name)?;
        let ids = q.ids.into_iter().skip(req.offset).take(req.limit.unwrap_or(usize::MAX)).collect();
        Ok(QueueResponse { ids, done: q.done, total: q.total })
    }

    /// Exports every label event (or one annotator's) as JSON Lines.
    pub fn labels_export(&self, req: &LabelsExportRequest) -> Result<LabelsExportResponse, ApiError> {
        let mut buf = Vec::new();
        let count = store_labels::export(self.store.connection(), req.annotator.as_deref(), &mut buf)?;
        match &req.path {
            Some(path) => {
                write_atomically(Path::new(path), &buf)?;
                Ok(LabelsExportResponse { count, path: Some(path.clone()), jsonl: None })
            }
            None => Ok(LabelsExportResponse {
                count,
                path: None,
                jsonl: Some(String::from_utf8(buf).expect("JSON is UTF-8")),
            }),
        }
    }

    /// Imports a labels file: valid lines land (in one transaction), bad ones are reported with
    /// their line and reason; events already present are duplicates.
    pub fn labels_import(&mut self, req: &LabelsImportRequest) -> Result<LabelsImportReport, ApiError> {
        let bytes = std::fs::read(&req.path).map_err(|e| ApiError::new(ErrorCode::Io, format!("{}: {e}", req.path)))?;
        let r = store_labels::import(&mut self.store, &bytes)?;
        Ok(LabelsImportReport {
            imported: r.imported,
            duplicates: r.duplicates,
            errors: r.errors.into_iter().map(|(line, reason)| ImportErrorView { line, reason }).collect(),
        })
    }

    /// Agreement between annotators on a label set, with the items they disagree on.
    pub fn agreement(&self, req: &AgreementRequest) -> Result<AgreementResponse, ApiError> {
        let a = store_labels::agreement(self.store.connection(), &req.set, &req.annotators)?;
        let two = a.annotators.len() == 2;
        Ok(AgreementResponse {
            set: req.set.clone(),
            kind: if two { "cohen_kappa" } else { "krippendorff_alpha" }.into(),
            value: if two { a.kappa } else { a.alpha },
            alpha: a.alpha,
            items: a.items,
            annotators: a.annotators,
            disagreements: a
                .disagreements
                .into_iter()
                .map(|d| DisagreementView {
                    id: d.target,
                    step: d.step,
                    values: d.values.into_iter().collect::<BTreeMap<_, _>>(),
                    adjudicated: d.adjudicated,
                })
                .collect(),
        })
    }
}

fn check_own_name(name: &str) -> Result<(), ApiError> {
    store_labels::check_annotator(name).map_err(bad_request)?;
    if name.starts_with(ADJUDICATOR_PREFIX) {
        return Err(bad_request(format!("annotator names starting with '{ADJUDICATOR_PREFIX}' are reserved")));
    }
    Ok(())
}
