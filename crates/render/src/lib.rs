//! Trawl's render layer: turns a normalized trajectory into typed, syntax-highlighted render data
//! for the UI.
//!
//! It owns the render types of the app protocol ([`Code`], [`Span`], [`FileDiff`],
//! [`RenderedStep`], [`CallRender`], [`StepSummary`], [`AlignedPair`], …) and the functions that
//! build them: [`highlight`] (syntect, mapped onto a small fixed set of CSS token classes),
//! [`diff_patch`] / [`diff_texts`] / [`diff_patches`] (unified diffs, parsed or computed with
//! `similar`), [`render_step`] / [`render_trajectory`] (one typed render per tool call kind), and
//! [`step_summary`] / [`align_steps`] (comparing two trajectories).
//!
//! It is pure: no I/O, no storage. It never fails and never panics on input: text that does not
//! parse is shown plain. Token classes are CSS class names, never markup: the UI renders every
//! span's text as a text node.
#![deny(missing_docs)]

mod diff;
mod highlight;
mod step;
mod summary;
mod types;

pub use diff::{diff_patch, diff_patches, diff_texts};
pub use highlight::{highlight, is_known_language, language_for_path, warm_up, HIGHLIGHT_BUDGET, MAX_HIGHLIGHT_LINE};
pub use step::{render_observation, render_observation_full, render_step, render_trajectory, render_trajectory_part};
pub use summary::{align_steps, step_summary, MAX_SUMMARY_CHARS};
pub use types::*;

/// The token classes a [`Span`] may carry.
pub const TOKEN_CLASSES: &[&str] =
    &["kw", "str", "com", "num", "fn", "ty", "cst", "op", "var", "punc", "tag", "attr", "meta", "hl-add", "hl-del"];
