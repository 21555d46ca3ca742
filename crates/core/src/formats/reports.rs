//! Adapter stub: to be written.
#![allow(unused)]
use serde_json::{Map, Value};
use crate::model::*;
pub(crate) fn looks_like_report(obj: &Map<String, Value>, file_name: &str) -> bool { false }
pub(crate) fn parse(v: &Value, file_name: &str, warnings: &mut Vec<String>) -> Result<Vec<OutcomeFact>, String> {
    Err("not implemented".into())
}
