#!/usr/bin/env python3
"""The full-size benchmark (issue 18): N generated trajectories (default 300,000) as JSONL and as
NV-schema Parquet, ingested beside DuckDB, then every figure the app must meet at that size, each
with its target and PASS or FAIL. Run by hand (hours at full size), never in CI.

Stages, in the order that keeps the disk peak lowest (JSONL + one database + the 1 GB files):

  1. disk        estimates the space the run needs at its peak and refuses to start without it
  2. generate    `trawl gen --count N` (JSONL)
  3. ratios      on the first --ratio-rows rows of that file (default 10,000, about 1 GB: the size
                 the issue's ratios are defined at; 0 = every row, which needs DuckDB's copy of the
                 whole file on disk too): the same rows as NV-schema Parquet (snappy, row groups of
                 500, written by DuckDB), then `trawl ingest` against DuckDB read_parquet (target
                 <= 0.6) and read_json (target <= 0.5), alternated --pair-runs times, ratios of the
                 medians; these files and databases are deleted afterwards
  4. jsonl       `trawl ingest` of the whole JSONL once: wall time (target <= 8 min at 300k),
                 peak RSS (<= 1 GiB), database + index size (<= 0.4x the JSONL); with
                 --full-parquet, the whole file as Parquet is ingested too (time and RSS)
  5. queries     `trawl bench-queries` (benches/queries.txt), warm, p95 per kind of query: filters
                 and facets <= 50 ms, full text with snippets <= 100 ms, step:( ... ) <= 150 ms
  6. app         `trawl bench-app`: start to first screen <= 1 s, open a trajectory (first screen)
                 <= 100 ms (the longest trajectories when none has about 100 steps)
  7. commands    peak RSS <= 1 GiB for search, facets (stats), a Parquet export of 100k records
                 (also >= 100 MB/s of output), dedup and reindex

It prints the machine's load (/proc/loadavg) at the start and the end, writes every figure to
<work>/results.json and deletes the generated data and databases unless --keep.

Examples:
  cargo build --release --workspace --locked
  python3 benches/full_size.py                 # 300,000 rows: needs about 56 GB free, about an hour
  python3 benches/full_size.py --rows 5000 --pair-runs 1 --repeat 5    # a check of the harness
"""

from __future__ import annotations

import argparse
import json
import re
import shlex
import shutil
import statistics
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench import (  # noqa: E402  (the shared harness next to this file)
    GIB,
    MB,
    Bench,
    Figure,
    add_common_args,
    check,
    describe_failure,
    ensure_duckdb,
    parse_json_output,
    path_size,
    remove_db,
    run,
)

# Sizes relative to the JSONL, measured (see benches/RESULTS.md, "Full-size benchmark"): bytes of
# JSONL per generated row, and the Parquet file, the database + index and DuckDB's table as
# fractions of the JSONL. The estimate is the peak of stage 3 plus a margin.
JSONL_BYTES_PER_ROW = 104_500
PARQUET_FRACTION = 0.30
DB_FRACTION = 0.50
DUCKDB_FRACTION = 1.00  # DuckDB's file was 1.0x the JSONL at 1,000 rows (strings stay large)
INDEX_FRACTION = 0.11  # the tantivy index alone (reindex builds a second one)
MARGIN = 1.10

# The NV row schema (SWE-Zero / SWE-Hero `data/*.parquet`).
NV_COLUMNS = (
    "{'instance_id': 'VARCHAR', 'repo': 'VARCHAR', 'license': 'VARCHAR', 'trajectory_id': 'VARCHAR', "
    "'trajectory': 'STRUCT(role VARCHAR, content VARCHAR, tool_calls STRUCT(id VARCHAR, type VARCHAR, "
    "function STRUCT(name VARCHAR, arguments VARCHAR))[], name VARCHAR, tool_call_id VARCHAR)[]', "
    "'model_patch': 'VARCHAR', 'dataset': 'VARCHAR'}"
)

PARQUET_SCRIPT = """
import sys, duckdb
src, out, max_obj, columns = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4]
con = duckdb.connect()
con.execute("SET preserve_insertion_order = true")
con.execute(
    "COPY (SELECT instance_id, repo, license, trajectory_id, trajectory, model_patch, dataset FROM "
    "read_json(?, format='newline_delimited', maximum_object_size=" + str(max_obj) + ", columns=" + columns + ")) "
    "TO '" + out.replace("'", "''") + "' (FORMAT parquet, COMPRESSION snappy, ROW_GROUP_SIZE 500)",
    [src],
)
groups = con.execute(
    "SELECT count(DISTINCT row_group_id), max(row_group_num_rows) FROM parquet_metadata(?)", [out]
).fetchone()
print(f"{groups[0]} {groups[1]}")
print(con.execute("SELECT count(*) FROM read_parquet(?)", [out]).fetchone()[0])
"""


