//! Format detection and the dispatch to one adapter per format family.
//!
//! Detection is per record, by the keys the record carries (the map is in
//! `shared/design/formats.md` §2.6 and in ARCHITECTURE.md). A record no adapter recognises is an
//! error naming the keys it had, never a guess. Adapters return a `Trajectory` plus warnings.

use serde_json::Value;

use crate::model::{Format, Recognized};

mod chat;
mod mini;
mod nebius_swe_agent;
mod openhands;
mod preds;
mod reports;
mod swe_agent;
mod trawl_export;
pub(crate) mod util;

pub use trawl_export::{claim as trawl_export_claim, Carried, CarriedLabel};

pub use util::normalize_patch;

/// The result of recognising one JSON value: what it is, plus warnings (the record is stored).
#[derive(Debug)]
pub struct Recognition {
    /// What the value is.
    pub recognized: Recognized,
    /// Problems that did not stop the record from being stored.
    pub warnings: Vec<String>,
    /// What a Trawl export row carries besides its trajectory (its id and labels); `None` for
    /// every other record.
    pub carried: Option<Carried>,
}

/// Recognises one JSON value read from a file. `file_name` is the file's base name, used only to
/// break ties that keys cannot (e.g. `report.json` per-instance reports are keyed by instance).
///
/// Returns `Err(reason)` when no adapter recognises the value or the value is malformed for the
/// format it was recognised as; `reason` is a lowercase sentence naming what was wrong.
pub fn recognize(value: Value, file_name: &str) -> Result<Recognition, String> {
    let mut warnings = Vec::new();
    // A row of a Trawl export comes back as what it was (see `trawl_export`).
    if let Some((uid, format)) = trawl_export::claim(&value)? {
        let mut traj = trawl_export::parse(&value, format, &mut warnings)?;
        fill_repo_from_instance(&mut traj);
        let labels = value.as_object().map(|o| trawl_export::labels(o, &mut warnings)).unwrap_or_default();
        return Ok(Recognition {
            recognized: Recognized::Trajectory(Box::new(traj)),
            warnings,
            carried: Some(Carried { uid, labels }),
        });
    }
    let recognized = match detect(&value, file_name)? {
        Detected::Format(format) => {
            let traj = match format {
                Format::NvSweZero
                | Format::NebiusOpenhands
                | Format::OpenaiChat
                | Format::SweGym
                | Format::OpenSweTraces
                | Format::SweSmith => chat::parse(&value, format, &mut warnings)?,
                Format::SweAgentTraj => swe_agent::parse(&value, &mut warnings)?,
                Format::NebiusSweAgent => nebius_swe_agent::parse(&value, &mut warnings)?,
                Format::OpenhandsEvents => openhands::parse(&value, &mut warnings)?,
                Format::MiniSweAgent => mini::parse(&value, &mut warnings)?,
                Format::SwebenchPreds => preds::parse(&value, &mut warnings)?,
            };
            let mut traj = traj;
            fill_ids_from_file_name(&mut traj, file_name);
            fill_repo_from_instance(&mut traj);
            Recognized::Trajectory(Box::new(traj))
        }
        Detected::Outcomes => Recognized::Outcomes(reports::parse(&value, file_name, &mut warnings)?),
        Detected::Container => Recognized::Records(preds::split_container(value)),
    };
    Ok(Recognition { recognized, warnings, carried: None })
}

/// SWE-agent 0.x `.traj` and mini-swe-agent files name the instance only in their file name
/// (`<instance_id>.traj`, `<instance_id>.traj.json`): fill the instance id (and repo) from it
/// when the record has none.
fn fill_ids_from_file_name(traj: &mut crate::model::Trajectory, file_name: &str) {
    if traj.instance_id.is_some() || !matches!(traj.format, Format::SweAgentTraj | Format::MiniSweAgent) {
        return;
    }
    let stem = file_name.strip_suffix(".traj.json").or_else(|| file_name.strip_suffix(".traj"));
    if let Some(stem) = stem.filter(|s| s.contains("__")) {
        traj.instance_id = Some(stem.to_string());
    }
}

