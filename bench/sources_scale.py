#!/usr/bin/env python3
"""How fast `paperscope sources openreview` takes a generated conference-year to per-author rows,
and that the second run is served from the cache. Prints figures; asserts nothing.

A loopback server (tests/fixtures/openreview_api.py) answers as OpenReview API v2 for a
generated year (tests/fixtures/sources_world.py); the real openreview-py client pages
through the notes and batches the profile search. Timed, per run: collect (requests,
parse, the year's history entries), write the JSON lines, and the per-author rows
(output.to_metadata_records -> metadata.to_rows: papers, affiliations through the
gazetteer, authors). The second run uses the first run's cache.

Usage: .venv/bin/python bench/sources_scale.py [--papers 5000] [--profiles 25000] [--keep DIR]
"""
from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(REPO / "lib"), str(REPO / "tests")]

from fixtures.openreview_api import LoopbackOpenReview  # noqa: E402
from fixtures.sources_world import DB, MAIN, make_world  # noqa: E402

from paperscope.metadata import to_rows  # noqa: E402
from paperscope.sources import output  # noqa: E402
from paperscope.sources.cache import ResponseCache  # noqa: E402
from paperscope.sources.openreview import OpenReviewSource  # noqa: E402
from paperscope.sources.settings import Settings  # noqa: E402


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--papers", type=int, default=5000)
    ap.add_argument("--profiles", type=int, default=25000)
    ap.add_argument("--keep", help="folder for the cache and output (default: a temporary one)")
    args = ap.parse_args()
    t = time.perf_counter()
    world = make_world(args.papers, args.profiles)
    print(f"world: {len(world.notes)} papers, {len(world.profiles)} profiles, {len(world.events)} events "
          f"({time.perf_counter() - t:.1f} s to generate)")
    root = Path(args.keep or tempfile.mkdtemp(prefix="sources-scale-"))
    with LoopbackOpenReview(world) as srv:
        settings = Settings(openreview_api=srv.url, rate_per_s=0)
        for run in (1, 2):
            asked = len(srv.log)
            t0 = time.perf_counter()
            got = OpenReviewSource([MAIN, DB], settings, ResponseCache(root / "cache"), env={}).collect("neurips", 2025)
            t1 = time.perf_counter()
            output.write(root / "out", "openreview", "neurips", 2025, got.papers, got.stats)
            t2 = time.perf_counter()
            read = to_rows(output.to_metadata_records(got.papers, settings.author_order), 2025, "openreview", "sources")
            t3 = time.perf_counter()
            print(f"run {run}: collect {t1 - t0:.1f} s ({len(srv.log) - asked} requests to the server, "
                  f"{got.stats.get('cached_responses', 0)} cached responses, {got.stats['profiles_found']} profiles), "
                  f"write {t2 - t1:.1f} s, rows {t3 - t2:.1f} s ({len(read.papers)} papers, "
                  f"{len(read.affiliations)} affiliation rows, {len(read.authors)} author rows); "
                  f"total {t3 - t0:.1f} s")
    print(f"files under {root}")


if __name__ == "__main__":
    main()
