//! Integration tests of trawl-render: one binary, one module per feature.

mod support;

// Syntax highlighting and language detection.
mod highlight;
// Patch parsing, text diffs and patch comparison.
mod diff;
// Facts and render name the same patch files (one parser).
mod patch_paths;
// Step and trajectory rendering, on the real fixtures and built steps.
mod steps;
// Step summaries and alignment.
mod summary;
// Random input through every parser: nothing panics.
mod robustness;
// The TypeScript declarations of the render types.
mod protocol;
// Workspace invariants: the crate stays pure.
mod tidy;
