//! Integration tests of trawl-store: one binary, one module per feature.

// Bad input: the corpus in tests/malformed/ (cases.tsv), each case ingested into a fresh store.
mod malformed;

// Directory walks follow symbolic links (a Hugging Face hub snapshot), with loop detection.
mod symlinks;

// Every real fixture in ../shared/fixtures/real: formats, outcome joins, byte-exact records, queries, reindex.
mod real_fixtures;

// Dedup keys: the quick patch keys equal those of the normalized record.
mod dedup;

// Label tables: the default sets match core's, time stamps.
mod labels;

// Predictions joined to their trajectories or kept patch-only; base instances.
mod predictions;
// Queries that cannot crash: random, nested and long-phrase queries through the search path.
mod queries;

// Parquet ingest: the same rows from JSON Lines and Parquet agree; originals; shards; resume.
mod parquet_ingest;

// Step conditions through the calls indexes: the same answers as a scan of every call, and plans that read an index.
mod steps;

// Ingest records the sha256 of each file it reads whole, for export manifests.
mod source_hashes;
