//! Label sets: the schema of a user's judgements, and the validation of a value against it.
//!
//! A label set has a kind (single-select, multi-select, integer rating, free text) and a level
//! (trajectory, step, or both). This module owns the rules for what a valid value is and its one
//! normalized JSON form, so that equal judgements are stored equal (a multi-select value is the
//! chosen values in schema order, a rating an integer, a text trimmed). It does not store
//! anything and knows nothing of annotators or history (see `trawl_store::labels`).

use serde_json::Value;

/// What values a label set takes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LabelKind {
    /// One of `values`.
    Single,
    /// Any non-empty subset of `values`.
    Multi,
    /// An integer from `min` to `max`.
    Rating,
    /// Free text.
    Text,
}

impl LabelKind {
    /// Every kind.
    pub const ALL: [LabelKind; 4] = [LabelKind::Single, LabelKind::Multi, LabelKind::Rating, LabelKind::Text];

    /// The stable name.
    pub fn as_str(self) -> &'static str {
        match self {
            LabelKind::Single => "single",
            LabelKind::Multi => "multi",
            LabelKind::Rating => "rating",
            LabelKind::Text => "text",
        }
    }

    /// The kind of a stable name.
    pub fn from_name(name: &str) -> Option<LabelKind> {
        LabelKind::ALL.into_iter().find(|k| k.as_str() == name)
    }
}

/// Where a label set applies.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LabelLevel {
    /// To whole trajectories only.
    Trajectory,
    /// To steps only.
    Step,
    /// To both.
    Both,
}

impl LabelLevel {
    /// Every level.
    pub const ALL: [LabelLevel; 3] = [LabelLevel::Trajectory, LabelLevel::Step, LabelLevel::Both];

    /// The stable name.
    pub fn as_str(self) -> &'static str {
        match self {
            LabelLevel::Trajectory => "trajectory",
            LabelLevel::Step => "step",
            LabelLevel::Both => "both",
        }
    }

    /// The level of a stable name.
    pub fn from_name(name: &str) -> Option<LabelLevel> {
        LabelLevel::ALL.into_iter().find(|k| k.as_str() == name)
    }
}

/// A label set's schema.
#[derive(Debug, Clone, PartialEq)]
pub struct LabelSet {
    /// Name: `[a-z0-9_]+` (used in queries as `label:<name>=…`).
    pub name: String,
    /// What values it takes.
    pub kind: LabelKind,
    /// Where it applies.
    pub level: LabelLevel,
    /// The values of a single- or multi-select set, in display order (keys 1–9 pick them).
    pub values: Vec<String>,
    /// Lowest rating (rating sets).
    pub min: i64,
    /// Highest rating (rating sets).
    pub max: i64,
    /// One line of help.
    pub description: Option<String>,
}

/// The name of the free-text notes set (`noted:true`).
pub const NOTE_SET: &str = "note";
/// The name of the flag review set: values `confirm:<flag>` and `dismiss:<flag>`.
pub const FLAG_REVIEW_SET: &str = "flag_review";
/// Annotator names starting with this are adjudications: when present they are what queries see.
pub const ADJUDICATOR_PREFIX: &str = "adjudicator:";

/// Whether a name is a valid label-set name or value token: `[a-z0-9_]`, plus `:` `-` `.` inside values.
fn valid_name(name: &str) -> bool {
    !name.is_empty()
        && name.len() <= 64
        && name.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_')
}

fn valid_value_token(v: &str) -> bool {
    !v.is_empty()
        && v.len() <= 64
        && v.bytes().all(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b':' | b'-' | b'.'))
}

impl LabelSet {
    /// Checks the schema itself; the error is a lowercase sentence naming the set.
    pub fn check(&self) -> Result<(), String> {
        let n = &self.name;
        if !valid_name(n) {
            return Err(format!("bad label set name '{n}': use lowercase letters, digits and '_' (at most 64)"));
        }
        match self.kind {
            LabelKind::Single | LabelKind::Multi => {
                if self.values.is_empty() {
                    return Err(format!("label set '{n}' ({}) needs at least one value", self.kind.as_str()));
                }
                for (i, v) in self.values.iter().enumerate() {
                    if !valid_value_token(v) {
                        return Err(format!(
                            "label set '{n}': bad value '{v}': use letters, digits, '_', ':', '-', '.' (at most 64)"
                        ));
                    }
                    if self.values[..i].contains(v) {
                        return Err(format!("label set '{n}': value '{v}' is listed twice"));
                    }
                }
            }
            LabelKind::Rating => {
                if !self.values.is_empty() {
                    return Err(format!("label set '{n}' (rating) takes min and max, not values"));
                }
                if self.min >= self.max {
                    return Err(format!("label set '{n}': min {} must be below max {}", self.min, self.max));
                }
            }
            LabelKind::Text => {
                if !self.values.is_empty() {
                    return Err(format!("label set '{n}' (text) takes no values"));
                }
            }
        }
        Ok(())
    }

    /// Whether the set applies at this level (`None` = trajectory level); the error names the set.
    pub fn check_level(&self, step: Option<u64>) -> Result<(), String> {
        match (self.level, step) {
            (LabelLevel::Trajectory, Some(_)) => {
                Err(format!("label set '{}' applies to trajectories, not steps", self.name))
            }
            (LabelLevel::Step, None) => Err(format!("label set '{}' applies to steps: give a step", self.name)),
            _ => Ok(()),
        }
    }

