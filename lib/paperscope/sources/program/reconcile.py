"""A PDF run's authors reconciled with the paper lists of the same year: each author's
countries from every source, and the ones chosen by sources.precedence. Pure pandas.

The paper lists are what `paperscope sources` wrote under sources.dir for the year
(<source>/<conf>-<year>.jsonl). A PDF is matched to a listed paper on the forum id (a
download list's paper_id, which the manifest makes the papers row's source_id), else on
the normalised title. Within a paper, authors are matched by position when both list as
many authors, else by normalised name.

Each author row then holds countries_by_source (pdf: what its author block gave; one key
per provenance the matched papers state: virtual, submission, profile, metadata; empty
where the source lists the paper but not this author's affiliation) and chosen_source,
the first of sources.precedence that gives the author any country: affiliation_countries
and countries are that source's, so every per-author counting rule reads the chosen
countries. The strings of an author whose countries come from a paper list become
affiliation rows of their own (source: the provenance), so the paper-level counts
(any_author, the collaboration table, institution pairs) see them too. The precedence is
a setting because which source is right is a judgement: the PDF is what the paper says,
the program and the submission what authors entered for the conference, the profile
history what people keep (or not) up to date.
"""
from __future__ import annotations

import hashlib
import logging
import re
import unicodedata
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from paperscope.counting.authors import PDF
from paperscope.sources.metadata.formats import title_key
from paperscope.sources.metadata.rows import match_rows
from paperscope.sources.program import output
from paperscope.sources.program.base import Author, Paper

log = logging.getLogger(__name__)


@dataclass
class Lists:
    """The paper lists of some years: their files, their papers and a digest of the files
    (a step built from other lists is built again)."""
    files: list[Path]
    papers: list[Paper]
    digest: str


def load(out: str | Path, years: Iterable[int]) -> Lists | None:
    """Every paper list under out for the years; None when there is none."""
    files = [f for y in sorted(set(years)) for f in output.for_year(out, y)]
    if not files:
        return None
    h = hashlib.sha256()
    papers = []
    for f in files:
        data = f.read_bytes()
        h.update(f.relative_to(out).as_posix().encode() + b"\0" + hashlib.sha256(data).digest())
        papers += output.read(f)
    log.info("paper lists for %s: %s (%d papers)", ", ".join(map(str, sorted(set(years)))),
             ", ".join(f.relative_to(out).as_posix() for f in files), len(papers))
    return Lists(files, papers, h.hexdigest()[:16])


def name_key(name: str | None) -> str:
    """Accent-, case- and order-insensitive name: 'Zoë Müller' matches 'Muller, Zoe'."""
    text = unicodedata.normalize("NFKD", name or "")
    text = "".join(ch for ch in text if not unicodedata.combining(ch)).casefold()
    return " ".join(sorted(re.findall(r"\w+", text)))


def align(ref: list[dict], other: list[Author]) -> dict[int, Author]:
    """Reference position -> the other source's author: by position when the counts agree,
    else by name (each author matched once)."""
    if len(ref) == len(other):
        return {r["position"]: o for r, o in zip(sorted(ref, key=lambda r: r["position"]),
                                                  sorted(other, key=lambda o: o.position))}
    names: dict[str, list[Author]] = {}
    for o in other:
        names.setdefault(name_key(o.name), []).append(o)
    out = {}
    for r in ref:
        found = names.get(name_key(r["name"]))
        if found:
            out[r["position"]] = found.pop(0)
    return out


class Index:
    """The listed papers by forum id and by normalised title, per source (openreview,
    virtual, metadata; the first list of a source that has a paper gives it)."""

    def __init__(self, papers: Iterable[Paper]):
        self.by_id: dict[str, dict[str, Paper]] = {}
        self.by_title: dict[str, dict[str, Paper]] = {}
        for p in papers:
            self.by_id.setdefault(p.source, {}).setdefault(p.id, p)
            self.by_title.setdefault(p.source, {}).setdefault(title_key(p.title), p)

    def matches(self, source_id: str | None, title: str | None) -> list[tuple[Paper, str]]:
        """(listed paper, matched by id or title) from each source that lists the paper."""
        out = []
        key = title_key(title) if title else None
        for src, ids in self.by_id.items():
            if source_id and source_id in ids:
                out.append((ids[source_id], "id"))
            elif key and key in self.by_title[src]:
                out.append((self.by_title[src][key], "title"))
        return out


@dataclass
class Reconciled:
    authors: list[dict]  # authors rows (counting.authors.COLUMNS)
    affiliations: list[dict]  # affiliation rows of the strings chosen from a paper list
    stats: dict = field(default_factory=dict)


def provenances(paper: Paper) -> list[str]:
    """The provenances a listed paper states for any of its authors, in order first seen."""
    return list(dict.fromkeys(f.provenance for a in paper.authors for f in a.affiliations))


