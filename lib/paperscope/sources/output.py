"""What `paperscope sources` writes, and how the pipeline reads it back.

Per source and conference-year, under the output folder (default <warehouse>/sources):

- ``<source>/<conf>-<year>.jsonl``: one paper per line (base.Paper as JSON): id, title,
  authors in order, each with ids, profile id and the affiliations the source states
  (provenance, name, domain, country code and the country as stated, position and
  years for profile entries), track, decision, venue, forum and PDF URLs;
- ``<source>/<conf>-<year>.summary.json``: the counts of the collection (papers,
  requests, cached responses, profiles found and missing, skipped events ...);
- ``<source>/<conf>-<year>.download.csv``: url, year, paper_id, title: the input of
  `paperscope download --urls`, so the PDFs of the same papers follow.

Files are written under a temporary name and renamed, so a reader never sees half a file.
to_metadata_records turns the papers into the records metadata.to_rows reads, which is
how they become papers, affiliations and authors rows.
"""
from __future__ import annotations

import csv
import io
import json
import os
import tempfile
from collections.abc import Iterable
from pathlib import Path

from paperscope.sources.base import Paper


def paths(out: str | Path, source: str, conference: str, year: int) -> dict[str, Path]:
    base = Path(out) / source / f"{conference.lower()}-{year}"
    return {"papers": base.with_suffix(".jsonl"), "summary": base.with_suffix(".summary.json"),
            "download": base.with_suffix(".download.csv")}


def _write(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-")
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as fh:
            fh.write(text)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def download_csv(papers: Iterable[Paper]) -> str:
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(["url", "year", "paper_id", "title"])
    for p in papers:
        if p.pdf_url:
            w.writerow([p.pdf_url, p.year, p.id, p.title])
    return buf.getvalue()


def write(out: str | Path, source: str, conference: str, year: int, papers: list[Paper], stats: dict) -> dict[str, Path]:
    """The three files of one collection; returns their paths."""
    where = paths(out, source, conference, year)
    _write(where["papers"], "".join(json.dumps(p.to_json(), ensure_ascii=False) + "\n" for p in papers))
    _write(where["summary"], json.dumps({"source": source, "conference": conference.lower(), "year": year, **stats},
                                        indent=2, ensure_ascii=False, sort_keys=True) + "\n")
    _write(where["download"], download_csv(papers))
    return where


def read(path: str | Path) -> list[Paper]:
    """The papers of a .jsonl file written by write."""
    with open(path, encoding="utf-8") as fh:
        return [Paper.from_json(json.loads(line)) for line in fh if line.strip()]


def affiliation_string(aff, with_country: bool = True) -> str | None:
    """The string the gazetteer reads for an affiliation: its name, with the stated country
    appended when the name does not already end with it (so the stated country is what
    the gazetteer resolves, as in a PDF's "University, City, Country")."""
    name = aff.name or aff.domain
    if not name:
        return None
    if with_country and aff.country_stated and not name.casefold().rstrip(". ").endswith(
            aff.country_stated.casefold()):
        return f"{name}, {aff.country_stated}"
    return name


def chosen(author, order: Iterable[str]) -> list:
    """The author's affiliations of the first provenance in order that has any."""
    for prov in order:
        got = [a for a in author.affiliations if a.provenance == prov]
        if got:
            return got
    return []


def to_metadata_records(papers: list[Paper], order: Iterable[str], with_country: bool = True) -> list:
    """metadata.Record objects (one per paper) for metadata.to_rows: each author with the
    strings of the first provenance in order that has any, and their stated countries as
    the cross-check (countries_claimed)."""
    from paperscope.metadata import Author as MetaAuthor
    from paperscope.metadata import Record

    order = list(order)
    records = []
    for n, p in enumerate(papers, 1):
        authors = []
        for a in p.authors:
            picked = [(affiliation_string(f, with_country), f.country_stated) for f in chosen(a, order)]
            picked = [(s, c) for s, c in picked if s]
            authors.append(MetaAuthor(a.name, [s for s, _ in picked], [c for _, c in picked]))
        records.append(Record(n, title=p.title, source_id=p.id, authors=authors))
    return records
