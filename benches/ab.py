#!/usr/bin/env python3
"""A/B comparison of two `trawl` binaries on the same generated data, in alternated runs.

A change that should not alter speed (a refactor, a dependency bump) is checked by running the
binary before it (A) and after it (B) in turns, A B A B ..., on this machine whose speed drifts
between minutes, and comparing medians. Each run of a binary:

  1. ingest      a fresh database from the same generated JSONL file: wall seconds, peak RSS (MB)
  2. queries     `bench-queries benches/queries.txt --repeat R --json` on that database: p50, p95 (ms)
  3. app         `bench-app --json`: the app's own latencies through the HTTP API (ms)
  4. curation    `bench-curation --no-dedup --export-count N --json`: export MB/s per format

Every numeric leaf of the JSON outputs is kept under its path; the table prints, for each figure,
the median of A, the median of B and B/A, marking ratios outside +-15% with `!` (look at those
figures' individual runs, printed in results.json, before believing them).

Example:
  python3 benches/ab.py --a /tmp/before/trawl --b target/release/trawl --gb 0.3 --pairs 3
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent


def run_rss(cmd: list[str], log: Path) -> tuple[float, float, str]:
    """Like run, with the child's own peak RSS (MB) from wait4."""
    t0 = time.perf_counter()
    with open(log, "w") as err:
        p = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=err, text=True)
        out = p.stdout.read() if p.stdout else ""
        _, status, usage = os.wait4(p.pid, 0)
    wall = time.perf_counter() - t0
    code = os.waitstatus_to_exitcode(status)
    if code != 0:
        sys.exit(f"ab: {' '.join(cmd)} exited {code}; see {log}")
    return wall, usage.ru_maxrss / 1024.0, out


def leaves(prefix: str, v, out: dict[str, float]) -> None:
    """Flattens the numeric leaves of a JSON value into path -> number."""
    if isinstance(v, bool):
        return
    if isinstance(v, (int, float)):
        out[prefix] = float(v)
    elif isinstance(v, dict):
        for k, x in v.items():
            leaves(f"{prefix}.{k}" if prefix else str(k), x, out)
    elif isinstance(v, list):
        for i, x in enumerate(v):
            key = x.get("query") or x.get("name") if isinstance(x, dict) else None
            leaves(f"{prefix}[{key or i}]", x, out)


def one_run(binary: Path, data: Path, work: Path, args) -> dict[str, float]:
    db = work / "ab.db"
    for p in (db, Path(f"{db}-wal"), Path(f"{db}-shm")):
        p.unlink(missing_ok=True)
    shutil.rmtree(f"{db}.index", ignore_errors=True)
    shutil.rmtree(work / "curation", ignore_errors=True)
    figs: dict[str, float] = {}
    wall, rss, _ = run_rss([str(binary), "--db", str(db), "ingest", str(data), "--json"], work / "ingest.log")
    figs["ingest.seconds"] = wall
    figs["ingest.peak_rss_mb"] = rss
    _, _, out = run_rss([str(binary), "--db", str(db), "bench-queries", str(args.queries), "--repeat",
                         str(args.repeat), "--json"], work / "queries.log")
    q = json.loads(out)
    figs["queries.p50_ms"] = float(q["p50_ms"])
    figs["queries.p95_ms"] = float(q["p95_ms"])
    _, _, out = run_rss([str(binary), "--db", str(db), "bench-app", "--json"], work / "app.log")
    leaves("app", json.loads(out), figs)
    _, _, out = run_rss([str(binary), "--db", str(db), "bench-curation", "--no-dedup", "--export-count",
                         str(args.export_count), "--out", str(work / "curation"), "--json"], work / "curation.log")
    cur = json.loads(out)
    for fmt, v in (cur.get("exports") or {}).items():
        if isinstance(v, dict) and "mb_per_s" in v:
            figs[f"export.{fmt}.mb_per_s"] = float(v["mb_per_s"])
    return figs


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--a", type=Path, required=True, help="the binary before")
    p.add_argument("--b", type=Path, required=True, help="the binary after")
    p.add_argument("--gb", type=float, default=0.3, help="size of the generated JSONL in GiB (default 0.3)")
    p.add_argument("--pairs", type=int, default=3, help="alternated A/B pairs (default 3)")
    p.add_argument("--repeat", type=int, default=10, help="runs per query in bench-queries (default 10)")
    p.add_argument("--export-count", type=int, default=2000, help="records per curation export (default 2000)")
    p.add_argument("--queries", type=Path, default=REPO_ROOT / "benches" / "queries.txt")
    p.add_argument("--work", type=Path, default=REPO_ROOT / "bench-out" / "ab")
    args = p.parse_args()
    args.work.mkdir(parents=True, exist_ok=True)
    data = args.work / f"gen-{args.gb}.jsonl"
    if not data.exists():
        print(f"ab: generating {args.gb} GiB into {data}", flush=True)
        run_rss([str(args.b), "gen", "--bytes", f"{int(args.gb * (1 << 30))}", "--out", str(data)], args.work / "gen.log")
    runs: dict[str, list[dict[str, float]]] = {"A": [], "B": []}
    for i in range(args.pairs):
        for name, binary in (("A", args.a), ("B", args.b)) if i % 2 == 0 else (("B", args.b), ("A", args.a)):
            print(f"ab: pair {i + 1}/{args.pairs}: {name} ({binary})", flush=True)
            runs[name].append(one_run(binary, data, args.work, args))
    keys = sorted(set(runs["A"][0]) & set(runs["B"][0]))
    print(f"\n{'figure':<58} {'A median':>10} {'B median':>10} {'B/A':>7}")
    table = {}
    for k in keys:
        a = statistics.median(r[k] for r in runs["A"] if k in r)
        b = statistics.median(r[k] for r in runs["B"] if k in r)
        ratio = b / a if a else float("nan")
        mark = " !" if a and abs(ratio - 1) > 0.15 else ""
        print(f"{k:<58} {a:>10.2f} {b:>10.2f} {ratio:>7.2f}{mark}")
        table[k] = {"a": a, "b": b, "ratio": ratio}
    load = os.getloadavg()
    print(f"\nload average at the end: {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}; {os.cpu_count()} cores")
    (args.work / "results.json").write_text(json.dumps({"runs": runs, "medians": table, "load": load}, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
