-- 0002: labels, the user's ground truth. Forward-only: never edit once landed.
--
-- Nothing in ingest, reindex or later migrations writes these tables: labels are keyed by the
-- stable trajectory id (`trajectories.uid`) and a step index, never by a row id, so they survive
-- re-ingest and merge across databases.

-- Label sets and their schema. `kind`: single | multi | rating | text; `level`: trajectory | step
-- | both. `spec` is JSON: {"values": [...]} for single/multi, {"min": N, "max": M} for rating,
-- plus an optional "description".
CREATE TABLE label_sets (
    name    TEXT PRIMARY KEY,
    kind    TEXT NOT NULL CHECK (kind IN ('single', 'multi', 'rating', 'text')),
    level   TEXT NOT NULL CHECK (level IN ('trajectory', 'step', 'both')),
    spec    TEXT NOT NULL,
    ord     INTEGER NOT NULL DEFAULT 0
) WITHOUT ROWID;

-- The default set for SWE curation (created once, here: a user's later change is never undone).
INSERT INTO label_sets (name, kind, level, spec, ord) VALUES
    ('verdict', 'single', 'trajectory',
     '{"values":["keep","reject","unsure"],"description":"keep the trajectory in the dataset?"}', 1),
    ('failure_mode', 'multi', 'both',
     '{"values":["wrong_fix","incomplete_fix","hallucinated_api","loop","tool_misuse","edited_tests","no_verification","environment_error","gave_up","other"],"description":"what went wrong; on a step: the step where it went wrong"}', 2),
    ('quality', 'rating', 'trajectory', '{"min":1,"max":5,"description":"overall quality, 1 (bad) to 5 (exemplary)"}', 3),
    ('note', 'text', 'both', '{"description":"free notes"}', 4),
    ('flag_review', 'multi', 'trajectory',
     '{"values":["confirm:empty_patch","dismiss:empty_patch","confirm:no_finish","dismiss:no_finish","confirm:hit_limit","dismiss:hit_limit","confirm:loop","dismiss:loop","confirm:ran_tests","dismiss:ran_tests","confirm:edited_tests","dismiss:edited_tests","confirm:stray_files","dismiss:stray_files","confirm:tool_errors","dismiss:tool_errors"],"description":"a curator confirms or dismisses an engine flag"}', 5);

-- The append-only history. One row per event; rows are never updated or deleted.
--   op = 'set'   : `value` (JSON) becomes the annotator's value for (target, step, label_set)
--   op = 'clear' : the annotator's value is removed
--   op = 'undo'  : the events of batch `undoes` no longer count (target, step, label_set NULL)
-- `event` is a random unique id: importing the same events twice adds nothing. `at` is RFC 3339
-- UTC with microseconds (fixed width, so text order is time order). `step` NULL = trajectory level.
CREATE TABLE label_events (
    id        INTEGER PRIMARY KEY,
    event     TEXT NOT NULL UNIQUE,
    annotator TEXT NOT NULL,
    at        TEXT NOT NULL,
    op        TEXT NOT NULL CHECK (op IN ('set', 'clear', 'undo')),
    target    TEXT,
    step      INTEGER,
    label_set TEXT,
    value     TEXT,
    batch     TEXT NOT NULL,
    undoes    TEXT
);
CREATE INDEX label_events_key ON label_events (target, label_set, annotator, step);
CREATE INDEX label_events_batch ON label_events (batch);
CREATE INDEX label_events_annotator ON label_events (annotator, id);
CREATE INDEX label_events_annotator_at ON label_events (annotator, at);
CREATE INDEX label_events_undoes ON label_events (undoes) WHERE undoes IS NOT NULL;

-- The current value per (annotator, target, step, label_set): the latest event (by `at`, then
-- `event`) whose batch is not undone, when it is a 'set'. Derived from label_events in the same
-- transaction as every write; `step_key` is the step, or -1 at trajectory level.
CREATE TABLE label_current (
    annotator TEXT NOT NULL,
    target    TEXT NOT NULL,
    step_key  INTEGER NOT NULL,
    label_set TEXT NOT NULL,
    value     TEXT NOT NULL,
    event     TEXT NOT NULL,
    at        TEXT NOT NULL,
    PRIMARY KEY (target, label_set, step_key, annotator)
) WITHOUT ROWID;
CREATE INDEX label_current_set ON label_current (label_set, annotator);
CREATE INDEX label_current_annotator ON label_current (annotator);
