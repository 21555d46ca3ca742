#!/usr/bin/env python3
"""End-to-end benchmark of the `trawl` binary on generated SWE-ZERO-shaped data.

What it measures, in one run (each figure is checked against a target and marked PASS or FAIL):

  1. generation   `trawl gen` writes a JSONL file of --gb GB (the trawl-gen crate); throughput.
  2. ingest       `trawl ingest --json` wall time and peak RSS (from os.wait4 on the child).
  3. duckdb       a separate `python3 -c` process loading the same file into DuckDB with
                  read_json(...), alternated with the ingest --pair-runs times (default 3; this
                  VM's speed drifts between minutes); ratio of the median trawl ingest to the
                  median duckdb load (target <= 1.0), with each pair's ratio printed too.
  4. phrase       `rg -c -F PHRASE FILE` versus `trawl search '"PHRASE"' --json`: the search's
                  in-process took_ms (target >= 100x faster than rg) and the whole search
                  process (target >= 10x faster), and the two counts must agree (rg counts
                  matching lines, one row per line; trawl counts trajectories).
  5. queries      `trawl bench-queries benches/queries.txt --repeat R --json`: p50/p95 per
                  query and overall (target p95 <= 50 ms).
  6. rss scale    with --rss-scale: generate and ingest a second, larger file (default 4 GB)
                  and compare peak RSS (target <= 1 GiB at both sizes and flat: the larger
                  run within 1.5x of the smaller).

It prints a table and writes the same figures as JSON to <work>/results.json. Data files,
databases and logs live in the work directory (default: bench-out at the repository root,
which is gitignored); generated data is reused when --reuse is given and the file is already
big enough.

Requirements: Python 3.11 (stdlib), the `duckdb` package (installed with `pip install duckdb`
when missing) and ripgrep (`rg`, Debian package `ripgrep`). Missing pieces are reported and
the figures that need them are marked SKIP; the rest still runs.

Examples:
  cargo build --release -p trawl-cli
  python3 benches/bench.py                       # 1 GB
  python3 benches/bench.py --gb 0.2 --repeat 5   # quick
  python3 benches/bench.py --rss-scale           # plus the 4 GB RSS check
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shlex
import shutil
import signal
import statistics
import subprocess
import sys
import threading
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

REPO_ROOT = Path(__file__).resolve().parent.parent
GIB = 1 << 30
MB = 1_000_000

DEFAULT_PHRASE = "maximum recursion depth exceeded"

# The DuckDB load, run in its own process so that its wall time and memory are its own: a JSONL
# file with read_json, a Parquet file with read_parquet, into a table.
DUCKDB_SCRIPT = """
import sys, duckdb
db, path, max_obj, kind = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4]
con = duckdb.connect(db)
if kind == "parquet":
    con.execute("CREATE TABLE t AS SELECT * FROM read_parquet(?)", [path])
else:
    con.execute(
        "CREATE TABLE t AS SELECT * FROM read_json(?, format='newline_delimited', "
        "maximum_object_size=" + str(max_obj) + ")",
        [path],
    )
