-- 0004: stored records and blobs are written LZ4-compressed from this version on (see
-- crates/store/src/segments.rs). Values already stored stay zstd frames and are still read, so
-- nothing is rewritten; the version bump exists so that an older binary, which reads only zstd,
-- refuses the database with its "newer than this binary" message instead of failing record by
-- record.
INSERT INTO meta (key, value) VALUES ('codec', 'lz4') ON CONFLICT (key) DO UPDATE SET value = excluded.value;
