"""What `paperscope sources` writes, and how the pipeline reads it back.

Per source and conference-year, under the output folder (default <warehouse>/sources):

- ``<source>/<conf>-<year>.jsonl``: one paper per line (base.Paper as JSON): id, title,
  authors in order, each with ids, profile id and the affiliations the source states
  (provenance, name, domain, country code and the country as stated, position and
  years for profile entries), track, decision, venue, forum and PDF URLs;
- ``<source>/<conf>-<year>.summary.json``: the counts of the collection (papers,
  requests, cached responses, profiles found and missing, skipped events ...);
- ``<source>/<conf>-<year>.download.csv``: url, year, paper_id, title, track: the input
  of `paperscope download --urls`, so the PDFs of the same papers follow (the paper_id,
  the forum id, becomes each PDF's file name and its papers row's source_id).

Files are written under a temporary name and renamed, so a reader never sees half a file.
records_of turns such a file into the records metadata.to_rows reads (metadata.format
``sources``), which is how `paperscope metadata` makes papers, affiliations and authors
rows of them; a PDF run reads the same files to reconcile (sources.program.reconcile).
"""
from __future__ import annotations

import csv
import io
import json
import os
import tempfile
from collections.abc import Iterable
from pathlib import Path

from paperscope.core import escape
from paperscope.sources.metadata.formats import Author as MetaAuthor
from paperscope.sources.metadata.formats import Record
from paperscope.sources.program.base import Paper


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
    """The download list: the papers with a PDF link, cells defused (escape.csv_row)."""
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(["url", "year", "paper_id", "title", "track"])
    for p in papers:
        if p.pdf_url:
            w.writerow(escape.csv_row([p.pdf_url, p.year, p.id, p.title, p.track]))
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


def for_year(out: str | Path, year: int) -> list[Path]:
    """The paper lists written under out for a year (<source>/<conf>-<year>.jsonl), by name."""
    root = Path(out)
    return sorted(root.glob(f"*/*-{year}.jsonl")) if root.is_dir() else []


def is_paper_list(text: str) -> bool:
    """Whether a file's first record is a paper as write() writes it (metadata.format auto)."""
    first = next((line for line in text.split("\n") if line.strip()), "")
    try:
        obj = json.loads(first)
    except ValueError:
        return False
    return isinstance(obj, dict) and {"source", "conference", "authors"} <= set(obj)


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


def by_provenance(author) -> dict[str, list]:
    """The author's affiliations grouped by provenance, in the order first seen."""
    out: dict[str, list] = {}
    for f in author.affiliations:
        out.setdefault(f.provenance, []).append(f)
    return out


def first_of(groups: dict[str, list], precedence: Iterable[str]) -> str | None:
    """The first provenance in precedence that has affiliations, else None."""
    return next((p for p in precedence if groups.get(p)), None)


def to_metadata_records(papers: list[Paper], precedence: Iterable[str], with_country: bool = True) -> list[Record]:
    """metadata Records (one per paper) for metadata.to_rows: each author with the strings
    of the first provenance in precedence that has any (their stated countries as the
    cross-check, countries_claimed), every provenance's strings beside them (by_source),
    and the paper's track."""
    precedence = list(precedence)
    records = []
    for n, p in enumerate(papers, 1):
        authors = []
        for a in p.authors:
            groups = by_provenance(a)
            strings = {prov: [(s, f.country_stated) for f in fs if (s := affiliation_string(f, with_country))]
                       for prov, fs in groups.items()}
            prov = first_of(groups, precedence)
            picked = strings.get(prov, [])
            authors.append(MetaAuthor(a.name, [s for s, _ in picked], [c for _, c in picked], provenance=prov,
                                      by_source={k: [s for s, _ in v] for k, v in strings.items()}))
        records.append(Record(n, title=p.title, source_id=p.id, authors=authors, track=p.track))
    return records


def records_of(text: str, precedence: Iterable[str]) -> list[Record]:
    """The records of a paper list's text; a line that is no paper is a Record with the error."""
    papers, bad = [], []
    for n, line in enumerate(text.split("\n"), 1):
        if not line.strip():
            continue
        try:
            papers.append((n, Paper.from_json(json.loads(line))))
        except (ValueError, TypeError, KeyError) as exc:
            bad.append(Record(n, error=f"not a paper of `paperscope sources`: {exc}"))
    records = to_metadata_records([p for _, p in papers], precedence)
    for (n, _), rec in zip(papers, records):
        rec.line = n
    return sorted(records + bad, key=lambda r: r.line)
