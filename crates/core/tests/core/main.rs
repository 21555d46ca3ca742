//! Integration tests of trawl-core: one binary, one module per feature.

mod support;

// Format adapters against the real fixtures in ../shared/fixtures/real and small built fixtures.
mod formats_agents;
mod formats_chat;
mod formats_chat_edges;
mod formats_runs;
// Derived facts and flags.
mod facts;
mod facts_patch;
mod facts_rules;
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
// Workspace invariants: dependency direction, migrations, file sizes, SQL only in the store.
mod tidy;
// No import loops between modules of any crate or of ui/src.
mod tidy_graph;
mod tidy_lex;