    /// Validates a value and returns its normalized form, or `None` when it means "no value" (an
    /// empty multi-select or blank text: clearing). The error names the set and the value.
    pub fn normalize(&self, value: &Value) -> Result<Option<Value>, String> {
        let n = &self.name;
        let outside = |v: &str| format!("value '{v}' is not in label set '{n}' ({})", self.values.join(", "));
        match self.kind {
            LabelKind::Single => match value {
                Value::String(s) if self.values.contains(s) => Ok(Some(Value::String(s.clone()))),
                Value::String(s) => Err(outside(s)),
                other => Err(format!("label set '{n}' takes one value as a string, not {other}")),
            },
            LabelKind::Multi => {
                let chosen: Vec<&str> = match value {
                    Value::String(s) => vec![s.as_str()],
                    Value::Array(items) => items
                        .iter()
                        .map(|v| v.as_str().ok_or_else(|| format!("label set '{n}' takes strings, not {v}")))
                        .collect::<Result<_, _>>()?,
                    other => return Err(format!("label set '{n}' takes a list of values, not {other}")),
                };
                if let Some(bad) = chosen.iter().find(|c| !self.values.iter().any(|v| v == *c)) {
                    return Err(outside(bad));
                }
                let ordered: Vec<Value> = self
                    .values
                    .iter()
                    .filter(|v| chosen.contains(&v.as_str()))
                    .map(|v| Value::String(v.clone()))
                    .collect();
                Ok((!ordered.is_empty()).then_some(Value::Array(ordered)))
            }
            LabelKind::Rating => {
                let r = match value {
                    Value::Number(x) => x.as_i64().filter(|_| x.is_i64() || x.is_u64()),
                    Value::String(s) => s.trim().parse::<i64>().ok(),
                    _ => None,
                };
                match r {
                    Some(r) if (self.min..=self.max).contains(&r) => Ok(Some(Value::from(r))),
                    _ => Err(format!(
                        "value {} is not a rating of label set '{n}' (an integer from {} to {})",
                        compact(value),
                        self.min,
                        self.max
                    )),
                }
            }
            LabelKind::Text => match value {
                Value::String(s) if s.trim().is_empty() => Ok(None),
                Value::String(s) => Ok(Some(Value::String(s.trim().to_string()))),
                other => Err(format!("label set '{n}' takes text, not {other}")),
            },
        }
    }

    /// Reads a value typed as text (the CLI, a file): `keep`; `loop,wrong_fix` for a multi-select;
    /// `4` for a rating; anything for text. The result still goes through [`LabelSet::normalize`].
    pub fn value_from_text(&self, text: &str) -> Value {
        match self.kind {
            LabelKind::Multi => {
                Value::Array(text.split(',').map(str::trim).filter(|s| !s.is_empty()).map(Value::from).collect())
            }
            LabelKind::Rating => text.trim().parse::<i64>().map(Value::from).unwrap_or_else(|_| Value::from(text)),
            LabelKind::Single | LabelKind::Text => Value::from(text),
        }
    }

    /// The nominal category of a normalized value, for agreement: the value itself for a single
    /// select, the chosen values joined with `+` (in schema order) for a multi-select, the number
    /// for a rating, the text for text.
    pub fn category(value: &Value) -> String {
        match value {
            Value::String(s) => s.clone(),
            Value::Array(items) => items.iter().map(|v| v.as_str().unwrap_or("")).collect::<Vec<_>>().join("+"),
            other => other.to_string(),
        }
    }
}

fn compact(v: &Value) -> String {
    match v {
        Value::String(s) => format!("'{s}'"),
        other => other.to_string(),
    }
}

/// The default label sets for SWE curation (the ones migration 0002 creates).
pub fn default_sets() -> Vec<LabelSet> {
    let select = |name: &str, kind, level, values: &[&str], description: &str| LabelSet {
        name: name.into(),
        kind,
        level,
        values: values.iter().map(|v| v.to_string()).collect(),
        min: 0,
        max: 0,
        description: Some(description.into()),
    };
    let flags: Vec<String> = crate::facts::Flag::ALL
        .iter()
        .flat_map(|f| [format!("confirm:{}", f.as_str()), format!("dismiss:{}", f.as_str())])
        .collect();
    let flag_refs: Vec<&str> = flags.iter().map(String::as_str).collect();
    vec![
        select(
            "verdict",
            LabelKind::Single,
            LabelLevel::Trajectory,
            &["keep", "reject", "unsure"],
            "keep the trajectory in the dataset?",
        ),
        select(
            "failure_mode",
            LabelKind::Multi,
            LabelLevel::Both,
            &[
                "wrong_fix",
                "incomplete_fix",
                "hallucinated_api",
                "loop",
                "tool_misuse",
                "edited_tests",
                "no_verification",
                "environment_error",
                "gave_up",
                "other",
            ],
            "what went wrong; on a step: the step where it went wrong",
        ),
        LabelSet {
            name: "quality".into(),
            kind: LabelKind::Rating,
            level: LabelLevel::Trajectory,
            values: Vec::new(),
            min: 1,
            max: 5,
            description: Some("overall quality, 1 (bad) to 5 (exemplary)".into()),
        },
        LabelSet {
            name: NOTE_SET.into(),
            kind: LabelKind::Text,
            level: LabelLevel::Both,
            values: Vec::new(),
            min: 0,
            max: 0,
            description: Some("free notes".into()),
        },
        select(
            FLAG_REVIEW_SET,
            LabelKind::Multi,
            LabelLevel::Trajectory,
            &flag_refs,
            "a curator confirms or dismisses an engine flag",
        ),
    ]
}
