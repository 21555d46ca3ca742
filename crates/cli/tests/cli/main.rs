//! Integration tests of the `trawl` binary: one test binary, one module per feature. They run the
//! real executable (`CARGO_BIN_EXE_trawl`) as a user or a script would.

mod support;

// A `kill -9` at many moments of a real ingest: the database always opens, holds only whole
// trajectories, and a re-run reaches the exact final count.
mod kill;
// Re-ingesting the same files adds nothing, with and without --force.
mod idempotent;
// Exit status, one-line reasons and the documented JSON fields.
mod contract;
// Labelling commands: label, bulk with confirmation, undo, export/import across databases, agreement.
mod labels;
// Subsets with lineage, dedup, contamination and exports (formats, splits, manifests, kills).
mod curation;
// Queries that cannot crash: nested, too long and long-phrase queries in `trawl search` and `trawl serve`.
mod queries;
