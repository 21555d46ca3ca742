-- 0007: stored records and blobs are written zstd-compressed (level 1) from this version on (see
-- crates/store/src/segments.rs): at full size LZ4 made the database about a fifth larger. LZ4
-- values written by schemas 4 to 6 (and zstd values written before schema 4) stay as they are and
-- are still read, so nothing is rewritten; the version bump records which codec new values use.
INSERT INTO meta (key, value) VALUES ('codec', 'zstd') ON CONFLICT (key) DO UPDATE SET value = excluded.value;
