//! Record framing: splitting file bytes into JSON records with their locations.
#![allow(missing_docs)]
