//! Chat conversion: a trajectory as OpenAI chat messages (sft-chat lines and the Parquet
//! `trajectory` column), with its tool declarations, or the record's own NV messages.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use trawl_core::{Role, Trajectory};

use super::redact::{redact_str, Counts, SECRET_KINDS};

// ---------------------------------------------------------------------------------------------
// Chat messages (sft-chat lines and the Parquet `trajectory` column).

#[derive(Serialize)]
pub(super) struct Msg<'a> {
    pub(super) role: &'a str,
    pub(super) content: std::borrow::Cow<'a, str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(super) tool_calls: Option<Vec<Call<'a>>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(super) tool_call_id: Option<std::borrow::Cow<'a, str>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(super) name: Option<&'a str>,
}

#[derive(Serialize)]
pub(super) struct Call<'a> {
    pub(super) id: std::borrow::Cow<'a, str>,
    #[serde(rename = "type")]
    pub(super) kind: &'a str,
    pub(super) function: Func<'a>,
}

#[derive(Serialize)]
pub(super) struct Func<'a> {
    pub(super) name: &'a str,
    pub(super) arguments: std::borrow::Cow<'a, str>,
}

/// Argument keys and JSON types seen per tool (for synthesized tool schemas).
pub(super) type ToolShapes<'a> = BTreeMap<&'a str, BTreeMap<String, &'static str>>;

pub(super) fn json_type(v: &serde_json::Value) -> &'static str {
    match v {
        serde_json::Value::Null => "null",
        serde_json::Value::Bool(_) => "boolean",
        serde_json::Value::Number(n) if n.is_i64() || n.is_u64() => "integer",
        serde_json::Value::Number(_) => "number",
        serde_json::Value::String(_) => "string",
        serde_json::Value::Array(_) => "array",
        serde_json::Value::Object(_) => "object",
    }
}

pub(super) fn clean<'a>(
    s: std::borrow::Cow<'a, str>,
    redacting: bool,
    counts: &mut Counts,
) -> std::borrow::Cow<'a, str> {
    if !redacting {
        return s;
    }
    match s {
        std::borrow::Cow::Borrowed(b) => redact_str(b, counts),
        std::borrow::Cow::Owned(o) => std::borrow::Cow::Owned(redact_str(&o, counts).into_owned()),
    }
}

/// Converts a trajectory to OpenAI chat messages (redacting when `counts` is given).
pub(super) fn chat_messages<'a>(
    t: &'a Trajectory,
    counts: Option<&mut Counts>,
    shapes: &mut ToolShapes<'a>,
) -> Vec<Msg<'a>> {
    let mut unused: Counts = [0; SECRET_KINDS.len()];
    let redacting = counts.is_some();
    let counts: &mut Counts = match counts {
        Some(c) => c,
        None => &mut unused,
    };
    let clean = |s: std::borrow::Cow<'a, str>, counts: &mut Counts| clean(s, redacting, counts);
    let mut out = Vec::with_capacity(t.steps.len() * 2);
    for (si, s) in t.steps.iter().enumerate() {
        match s.role {
            Role::System | Role::User => out.push(Msg {
                role: s.role.as_str(),
                content: clean(s.text.as_str().into(), counts),
                tool_calls: None,
                tool_call_id: None,
                name: None,
            }),
            Role::Tool => {
                let text = if s.text.is_empty() { s.observation.as_deref().unwrap_or("") } else { s.text.as_str() };
                out.push(Msg {
                    role: "user",
                    content: clean(text.into(), counts),
                    tool_calls: None,
                    tool_call_id: None,
                    name: None,
                });
            }
            Role::Assistant => {
                let thought_is_call = s.tool_calls.iter().any(|c| c.name == "think");
                let text: &str = match (&s.thought, s.text.is_empty()) {
                    (Some(th), true) if !thought_is_call => th,
                    _ => &s.text,
                };
                let ids: Vec<String> = s
                    .tool_calls
                    .iter()
                    .enumerate()
                    .map(|(k, c)| c.id.clone().unwrap_or_else(|| format!("call_{si}_{k}")))
                    .collect();
                let calls: Vec<Call<'a>> = s
                    .tool_calls
                    .iter()
                    .zip(&ids)
                    .map(|(c, id)| {
                        let shape = shapes.entry(c.name.as_str()).or_default();
                        if let serde_json::Value::Object(m) = &c.arguments {
                            for (k, v) in m {
                                shape.entry(k.clone()).or_insert_with(|| json_type(v));
                            }
                        }
                        let args: std::borrow::Cow<'a, str> = match &c.arguments {
                            serde_json::Value::String(s) => s.as_str().into(),
                            v => v.to_string().into(),
                        };
                        Call {
                            id: id.clone().into(),
                            kind: "function",
                            function: Func { name: &c.name, arguments: clean(args, counts) },
                        }
                    })
                    .collect();
                out.push(Msg {
                    role: "assistant",
                    content: clean(text.into(), counts),
                    tool_calls: (!calls.is_empty()).then_some(calls),
                    tool_call_id: None,
                    name: None,
                });
                for (c, id) in s.tool_calls.iter().zip(ids) {
                    out.push(Msg {
                        role: "tool",
                        content: clean(c.observation.as_deref().unwrap_or("").into(), counts),
                        tool_calls: None,
                        tool_call_id: Some(id.into()),
                        name: Some(&c.name),
                    });
                }
            }
        }
    }
    out
}

