//! Adapter stub: to be written.
#![allow(unused)]
use serde_json::{Map, Value};
use crate::model::*;
pub(crate) fn parse(v: &Value, warnings: &mut Vec<String>) -> Result<Trajectory, String> {
    Err("not implemented".into())
}
/// A `preds.json` dict: `{instance_id: {model_patch, …}}`.
pub(crate) fn looks_like_preds_dict(obj: &Map<String, Value>) -> bool {
    !obj.is_empty() && obj.values().all(|v| v.get("model_patch").is_some())
}
/// Splits a container (array of records, or preds dict) into its records.
pub(crate) fn split_container(v: Value) -> Vec<Value> {
    match v {
        Value::Array(items) => items,
        Value::Object(obj) => obj.into_iter().map(|(_, v)| v).collect(),
        _ => Vec::new(),
    }
}
