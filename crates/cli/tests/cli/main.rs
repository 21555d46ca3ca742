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
mod curation_export;
mod curation_export_failures;
mod curation_parquet;
// A Trawl export (each format) ingested again keeps ids, formats, outcomes and labels.
mod roundtrip;
// `trawl serve` probed as a hostile local user would: file reads, idle sockets, token hygiene.
mod serve;
// The index belongs to its database (deleted, copied over, restored, damaged, read-only) and `trawl check`.
mod index_truth;
// Many processes on one database: two ingests at once, reads and label writes during ingests, fresh server views.
mod concurrency;
// Exports replace the target folder's earlier export as a whole, whatever moment a kill hits.
mod export_replace;
// A real full disk (a small tmpfs): the error says "disk full" and where, and reads still work.
mod disk_full;
// Queries that cannot crash: nested, too long and long-phrase queries in `trawl search` and `trawl serve`.
mod queries;
