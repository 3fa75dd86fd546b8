"""Reviewers' overrides: which are in force, and what they do to one paper's rows.

The `reviews` table holds every judgement; the overrides in force are, per affiliation
string, the latest country correction not withdrawn, and per paper and flag, the latest
judgement that the run's flag was wrong. Both the PDF pipeline (per paper, on the
executors) and a metadata run (per record, on the driver) apply them through
Overrides, so a correction means the same whichever way the rows were made: strings
first, then the paper's flags, which have the last word.
"""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

import pandas as pd

from paperscope.core import policy

# The `reviews` Delta table, one row per judgement (a paper's flags, or one affiliation string).
REVIEW_TABLE_COLUMNS = ["review_id", "reviewer", "reviewed_at", "run_id", "corpus", "paper_id", "raw", "verdict",
                        "corrected_country", "us_correct", "cn_correct", "run_us", "run_cn", "stratum", "note",
                        "withdraws"]
WITHDRAWN = "withdrawn"
REVIEW = "review"
# A paper flag: the reviewer's column and the run's value shown to the reviewer.
PAPER_FLAGS = {"with_us": ("us_correct", "run_us"), "with_cn": ("cn_correct", "run_cn")}
PAPER_FORCE_COLUMNS = ["review_id", "paper_id", "flag", "value", "reviewer", "reviewed_at", "run_id", "note"]


def yes_no(value: bool) -> str:
    return "yes" if value else "no"


def withdrawn(stored: pd.DataFrame) -> set:
    """Ids of the judgements a later row withdrew."""
    return set(stored["withdraws"].dropna())


def in_force(stored: pd.DataFrame) -> pd.DataFrame:
    """Country corrections in force: one per affiliation string, the latest not withdrawn."""
    if stored.empty:
        return stored.reindex(columns=REVIEW_TABLE_COLUMNS)
    fixes = stored[(stored["verdict"] == "wrong") & stored["corrected_country"].notna() & stored["raw"].notna()
                   & ~stored["review_id"].isin(withdrawn(stored))]
    return (fixes.sort_values(["reviewed_at", "review_id"]).drop_duplicates("raw", keep="last")
            .sort_values("raw").reset_index(drop=True))


def paper_in_force(stored: pd.DataFrame) -> pd.DataFrame:
    """Paper flag overrides in force: per paper and flag (with_us, with_cn) the latest
    judgement, not withdrawn, that said the run's flag was wrong; value is the other one.

    A judgement that a flag is right pins nothing (it may confirm an override already
    applied); to lift an override, withdraw it."""
    if stored.empty:
        return pd.DataFrame(columns=PAPER_FORCE_COLUMNS)
    paper = stored[stored["raw"].isna() & (stored["verdict"] != WITHDRAWN)
                   & ~stored["review_id"].isin(withdrawn(stored))]
    rows = []
    for flag, (ok, ran) in PAPER_FLAGS.items():
        wrong = paper[(paper[ok] == False) & paper[ran].notna()]  # noqa: E712 - nullable booleans
        for r in wrong.to_dict("records"):
            rows.append({**{k: r.get(k) for k in PAPER_FORCE_COLUMNS}, "flag": flag, "value": not bool(r[ran])})
    df = pd.DataFrame(rows, columns=PAPER_FORCE_COLUMNS)
    return (df.sort_values(["reviewed_at", "review_id"]).drop_duplicates(["paper_id", "flag"], keep="last")
            .sort_values(["paper_id", "flag"]).reset_index(drop=True))


def string_fixes(force: pd.DataFrame) -> list[dict]:
    """(raw, country, evidence) per corrected country of each correction in force."""
    out = []
    for r in force.to_dict("records"):
        evidence = (f"review {r['review_id'][:12]} by {r['reviewer']} ({str(r['reviewed_at'])[:10]}, paper "
                    f"{r['paper_id'][:12]})" + (f": {r['note']}" if r.get("note") else ""))
        out += [{"raw": r["raw"], "country": c, "evidence": evidence} for c in r["corrected_country"].split(";")]
    return out


def paper_fixes(force: pd.DataFrame, china_policy: str) -> list[dict]:
    """(paper_id, country, present, raw, evidence) per country a paper override adds or
    removes: a flag set to no removes the US (with_us) or the China policy's codes (with_cn)
    from the paper; set to yes it adds one affiliation row (US or CN) whose raw names the review."""
    out = []
    for r in force.to_dict("records"):
        us = r["flag"] == "with_us"
        said = {(True, True): "has a US author", (True, False): "has no US author",
                (False, True): "has a Chinese author", (False, False): "has no Chinese author"}[(us, bool(r["value"]))]
        evidence = (f"review {r['review_id'][:12]} by {r['reviewer']} ({str(r['reviewed_at'])[:10]}): the paper "
                    f"{said} ({r['flag']} {yes_no(r['value'])})" + (f": {r['note']}" if r.get("note") else ""))
        if r["value"]:
            out.append({"paper_id": r["paper_id"], "country": policy.US if us else "CN", "present": True,
                        "raw": f"(review {r['review_id'][:12]}: {r['flag']} yes)", "evidence": evidence})
        else:
            out += [{"paper_id": r["paper_id"], "country": c, "present": False, "raw": None, "evidence": evidence}
                    for c in ((policy.US,) if us else policy.china_codes(china_policy))]
    return out


