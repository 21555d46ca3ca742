-- 0001: the ground-truth schema. Forward-only: never edit once landed; add 0002_… instead.

-- Small key/value facts about the database (e.g. the change sequence counter `seq`).
CREATE TABLE meta (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
) WITHOUT ROWID;
INSERT INTO meta (key, value) VALUES ('seq', '0');

-- Every file ingest has read. `committed_offset`/`committed_line` is how far the last committed
-- batch reached: a killed ingest resumes there when the file is unchanged (same fingerprint).
CREATE TABLE sources (
    id               INTEGER PRIMARY KEY,
    path             TEXT NOT NULL UNIQUE,
    size             INTEGER NOT NULL,
    fingerprint      TEXT NOT NULL,
    committed_offset INTEGER NOT NULL DEFAULT 0,
    committed_line   INTEGER NOT NULL DEFAULT 0,
    complete         INTEGER NOT NULL DEFAULT 0,
    sha256           TEXT
);

-- Content-addressed text: long JSON string tokens of original records, stored once however many
-- records contain them (the system prompt in every row, the same file viewed many times).
-- `hash` is blake3 of the raw (escaped) bytes; `data` is zstd-compressed.
CREATE TABLE blobs (
    id   INTEGER PRIMARY KEY,
    hash BLOB NOT NULL UNIQUE,
    data BLOB NOT NULL
);

-- Small dictionaries for facet values (kind: 1 repo, 2 dataset, 3 format, 4 model).
CREATE TABLE dict (
    id    INTEGER PRIMARY KEY,
    kind  INTEGER NOT NULL,
    value TEXT NOT NULL,
    UNIQUE (kind, value)
);

-- One row per trajectory. `uid` is the stable id (content hash of the original record).
-- `raw` is the original record as segments (literal bytes and blob references), zstd-compressed:
-- exports rebuild it byte for byte. Columns from `steps` on are derived and recomputable.
CREATE TABLE trajectories (
    id                INTEGER PRIMARY KEY,
    uid               TEXT NOT NULL UNIQUE,
    source_id         INTEGER NOT NULL REFERENCES sources (id),
    byte_offset       INTEGER NOT NULL,
    byte_len          INTEGER NOT NULL,
    line              INTEGER NOT NULL,
    format            TEXT NOT NULL,
    instance_id       TEXT,
    repo              TEXT,
    dataset           TEXT,
    license           TEXT,
    model             TEXT,
    trajectory_id     TEXT,
    resolved_own      INTEGER,            -- as the record states it: 1, 0 or NULL (unknown)
    resolved          INTEGER,            -- effective: own, else joined from outcome sources
    resolved_prec     INTEGER,            -- precedence of the source of `resolved` (3 = own)
    exit_status       TEXT,
    error             TEXT,
    cost              REAL,
    prompt_tokens     INTEGER,
    completion_tokens INTEGER,
    api_calls         INTEGER,
    steps             INTEGER NOT NULL,
    tool_calls        INTEGER NOT NULL,
    patch_files       INTEGER NOT NULL,
    patch_added       INTEGER NOT NULL,
    patch_removed     INTEGER NOT NULL,
    flags             INTEGER NOT NULL,
    facts             TEXT NOT NULL,      -- JSON: tool counts, edited files, patch files, languages
    seq               INTEGER NOT NULL,   -- change sequence: the index catches up on seq > its own
    raw               BLOB NOT NULL       -- last: large, so reading the columns before it stays cheap
);
CREATE INDEX trajectories_instance ON trajectories (instance_id);
CREATE INDEX trajectories_seq ON trajectories (seq);
CREATE INDEX trajectories_trajectory_id ON trajectories (trajectory_id);

-- Every tool call, flattened, for step-level conditions (derived).
CREATE TABLE calls (
    traj      INTEGER NOT NULL REFERENCES trajectories (id),
    step      INTEGER NOT NULL,
    tool      TEXT NOT NULL,
    cmd       TEXT NOT NULL,
    exit_code INTEGER
);
CREATE INDEX calls_traj ON calls (traj);
CREATE INDEX calls_tool_exit ON calls (tool, exit_code);

-- Index bookkeeping (derived, rebuilt with the index): long texts indexed once. The first
-- trajectory containing a text (`owner`) indexes it inline; when a second one contains it, it
-- becomes a chunk document of its own (`state` 1, created at `seq`) that trajectories reference.
CREATE TABLE chunks (
    hash  INTEGER PRIMARY KEY,
    owner INTEGER NOT NULL,
    state INTEGER NOT NULL,
    seq   INTEGER
);
CREATE INDEX chunks_seq ON chunks (seq) WHERE seq IS NOT NULL;

-- Outcome statements from report files, joined to trajectories by instance id within `scope`
-- (a directory prefix: trajectories from files under it).
CREATE TABLE outcomes (
    instance_id TEXT NOT NULL,
    scope       TEXT NOT NULL,
    precedence  INTEGER NOT NULL,
    resolved    INTEGER NOT NULL,
    source_id   INTEGER NOT NULL REFERENCES sources (id),
    PRIMARY KEY (instance_id, scope, precedence)
);

-- What ingest could not read, or read with a warning. Unique per place and message, so a
-- re-ingest does not repeat them.
CREATE TABLE diagnostics (
    id       INTEGER PRIMARY KEY,
    file     TEXT NOT NULL,
    line     INTEGER NOT NULL,
    severity TEXT NOT NULL,
    message  TEXT NOT NULL,
    UNIQUE (file, line, message)
);
