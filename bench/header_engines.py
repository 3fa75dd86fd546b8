"""Header engines compared: the same answers as the reference, paper by paper, and at what cost?

    nice -n 10 .venv/bin/python bench/header_engines.py [--rounds 3] [--engine pdfium]

Every labelled set the project has: ../shared/papers (labels.tsv), ../shared/papers-dev
(labels.tsv and labels_authors.tsv) and the bundled sample (sample/ground_truth.csv,
sample/authors_truth.csv). Each PDF is read by `paperscope header` in this process
(cli.tools.header_record) once with extract.header_engine=pdfminer (the reference) and
once with the candidate, and scored the way the shared scorers score: has_us/has_cn and
the country set against labels.tsv (score_papers.py), the first and last authors'
countries against labels_authors.tsv (score_authors.py), and for the sample the paper's
countries and every author's against its truth files. A paper's answers are the
countries, the two flags and each author's name with the countries their affiliations
resolve to; the candidate is "equal" where they are the reference's, "better" where
they differ and score higher, "worse" where they score lower, "differs" where they
differ and score the same. Titles are compared after NFKC (PDFium spells out ligatures
that pdfminer keeps: "ﬁ" -> "fi"). The mentions counter (packaged terms, both scopes)
runs on each engine's full text: page one's text is part of it.

Then the CPU seconds (time.process_time, this process, no fork, no Spark) per paper of
pdf.extract: page one only (max_pages=1) and the whole paper, each engine in turn on
each PDF, in --rounds rounds; medians. "The limit" is the whole extraction divided over
the cores, as bench/scale.py defines it. The rule for the default: the candidate is only
the default when no paper of any set is worse and none differs.
"""
from __future__ import annotations

import argparse
import csv
import dataclasses
import hashlib
import os
import statistics
import sys
import time
import unicodedata
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "lib"))

from paperscope.cli.tools import header_record  # noqa: E402
from paperscope.core.config import load_config  # noqa: E402
from paperscope.paper import mentions  # noqa: E402
from paperscope.paper.matcher import from_config  # noqa: E402
from paperscope.paper.pdf.extract import extract  # noqa: E402
from paperscope.paper.pdf.limits import HEADER_REFERENCE, OK, Limits  # noqa: E402

SHARED = REPO.parent / "shared"


@dataclasses.dataclass
class Paper:
    path: Path
    flags: tuple[bool, bool] | None = None  # has_us, has_cn
    countries: set[str] | None = None
    first_last: tuple[set[str], set[str] | None] | None = None  # labels_authors.tsv
    authors: list[set[str]] | None = None  # the sample's every author, in order


def _codes(text: str, sep: str = ",") -> set[str]:
    return {c.strip() for c in text.split(sep) if c.strip()}


def _shared_set(name: str) -> list[Paper]:
    folder = SHARED / name
    papers = {}
    with open(folder / "labels.tsv", encoding="utf-8") as f:
        for row in csv.DictReader(f, delimiter="\t"):
            papers[row["file"]] = Paper(folder / row["file"], (row["has_us"] == "1", row["has_cn"] == "1"),
                                        _codes(row["countries"]))
    if (folder / "labels_authors.tsv").exists():
        with open(folder / "labels_authors.tsv", encoding="utf-8") as f:
            for row in csv.DictReader(f, delimiter="\t"):
                if int(row["n_authors"] or 0) and row["first_author"] not in ("", "?") and row["file"] in papers:
                    last = _codes(row["last_author"]) if row["last_author"] not in ("", "?") else None
                    papers[row["file"]].first_last = (_codes(row["first_author"]), last)
    return [p for p in papers.values() if p.path.exists()]


def _sample() -> list[Paper]:
    folder = REPO / "sample"
    papers = {}
    with open(folder / "ground_truth.csv", encoding="utf-8", newline="") as f:
        for row in csv.DictReader(f):
            papers[row["file"]] = Paper(folder / "corpus" / row["file"], (row["has_us"] == "1", row["has_cn"] == "1"),
                                        _codes(row["countries"]))
    with open(folder / "authors_truth.csv", encoding="utf-8", newline="") as f:
        rows = sorted(csv.DictReader(f), key=lambda r: (r["file"], int(r["position"])))
    for row in rows:
        paper = papers.get(row["file"])
        if paper is not None:
            paper.authors = (paper.authors or []) + [_codes(row["countries"], "|") | _codes(row["countries"])]
    return list(papers.values())


def _author_countries(record: dict) -> list[tuple[str, set[str]]]:
    affs = record.get("affiliations") or []
    return [(a["name"], {c for i in a.get("affiliations") or [] if 0 <= i < len(affs) for c in affs[i]["countries"]})
            for a in record.get("authors") or []]


def _answers(record: dict) -> tuple:
    return (tuple(record["countries"]), record["has_us"], record["has_cn"],
            tuple((name, tuple(sorted(cs))) for name, cs in _author_countries(record)))


def _score(paper: Paper, record: dict) -> dict[str, bool]:
    """Right or wrong on each label the paper has (as the shared scorers count)."""
    out = {}
    if paper.flags is not None:
        out["flags"] = (record["has_us"], record["has_cn"]) == paper.flags
        out["countries"] = set(record["countries"]) == paper.countries
    authors = _author_countries(record)
    if paper.first_last is not None:
        first, last = paper.first_last
        out["first_last"] = bool(authors) and authors[0][1] == first and (last is None or authors[-1][1] == last)
    if paper.authors is not None:
        out["authors"] = [cs for _, cs in authors] == paper.authors
    return out


def _title(record: dict) -> str:
    return " ".join(unicodedata.normalize("NFKC", record.get("title") or "").split())