n = con.execute("SELECT count(*) FROM t").fetchone()[0]
con.close()
print(n)
"""


# ---------------------------------------------------------------------------------------------
# Results


@dataclass
class Figure:
    """One measured number with its target and verdict."""

    name: str
    value: float | None
    unit: str
    target: str = ""
    status: str = "INFO"  # PASS, FAIL, INFO, SKIP, ERROR
    note: str = ""


@dataclass
class Results:
    meta: dict[str, Any] = field(default_factory=dict)
    figures: list[Figure] = field(default_factory=list)
    queries: list[dict[str, Any]] = field(default_factory=list)
    raw: dict[str, Any] = field(default_factory=dict)

    def add(self, fig: Figure) -> Figure:
        self.figures.append(fig)
        status = fig.status if fig.status != "INFO" else ""
        shown = "-" if fig.value is None else f"{fig.value:,.3f}".rstrip("0").rstrip(".")
        extra = f"  ({fig.note})" if fig.note else ""
        print(f"  {fig.name:<56} {shown:>14} {fig.unit:<5} {fig.target:<16} {status}{extra}", flush=True)
        return fig

    def skip(self, name: str, why: str, target: str = "") -> None:
        self.add(Figure(name, None, "", target, "SKIP", why))

    def error(self, name: str, why: str, target: str = "") -> None:
        self.add(Figure(name, None, "", target, "ERROR", why))


def check(ok: bool) -> str:
    return "PASS" if ok else "FAIL"


# ---------------------------------------------------------------------------------------------
# Processes


@dataclass
class Run:
    """A finished child process."""

    cmd: list[str]
    returncode: int
    wall_s: float
    max_rss_bytes: int
    stdout: str
    stderr_path: Path | None

    def ok(self) -> bool:
        return self.returncode == 0

    def stderr_tail(self, lines: int = 15) -> str:
        if self.stderr_path is None or not self.stderr_path.exists():
            return ""
        text = self.stderr_path.read_text(errors="replace").replace("\r", "\n")
        return "\n".join([l for l in text.splitlines() if l.strip()][-lines:])


def run(cmd: list[str], log: Path | None, timeout: float, stdin_devnull: bool = True) -> Run:
    """Runs `cmd`, measuring wall time and the child's peak RSS (os.wait4 rusage).

    stdout is captured through a file (no pipe deadlocks on big outputs), stderr goes to `log`
    (progress bars end up there) or is discarded.
    """
    out_path = (log.with_suffix(".stdout") if log else None)
    out_f = open(out_path, "w+b") if out_path else subprocess.DEVNULL
    err_f = open(log, "wb") if log else subprocess.DEVNULL
    try:
        t0 = time.perf_counter()
        p = subprocess.Popen(
            cmd,
            stdout=out_f,
            stderr=err_f,
            stdin=subprocess.DEVNULL if stdin_devnull else None,
        )
        timer = threading.Timer(timeout, lambda: p.send_signal(signal.SIGKILL))
        timer.start()
        try:
            _, status, usage = os.wait4(p.pid, 0)
        finally:
            timer.cancel()
        wall = time.perf_counter() - t0
        p.returncode = os.waitstatus_to_exitcode(status)
        stdout = ""
        if out_path:
            out_f.flush()
            stdout = out_path.read_text(errors="replace")
        # ru_maxrss is in KiB on Linux and in bytes on macOS.
        rss = usage.ru_maxrss * (1 if sys.platform == "darwin" else 1024)
        return Run(cmd, p.returncode, wall, rss, stdout, log)
    finally:
        if out_path:
            out_f.close()
        if log:
            err_f.close()


def describe_failure(r: Run) -> str:
    tail = r.stderr_tail()
    return f"exit {r.returncode}: {shlex.join(r.cmd)}" + (f"\n{tail}" if tail else "")


def parse_json_output(r: Run) -> Any:
    """The last JSON document on stdout (tools may print other lines before it)."""
    text = r.stdout.strip()
    try:
        return json.loads(text)
    except json.JSONDecodeError:
        start = text.rfind("\n{")
        return json.loads(text[start + 1 :] if start >= 0 else text)


# ---------------------------------------------------------------------------------------------
# Environment


def ensure_duckdb(python: str) -> tuple[bool, str]:
    """Makes sure `import duckdb` works for `python`, installing it with pip when missing."""
    probe = [python, "-c", "import duckdb; print(duckdb.__version__)"]
    r = subprocess.run(probe, capture_output=True, text=True)
    if r.returncode == 0:
        return True, r.stdout.strip()
    print("duckdb is not installed; running: pip install duckdb", flush=True)
    inst = subprocess.run([python, "-m", "pip", "install", "duckdb"], capture_output=True, text=True)
    if inst.returncode != 0:
        return False, "pip install duckdb failed: " + (inst.stderr.strip().splitlines() or ["?"])[-1]
    r = subprocess.run(probe, capture_output=True, text=True)
    return (r.returncode == 0, r.stdout.strip() or r.stderr.strip())


def tool_version(cmd: list[str]) -> str:
    try:
        r = subprocess.run(cmd, capture_output=True, text=True, timeout=30)
        return (r.stdout or r.stderr).strip().splitlines()[0] if r.returncode == 0 else ""
    except (OSError, subprocess.TimeoutExpired, IndexError):
        return ""


def total_memory_bytes() -> int | None:
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                return int(line.split()[1]) * 1024
    except OSError:
        pass
    return None


def remove_db(db: Path) -> None:
    """Deletes a database and everything next to it that shares its name (WAL, index dirs)."""
    for p in db.parent.glob(db.name + "*"):
        if p.is_dir():
            shutil.rmtree(p)
        else:
            p.unlink()


def path_size(p: Path) -> int:
    """Size of a file or directory tree, plus the files that share its name prefix."""
    total = 0
    for q in p.parent.glob(p.name + "*"):
        if q.is_dir():
            total += sum(f.stat().st_size for f in q.rglob("*") if f.is_file())
        elif q.exists():
            total += q.stat().st_size
    return total


# ---------------------------------------------------------------------------------------------
# Stages


class Bench:
    def __init__(self, args: argparse.Namespace) -> None:
        self.args = args
        self.work: Path = args.work
        self.trawl = str(args.trawl)
        self.have_trawl = Path(self.trawl).is_file() and os.access(self.trawl, os.X_OK)
        self.res = Results()
        self.timeout = args.timeout

    def log(self, name: str) -> Path:
        return self.work / f"{name}.log"

    # -- generation ---------------------------------------------------------------------------

    def generate(self, gb: float, label: str) -> Path | None:
        target = int(gb * GIB)
        path = self.work / f"data-{label}-seed{self.args.seed}.jsonl"
        name = f"gen {label}"
        if self.args.reuse and path.exists() and path.stat().st_size >= target:
            self.res.add(Figure(f"{name}: reused file", path.stat().st_size / MB, "MB", note=str(path)))
            return path
        free = shutil.disk_usage(self.work).free
        if free < target * 3:
            print(f"  warning: {free / GIB:.1f} GiB free in {self.work}; data plus databases need about "
                  f"{3 * target / GIB:.1f} GiB", flush=True)
        if self.args.generator:
            cmd = [str(self.args.generator), str(self.args.seed), str(target), str(path)]
        elif self.have_trawl:
            cmd = [self.trawl, "gen", "--seed", str(self.args.seed), "--bytes", str(target), "--out", str(path)]
        else:
            self.res.skip(f"{name}: throughput", f"no trawl binary at {self.trawl} and no --generator")
            return None
        print(f"generating {gb:g} GB: {shlex.join(cmd)}", flush=True)
        r = run(cmd, self.log(f"gen-{label}"), self.timeout)
        if not r.ok() or not path.exists():
            self.res.error(f"{name}: throughput", describe_failure(r))
            return None
        size = path.stat().st_size
        rate = size / MB / r.wall_s
        # 4 GiB in under a minute; below 0.5 GiB start-up time dominates, so no verdict.
        need = 4 * GIB / MB / 60
        verdict = check(rate >= need) if size >= GIB // 2 else "INFO"
        self.res.add(Figure(f"{name}: throughput", rate, "MB/s", f">= {need:.0f} MB/s", verdict,
                            f"{size / MB:,.0f} MB in {r.wall_s:.1f} s"))
        self.res.raw[f"gen_{label}"] = {"bytes": size, "wall_s": r.wall_s}
        return path

    # -- ingest -------------------------------------------------------------------------------

    def ingest(self, data: Path, label: str) -> tuple[Path | None, Run | None]:
        """One `trawl ingest` of `data` into a fresh database (the run, or None when it failed)."""
        db = self.work / f"trawl-{label}.db"
        name = f"ingest {label}"
        if not self.have_trawl:
            self.res.skip(f"{name}: wall time", f"no trawl binary at {self.trawl}")
            return None, None
        remove_db(db)
        cmd = [self.trawl, "--db", str(db), "ingest", str(data), "--json"]
        print(f"ingesting: {shlex.join(cmd)}", flush=True)
        r = run(cmd, self.log(f"ingest-{label}"), self.timeout)
        if not r.ok():
            self.res.error(f"{name}: wall time", describe_failure(r))
            return None, None
        print(f"    run: {r.wall_s:.2f} s, peak RSS {r.max_rss_bytes / (1 << 20):,.0f} MiB", flush=True)
        return db, r

    def report_ingest(self, data: Path, label: str, db: Path, runs: list[Run], db_bytes: int | None = None) -> None:
        """The ingest figures over its runs: median wall time, largest peak RSS, database size
        (`db_bytes` when the database was already deleted)."""
        name = f"ingest {label}"
        size = data.stat().st_size
        wall = statistics.median(r.wall_s for r in runs)
        rss = max(r.max_rss_bytes for r in runs)
        each = "; runs " + ", ".join(f"{r.wall_s:.1f}" for r in runs) if len(runs) > 1 else ""
        self.res.add(Figure(f"{name}: wall time", wall, "s", note=f"{size / MB / wall:,.0f} MB/s{each}"))
        self.res.add(Figure(f"{name}: peak RSS", rss / (1 << 20), "MiB", "<= 1024 MiB", check(rss <= GIB)))
        dbb = path_size(db) if db_bytes is None else db_bytes
        self.res.add(Figure(f"{name}: database size", dbb / MB, "MB", note=f"{dbb / size:.2f}x the input"))
        summary: Any = None
        try:
            summary = parse_json_output(runs[-1])
        except (json.JSONDecodeError, ValueError):
            summary = {"stdout": runs[-1].stdout[-2000:]}
        self.res.raw[f"ingest_{label}"] = {"wall_s": [r.wall_s for r in runs],
                                           "max_rss_bytes": [r.max_rss_bytes for r in runs], "summary": summary}

    # -- duckdb -------------------------------------------------------------------------------

    def duckdb(self, data: Path) -> Run | None:
        """One DuckDB load of `data` (read_parquet for a .parquet file, else read_json) in its own
        process (None when it failed). The size of DuckDB's database is kept in raw.duckdb_bytes."""
        db = self.work / "duckdb.db"
        remove_db(db)
        kind = "parquet" if data.suffix == ".parquet" else "json"
        cmd = [self.args.python, "-c", DUCKDB_SCRIPT, str(db), str(data), str(self.args.duckdb_max_object), kind]
        print(f"duckdb {self.res.meta['duckdb']}: loading {data.name}", flush=True)
        r = run(cmd, self.log("duckdb"), self.timeout)
        self.res.raw.setdefault("duckdb_bytes", {})[data.name] = path_size(db)
        remove_db(db)
        if not r.ok():
            self.res.error("duckdb load: wall time", describe_failure(r))
            return None
        print(f"    run: {r.wall_s:.2f} s, peak RSS {r.max_rss_bytes / (1 << 20):,.0f} MiB", flush=True)
        return r

    def paired(self, data: Path, label: str, target: float = 1.0, keep_db: bool = True
               ) -> tuple[Path | None, Run | None]:
        """The ingest and the DuckDB load, alternated --pair-runs times on the same file.

        This machine is a shared VM whose speed drifts by a third between minutes, so one run of
        each says little: alternating them exposes both to the same drift, and the ratio is taken
        of the medians (each pair's own ratio is printed too). Returns the last ingest's database
        (kept for the search figures) and run.
        """
        duck = not self.args.skip_duckdb
        if duck:
            duck, version = ensure_duckdb(self.args.python)
            if duck:
                self.res.meta["duckdb"] = version
            else:
                self.res.skip("duckdb load: wall time", version)
        n = max(1, self.args.pair_runs)
        ingests: list[Run] = []
        pairs: list[tuple[Run, Run]] = []
        db: Path | None = None
        for i in range(n):
            print(f"  pair {i + 1}/{n}", flush=True)
            got, r = self.ingest(data, label)
            if got is None or r is None:
                return None, None  # an ingest that fails once says what it needs to; no more runs
            db = got
            ingests.append(r)
            if not keep_db:
                self.res.raw.setdefault(f"db_bytes_{label}", []).append(path_size(db))
                remove_db(db)
            d = self.duckdb(data) if duck else None
            if d is not None:
                pairs.append((r, d))
        assert db is not None
        self.report_ingest(data, label, db, ingests, None if keep_db else self.res.raw[f"db_bytes_{label}"][-1])
        if pairs:
            ducks = [d for _, d in pairs]
            dwall = statistics.median(d.wall_s for d in ducks)
            rows = ducks[-1].stdout.strip().splitlines()[-1] if ducks[-1].stdout.strip() else "?"
            runs = ", ".join(f"{d.wall_s:.1f}" for d in ducks)
            self.res.add(Figure(f"duckdb load {label}: wall time", dwall, "s", note=f"{rows} rows; runs {runs}"))
            self.res.add(Figure(f"duckdb load {label}: peak RSS", max(d.max_rss_bytes for d in ducks) / (1 << 20),
                                "MiB"))
            self.res.raw[f"duckdb_{label}"] = {"wall_s": [d.wall_s for d in ducks],
                                               "max_rss_bytes": [d.max_rss_bytes for d in ducks], "rows": rows}
            ratio = statistics.median(r.wall_s for r, _ in pairs) / dwall
            each = ", ".join(f"{r.wall_s / d.wall_s:.2f}" for r, d in pairs)
            self.res.add(Figure(f"ingest {label} time ratio trawl / duckdb (medians)", ratio, "x", f"<= {target:g}",
                                check(ratio <= target), note=f"per pair {each}"))
        elif duck:
            self.res.skip(f"ingest {label} time ratio trawl / duckdb", "no duckdb load succeeded", f"<= {target:g}")
        return db, ingests[-1]

    # -- phrase search vs rg ------------------------------------------------------------------

    def phrase(self, data: Path, db: Path | None, phrase: str) -> None:
        label = f"'{phrase}'" if len(phrase) <= 24 else f"'{phrase[:21]}...'"
        rg = shutil.which("rg")
        rg_best = None
        rg_count = None
        if rg is None:
            print("ripgrep (rg) is not installed: the rg comparisons are skipped. "
                  "Install it with `apt-get install ripgrep` (Debian/Ubuntu) or `brew install ripgrep`.",
                  flush=True)
            self.res.skip(f"rg -c {label}", "rg not installed")
        else:
            times = []
            for _ in range(self.args.rg_runs):
                r = run([rg, "-c", "-F", "--", phrase, str(data)], self.log("rg"), self.timeout)
                if r.returncode not in (0, 1):  # 1 = no match
                    self.res.error(f"rg -c {label}", describe_failure(r))
                    break
                times.append(r.wall_s)
                rg_count = int(r.stdout.strip() or 0)
            if times:
                rg_best = min(times)
                self.res.add(Figure(f"rg -c {label}: wall time", rg_best * 1000, "ms",
                                    note=f"{rg_count} matching lines, best of {len(times)}"))
        if db is None:
            self.res.skip(f"trawl search {label}", "no database")
            return
        query = f'"{phrase}"'
        took, walls, total = [], [], None
        # The count is what rg -c measures: `trawl search --count`.
        for _ in range(self.args.search_runs):
            cmd = [self.trawl, "--db", str(db), "search", query, "--count", "--json"]
            r = run(cmd, self.log("search"), self.timeout)
            if not r.ok():
                self.res.error(f"trawl search {label}", describe_failure(r))
                return
            out = parse_json_output(r)
            took.append(float(out["took_ms"]))
            walls.append(r.wall_s)
            total = int(out["total"])
        took_ms = statistics.median(took)
        wall_ms = statistics.median(walls) * 1000
        self.res.add(Figure(f"trawl search --count {label}: took_ms", took_ms, "ms",
                            note=f"{total} hits, median of {len(took)}"))
        self.res.add(Figure(f"trawl search --count {label}: process wall", wall_ms, "ms"))
        # For reference: the full answer (facets, first page, matched step and snippet per hit).
        full = []
        for _ in range(self.args.search_runs):
            r = run([self.trawl, "--db", str(db), "search", query, "--json", "--limit", "20"],
                    self.log("search"), self.timeout)
            if r.ok():
                full.append(float(parse_json_output(r)["took_ms"]))
        if full:
            self.res.add(Figure(f"trawl search {label} (facets + 20 hits with snippets): took_ms",
                                statistics.median(full), "ms"))
        self.res.raw.setdefault("phrases", []).append(
            {"phrase": phrase, "rg_ms": None if rg_best is None else rg_best * 1000, "rg_count": rg_count,
             "took_ms": took, "wall_ms": [w * 1000 for w in walls], "total": total})
        if rg_best is None:
            self.res.skip(f"speedup vs rg (in-process) {label}", "no rg figure", ">= 100x")
            self.res.skip(f"speedup vs rg (process) {label}", "no rg figure", ">= 10x")
            self.res.skip(f"counts agree {label}", "no rg figure", "rg == trawl")
            return
        inproc = rg_best * 1000 / max(took_ms, 1e-3)
        proc = rg_best * 1000 / wall_ms
        self.res.add(Figure(f"speedup vs rg (in-process) {label}", inproc, "x", ">= 100x", check(inproc >= 100)))
        self.res.add(Figure(f"speedup vs rg (process) {label}", proc, "x", ">= 10x", check(proc >= 10)))
        self.res.add(Figure(f"counts agree {label}", float(total or 0), "rows", f"rg = {rg_count}",
                            check(total == rg_count)))

    # -- query latencies ----------------------------------------------------------------------

    def queries(self, db: Path | None, judge: bool = True) -> None:
        """bench-queries on the database; with `judge`, the overall p95 against 50 ms (full_size.py
        judges each kind of query against its own target instead)."""
        name = "query latency p95"
        if db is None:
            self.res.skip(name, "no database", "<= 50 ms")
            return
        qfile = self.args.queries
        cmd = [self.trawl, "--db", str(db), "bench-queries", str(qfile), "--repeat", str(self.args.repeat), "--json"]
        print(f"queries: {shlex.join(cmd)}", flush=True)
        r = run(cmd, self.log("bench-queries"), self.timeout)
        if not r.ok():
            self.res.error(name, describe_failure(r), "<= 50 ms")
            return
        out = parse_json_output(r)
        self.res.queries = out.get("queries", [])
        print(f"  {'p50 ms':>9} {'p95 ms':>9} {'hits':>8}  query")
        for q in self.res.queries:
            flag = "   <- no hits" if int(q.get("total", 0)) == 0 else ""
            print(f"  {q['p50_ms']:>9.2f} {q['p95_ms']:>9.2f} {q.get('total', 0):>8}  {q['query']}{flag}")
        p50, p95 = float(out["p50_ms"]), float(out["p95_ms"])
        worst = max(self.res.queries, key=lambda q: q["p95_ms"], default=None)
        note = f"worst: {worst['query']} ({worst['p95_ms']:.1f} ms)" if worst else ""
        self.res.add(Figure("query latency p50", p50, "ms", note=f"{len(self.res.queries)} queries x {self.args.repeat}"))
        self.res.add(Figure(name, p95, "ms", "<= 50 ms" if judge else "", check(p95 <= 50.0) if judge else "INFO", note))
        zero = [q["query"] for q in self.res.queries if int(q.get("total", 0)) == 0]
        if zero:
            self.res.add(Figure("queries with no hits", float(len(zero)), "", "0", "INFO", "; ".join(zero)))

    # -- everything -----------------------------------------------------------------------------

    def start(self) -> None:
        """Creates the work directory and records what runs where (meta); prints the header."""
        a = self.args
        self.work.mkdir(parents=True, exist_ok=True)
        mem = total_memory_bytes()
        self.res.meta = {
            "started": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
            "host": platform.node(),
            "platform": platform.platform(),
            "cpus": os.cpu_count(),
            "memory_bytes": mem,
            "python": sys.version.split()[0],
            "trawl": self.trawl,
            "trawl_version": tool_version([self.trawl, "--version"]) if self.have_trawl else None,
            "rg": tool_version(["rg", "--version"]) or None,
            "args": {k: str(v) for k, v in vars(a).items()},
        }
        print(f"trawl: {self.trawl}" + ("" if self.have_trawl else "  (NOT FOUND: build it with "
                                           "`cargo build --release -p trawl-cli` or pass --trawl)"))
        print(f"work dir: {self.work}; cpus: {os.cpu_count()}; memory: "
              f"{'?' if mem is None else f'{mem / GIB:.1f} GiB'}\n")

        print(f"  {'figure':<56} {'value':>14} {'unit':<5} {'target':<16} status")

    def main(self) -> int:
        a = self.args
        self.start()
        data = self.generate(a.gb, f"{a.gb:g}g")
        db, ingest_run = (None, None)
        if data is not None:
            db, ingest_run = self.paired(data, f"{a.gb:g}g")
            for phrase in a.phrase or [DEFAULT_PHRASE]:
                self.phrase(data, db, phrase)
        self.queries(db)

        if a.rss_scale:
            big = self.generate(a.rss_gb, f"{a.rss_gb:g}g")
            big_db, big_run = self.ingest(big, f"{a.rss_gb:g}g") if big else (None, None)
            if big_db and big_run:
                self.report_ingest(big, f"{a.rss_gb:g}g", big_db, [big_run])
            if ingest_run and big_run:
                growth = big_run.max_rss_bytes / max(ingest_run.max_rss_bytes, 1)
                self.res.add(Figure(f"peak RSS {a.rss_gb:g} GB / {a.gb:g} GB", growth, "x", "<= 1.5x (flat)",
                                    check(growth <= 1.5)))
            else:
                self.res.skip("peak RSS growth", "an ingest did not run", "<= 1.5x (flat)")

        return self.finish()

    def finish(self) -> int:
        """Writes results.json, prints the summary; 1 when a figure failed."""
        self.res.meta["finished"] = time.strftime("%Y-%m-%dT%H:%M:%S%z")
        out = self.work / "results.json"
        out.write_text(json.dumps({
            "meta": self.res.meta,
            "figures": [asdict(f) for f in self.res.figures],
            "queries": self.res.queries,
            "raw": self.res.raw,
        }, indent=2) + "\n")
        self.summary(out)
        failed = [f for f in self.res.figures if f.status in ("FAIL", "ERROR")]
        return 1 if failed else 0

    def summary(self, out: Path) -> None:
        judged = [f for f in self.res.figures if f.status != "INFO"]
        print("\nsummary")
        for f in judged:
            value = "-" if f.value is None else f"{f.value:,.2f} {f.unit}"
            print(f"  {f.status:<5} {f.name:<56} {value:>16}  target {f.target or '-'}"
                  + (f"  [{f.note.splitlines()[0]}]" if f.status in ("SKIP", "ERROR") and f.note else ""))
        counts = {s: sum(1 for f in judged if f.status == s) for s in ("PASS", "FAIL", "SKIP", "ERROR")}
        print("  " + ", ".join(f"{n} {s}" for s, n in counts.items() if n) + f"; results in {out}")


