-- 0008: the index on a call's tool, exit code and trajectory also holds its command, so that a
-- step condition with a tool, an exit code and a command regex (`step:(tool:execute_bash
-- cmd:/^grep -rn/ exit:1)`) is answered from the index alone. With the command only in the
-- table, each of the condition's calls (92,319 at 300,000 trajectories) was a lookup of a row
-- spread over the whole `calls` table: 125 ms reading nearly every one of its 64 KiB pages;
-- with it, 10 ms. Commands are stored cut to 140 characters, so the index grows by their size
-- (339 -> 945 MB at 300,000 trajectories) and builds in about 13 s there.
DROP INDEX calls_tool_exit_traj;
CREATE INDEX calls_tool_exit_traj_cmd ON calls (tool, exit_code, traj, cmd);