def loadavg() -> str:
    try:
        return Path("/proc/loadavg").read_text().strip()
    except OSError:
        return "?"


def estimate_bytes(rows: int, ratio_rows: int, full_parquet: bool = False) -> dict[str, int]:
    """The space each piece takes and the peak: the JSONL and its database, plus the larger of the
    ratio stage's files (a prefix of the JSONL, its Parquet, DuckDB's copy and one database) and the
    commands' output (a Parquet export of a third of the rows, or a second index while reindexing)."""
    jsonl = rows * JSONL_BYTES_PER_ROW
    ratio = (ratio_rows or rows) * JSONL_BYTES_PER_ROW
    parts = {
        "jsonl": jsonl,
        "database": int(jsonl * DB_FRACTION),
        "ratio stage": int(ratio * (1 + PARQUET_FRACTION + DUCKDB_FRACTION + DB_FRACTION)),
        "commands": int(jsonl * max(PARQUET_FRACTION / 3, INDEX_FRACTION)),
    }
    if full_parquet:
        parts["full parquet"] = int(jsonl * PARQUET_FRACTION)
    extra = max(parts["ratio stage"], parts["commands"])
    if full_parquet:  # the whole file as Parquet, with its own database (deleted before the JSONL's)
        extra = max(extra, parts["full parquet"])
    parts["peak"] = int((jsonl + parts["database"] + extra) * MARGIN)
    return parts


def query_kind(q: str) -> str:
    """`step` for a query with step:( … ), `text` for one with a word or phrase (answered with
    snippets), else `filter` (trajectory fields and facets)."""
    if "step:(" in q:
        return "step"
    for tok in re.findall(r'"[^"]*"|\S+', q):
        t = tok.lstrip("-(").rstrip(")")
        if t.startswith('"') or (t and ":" not in t and t not in ("OR", "AND", "NOT")):
            return "text"
    return "filter"