def add_common_args(p: argparse.ArgumentParser, work: str = "bench-out") -> None:
    """The options bench.py shares with full_size.py."""
    p.add_argument("--trawl", type=Path, default=REPO_ROOT / "target" / "release" / "trawl",
                   help="the trawl binary (default: target/release/trawl)")
    p.add_argument("--seed", type=int, default=1, help="generator seed (default 1)")
    p.add_argument("--work", type=Path, default=REPO_ROOT / work,
                   help=f"work directory for data, databases, logs and results.json (default: {work})")
    p.add_argument("--queries", type=Path, default=REPO_ROOT / "benches" / "queries.txt",
                   help="queries for bench-queries (default: benches/queries.txt)")
    p.add_argument("--repeat", type=int, default=20, help="runs per query in bench-queries (default 20)")
    p.add_argument("--skip-duckdb", action="store_true", help="do not run the DuckDB comparison")
    p.add_argument("--pair-runs", type=int, default=3,
                   help="trawl ingest and DuckDB load alternated this many times; medians compared "
                        "(default 3)")
    p.add_argument("--duckdb-max-object", type=int, default=64 << 20,
                   help="read_json maximum_object_size in bytes (default 64 MiB)")
    p.add_argument("--python", default=sys.executable, help="Python used for the DuckDB process")
    p.add_argument("--timeout", type=float, default=3600.0, help="per-process timeout in seconds")


def parse_args(argv: list[str]) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    add_common_args(p)
    p.add_argument("--gb", type=float, default=1.0, help="size of the generated file in GiB (default 1)")
    p.add_argument("--reuse", action="store_true", help="reuse generated data files that are big enough")
    p.add_argument("--generator", type=Path,
                   help="generate with this program instead of `trawl gen` (called as PROG SEED BYTES OUT; "
                        "e.g. the trawl-gen example target/release/examples/gen_jsonl)")
    p.add_argument("--phrase", action="append",
                   help=f"phrase to compare with rg (repeatable; default: {DEFAULT_PHRASE!r})")
    p.add_argument("--rg-runs", type=int, default=3, help="rg runs per phrase; the best counts (default 3)")
    p.add_argument("--search-runs", type=int, default=5, help="search processes per phrase (default 5)")
    p.add_argument("--rss-scale", action="store_true", help="also generate and ingest --rss-gb GB")
    p.add_argument("--rss-gb", type=float, default=4.0, help="size for --rss-scale in GiB (default 4)")
    args = p.parse_args(argv)
    args.work = args.work.resolve()
    return args


if __name__ == "__main__":
    sys.exit(Bench(parse_args(sys.argv[1:])).main())
