//! Tests: facts.
