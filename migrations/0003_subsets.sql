-- 0002: subsets with lineage, dedup caches, contamination lists. Self-contained: it only adds
-- tables (the labels migration is independent of it).

-- A named subset; its versions are frozen.
CREATE TABLE subsets (
    id      INTEGER PRIMARY KEY,
    name    TEXT NOT NULL UNIQUE,
    created TEXT NOT NULL
);

-- One frozen version of a subset. `parent_version` NULL = the whole database. `definition` is the
-- JSON of what made it (rule, includes, excludes, shaping); `stages` the JSON funnel report (each
-- removal or addition step with its count); `pool` the parent's size when it was made.
CREATE TABLE subset_versions (
    id             INTEGER PRIMARY KEY,
    subset_id      INTEGER NOT NULL REFERENCES subsets (id),
    version        INTEGER NOT NULL,
    parent_version INTEGER REFERENCES subset_versions (id),
    rule           TEXT NOT NULL,
    definition     TEXT NOT NULL,
    stages         TEXT NOT NULL,
    pool           INTEGER NOT NULL,
    count          INTEGER NOT NULL,
    created        TEXT NOT NULL,
    UNIQUE (subset_id, version)
);

-- The frozen members of a version: our row id, and the stable id that survives a re-ingest
-- into a fresh database (manifests use it). Never updated.
CREATE TABLE subset_members (
    version_id INTEGER NOT NULL REFERENCES subset_versions (id),
    traj       INTEGER NOT NULL REFERENCES trajectories (id),
    uid        TEXT NOT NULL,
    PRIMARY KEY (version_id, traj)
) WITHOUT ROWID;

-- User-added contamination lists (the built-in ones are embedded in the binary).
-- kind: 'instances' or 'repos'.
CREATE TABLE contamination_lists (
    name    TEXT PRIMARY KEY,
    kind    TEXT NOT NULL CHECK (kind IN ('instances', 'repos')),
    source  TEXT NOT NULL,
    created TEXT NOT NULL
) WITHOUT ROWID;
CREATE TABLE contamination_entries (
    list  TEXT NOT NULL REFERENCES contamination_lists (name),
    value TEXT NOT NULL,
    PRIMARY KEY (list, value)
) WITHOUT ROWID;

-- Derived, recomputable: dedup keys of a trajectory (hashes of its normalized patch and text, the
-- MinHash signature of its patch), computed on first use. `algo` is the version of the
-- normalization; rows of another version are recomputed.
CREATE TABLE dedup_keys (
    traj       INTEGER PRIMARY KEY REFERENCES trajectories (id),
    algo       INTEGER NOT NULL,
    patch_hash BLOB,
    text_hash  BLOB NOT NULL,
    signature  BLOB
);

-- Derived: the sha256 of a source file, valid while the file keeps the fingerprint it had.
CREATE TABLE source_hashes (
    source_id   INTEGER PRIMARY KEY REFERENCES sources (id),
    fingerprint TEXT NOT NULL,
    sha256      TEXT NOT NULL
);
