-- 0006: step conditions answered from indexes, not by scanning `calls`. Forward-only: never edit
-- once landed; add 0007_… instead.
--
-- `calls_tool_exit_traj` replaces `calls_tool_exit`: with `traj` in the index, a tool plus an
-- exit code (`step:(tool:execute_bash exit:1)`) is answered from the index alone.
--
-- `calls_cmd` indexes every call's command by trigrams (FTS5, external content: it stores no
-- copy of the text, and `detail=none`: no positions), so a command regex or substring with a
-- literal of 3 or more characters reads only the calls containing that literal's trigrams
-- before `regexp()` checks them. The triggers keep it in step with `calls` on every path that
-- writes calls (ingest, reindex of derived columns); `rebuild` fills it from the calls already
-- stored.
DROP INDEX calls_tool_exit;
CREATE INDEX calls_tool_exit_traj ON calls (tool, exit_code, traj);

CREATE VIRTUAL TABLE calls_cmd USING fts5 (
    cmd, content = 'calls', content_rowid = 'rowid', tokenize = 'trigram', detail = 'none'
);
INSERT INTO calls_cmd (calls_cmd) VALUES ('rebuild');

CREATE TRIGGER calls_cmd_insert AFTER INSERT ON calls BEGIN
    INSERT INTO calls_cmd (rowid, cmd) VALUES (new.rowid, new.cmd);
END;
CREATE TRIGGER calls_cmd_delete AFTER DELETE ON calls BEGIN
    INSERT INTO calls_cmd (calls_cmd, rowid, cmd) VALUES ('delete', old.rowid, old.cmd);
END;
CREATE TRIGGER calls_cmd_update AFTER UPDATE OF cmd ON calls BEGIN
    INSERT INTO calls_cmd (calls_cmd, rowid, cmd) VALUES ('delete', old.rowid, old.cmd);
    INSERT INTO calls_cmd (rowid, cmd) VALUES (new.rowid, new.cmd);
END;