def _mentions(path: Path, limits: Limits, terms) -> dict:
    got = extract(path.read_bytes(), limits)
    return {(t, scope): n for t, full, body in (mentions.count_terms(got.full_text or "", terms) if got.status == OK else [])
            for scope, n in (("full", full), ("body", body))}


def compare(sets: dict[str, list[Paper]], engine: str, cfg) -> bool:
    gaz = from_config(cfg)
    terms = mentions.load_terms()
    limits = {e: Limits.from_config(cfg, header_engine=e) for e in (HEADER_REFERENCE, engine)}
    verdict = True
    print(f"answers, reference {HEADER_REFERENCE} vs candidate {engine}, paper by paper:")
    print(f"| set | papers | flags right | country sets right | first+last authors right | sample authors right "
          f"| equal | better | worse | differs | titles equal (NFKC) | mention counts equal |")
    print("|---|---|---|---|---|---|---|---|---|---|---|---|")
    notes = []
    for name, papers in sets.items():
        totals = {e: {} for e in limits}
        tally = dict.fromkeys(("equal", "better", "worse", "differs"), 0)
        titles = counts = 0
        for paper in papers:
            recs = {e: header_record(paper.path, gaz, cfg.affiliations.china_policy, False,
                                     cfg.affiliations.count_former, limits[e]) for e in limits}
            scores = {e: _score(paper, recs[e]) for e in limits}
            for e in limits:
                for k, v in scores[e].items():
                    totals[e][k] = totals[e].get(k, 0) + v
            ref, cand = recs[HEADER_REFERENCE], recs[engine]
            titles += _title(ref) == _title(cand)
            same_counts = _mentions(paper.path, limits[HEADER_REFERENCE], terms) == _mentions(paper.path, limits[engine], terms)
            counts += same_counts
            if _answers(ref) == _answers(cand):
                kind = "equal"
            else:
                delta = sum(scores[engine].values()) - sum(scores[HEADER_REFERENCE].values())
                kind = "better" if delta > 0 else "worse" if delta < 0 else "differs"
                notes.append(f"  {name}/{paper.path.name}: {kind}: reference {_answers(ref)}; candidate {_answers(cand)}")
            if not same_counts:
                notes.append(f"  {name}/{paper.path.name}: mention counts differ")
            if _title(ref) != _title(cand):
                notes.append(f"  {name}/{paper.path.name}: title: {ref['title']!r} -> {cand['title']!r}")
            tally[kind] += 1
        verdict &= tally["worse"] == 0 and tally["differs"] == 0

        def cell(key):
            if key not in totals[HEADER_REFERENCE]:
                return "-"
            return f"{totals[HEADER_REFERENCE][key]} / {totals[engine][key]}"

        print(f"| {name} | {len(papers)} | {cell('flags')} | {cell('countries')} | {cell('first_last')} | "
              f"{cell('authors')} | {tally['equal']} | {tally['better']} | {tally['worse']} | {tally['differs']} | "
              f"{titles} | {counts} |")
    print("(a / b: reference / candidate)")
    if notes:
        print("differences:")
        print("\n".join(notes))
    return verdict


def speed(paths: list[Path], engine: str, rounds: int, cfg) -> None:
    limits = {e: Limits.from_config(cfg, header_engine=e) for e in (HEADER_REFERENCE, engine)}
    datas = [p.read_bytes() for p in paths]
    per = {(e, scope): [] for e in limits for scope in ("page one", "whole")}
    for _ in range(rounds):
        totals = dict.fromkeys(per, 0.0)
        for data in datas:
            for e in limits:
                for scope, max_pages in (("page one", 1), ("whole", None)):
                    start = time.process_time()
                    extract(data, limits[e], max_pages=max_pages)
                    totals[(e, scope)] += time.process_time() - start
        for key, value in totals.items():
            per[key].append(value / len(datas))
    cores = os.cpu_count() or 1
    print(f"CPU seconds per paper, pdf.extract in this process, {len(datas)} distinct PDFs, median of {rounds} round(s) "
          f"(rounds: {', '.join(f'{v * 1000:.0f}' for v in per[(engine, 'whole')])} ms whole for {engine}):")
    med = {k: statistics.median(v) for k, v in per.items()}
    for scope in ("page one", "whole"):
        ref, cand = med[(HEADER_REFERENCE, scope)], med[(engine, scope)]
        print(f"  {scope:<9} {HEADER_REFERENCE} {ref:.4f} s, {engine} {cand:.4f} s: {ref / cand:.2f}x less CPU")
    print(f"the limit (whole extraction over {cores} cores): {HEADER_REFERENCE} {med[(HEADER_REFERENCE, 'whole')] / cores:.4f} s "
          f"per paper, {engine} {med[(engine, 'whole')] / cores:.4f} s per paper")


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--engine", default="pdfium", help="the candidate header engine")
    p.add_argument("--rounds", type=int, default=3, help="rounds of the speed measurement (0: none)")
    args = p.parse_args()
    cfg = load_config(sets=["extract.timeout_seconds=0"])
    sets = {"papers": _shared_set("papers"), "papers-dev": _shared_set("papers-dev"), "sample": _sample()}
    print(f"sets: {', '.join(f'{k} ({len(v)} PDFs)' for k, v in sets.items())}; cores: {os.cpu_count()}; "
          f"load average: {os.getloadavg()[0]:.1f}")
    verdict = compare(sets, args.engine, cfg)
    if args.rounds:
        seen, paths = set(), []
        for paper in (p for papers in sets.values() for p in papers):
            digest = hashlib.sha256(paper.path.read_bytes()).hexdigest()
            if digest not in seen:
                seen.add(digest)
                paths.append(paper.path)
        speed(paths, args.engine, args.rounds, cfg)
    print(f"default by the rule (no paper worse, none differing): {args.engine if verdict else HEADER_REFERENCE}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
