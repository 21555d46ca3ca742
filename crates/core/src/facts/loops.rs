//! The `loop` flag: the action key of a tool call and the loop definition.

use std::collections::hash_map::DefaultHasher;
use std::collections::HashMap;
use std::hash::{Hash, Hasher};

use serde_json::Value;

use crate::model::ToolCall;

/// A run of identical consecutive actions at least this long is a loop.
pub const LOOP_MIN_CONSECUTIVE: usize = 3;

/// The same action answered by the same observation at least this many times anywhere in the
/// trajectory is a loop.
pub const LOOP_MIN_SAME_RESULT: usize = 4;

/// Tools that are not actions for the loop check (compared ASCII case-insensitively): the names
/// of [`crate::ToolKind::Think`] and [`crate::ToolKind::Finish`], see [`crate::ToolKind::is_action`].
pub const LOOP_EXCLUDED_TOOLS: &[&str] = &["think", "finish", "submit"];

/// Argument keys that are commentary or execution settings, not part of the action, and are left
/// out of the action key (only at the top level of the arguments object).
pub const LOOP_IGNORED_ARGUMENTS: &[&str] =
    &["thought", "security_risk", "timeout", "confirmation_state", "hidden", "blocking"];

/// The `loop` flag: the agent repeats itself without making progress.
///
/// An *action* is a tool call identified by its tool name plus the canonical form of its
/// arguments: object keys sorted, string values trimmed of surrounding whitespace, and the
/// top-level keys `thought`, `security_risk`, `timeout`, `confirmation_state`, `hidden` and
/// `blocking` left out. Calls of `think`, `finish` and `submit` are not actions and are removed from
/// the sequence before counting (so a `think` between two identical calls does not break a run).
/// A trajectory loops when
///
/// 1. the same action occurs at least 3 times in a row ([`LOOP_MIN_CONSECUTIVE`]), whatever the
///    observations say; or
/// 2. the same action gets the same observation (compared after trimming whitespace; a missing
///    observation equals a missing one) at least 4 times anywhere in the trajectory
///    ([`LOOP_MIN_SAME_RESULT`]).
///
/// Rule 2 looks at the observation so that re-running a script after each edit (a new output each
/// time: progress) is not a loop, while retrying an identical failing `str_replace` is.
pub const LOOP_DEFINITION: &str = "An action is a tool call identified by its tool name plus the \
canonical form of its arguments (object keys sorted, string values trimmed, and the top-level keys \
thought, security_risk, timeout, confirmation_state, hidden and blocking left out). Calls of think, \
finish and submit are not actions and are removed from the sequence before counting. A trajectory \
loops when the same action occurs at least 3 times in a row (whatever the observations), or when \
the same action gets the same observation (trimmed; missing equals missing) at least 4 times \
anywhere in the trajectory. Re-running a command whose output changes each time is progress, not \
a loop.";

/// A 64-bit key identifying an action (tool name + canonical arguments), see [`LOOP_DEFINITION`].
pub fn action_key(call: &ToolCall) -> u64 {
    let mut h = DefaultHasher::new();
    call.name.hash(&mut h);
    0xffu8.hash(&mut h);
    match &call.arguments {
        Value::Object(map) => {
            let mut keys: Vec<&String> = map.keys().filter(|k| !LOOP_IGNORED_ARGUMENTS.contains(&k.as_str())).collect();
            keys.sort_unstable();
            b'{'.hash(&mut h);
            for k in keys {
                k.hash(&mut h);
                hash_canonical(&map[k.as_str()], &mut h);
            }
        }
        other => hash_canonical(other, &mut h),
    }
    h.finish()
}

fn hash_canonical(v: &Value, h: &mut DefaultHasher) {
    match v {
        Value::Null => 0u8.hash(h),
        Value::Bool(b) => (1u8, *b).hash(h),
        Value::Number(n) => (2u8, n.to_string()).hash(h),
        Value::String(s) => (3u8, s.trim()).hash(h),
        Value::Array(items) => {
            (4u8, items.len()).hash(h);
            for item in items {
                hash_canonical(item, h);
            }
        }
        Value::Object(map) => {
            let mut keys: Vec<&String> = map.keys().collect();
            keys.sort_unstable();
            (5u8, keys.len()).hash(h);
            for k in keys {
                k.hash(h);
                hash_canonical(&map[k.as_str()], h);
            }
        }
    }
}

/// Whether a sequence of calls loops, see [`LOOP_DEFINITION`].
pub(super) fn has_loop<'a>(calls: impl Iterator<Item = &'a ToolCall>) -> bool {
    let actions: Vec<(u64, &ToolCall)> = calls.filter(|c| c.kind().is_action()).map(|c| (action_key(c), c)).collect();
    // Rule 1: a run of the same action.
    let mut run = 0usize;
    for (i, (key, _)) in actions.iter().enumerate() {
        run = if i > 0 && actions[i - 1].0 == *key { run + 1 } else { 1 };
        if run >= LOOP_MIN_CONSECUTIVE {
            return true;
        }
    }
    // Rule 2: the same action with the same observation. Observations are hashed only for
    // actions that occur often enough to matter.
    let mut totals: HashMap<u64, usize> = HashMap::new();
    for (key, _) in &actions {
        *totals.entry(*key).or_insert(0) += 1;
    }
    let mut results: HashMap<(u64, u64), usize> = HashMap::new();
    for (key, call) in &actions {
        if totals[key] < LOOP_MIN_SAME_RESULT {
            continue;
        }
        let mut h = DefaultHasher::new();
        call.observation.as_deref().map(str::trim).hash(&mut h);
        let n = results.entry((*key, h.finish())).or_insert(0);
        *n += 1;
        if *n >= LOOP_MIN_SAME_RESULT {
            return true;
        }
    }
    false
}
