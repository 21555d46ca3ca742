//! Tests: framing.