def reconcile(authors: pd.DataFrame, papers: pd.DataFrame, listed: Iterable[Paper], precedence: Iterable[str],
              countries: Callable[[str], list[str]], matches: Callable[[str], list]) -> Reconciled:
    """authors (a PDF run's authors rows) with every source's countries and the chosen ones.

    papers: paper_id, year, title, source_id of the run's PDFs; countries(string) -> the
    codes a paper list's string resolves to (reviewed corrections included);
    matches(string) -> the gazetteer's matches, for the affiliation rows of chosen strings.
    A listed PDF whose author block gave no author gets the list's authors (tie none, no
    PDF country), so the paper is counted from what the lists say, in its track.
    """
    precedence = list(precedence)
    index = Index(listed)
    meta = papers.drop_duplicates("paper_id").set_index("paper_id")
    stats: Counter = Counter(dict.fromkeys(("papers_listed", "papers_not_listed", "matched_by_id", "matched_by_title",
                                             "authors_unaligned", "authors_from_lists"), 0))
    rows_out: list[dict] = []
    extra: list[dict] = []
    groups = {pid: [_plain(r) for r in g.to_dict("records")] for pid, g in authors.groupby("paper_id", sort=False)}
    for pid in [*groups, *(p for p in meta.index if p not in groups)]:
        found = index.matches(meta["source_id"].get(pid), meta["title"].get(pid)) if pid in meta.index else []
        rows = groups.get(pid) or _listed_rows(pid, meta["year"].get(pid), found)
        if not rows:
            continue
        stats["authors_from_lists"] += 0 if pid in groups else len(rows)
        for _, how in found:
            stats[f"matched_by_{how}"] += 1
        stats["papers_listed" if found else "papers_not_listed"] += 1
        aligned = []
        for paper, _ in found:
            got = align(rows, paper.authors)
            stats["authors_unaligned"] += len(rows) - len(got)
            aligned.append((provenances(paper), got))
        track = next((p.track for p, _ in found if p.track), None)
        seen: set[str] = set()
        for row in rows:
            row = _choose(row, aligned, precedence, countries)
            row["track"] = track
            stats[f"chosen_{row['chosen_source'] or 'none'}"] += 1
            rows_out.append(row)
            for raw in row.pop("_strings"):
                if raw not in seen:
                    seen.add(raw)
                    extra += match_rows(pid, row["year"], raw, row["chosen_source"], matches(raw))
    stats["papers"] = len({r["paper_id"] for r in rows_out})
    return Reconciled(rows_out, extra, dict(stats))


def _listed_rows(paper_id: str, year, found: list[tuple[Paper, str]]) -> list[dict]:
    """The authors of the first list that has the paper, as rows the PDF placed nowhere."""
    listed = next((p.authors for p, _ in found if p.authors), [])
    year = None if year is None or pd.isna(year) else int(year)
    return [{"paper_id": paper_id, "year": year, "position": a.position, "n_authors": len(listed), "name": a.name,
             "affiliations": [], "affiliation_countries": [], "countries": [], "source": None, "tie": "none"}
            for a in listed]


def _plain(row: dict) -> dict:
    """An authors row read back from Arrow (numpy arrays) with plain lists."""
    year = row.get("year")
    return {**row, "year": None if pd.isna(year) else int(year), "position": int(row["position"]),
            "n_authors": int(row["n_authors"]), "affiliations": [int(i) for i in _items(row.get("affiliations"))],
            "affiliation_countries": [[str(c) for c in _items(s)] for s in _items(row.get("affiliation_countries"))],
            "countries": [str(c) for c in _items(row.get("countries"))]}


def _items(value) -> list:
    return [] if value is None else list(value)


def _choose(row: dict, aligned: list[tuple[list[str], dict[int, Author]]], precedence: list[str],
            countries: Callable[[str], list[str]]) -> dict:
    """One author row with countries_by_source, chosen_source and the chosen countries;
    _strings: the strings of a chosen paper list (for their affiliation rows)."""
    by_source: dict[str, list[str]] = {PDF: list(row["countries"])}
    strings: dict[str, list[tuple[str, list[str]]]] = {}
    for provs, by_position in aligned:
        author = by_position.get(row["position"])
        for prov in provs:
            if prov in by_source:  # the first paper list that states a provenance gives it
                continue
            got = [(s, countries(s)) for f in (author.affiliations if author else [])
                   if f.provenance == prov and (s := output.affiliation_string(f))]
            strings[prov] = got
            by_source[prov] = sorted({c for _, cs in got for c in cs})
    chosen = next((s for s in precedence if by_source.get(s)), None)
    out = {**row, "countries_by_source": by_source, "chosen_source": chosen, "_strings": []}
    if chosen and chosen != PDF:
        out["affiliation_countries"] = [list(cs) for _, cs in strings[chosen]]
        out["countries"] = by_source[chosen]
        out["_strings"] = [s for s, _ in strings[chosen]]
    elif chosen is None:
        out["affiliation_countries"] = [[] for _ in row["affiliation_countries"]]
        out["countries"] = []
    return out
