"""Body engines compared: do pdfium and pdfminer give the same mention counts, and at what cost?

    nice -n 10 .venv/bin/python bench/engines.py [FOLDER ...]

FOLDERs default to ../shared/papers and ../shared/papers-dev (PDFs found recursively;
the same bytes twice are read once). Each PDF is extracted twice in this process with
pdf.extract, once with extract.body_engine=pdfium and once with pdfminer (the header
page goes through pdfminer's layout either way), and its terms counted with the
project's own counter (mentions.count_terms, the shipped terms.yaml) in both scopes.

A (paper, term, scope) pair is "found" when either engine counts the term at least once;
the printed agreements are over the found pairs (pairs where both engines count zero
agree trivially and are left out, so the figures are the strict ones). The rule for
the default (issue 16): presence agrees on >= 99.5% of the pairs and counts on >= 98%
in both scopes, then pdfium, else pdfminer. CPU seconds are this process's own
(time.process_time) per engine, whole extraction included, under the shipped
extract.* limits but without the forked child; no Spark.
"""
from __future__ import annotations

import argparse
import dataclasses
import hashlib
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "lib"))

from paperscope.core.config import load_config  # noqa: E402
from paperscope.paper import mentions  # noqa: E402
from paperscope.paper.pdf import body  # noqa: E402
from paperscope.paper.pdf.extract import extract  # noqa: E402
from paperscope.paper.pdf.limits import OK, Limits  # noqa: E402

ENGINES = (body.PDFIUM, body.PDFMINER)
SCOPES = ("full", "body")
PRESENCE_GOAL, COUNT_GOAL = 0.995, 0.98


def _pdfs(folders: list[Path]) -> list[Path]:
    seen, out = set(), []
    for folder in folders:
        for path in sorted(p for p in folder.rglob("*.pdf") if p.is_file()):
            digest = hashlib.sha256(path.read_bytes()).hexdigest()
            if digest not in seen:
                seen.add(digest)
                out.append(path)
    return out


def _counts(text: str, terms) -> dict[tuple[str, str], int]:
    """(term, scope) -> count, for terms found at least once."""
    out = {}
    for term, full, in_body in mentions.count_terms(text, terms):
        out[(term, "full")], out[(term, "body")] = full, in_body
    return out


def main() -> int:
    shared = REPO.parent / "shared"
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("folders", nargs="*", type=Path, default=[shared / "papers", shared / "papers-dev"])
    args = p.parse_args()
    files = _pdfs(args.folders)
    if not files:
        raise SystemExit(f"no PDFs under {', '.join(map(str, args.folders))}")
    terms = mentions.load_terms()
    # The shipped limits, but in this process (no forked child), so that its CPU time counts.
    base = Limits.from_config(load_config(sets=["extract.timeout_seconds=0"]))
    limits = {e: dataclasses.replace(base, body_engine=e) for e in ENGINES}
    cpu = dict.fromkeys(ENGINES, 0.0)
    pages = dict.fromkeys(ENGINES, 0)
    counts: dict[str, dict[str, dict]] = {e: {} for e in ENGINES}
    notes: list[str] = []
    print(f"folders: {', '.join(map(str, args.folders))}; {len(files)} PDFs; {len(terms)} terms; scopes: {', '.join(SCOPES)}")
    for path in files:
        data = path.read_bytes()
        for engine in ENGINES:
            start = time.process_time()
            got = extract(data, limits[engine])
            cpu[engine] += time.process_time() - start
            pages[engine] += got.n_pages or 0
            counts[engine][path.name] = _counts(got.full_text or "", terms) if got.status == OK else {}
            if got.status != OK or got.body_fallback or (got.body_engine not in (engine, None)):
                notes.append(f"  {path.name}: {engine}: status {got.status}, body read by {got.body_engine}"
                             f"{'; ' + got.body_fallback if got.body_fallback else ''}{'; ' + got.error if got.error else ''}")

    print("CPU seconds, whole extraction (header page with pdfminer layout + body):")
    for engine in ENGINES:
        print(f"  body_engine={engine:<8} {cpu[engine]:7.1f} s for {pages[engine]} pages "
              f"({pages[engine] / cpu[engine]:.1f} pages per CPU second)")
    print(f"  pdfminer / pdfium: {cpu[body.PDFMINER] / cpu[body.PDFIUM]:.2f}x")
    if notes:
        print("not ok, or read by the other engine:")
        print("\n".join(notes))

    verdict = True
    all_pairs = len(files) * len(terms)
    disagreeing = []
    for scope in SCOPES:
        found = same_presence = same_count = 0
        for path in files:
            a, b = counts[body.PDFIUM][path.name], counts[body.PDFMINER][path.name]
            for term in terms:
                x, y = a.get((term.name, scope), 0), b.get((term.name, scope), 0)
                if not x and not y:
                    continue
                found += 1
                same_presence += bool(x) == bool(y)
                same_count += x == y
                if x != y:
                    disagreeing.append((path.name, term.name, scope, x, y))
        presence = same_presence / found if found else 1.0
        count = same_count / found if found else 1.0
        ok = presence >= PRESENCE_GOAL and count >= COUNT_GOAL
        verdict &= ok
        print(f"scope {scope}: {found} (paper, term) pairs found by either engine of {all_pairs}; "
              f"presence agrees on {same_presence} = {presence:.2%} (goal >= {PRESENCE_GOAL:.1%}), "
              f"counts on {same_count} = {count:.2%} (goal >= {COUNT_GOAL:.0%}){'' if ok else '  MISSED'}")
    print(f"disagreeing pairs (paper, term, scope: pdfium, pdfminer): {len(disagreeing)}")
    for name, term, scope, x, y in disagreeing:
        print(f"  {name[:60]:<60} {term:<16} {scope:<4}: {x:>4}, {y:>4}")
    print(f"default by the rule: {'pdfium' if verdict else 'pdfminer'}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
