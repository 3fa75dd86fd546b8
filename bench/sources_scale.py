#!/usr/bin/env python3
"""A generated conference-year from its paper lists to agg_rules: how long, and that a second
listing makes no request. Prints figures; asserts nothing. Starts Spark (run it alone, e.g.
under `flock LOCKFILE` where others share the machine).

A loopback server (tests/fixtures/openreview_api.py) answers as OpenReview API v2 and serves
the program JSON of a generated year (tests/fixtures/sources_world.py: N papers, M
profiles, two tracks). Timed, as a user runs them:
  1. `paperscope sources openreview` (the real openreview-py client: note pages, profile
     batches, the year's history entries) and `paperscope sources virtual`, in process;
  2. both again: served from the cache (requests to the server counted);
  3. the reconciliation of a PDF run at this size, without Spark: author rows as a PDF run
     would give them (the profile's countries, every tenth author unplaced) matched with
     both lists, each author's countries chosen by sources.precedence;
  4. `paperscope metadata --source <the openreview list>` in a subprocess (its own JVM, as
     from a shell): papers, affiliations and authors through the gazetteer, the gate, the
     gold tables (agg_rules among them), the report.

Usage: .venv/bin/python bench/sources_scale.py [--papers 5000] [--profiles 25000] [--keep DIR]
"""
from __future__ import annotations

import argparse
import contextlib
import io
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(REPO / "lib"), str(REPO / "tests")]

from fixtures.openreview_api import LoopbackOpenReview  # noqa: E402
from fixtures.sources_world import DB, MAIN, make_world  # noqa: E402


def _sources(argv: list[str]) -> float:
    from paperscope.sources.program.command import main

    t = time.perf_counter()
    with contextlib.redirect_stdout(io.StringIO()):
        code = main(argv)
    if code:
        raise SystemExit(f"paperscope sources {' '.join(argv[:1])}: exit {code}")
    return time.perf_counter() - t


def _reconcile(wh: Path) -> str:
    """The reconciliation of a PDF run of the whole year, on author rows made from the list."""
    import pandas as pd

    from paperscope.core.config import load_config
    from paperscope.counting.authors import header_rows
    from paperscope.paper.matcher import default_gazetteer
    from paperscope.sources.program import output
    from paperscope.sources.program.reconcile import load, reconcile

    lists = load(wh / "sources", [2025])
    rows, papers = [], []
    for p in output.read(output.paths(wh / "sources", "openreview", "neurips", 2025)["papers"]):
        strings = [{"raw": f.name, "source": "block", "matches": [{"country": f.country}]}
                   for a in p.authors for f in a.affiliations if f.country]
        index = {s["raw"]: i for i, s in enumerate(strings)}
        authors = [{"name": a.name, "affiliations": [] if a.position % 10 == 0 else
                    [index[f.name] for f in a.affiliations if f.country]} for a in p.authors]
        rows += header_rows(f"pdf-{p.id}", 2025, authors, strings)
        papers.append({"paper_id": f"pdf-{p.id}", "year": 2025, "title": p.title, "source_id": p.id})
    gaz = default_gazetteer()
    cache: dict[str, list] = {}

    def matches(raw):
        if raw not in cache:
            cache[raw] = gaz.match(raw)
        return cache[raw]

    t = time.perf_counter()
    got = reconcile(pd.DataFrame(rows), pd.DataFrame(papers), lists.papers, load_config().sources.precedence,
                    lambda raw: sorted({m.country for m in matches(raw) if m.country}), matches)
    took = time.perf_counter() - t
    chosen = {k[len("chosen_"):]: v for k, v in got.stats.items() if k.startswith("chosen_")}
    return (f"{took:.1f} s for {len(rows):,} author rows of {len(papers):,} papers against {len(lists.papers):,} "
            f"listed papers; chosen from {chosen}")


def _metadata(wh: Path, reports: Path) -> tuple[float, str]:
    source = wh / "sources" / "openreview" / "neurips-2025.jsonl"
    env = {**os.environ, "PYTHONPATH": str(REPO / "lib"), "SPARK_LOCAL_IP": "127.0.0.1"}
    cmd = [sys.executable, "-m", "paperscope.cli.commands", "metadata", "--source", str(source), "--conf-file",
           str(REPO / "conf" / "local.yaml"), "--warehouse", str(wh), "--reports", str(reports), "--master", "local[2]",
           "--set", f"delta.jar_cache={REPO / '.cache' / 'jars'}"]
    t = time.perf_counter()
    done = subprocess.run(cmd, cwd=REPO, env=env, capture_output=True, text=True)
    took = time.perf_counter() - t
    if done.returncode:
        raise SystemExit(f"paperscope metadata: exit {done.returncode}\n{done.stderr[-3000:]}")
    return took, done.stdout


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--papers", type=int, default=5000)
    ap.add_argument("--profiles", type=int, default=25000)
    ap.add_argument("--keep", help="folder for the warehouse, cache and reports (default: a temporary one)")
    args = ap.parse_args()
    t = time.perf_counter()
    world = make_world(args.papers, args.profiles)
    print(f"world: {len(world.notes):,} papers, {len(world.profiles):,} profiles, {len(world.events):,} program "
          f"events ({time.perf_counter() - t:.1f} s to generate); cores: {os.cpu_count()}, load average: "
          f"{os.getloadavg()[0]:.1f}")
    root = Path(args.keep or tempfile.mkdtemp(prefix="sources-scale-"))
    wh = root / "warehouse"
    started = time.perf_counter()
    with LoopbackOpenReview(world) as srv:
        common = ["--warehouse", str(wh), "--rate", "0"]
        listing = ["openreview", "--venue", MAIN, "--venue", DB, "--api", srv.url, *common]
        program = ["virtual", "--conference", "neurips", "--year", "2025", "--url", srv.program_url, *common]
        for run in (1, 2):
            asked = len(srv.log)
            a, b = _sources(listing), _sources(program)
            print(f"sources, run {run}: openreview {a:.1f} s, virtual {b:.1f} s; {len(srv.log) - asked} requests "
                  f"to the server")
            if run == 1:
                first = time.perf_counter() - started
    print(f"reconcile (no Spark): {_reconcile(wh)}")
    took, out = _metadata(wh, root / "reports")
    print(f"metadata run (its own JVM, to agg_rules and the report): {took:.1f} s")
    print(f"from the fixture to agg_rules: {first + took:.1f} s (first listing {first:.1f} s + metadata run)")
    table = out[out.find("US-China papers under each counting rule"):]
    print(table.strip())
    print(f"files under {root}")


if __name__ == "__main__":
    main()