/// The record's own tool definitions (`tools`: objects or JSON strings), normalized to
/// `{"type": "function", "function": {...}}`.
pub(super) fn own_tools(raw: &[u8]) -> Option<Vec<serde_json::Value>> {
    memchr::memmem::find(raw, b"\"tools\"")?;
    let v: serde_json::Value = serde_json::from_slice(raw).ok()?;
    let arr = v.get("tools")?.as_array()?;
    let mut out = Vec::new();
    for t in arr {
        let t = match t {
            serde_json::Value::String(s) => serde_json::from_str(s).ok()?,
            other => other.clone(),
        };
        match t {
            serde_json::Value::Object(ref m) if m.contains_key("function") => out.push(t),
            serde_json::Value::Object(ref m) if m.contains_key("name") => {
                out.push(serde_json::json!({"type": "function", "function": t}))
            }
            _ => return None,
        }
    }
    (!out.is_empty()).then_some(out)
}

pub(super) fn synthesized_tools(shapes: &ToolShapes<'_>) -> Vec<serde_json::Value> {
    shapes
        .iter()
        .map(|(name, args)| {
            let props: serde_json::Map<String, serde_json::Value> =
                args.iter().map(|(k, t)| (k.clone(), serde_json::json!({"type": t}))).collect();
            serde_json::json!({
                "type": "function",
                "function": {"name": name, "parameters": {"type": "object", "properties": props}}
            })
        })
        .collect()
}

#[derive(Serialize)]
pub(super) struct SftLine<'a> {
    pub(super) messages: Vec<Msg<'a>>,
    pub(super) tools: Vec<serde_json::Value>,
    /// The record's fields (layout 2, [`super::SFT_LINES`]); none in a bare line.
    #[serde(flatten)]
    pub(super) record: Option<RowFields<'a>>,
}

/// A record's fields besides its conversation: the Parquet export's columns but `trajectory`,
/// which an `sft-chat` line carries with the same names and values, so that either is read back
/// as a Trawl export row (`trawl_core::formats::trawl_export`).
#[derive(Serialize)]
pub(super) struct RowFields<'a> {
    pub(super) instance_id: Option<&'a str>,
    pub(super) repo: Option<&'a str>,
    pub(super) license: Option<&'a str>,
    pub(super) trajectory_id: Option<&'a str>,
    pub(super) model_patch: Option<std::borrow::Cow<'a, str>>,
    pub(super) dataset: Option<&'a str>,
    pub(super) uid: &'a str,
    pub(super) format: &'a str,
    pub(super) resolved: Option<bool>,
    pub(super) flags: Vec<&'static str>,
    pub(super) labels: Option<String>,
}