/// The patch the adapter gives a record of a chat-family format (NV SWE-Zero, nebius-openhands,
/// OpenAI chat, SWE-Gym, Open-SWE-Traces, SWE-smith), read from the record's envelope alone,
/// without walking its messages: the same value as the parsed trajectory's `patch`. `None` when
/// `format` keeps its patch elsewhere (use [`recognize`]) or the value is not an object.
pub fn envelope_patch(value: &Value, format: Format) -> Option<Option<String>> {
    match format {
        Format::NvSweZero
        | Format::NebiusOpenhands
        | Format::OpenaiChat
        | Format::SweGym
        | Format::OpenSweTraces
        | Format::SweSmith => Some(chat::read_patch(value.as_object()?, &mut Vec::new())),
        _ => None,
    }
}

/// The top-level keys [`envelope_patch`] reads (the patch is inside one of them).
pub fn envelope_patch_keys() -> impl Iterator<Item = &'static str> {
    chat::PATCH_PATHS.iter().map(|p| p[0])
}

/// Every format: a record that names its instance (`owner__name-123`) but not its repository
/// gets the repository the instance id spells.
fn fill_repo_from_instance(traj: &mut crate::model::Trajectory) {
    if traj.repo.is_none() {
        if let Some(inst) = &traj.instance_id {
            traj.repo = util::repo_from_instance_id(inst);
        }
    }
}

/// What detection decided.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Detected {
    /// A trajectory record of this format.
    Format(Format),
    /// A report file carrying outcome statements.
    Outcomes,
    /// A container of records (JSON array of records, `preds.json` dict keyed by instance id).
    Container,
}

/// Decides what a value is from its keys. See the module docs.
pub fn detect(value: &Value, file_name: &str) -> Result<Detected, String> {
    let obj = match value {
        Value::Object(obj) => obj,
        Value::Array(items) => {
            return if items.iter().all(Value::is_object) {
                Ok(Detected::Container)
            } else {
                Err("a json array whose elements are not all objects is not a record".into())
            };
        }
        other => return Err(format!("a json {} is not a record (expected an object)", util::json_type_name(other))),
    };
    let has = |k: &str| obj.contains_key(k);
    let is_list_or_str = |k: &str| matches!(obj.get(k), Some(Value::Array(_) | Value::String(_)));

    // Report files first: they have no messages at all.
    if reports::looks_like_report(obj, file_name) {
        return Ok(Detected::Outcomes);
    }
    if let Some(Value::String(tf)) = obj.get("trajectory_format") {
        if tf.starts_with("mini-swe-agent") {
            return Ok(Detected::Format(Format::MiniSweAgent));
        }
    }
    if has("history") && (has("test_result") || has("instruction")) && has("metadata") {
        return Ok(Detected::Format(Format::OpenhandsEvents));
    }
    if has("target") && has("generated_patch") {
        return Ok(Detected::Format(Format::NebiusSweAgent));
    }
    if has("info") && (has("trajectory") || has("history")) && !has("messages") {
        return Ok(Detected::Format(Format::SweAgentTraj));
    }
    if has("history") && !has("messages") && !has("trajectory") && matches!(obj.get("history"), Some(Value::Array(_))) {
        // SWE-agent demonstration files hold only `history`.
        return Ok(Detected::Format(Format::SweAgentTraj));
    }
    if is_list_or_str("trajectory") {
        if has("gen_tests_correct") || (has("resolved") && has("exit_status") && has("model_patch")) {
            return Ok(Detected::Format(Format::NebiusOpenhands));
        }
        if has("model_patch") || has("dataset") || has("trajectory_id") {
            return Ok(Detected::Format(Format::NvSweZero));
        }
        return Ok(Detected::Format(Format::OpenaiChat));
    }
    if is_list_or_str("messages") {
        if has("traj_id") {
            return Ok(Detected::Format(Format::SweSmith));
        }
        if obj.get("metadata").and_then(|m| m.get("teacher_model")).is_some() {
            return Ok(Detected::Format(Format::OpenSweTraces));
        }
        if has("run_id") && has("test_result") {
            return Ok(Detected::Format(Format::SweGym));
        }
        return Ok(Detected::Format(Format::OpenaiChat));
    }
    if has("model_patch") || has("fix_patch") {
        return Ok(Detected::Format(Format::SwebenchPreds));
    }
    if preds::looks_like_preds_dict(obj) {
        return Ok(Detected::Container);
    }
    let mut keys: Vec<&str> = obj.keys().map(String::as_str).take(12).collect();
    keys.sort_unstable();
    Err(format!("no adapter recognises a record with keys [{}]", keys.join(", ")))
}
