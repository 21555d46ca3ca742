-- 0005: predictions and base instances. Forward-only: never edit once landed.
--
-- `kind`: 0 a trajectory, 1 a prediction record (SWE-bench `model_patch` / Multi-SWE-bench
-- `fix_patch`, format `swebench-preds`). `pred_of`: for a prediction, the trajectory of the same
-- run it is the submitted prediction of (NULL: a patch-only record). `base_instance`: the
-- instance id without a sample suffix (`django__django-11099_2` → `django__django-11099`), NULL
-- when it equals `instance_id` (so that this migration rewrites only the rows it changes).
-- `patch_hash`: a key of the final patch (blake3 of the normalized, trimmed patch), derived;
-- NULL on rows stored before this version until `trawl reindex` computes it.
-- Labels are not touched. `trawl_base_instance()` is registered by the binary (db.rs).
ALTER TABLE trajectories ADD COLUMN kind INTEGER NOT NULL DEFAULT 0;
ALTER TABLE trajectories ADD COLUMN pred_of INTEGER;
ALTER TABLE trajectories ADD COLUMN base_instance TEXT;
ALTER TABLE trajectories ADD COLUMN patch_hash TEXT;
UPDATE trajectories SET kind = 1 WHERE format = 'swebench-preds';
UPDATE trajectories SET base_instance = trawl_base_instance(instance_id)
    WHERE instance_id IS NOT NULL AND trawl_base_instance(instance_id) != instance_id;
CREATE INDEX trajectories_base_instance ON trajectories (base_instance) WHERE base_instance IS NOT NULL;
CREATE INDEX trajectories_pred_of ON trajectories (pred_of) WHERE pred_of IS NOT NULL;
CREATE INDEX trajectories_kind ON trajectories (kind) WHERE kind != 0;
