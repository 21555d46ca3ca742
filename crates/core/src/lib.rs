//! Trawl's pure core: the normalized trajectory model, format detection and adapters, record
//! framing, derived facts and quality flags, the unified-diff parser, the query language, label
//! schemas and agreement.
//!
//! Pure means: no SQLite, no tantivy, no Tauri, no async runtime, no file-system access. Input
//! arrives as bytes or `serde_json::Value`s; parsing never fails as a whole, it returns values and
//! diagnostics. Nothing here is serializable for the wire: the api crate converts.
#![deny(missing_docs)]

pub mod agreement;
pub mod dedup;
pub mod facts;
pub mod formats;
pub mod framing;
pub mod instance;
pub mod labels;
pub mod model;
pub mod patch;
pub mod query;

pub use model::*;