/// One row of a Parquet export.
pub(super) struct NvRow<'a> {
    pub(super) trajectory: Messages<'a>,
    pub(super) fields: RowFields<'a>,
}

/// The `trajectory` column of one row: chat messages derived from the normalized trajectory, or
/// the record's own NV message list.
pub(super) enum Messages<'a> {
    Derived(Vec<Msg<'a>>),
    Own(Vec<NvMsg<'a>>),
}

// An NV SWE-Zero/Hero record read straight into the export's columns: its own message list and
// patch, borrowed from the stored record wherever a string needs no unescaping. Only a record
// whose messages fit the NV schema exactly is read this way (unknown message keys, a list given
// as a JSON string, arguments given as an object… fail to deserialize); any other record goes
// through the normalized trajectory.

/// The parts of an NV record the Parquet row takes from the record itself (the envelope comes from
/// the stored columns).
#[derive(Deserialize)]
pub(super) struct NvRecord<'a> {
    #[serde(borrow)]
    pub(super) trajectory: Vec<NvMsg<'a>>,
    #[serde(borrow, default)]
    pub(super) model_patch: Option<std::borrow::Cow<'a, str>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct NvMsg<'a> {
    #[serde(borrow)]
    pub(super) role: std::borrow::Cow<'a, str>,
    #[serde(borrow, default)]
    pub(super) content: Option<std::borrow::Cow<'a, str>>,
    #[serde(borrow, default)]
    pub(super) tool_calls: Option<Vec<NvCall<'a>>>,
    #[serde(borrow, default)]
    pub(super) name: Option<std::borrow::Cow<'a, str>>,
    #[serde(borrow, default)]
    pub(super) tool_call_id: Option<std::borrow::Cow<'a, str>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct NvCall<'a> {
    #[serde(borrow)]
    pub(super) id: std::borrow::Cow<'a, str>,
    #[serde(borrow, rename = "type")]
    pub(super) kind: std::borrow::Cow<'a, str>,
    #[serde(borrow)]
    pub(super) function: NvFunc<'a>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct NvFunc<'a> {
    #[serde(borrow)]
    pub(super) name: std::borrow::Cow<'a, str>,
    #[serde(borrow)]
    pub(super) arguments: std::borrow::Cow<'a, str>,
}

/// Reads an NV record's own messages and patch (`None`: the record does not fit the NV schema
/// exactly, or has no `model_patch` string, so that the adapter may have found its patch
/// elsewhere; it is exported through its normalized trajectory). The patch is normalized as the
/// adapter normalizes it, and everything is redacted when `counts` is given.
pub(super) fn own_nv_record<'a>(raw: &'a [u8], counts: Option<&mut Counts>) -> Option<NvRecord<'a>> {
    let mut rec: NvRecord<'a> = serde_json::from_slice(raw).ok()?;
    rec.model_patch.as_ref()?;
    if let Some(p) = &mut rec.model_patch {
        if p.contains('\r') || p.starts_with('\n') {
            *p = trawl_core::formats::normalize_patch(p).into();
        }
    }
    if let Some(counts) = counts {
        let mut red = |s: &mut std::borrow::Cow<'a, str>| {
            let redacted = match redact_str(s, counts) {
                std::borrow::Cow::Owned(r) => Some(r),
                std::borrow::Cow::Borrowed(_) => None,
            };
            if let Some(r) = redacted {
                *s = r.into();
            }
        };
        for m in &mut rec.trajectory {
            if let Some(c) = &mut m.content {
                red(c);
            }
            for c in m.tool_calls.iter_mut().flatten() {
                red(&mut c.function.arguments);
            }
        }
        if let Some(p) = &mut rec.model_patch {
            red(p);
        }
    }
    Some(rec)
}