class FullSize(Bench):
    def __init__(self, args: argparse.Namespace) -> None:
        super().__init__(args)
        self.rows: int = args.rows

    def disk(self) -> bool:
        est = estimate_bytes(self.rows, self.args.ratio_rows, self.args.full_parquet)
        free = shutil.disk_usage(self.work).free
        parts = ", ".join(f"{k} ~{v / 1e9:.1f} GB" for k, v in est.items() if k != "peak")
        print(f"disk: {self.rows:,} rows need about {est['peak'] / 1e9:.1f} GB free at the peak ({parts}); "
              f"free in {self.work}: {free / 1e9:.1f} GB", flush=True)
        self.res.raw["disk_estimate"] = est
        self.res.raw["disk_free_at_start"] = free
        if free < est["peak"]:
            print(f"full_size: refusing to start: {self.work} has {free / 1e9:.1f} GB free and the run needs about "
                  f"{est['peak'] / 1e9:.1f} GB. Free some space, pass --work on a larger disk, or use fewer --rows.",
                  file=sys.stderr, flush=True)
            return False
        return True

    def generate_rows(self) -> Path | None:
        path = self.work / f"full-{self.rows}.jsonl"
        cmd = [self.trawl, "gen", "--seed", str(self.args.seed), "--count", str(self.rows), "--out", str(path)]
        print(f"generating: {shlex.join(cmd)}", flush=True)
        r = run(cmd, self.log("gen"), self.timeout)
        if not r.ok():
            self.res.error("gen: JSONL", describe_failure(r))
            return None
        size = path.stat().st_size
        self.res.add(Figure("gen: JSONL size", size / MB, "MB", note=f"{self.rows:,} rows in {r.wall_s:.0f} s"))
        return path

    def to_parquet(self, jsonl: Path, rows: int) -> Path | None:
        out = jsonl.with_suffix(".parquet")
        out.unlink(missing_ok=True)
        cmd = [self.args.python, "-c", PARQUET_SCRIPT, str(jsonl), str(out), str(self.args.duckdb_max_object),
               NV_COLUMNS]
        print(f"writing NV-schema Parquet with DuckDB: {out.name}", flush=True)
        r = run(cmd, self.log("parquet"), self.timeout)
        if not r.ok():
            self.res.error("gen: Parquet", describe_failure(r))
            return None
        out_lines = r.stdout.strip().splitlines()
        n = int(out_lines[-1])
        # DuckDB takes ROW_GROUP_SIZE as a floor of its own row-group size (groups of about 950
        # rows at 1 GB), and writes one page per column chunk: the file's real shape is printed.
        groups, most = (out_lines[-2].split() + ["?", "?"])[:2] if len(out_lines) > 1 else ("?", "?")
        size = out.stat().st_size
        self.res.add(Figure("gen: Parquet size (NV schema, snappy, ROW_GROUP_SIZE 500)", size / MB, "MB",
                            "rows = JSONL", check(n == rows),
                            f"{n:,} rows in {groups} row groups of up to {most} rows, "
                            f"{size / jsonl.stat().st_size:.2f}x the JSONL, in {r.wall_s:.0f} s"))
        return out

    def ingest_figures(self, jsonl: Path, db: Path, label: str) -> None:
        runs = self.res.raw[f"ingest_{label}"]["wall_s"]
        wall = statistics.median(runs)
        limit = 8 * 60 * self.rows / 300_000
        self.res.add(Figure(f"ingest {label}: wall time (8 min at 300k, scaled)", wall, "s", f"<= {limit:.0f} s",
                            check(wall <= limit)))
        ratio = path_size(db) / jsonl.stat().st_size
        self.res.add(Figure("database + index size / JSONL size", ratio, "x", "<= 0.4x", check(ratio <= 0.4),
                            f"{path_size(db) / MB:,.0f} MB"))

    def query_kinds(self, db: Path) -> None:
        self.queries(db, judge=False)  # the per-query table of bench.py
        targets = {"filter": 50.0, "text": 100.0, "step": 150.0}
        names = {"filter": "filter and facet queries", "text": "phrase/word queries with snippets",
                 "step": "step:( ... ) queries"}
        for kind, target in targets.items():
            qs = [q for q in self.res.queries if query_kind(q["query"]) == kind]
            if not qs:
                self.res.skip(f"{names[kind]}: p95", "no such query in the file", f"<= {target:g} ms")
                continue
            worst = max(qs, key=lambda q: q["p95_ms"])
            self.res.add(Figure(f"{names[kind]}: p95 (worst query)", worst["p95_ms"], "ms", f"<= {target:g} ms",
                                check(worst["p95_ms"] <= target), f"{len(qs)} queries; worst: {worst['query']}"))

    def app(self, db: Path) -> None:
        r = run([self.trawl, "--db", str(db), "bench-app", "--json"], self.log("bench-app"), self.timeout)
        if not r.ok():
            self.res.error("app: start to first screen", describe_failure(r), "<= 1000 ms")
            return
        out = parse_json_output(r)
        self.res.raw["bench_app"] = out
        start = float(out["start_to_first_screen_ms"])
        self.res.add(Figure("app: start to first screen", start, "ms", "<= 1000 ms", check(start <= 1000)))
        first = next((o for o in out["open_trajectory"] if str(o["part"]).startswith("first screen")), None)
        if first is None:
            self.res.error("app: open a trajectory, first screen", "bench-app printed no first-screen figure")
            return
        p95 = float(first["p95_ms"])
        self.res.add(Figure("app: open a trajectory, first screen (p95)", p95, "ms", "<= 100 ms", check(p95 <= 100),
                            f"median {first['median_ms']:.1f} ms; opened {out['opened']}, steps "
                            f"{min(out['opened_steps'], default=0)}..{max(out['opened_steps'], default=0)}"))

    def command(self, name: str, args: list[str], db: Path) -> dict | None:
        """Runs `trawl --db DB ARGS`; adds its peak RSS figure; returns its JSON output (if any)."""
        r = run([self.trawl, "--db", str(db), *args], self.log(name.replace(" ", "-")), self.timeout)
        if not r.ok():
            self.res.error(f"peak RSS: {name}", describe_failure(r), "<= 1024 MiB")
            return None
        rss = r.max_rss_bytes / (1 << 20)
        self.res.add(Figure(f"peak RSS: {name}", rss, "MiB", "<= 1024 MiB", check(r.max_rss_bytes <= GIB),
                            f"{r.wall_s:.1f} s"))
        try:
            return parse_json_output(r)
        except (json.JSONDecodeError, ValueError):
            return {}

    def steps_for(self, db: Path, target: int) -> int:
        """The N of the rule `steps:>N` whose match count is closest to `target` (bisection)."""
        def count(n: int) -> int:
            r = run([self.trawl, "--db", str(db), "search", f"steps:>{n}", "--count", "--json"], self.log("count"),
                    self.timeout)
            return int(parse_json_output(r)["total"]) if r.ok() else 0
        lo, hi = 0, 10_000
        while lo < hi:
            mid = (lo + hi) // 2
            if count(mid) > target:
                lo = mid + 1
            else:
                hi = mid
        if lo > 0 and abs(count(lo - 1) - target) < abs(count(lo) - target):
            return lo - 1
        return lo

    def commands(self, db: Path) -> None:
        self.command("search (facets + 20 hits with snippets)", ["search", "\"maximum recursion depth\"", "--json"], db)
        self.command("facets (stats)", ["stats", "--json"], db)
        n_export = min(100_000, self.rows // 3 if self.rows < 300_000 else 100_000)
        n = self.steps_for(db, n_export)
        sub = self.command(f"subset of ~{n_export:,} (steps:>{n})", ["subset", "create", "full-size-export",
                                                                  "--rule", f"steps:>{n}", "--json"], db)
        out_dir = self.work / "export-parquet"
        shutil.rmtree(out_dir, ignore_errors=True)
        exp = self.command("parquet export", ["export", "--subset", "full-size-export", "--format", "parquet",
                                              "--out", str(out_dir), "--json"], db)
        if exp is not None:
            mbs = exp.get("mb_per_s")
            recs = exp.get("records", (sub or {}).get("count"))
            if mbs is None:
                self.res.error("parquet export: throughput", f"no mb_per_s in the export's JSON: {str(exp)[:200]}")
            else:
                self.res.add(Figure("parquet export: throughput", float(mbs), "MB/s", ">= 100 MB/s",
                                    check(float(mbs) >= 100), f"{recs} records"))
        shutil.rmtree(out_dir, ignore_errors=True)
        self.command("dedup (near_patch)", ["dedup", "--json"], db)
        self.command("reindex", ["reindex"], db)

    def ratios(self, jsonl: Path) -> None:
        """Stage 3: trawl against DuckDB on the first --ratio-rows rows, as Parquet and as JSONL."""
        n = self.args.ratio_rows
        prefix = jsonl
        if n and n < self.rows:
            prefix = self.work / f"full-ratio-{n}.jsonl"
            with jsonl.open("rb") as src, prefix.open("wb") as dst:
                for i, line in enumerate(src):
                    if i >= n:
                        break
                    dst.write(line)
            print(f"ratios on the first {n:,} rows ({prefix.stat().st_size / MB:,.0f} MB)", flush=True)
        parquet = self.to_parquet(prefix, n or self.rows)
        if parquet is not None:
            self.paired(parquet, "parquet", target=0.6, keep_db=False)
            parquet.unlink(missing_ok=True)
        self.paired(prefix, "jsonl", target=0.5, keep_db=False)
        if prefix != jsonl:
            prefix.unlink(missing_ok=True)

    def full_ingest(self, jsonl: Path) -> Path | None:
        """Stage 4: the whole file, ingested once (the time a user waits), without DuckDB."""
        saved = (self.args.pair_runs, self.args.skip_duckdb)
        self.args.pair_runs, self.args.skip_duckdb = 1, True
        try:
            if self.args.full_parquet:
                parquet = self.to_parquet(jsonl, self.rows)
                if parquet is not None:
                    self.paired(parquet, "full-parquet", keep_db=False)
                    parquet.unlink(missing_ok=True)
            db, _ = self.paired(jsonl, "full-jsonl")
        finally:
            self.args.pair_runs, self.args.skip_duckdb = saved
        if db is not None:
            self.ingest_figures(jsonl, db, "full-jsonl")
        return db

    def main(self) -> int:
        a = self.args
        self.start()
        self.res.meta["loadavg_start"] = loadavg()
        print(f"load average at the start: {self.res.meta['loadavg_start']}", flush=True)
        if not self.disk():
            return 2
        if not self.have_trawl:
            print(f"full_size: no trawl binary at {self.trawl}", file=sys.stderr)
            return 2
        ok, version = ensure_duckdb(a.python)
        if not ok:
            print(f"full_size: DuckDB is needed to write the Parquet file: {version}", file=sys.stderr)
            return 2
        self.res.meta["duckdb"] = version
        jsonl = self.generate_rows()
        db = None
        if jsonl is not None:
            self.ratios(jsonl)
            db = self.full_ingest(jsonl)
        if db is not None:
            self.query_kinds(db)
            self.app(db)
            self.commands(db)
        self.res.meta["loadavg_end"] = loadavg()
        print(f"load average at the end: {self.res.meta['loadavg_end']}", flush=True)
        code = self.finish()
        if not a.keep:
            for p in sorted(self.work.glob("full-*")):
                p.unlink(missing_ok=True)
            if db is not None:
                remove_db(db)
            print(f"deleted the generated data and databases in {self.work} (--keep keeps them)")
        return code


def parse_args(argv: list[str]) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    add_common_args(p, work="bench-out/full")
    p.add_argument("--rows", type=int, default=300_000, help="generated trajectories (default 300,000)")
    p.add_argument("--keep", action="store_true", help="keep the generated data and databases")
    p.add_argument("--ratio-rows", type=int, default=10_000,
                   help="rows of the DuckDB comparisons (default 10,000, about 1 GB; 0 = all)")
    p.add_argument("--full-parquet", action="store_true",
                   help="also ingest the whole file as Parquet (time and RSS; about 0.3x the JSONL more disk)")
    p.set_defaults(timeout=6 * 3600.0)
    args = p.parse_args(argv)
    args.work = args.work.resolve()
    return args


if __name__ == "__main__":
    sys.exit(FullSize(parse_args(sys.argv[1:])).main())
