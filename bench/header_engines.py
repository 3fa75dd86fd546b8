"""Header engines compared: the same answers as the reference, paper by paper, and at what cost?

    nice -n 10 .venv/bin/python bench/header_engines.py [--rounds 3] [--engines pdfminer-lean,pdfium]

Every labelled set the project has: ../shared/papers (labels.tsv), ../shared/papers-dev
(labels.tsv and labels_authors.tsv) and the bundled sample (sample/ground_truth.csv,
sample/authors_truth.csv). Each PDF is read by `paperscope header` in this process
(cli.tools.header_record) with extract.header_engine=pdfminer (the reference) and with
each candidate, and scored the way the shared scorers score: has_us/has_cn and the
country set against labels.tsv (score_papers.py), the first and last authors' countries
against labels_authors.tsv (score_authors.py), and for the sample the paper's countries
and every author's against its truth files. A paper's answers are the countries, the two
flags and each author's name with the countries their affiliations resolve to; a
candidate is "equal" where they are the reference's, "better" where they differ and
score higher, "worse" where they score lower, "differs" where they differ and score the
same (no label decides). "rows identical": the papers row's extracted fields (status,
title, header text, header layout, full text) equal the reference's byte for byte.
Titles are also compared after NFKC (PDFium spells out ligatures that pdfminer keeps:
"ﬁ" -> "fi"). The mentions step's reading (mentions.analyse with the packaged terms:
counts in both scopes and by section, used or cited) runs on each engine's full text,
page one's text being part of it.

Then the CPU seconds (time.process_time, this process, no fork, no Spark) per paper of
pdf.extract: page one only (max_pages=1) and the whole paper, each engine in turn on
each PDF, in --rounds rounds; medians. "The limit" is the whole extraction divided over
the cores, as bench/scale.py defines it. The rule for the default: the cheapest
candidate with no paper of any set worse and none differing; else the reference.
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


def _mentions(row: tuple, terms) -> list[tuple]:
    """What the mentions step records per term (mentions.analyse on the full text): the counts
    in both scopes and by section, and used or cited (the evidence quotes the text, so it is left out)."""
    found = mentions.analyse(row[4] or "", terms) if row[0] == OK else []
    return [(m.term, m.count_full, m.count_body, sorted(m.sections.items()), m.count_table, m.use) for m in found]


def compare(sets: dict[str, list[Paper]], engines: list[str], cfg) -> dict[str, bool]:
    """The answers table per candidate; whether each passes the rule (no paper worse, none differing)."""
    gaz = from_config(cfg)
    terms = mentions.load_terms()
    limits = {e: Limits.from_config(cfg, header_engine=e) for e in [HEADER_REFERENCE, *engines]}
    verdict = dict.fromkeys(engines, True)
    rows, notes = [], []
    for name, papers in sets.items():
        totals = {e: {} for e in limits}
        tally = {e: dict.fromkeys(("equal", "better", "worse", "differs"), 0) for e in engines}
        titles, counts, identical = dict.fromkeys(engines, 0), dict.fromkeys(engines, 0), dict.fromkeys(engines, 0)
        for paper in papers:
            data = paper.path.read_bytes()
            recs = {e: header_record(paper.path, gaz, cfg.affiliations.china_policy, False,
                                     cfg.affiliations.count_former, limits[e]) for e in limits}
            scores = {e: _score(paper, recs[e]) for e in limits}
            for e in limits:
                for k, v in scores[e].items():
                    totals[e][k] = totals[e].get(k, 0) + v
            rows_read = {e: _row(data, limits[e]) for e in limits}
            said = {e: _mentions(rows_read[e], terms) for e in limits}
            ref = recs[HEADER_REFERENCE]
            for e in engines:
                cand = recs[e]
                identical[e] += rows_read[e] == rows_read[HEADER_REFERENCE]
                titles[e] += _title(ref) == _title(cand)
                counts[e] += said[e] == said[HEADER_REFERENCE]
                if _answers(ref) == _answers(cand):
                    kind = "equal"
                else:
                    delta = sum(scores[e].values()) - sum(scores[HEADER_REFERENCE].values())
                    kind = "better" if delta > 0 else "worse" if delta < 0 else "differs"
                    notes.append(f"  {e}: {name}/{paper.path.name}: {kind}: reference {_answers(ref)}; "
                                 f"{e} {_answers(cand)}")
                if said[e] != said[HEADER_REFERENCE]:
                    notes.append(f"  {e}: {name}/{paper.path.name}: mentions differ")
                if _title(ref) != _title(cand):
                    notes.append(f"  {e}: {name}/{paper.path.name}: title: {ref['title']!r} -> {cand['title']!r}")
                tally[e][kind] += 1
        for e in engines:
            verdict[e] &= tally[e]["worse"] == 0 and tally[e]["differs"] == 0

            def cell(key):
                if key not in totals[HEADER_REFERENCE]:
                    return "-"
                return f"{totals[HEADER_REFERENCE][key]} / {totals[e][key]}"

            t = tally[e]
            rows.append(f"| {name} | {e} | {len(papers)} | {cell('flags')} | {cell('countries')} | {cell('first_last')} | "
                        f"{cell('authors')} | {t['equal']} | {t['better']} | {t['worse']} | {t['differs']} | "
                        f"{identical[e]} | {titles[e]} | {counts[e]} |")
    print(f"answers, paper by paper, of each candidate against the reference ({HEADER_REFERENCE}); a / b: reference / candidate")
    print("| set | candidate | papers | flags right | country sets right | first+last authors right | sample authors right "
          "| equal | better | worse | differs | rows identical | titles equal (NFKC) | mentions equal |")
    print("|---|---|---|---|---|---|---|---|---|---|---|---|---|---|")
    print("\n".join(sorted(rows, key=lambda r: (r.split("|")[2], [*sets].index(r.split("|")[1].strip())))))
    if notes:
        print("differences:")
        print("\n".join(notes))
    return verdict


def _row(data: bytes, limits: Limits) -> tuple:
    """What a papers row holds from the extraction (page one's fields and the full text)."""
    got = extract(data, limits)
    return got.status, got.title, got.header_text, got.header_layout, got.full_text


def speed(paths: list[Path], engines: list[str], rounds: int, cfg) -> dict[str, float]:
    """CPU per paper, page one and whole, each engine on each PDF in turn; the medians printed."""
    everyone = [HEADER_REFERENCE, *engines]
    limits = {e: Limits.from_config(cfg, header_engine=e) for e in everyone}
    datas = [p.read_bytes() for p in paths]
    per = {(e, scope): [] for e in everyone for scope in ("page one", "whole")}
    for _ in range(rounds):
        totals = dict.fromkeys(per, 0.0)
        for data in datas:
            for e in everyone:
                for scope, max_pages in (("page one", 1), ("whole", None)):
                    start = time.process_time()
                    extract(data, limits[e], max_pages=max_pages)
                    totals[(e, scope)] += time.process_time() - start
        for key, value in totals.items():
            per[key].append(value / len(datas))
    cores = os.cpu_count() or 1
    med = {k: statistics.median(v) for k, v in per.items()}
    print(f"CPU seconds per paper, pdf.extract in this process, {len(datas)} distinct PDFs, median of {rounds} round(s):")
    print("| engine | page one | whole paper | page one vs reference | whole vs reference | the limit (whole / cores) |")
    print("|---|---|---|---|---|---|")
    for e in everyone:
        one, whole = med[(e, "page one")], med[(e, "whole")]
        print(f"| {e} | {one:.4f} s | {whole:.4f} s | {med[(HEADER_REFERENCE, 'page one')] / one:.2f}x less | "
              f"{med[(HEADER_REFERENCE, 'whole')] / whole:.2f}x less | {whole / cores:.4f} s |")
    print("rounds (whole, ms per paper): " + "; ".join(
        f"{e} {', '.join(f'{v * 1000:.0f}' for v in per[(e, 'whole')])}" for e in everyone))
    return {e: med[(e, "whole")] for e in everyone}


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--engines", default="pdfminer-lean,pdfium", help="the candidate header engines, comma-separated")
    p.add_argument("--rounds", type=int, default=3, help="rounds of the speed measurement (0: none)")
    args = p.parse_args()
    engines = [e for e in args.engines.split(",") if e]
    cfg = load_config(sets=["extract.timeout_seconds=0"])
    sets = {"papers": _shared_set("papers"), "papers-dev": _shared_set("papers-dev"), "sample": _sample()}
    print(f"sets: {', '.join(f'{k} ({len(v)} PDFs)' for k, v in sets.items())}; cores: {os.cpu_count()}; "
          f"load average: {os.getloadavg()[0]:.1f}")
    verdict = compare(sets, engines, cfg)
    cost = None
    if args.rounds:
        seen, paths = set(), []
        for paper in (p for papers in sets.values() for p in papers):
            digest = hashlib.sha256(paper.path.read_bytes()).hexdigest()
            if digest not in seen:
                seen.add(digest)
                paths.append(paper.path)
        cost = speed(paths, engines, args.rounds, cfg)
    passing = [e for e in engines if verdict[e]]
    choice = min(passing, key=lambda e: cost[e]) if passing and cost else (passing[0] if passing else HEADER_REFERENCE)
    print(f"passing the rule (no paper worse, none differing): {', '.join(passing) or 'none'}; "
          f"default by the rule (the cheapest passing, else the reference): {choice}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
