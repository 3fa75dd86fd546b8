"""The authors table (silver): one row per (paper, author position), from a PDF header or
from conference metadata, with the countries of that author's own affiliation strings.

The counting rules (paperscope.counting.rules) read it; an author whose affiliation was not read
or not resolved is a row with empty countries, so n_authors is what the paper lists.

countries_by_source holds what each source says of the author (pdf: the paper's own
author block; metadata, virtual, submission, profile: the paper lists), chosen_source the
one whose countries affiliation_countries and countries hold: the run's own reading here,
another source's where a run reconciles a year (sources.program.reconcile).
"""
from __future__ import annotations

from collections.abc import Iterable

COLUMNS = ["paper_id", "year", "position", "n_authors", "name", "affiliations", "affiliation_countries",
           "countries", "source", "tie", "countries_by_source", "chosen_source", "track"]
PDF, METADATA = "pdf", "metadata"


def _codes(matches: Iterable) -> list[str]:
    return sorted({m["country"] for m in matches or [] if m.get("country")})


def _row(paper_id, year, position, n, name, indices, per_string, sources, tie, read_as: str | None,
         by_source: dict[str, list[str]] | None = None, track: str | None = None) -> dict:
    """read_as: the source of per_string (pdf, metadata or a paper list's provenance)."""
    countries = sorted({c for s in per_string for c in s})
    return {"paper_id": paper_id, "year": year, "position": position, "n_authors": n, "name": name,
            "affiliations": list(indices), "affiliation_countries": per_string, "countries": countries,
            "source": ",".join(sorted(set(sources))) or None, "tie": tie,
            "countries_by_source": by_source if by_source is not None else {read_as or METADATA: countries},
            "chosen_source": read_as if countries else None, "track": track}


def header_rows(paper_id: str, year, authors: list[dict], affiliations: list[dict],
                corrected: dict[str, list[str]] | None = None) -> list[dict]:
    """A headers row's authors (name, affiliations: indices) and affiliations (source, matches)
    -> author rows; source is where the author's strings were read (block, footnote, email).

    corrected: reviewed countries by affiliation string (review.corrected_countries), which
    replace the matcher's for that string, as in the affiliations table."""
    corrected = corrected or {}
    n = len(authors)
    out = []
    for pos, author in enumerate(authors, 1):
        idx = [i for i in (author.get("affiliations") or []) if 0 <= i < len(affiliations)]
        out.append(_row(paper_id, year, pos, n, author.get("name"), idx,
                        [sorted(corrected[affiliations[i].get("raw")]) if affiliations[i].get("raw") in corrected
                         else _codes(affiliations[i].get("matches")) for i in idx],
                        [affiliations[i].get("source") for i in idx], author.get("tie") or "none", PDF))
    return out


def without(rows: list[dict], removed: dict[str, set[str]]) -> list[dict]:
    """Author rows with the countries a paper flag override took out of their paper removed
    (review.removed_countries), so no per-author rule counts what the reviewer denied."""
    out = []
    for row in rows:
        gone = removed.get(row["paper_id"])
        if gone:
            per_string = [sorted(set(s) - gone) for s in row["affiliation_countries"]]
            row = {**row, "affiliation_countries": per_string, "countries": sorted({c for s in per_string for c in s})}
        out.append(row)
    return out


def metadata_rows(paper_id: str, year, authors: list[tuple[str, list[str]]], countries: dict[str, list[str]],
                  source: str = METADATA, provenances: list[tuple[str | None, dict]] | None = None,
                  track: str | None = None) -> list[dict]:
    """Metadata authors (name, affiliation strings) -> author rows; the affiliation indices
    number the paper's distinct strings in order of first appearance (as its affiliation rows).

    provenances: per author, from a paper list, the provenance of its strings and every
    provenance's countries (countries_by_source); None: the strings are the metadata's own."""
    order: dict[str, int] = {}
    for _, strings in authors:
        for s in strings:
            order.setdefault(s, len(order))
    n = len(authors)
    out = []
    for pos, (name, strings) in enumerate(authors, 1):
        read_as, by_source = provenances[pos - 1] if provenances else (source, None)
        out.append(_row(paper_id, year, pos, n, name, [order[s] for s in strings],
                        [sorted(countries.get(s, [])) for s in strings], [source] * bool(strings), source,
                        read_as, by_source, track))
    return out
