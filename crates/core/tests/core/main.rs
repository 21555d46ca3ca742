//! Integration tests of trawl-core: one binary, one module per feature.

mod support;

// Format adapters against the real fixtures in ../shared/fixtures/real and small built fixtures.
mod formats_agents;
mod formats_chat;
// Derived facts and flags.
mod facts;
// The unified-diff parser, and the facts that read it.
mod patch;
// The query language parser.
mod query;
// Label-set schemas and value validation.
mod labels;
// Cohen's kappa and Krippendorff's alpha against hand-computed cases.
mod agreement;
// Record framing (lines, arrays, BOM, CRLF).
mod framing;
// Workspace invariants: dependency direction, migrations.
mod tidy;
