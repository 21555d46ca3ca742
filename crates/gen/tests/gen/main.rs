//! Integration tests of `trawl-gen`, one binary. Each module holds one concern:

/// Shared helpers: generating rows once per process and summarizing them.
mod common;
/// Same seed and index give the same bytes, whatever the order or the writer.
mod determinism;
/// `model_patch` is a real diff: its hunks match what the views showed and what the edits did.
mod patches;
/// Special cases and distinctive phrases occur at their target rates, exactly where planned.
mod rates;
/// Every row has the NVIDIA SWE-Zero row schema and message shape.
mod schema;
/// Row sizes and message counts follow the intended distributions.
mod sizes;