def _least(values: Iterable):
    present = [v for v in values if v is not None]
    return min(present) if present else None


@dataclass(frozen=True)
class Overrides:
    """The overrides in force, ready to apply to one paper's rows at a time."""
    strings: dict[str, tuple[tuple[str, str], ...]] = field(default_factory=dict)  # raw -> ((country, evidence))
    papers: dict[str, tuple[dict, ...]] = field(default_factory=dict)  # paper_id -> paper_fixes rows

    @classmethod
    def of(cls, fixes: Iterable[dict] = (), flags: Iterable[dict] = ()) -> Overrides:
        strings: dict[str, list] = {}
        for f in fixes:
            strings.setdefault(f["raw"], []).append((f["country"], f["evidence"]))
        papers: dict[str, list] = {}
        for f in flags:
            papers.setdefault(f["paper_id"], []).append(dict(f))
        return cls({k: tuple(v) for k, v in strings.items()}, {k: tuple(v) for k, v in papers.items()})

    @classmethod
    def from_reviews(cls, stored: pd.DataFrame, china_policy: str) -> Overrides:
        return cls.of(string_fixes(in_force(stored)), paper_fixes(paper_in_force(stored), china_policy))

    def __bool__(self) -> bool:
        return bool(self.strings or self.papers)

    @property
    def corrected(self) -> dict[str, list[str]]:
        """affiliation string -> its reviewed countries."""
        return {raw: sorted({c for c, _ in fixes}) for raw, fixes in self.strings.items()}

    def removed(self, paper_id: str) -> set[str]:
        """The countries a paper override takes out of the paper."""
        return {f["country"] for f in self.papers.get(paper_id, ()) if not f["present"]}

    def affiliations(self, paper_id: str, year, rows: list[dict], add: bool = True) -> list[dict]:
        """One paper's affiliation rows with the overrides applied.

        A corrected string's rows become one row per corrected country (method review,
        the review as evidence); then a country the paper's flags remove leaves every
        row that had it (country null, method review), and an added one is a row of its
        own (unless add is False: more rows of a paper whose own rows already have it).
        """
        out = [r for r in rows if r["raw"] not in self.strings]
        hit: dict[str, list[dict]] = {}
        for r in rows:
            if r["raw"] in self.strings:
                hit.setdefault(r["raw"], []).append(r)
        for raw, group in hit.items():
            first = {"paper_id": paper_id, "year": year, "raw": raw, "source": _least(r.get("source") for r in group),
                     "institution": _least(r.get("institution") for r in group),
                     "matched": _least(r.get("matched") for r in group)}
            out += [{**first, "country": country, "method": REVIEW, "evidence": evidence, "score": 1.0}
                    for country, evidence in self.strings[raw]]
        for fix in self.papers.get(paper_id, ()):
            if fix["present"] and not add:
                continue
            if fix["present"]:
                out.append({"paper_id": paper_id, "year": year, "raw": fix["raw"], "source": REVIEW,
                            "institution": None, "country": fix["country"], "method": REVIEW,
                            "evidence": fix["evidence"], "score": 1.0, "matched": None})
            else:
                out = [{**r, "country": None, "method": REVIEW, "evidence": fix["evidence"]}
                       if r.get("country") == fix["country"] else r for r in out]
        return out

    def authors(self, rows: list[dict]) -> list[dict]:
        """Author rows with the countries a paper override took out of their paper removed,
        so no per-author rule counts what the reviewer denied (string corrections are
        applied as the rows are made: counting.authors)."""
        out = []
        for row in rows:
            gone = self.removed(row["paper_id"])
            if gone:
                per_string = [sorted(set(s) - gone) for s in row["affiliation_countries"]]
                row = {**row, "affiliation_countries": per_string,
                       "countries": sorted({c for s in per_string for c in s})}
            out.append(row)
        return out

    def frame(self, affiliations: pd.DataFrame, papers: pd.DataFrame) -> pd.DataFrame:
        """affiliations (one or many papers) with the overrides applied, paper by paper;
        papers (paper_id, year) names the papers a flag may add a row to."""
        columns = list(affiliations.columns)
        records = affiliations.astype(object).where(affiliations.notna(), None).to_dict("records")
        by_paper: dict[str, list[dict]] = {}
        for r in records:
            by_paper.setdefault(r["paper_id"], []).append(r)
        out = []
        for pid, year in zip(papers["paper_id"], papers["year"]):
            out += self.affiliations(pid, year, by_paper.pop(pid, []))
        for rows in by_paper.values():  # rows of papers not listed are kept as they are
            out += rows
        frame = pd.DataFrame(out, columns=columns)
        for col in columns:  # the input's dtypes where the values allow them
            try:
                frame[col] = frame[col].astype(affiliations[col].dtype)
            except (TypeError, ValueError):
                pass
        return frame
