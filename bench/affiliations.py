#!/usr/bin/env python3
"""How good and how fast the affiliation matcher is. Prints figures; asserts nothing.

  1. country-set exact match on a labelled TSV (columns affiliation, countries;
     default ../shared/eval/affiliations_dev.tsv), also per half (odd/even rows) as a
     check that rules generalise; -v lists the misses;
  2. paper level on ../shared/papers/labels.tsv with its PDFs: countries, has_us and
     has_cn from page one through header.parse (what the pipeline does);
  3. speed: every author-slot affiliation string of ../shared/neurips2024/nips2024.json
     matched on one core (gazetteer load timed apart).

Usage: .venv/bin/python bench/affiliations.py [--tsv FILE] [--labels FILE] [--neurips FILE] [-v]
"""
from __future__ import annotations

import argparse
import codecs
import csv
import html
import json
import sys
import time
from pathlib import Path

from paperscope.cli.tools import match_record
from paperscope.core.config import load_config
from paperscope.paper.matcher import load

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared"


def labelled(path: Path, gaz, verbose: bool) -> None:
    with open(path, encoding="utf-8", newline="") as f:
        rows = list(csv.DictReader(f, delimiter="\t", quoting=csv.QUOTE_NONE))
    right = [0, 0]
    total = [0, 0]
    misses = []
    for i, row in enumerate(rows):
        want = sorted(c for c in row["countries"].split(",") if c)
        got = match_record(row["affiliation"], gaz)
        ok = got["countries"] == want
        right[i % 2] += ok
        total[i % 2] += 1
        if not ok:
            misses.append((row["affiliation"], want, got))
    n = sum(total)
    print(f"{path.name}: country-set exact match {sum(right)}/{n} = {sum(right) / n:.3f} "
          f"(odd rows {right[0] / total[0]:.3f}, even rows {right[1] / max(total[1], 1):.3f})")
    if verbose:
        for text, want, got in misses:
            print(f"  MISS want={','.join(want) or '-'} got={','.join(got['countries']) or '-'} "
                  f"[{got['method']}] {text!r} {got['evidence']}")


def papers(labels: Path, gaz, verbose: bool) -> None:
    from paperscope.cli.tools import header_record

    with open(labels, encoding="utf-8", newline="") as f:
        rows = list(csv.DictReader(f, delimiter="\t", quoting=csv.QUOTE_NONE))
    good = 0
    for row in rows:
        pdf = labels.parent / row["file"]
        if not pdf.exists():
            print(f"  missing {pdf}")
            continue
        rec = header_record(pdf, gaz)
        want = sorted(c for c in row["countries"].split(",") if c)
        ok = (rec["countries"] == want and rec["has_us"] == (row["has_us"] == "1")
              and rec["has_cn"] == (row["has_cn"] == "1"))
        good += ok
        if verbose or not ok:
            print(f"  {'ok  ' if ok else 'MISS'} {row['file'][:60]}: want {want} got {rec['countries']}")
    print(f"{labels.name}: papers with countries, has_us and has_cn all right: {good}/{len(rows)}")


def _decode(s: str) -> str:
    if "\\" in s:
        s = codecs.decode(s.encode("ascii", "backslashreplace"), "unicode_escape")
    for _ in range(10):
        u = html.unescape(s)
        if u == s:
            break
        s = u
    return s.strip()


def speed(path: Path, gaz) -> None:
    strings = []
    with open(path, encoding="utf-8") as f:
        for line in f:
            for a in json.loads(line)["authors"]:
                strings.append(_decode(a.get("affiliation") or ""))
    t0, c0 = time.perf_counter(), time.process_time()
    resolved = sum(1 for s in strings if match_record(s, gaz)["countries"])
    dt, cpu = time.perf_counter() - t0, time.process_time() - c0
    distinct = len(set(strings))
    print(f"{path.name}: {len(strings)} author-slot strings ({distinct} distinct) matched in {dt:.2f} s wall, "
          f"{cpu:.2f} s CPU, one process ({len(strings) / cpu:,.0f} strings per CPU second); "
          f"{resolved} ({resolved / len(strings):.1%}) got a country")


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description="Accuracy and speed of the affiliation matcher.")
    p.add_argument("--tsv", default=str(SHARED / "eval" / "affiliations_dev.tsv"))
    p.add_argument("--labels", default=str(SHARED / "papers" / "labels.tsv"))
    p.add_argument("--neurips", default=str(SHARED / "neurips2024" / "nips2024.json"))
    p.add_argument("--ror-dump", default=None, help="ROR v2 JSON dump to use instead of the bundled data")
    p.add_argument("-v", "--verbose", action="store_true", help="list the misses")
    args = p.parse_args(argv)
    t0 = time.perf_counter()
    gaz = load(args.ror_dump, load_config().affiliations.fuzzy_threshold)
    print(f"gazetteer: {len(gaz.entries)} names, {len(gaz.index)} keys, loaded in {time.perf_counter() - t0:.2f} s")
    for path, fn in ((args.tsv, lambda p: labelled(p, gaz, args.verbose)),
                     (args.labels, lambda p: papers(p, gaz, args.verbose)),
                     (args.neurips, lambda p: speed(p, gaz))):
        if path and Path(path).exists():
            fn(Path(path))
        else:
            print(f"skipped: {path} not found")
    return 0


if __name__ == "__main__":
    sys.exit(main())
