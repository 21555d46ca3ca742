//! Integration tests of trawl-api: one binary, one module per feature. They open real databases
//! in temporary directories and ingest generated SWE-ZERO-shaped trajectories.

mod support;

// Labels: every kind, step annotations, history and undo, bulk labelling, queues, query terms,
// import/export across databases, bad input, agreement and adjudication, safety across re-ingest.
mod labels;

// Rendering a trajectory in parts.
mod trajectory;

// The generated TypeScript types are fresh.
mod ts_types;

// The index and its database: notices through db_info.
mod database;

// The vocabulary the API serves comes from the Rust sources of truth; its names are their JSON.
mod vocabulary;
