//! Adapter stub: to be written.
#![allow(unused)]
use serde_json::{Map, Value};
use crate::model::*;
pub(crate) fn parse(v: &Value, warnings: &mut Vec<String>) -> Result<Trajectory, String> {
    Err("not implemented".into())
}
