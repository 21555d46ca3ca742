//! Integration tests of the API crate.

mod ts_types;
