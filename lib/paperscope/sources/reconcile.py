"""Each author's country from each source, one chosen by precedence, and how far the
sources agree on who counts as US-China under each counting rule. Pure pandas.

Sources here are provenances: ``virtual`` (the program's institution strings),
``submission`` and ``profile`` (OpenReview), ``metadata`` (a metadata file) and ``pdf``
(the pipeline's authors table read from the first page). Each enters as an authors frame
(author_frame, pdf_frame) with the columns FRAME_COLUMNS.

Papers are matched on the OpenReview forum id where two sources have it (a PDF fetched
from `paperscope sources`' download list carries it as its manifest paper_id), else on
the normalised title. Within a paper, authors are matched by position when both sources
list as many authors, else by normalised name. The chosen country of an author is the
first source in the precedence order that gives the author any country; the precedence
is a setting (sources.precedence) because which source is right is a judgement: the PDF
is what the paper says, the program and the submission what authors entered for the
conference, the profile history what people keep (or not) up to date.
"""
from __future__ import annotations

import itertools
import re
import unicodedata
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import cache

import pandas as pd

from paperscope import escape, policy
from paperscope.metadata import title_key
from paperscope.sources.base import Paper

FRAME_COLUMNS = ["id", "title", "year", "position", "n_authors", "name", "affiliation_countries"]
RULES = ("any_author", "distinct_authors", "first_last", "first_or_last", "min_share", "min_authors", "fractional")
AGREEMENT_COLUMNS = ["rule", "source_a", "source_b", "papers", "both", "neither", "only_a", "only_b", "agree_share"]
STRATUM = "source_disagreement"
CHOSEN = "chosen"


def gazetteer_resolver(gazetteer=None) -> Callable[[str], list[str]]:
    """An affiliation string -> its country codes, by the pipeline's gazetteer (cached per string)."""
    from paperscope.metadata import match_affiliation

    @cache
    def resolve(text: str) -> tuple[str, ...]:
        return tuple(sorted({m.country for m in match_affiliation(text, gazetteer) if m.country}))

    return lambda text: list(resolve(text))


def author_frame(papers: Iterable[Paper], provenance: str, resolve: Callable[[str], list[str]]) -> pd.DataFrame:
    """The authors of papers as one provenance sees them: per author, one country list per
    affiliation of that provenance (the stated country where the source states one, else
    the string resolved). Authors without such an affiliation have an empty list."""
    rows = []
    for p in papers:
        n = len(p.authors)
        for a in p.authors:
            per = []
            for f in a.affiliations:
                if f.provenance != provenance:
                    continue
                if f.country:
                    per.append([f.country])
                elif f.name or f.domain:
                    per.append(resolve(f.name or f.domain))
            rows.append({"id": p.id, "title": p.title, "year": p.year, "position": a.position, "n_authors": n,
                         "name": a.name, "affiliation_countries": per})
    return pd.DataFrame(rows, columns=FRAME_COLUMNS)


def pdf_frame(papers: pd.DataFrame, authors: pd.DataFrame) -> pd.DataFrame:
    """The pipeline's authors table (paper_id, position, n_authors, name, affiliation_countries)
    with its papers table (paper_id, title, source_id) -> FRAME_COLUMNS; id is the source_id."""
    p = papers[["paper_id", "title", "source_id"]].drop_duplicates("paper_id")
    a = authors.drop(columns=[c for c in ("title", "source_id") if c in authors.columns]).merge(p, on="paper_id")
    a = a.assign(id=a["source_id"].where(a["source_id"].notna(), a["paper_id"]))
    a["affiliation_countries"] = a["affiliation_countries"].map(lambda s: [list(x) for x in (s if s is not None else [])])
    return a[FRAME_COLUMNS].reset_index(drop=True)


def name_key(name: str | None) -> str:
    text = unicodedata.normalize("NFKD", name or "")
    text = "".join(ch for ch in text if not unicodedata.combining(ch)).casefold()
    return " ".join(sorted(re.findall(r"\w+", text)))


@dataclass
class Reconciled:
    authors: pd.DataFrame  # key, title, position, name, countries_<source>..., chosen, chosen_source
    flags: pd.DataFrame  # key, title, source, one boolean column per rule (source "chosen" included)
    agreement: pd.DataFrame  # AGREEMENT_COLUMNS
    disagreements: pd.DataFrame  # key, title, rule, flag per source, stratum
    stats: dict


def _keys(frames: dict[str, pd.DataFrame]) -> dict[str, pd.Series]:
    """Per frame, each row's paper key: the title key of the paper its id names, else its own."""
    by_id: dict[str, str] = {}
    for f in frames.values():
        for i, t in zip(f["id"], f["title"]):
            if isinstance(i, str) and i and isinstance(t, str) and t:
                by_id.setdefault(i, title_key(t))
    return {name: pd.Series([by_id.get(i, title_key(t)) if isinstance(i, str) else title_key(t)
                             for i, t in zip(f["id"], f["title"])], index=f.index, dtype=object)
            for name, f in frames.items()}


def _align(ref: list[dict], other: list[dict]) -> dict[int, dict]:
    """reference position -> the other source's author row (by position when the counts agree, else name)."""
    if len(ref) == len(other):
        return {r["position"]: o for r, o in zip(sorted(ref, key=lambda r: r["position"]),
                                                 sorted(other, key=lambda o: o["position"]))}
    names: dict[str, list[dict]] = {}
    for o in other:
        names.setdefault(name_key(o["name"]), []).append(o)
    out = {}
    for r in ref:
        cands = names.get(name_key(r["name"]))
        if cands:
            out[r["position"]] = cands.pop(0)
    return out


def reconcile(frames: dict[str, pd.DataFrame], precedence: Iterable[str], china_policy: str = policy.DEFAULT_CHINA_POLICY,
              dual_strings: bool = True, min_share: float = 1 / 3, min_authors: int = 2,
              reference: Iterable[str] = ("submission", "profile", "virtual", "metadata", "pdf")) -> Reconciled:
    """Authors with every source's countries and the chosen one; per-rule flags and agreement."""
    from paperscope.rules import paper_rules

    precedence = [s for s in precedence if s in frames]
    names = list(frames)
    order = [s for s in reference if s in frames] + [s for s in names if s not in reference]
    keys = _keys(frames)
    grouped = {s: {k: g.to_dict("records") for k, g in frames[s].assign(key=keys[s]).groupby("key", sort=False)}
               for s in names}
    all_keys = sorted(set().union(*[set(g) for g in grouped.values()]))
    rows, unaligned = [], 0
    for key in all_keys:
        ref_source = next(s for s in order if key in grouped[s])
        ref = grouped[ref_source][key]
        n = len(ref)
        aligned = {ref_source: {r["position"]: r for r in ref}}
        for s in names:
            if s != ref_source and key in grouped[s]:
                aligned[s] = _align(ref, grouped[s][key])
                unaligned += n - len(aligned[s])
        for r in sorted(ref, key=lambda r: r["position"]):
            row = {"key": key, "title": r["title"], "year": r["year"], "position": r["position"], "n_authors": n,
                   "name": r["name"]}
            for s in names:
                got = aligned.get(s, {}).get(r["position"]) if s in aligned else None
                row[f"aff_{s}"] = got["affiliation_countries"] if got is not None else ([] if s in aligned else None)
                row[f"countries_{s}"] = (sorted({c for x in row[f"aff_{s}"] for c in x})
                                         if row[f"aff_{s}"] is not None else None)
            pick = next((s for s in precedence if row[f"countries_{s}"]), None)
            row["chosen_source"] = pick
            row[f"aff_{CHOSEN}"] = row[f"aff_{pick}"] if pick else []
            row[CHOSEN] = row[f"countries_{pick}"] if pick else []
            rows.append(row)
    authors = pd.DataFrame(rows)
    if authors.empty:
        empty = pd.DataFrame(columns=AGREEMENT_COLUMNS)
        return Reconciled(authors, pd.DataFrame(), empty, pd.DataFrame(), {"papers": 0})

    flag_rows = []
    for s in [*names, CHOSEN]:
        sub = authors if s == CHOSEN else authors[authors[f"aff_{s}"].notna()]
        if sub.empty:
            continue
        frame = pd.DataFrame({"paper_id": sub["key"], "year": sub["year"], "position": sub["position"],
                              "n_authors": sub["n_authors"], "affiliation_countries": sub[f"aff_{s}"]})
        per = paper_rules(frame, china_policy, dual_strings, min_share=min_share, min_authors=min_authors)
        per["any_author"] = per["any_us"] & per["any_cn"]
        per["fractional"] = (per["us_fc"] > 0) & (per["cn_fc"] > 0)
        per = per.rename(columns={"paper_id": "key"})
        per["source"] = s
        flag_rows.append(per[["key", "source", "known", *RULES]])
    flags = pd.concat(flag_rows, ignore_index=True)
    titles = authors.drop_duplicates("key").set_index("key")["title"]
    flags.insert(1, "title", flags["key"].map(titles))

    agree, diffs = [], []
    wide = {rule: flags.pivot(index="key", columns="source", values=rule) for rule in RULES}
    pairs = [(a, CHOSEN) for a in names] + list(itertools.combinations(names, 2))
    for rule in RULES:
        w = wide[rule]
        for a, b in pairs:
            if a not in w or b not in w:
                continue
            both_have = w[[a, b]].dropna()
            x, y = both_have[a].astype(bool), both_have[b].astype(bool)
            n = len(both_have)
            agree.append({"rule": rule, "source_a": a, "source_b": b, "papers": n, "both": int((x & y).sum()),
                          "neither": int((~x & ~y).sum()), "only_a": int((x & ~y).sum()),
                          "only_b": int((~x & y).sum()), "agree_share": round(float((x == y).mean()), 4) if n else None})
        present = [s for s in names if s in w]
        split = w[present].apply(lambda r: r.dropna().astype(bool).nunique() > 1, axis=1)
        for key in w.index[split]:
            diffs.append({"key": key, "title": titles.get(key), "rule": rule,
                          **{f"flag_{s}": (None if pd.isna(w.at[key, s]) else bool(w.at[key, s])) for s in present},
                          f"flag_{CHOSEN}": bool(w.at[key, CHOSEN]) if CHOSEN in w else None, "stratum": STRATUM})
    stats = {"papers": len(all_keys), "authors": len(authors), "unaligned_authors": unaligned,
             "papers_per_source": {s: len(grouped[s]) for s in names},
             "chosen_from": {str(k): int(v) for k, v in authors["chosen_source"].fillna("none").value_counts().items()}}
    keep = ["key", "title", "year", "position", "n_authors", "name", *[f"countries_{s}" for s in names], CHOSEN,
            "chosen_source"]
    return Reconciled(authors[keep], flags, pd.DataFrame(agree, columns=AGREEMENT_COLUMNS), pd.DataFrame(diffs), stats)


def markdown(result: Reconciled, limit: int = 30) -> str:
    """The agreement per rule (each source against the chosen countries) and the papers
    the sources disagree on under any_author, for the report."""
    lines = ["## Sources compared\n", f"{result.stats['papers']} papers, {result.stats['authors']} authors; "
             f"countries chosen from: " + ", ".join(f"{k} {v}" for k, v in result.stats["chosen_from"].items()) + "\n",
             "| rule | source | papers | US-China by both | only the source | only chosen | agree |",
             "|---|---|---:|---:|---:|---:|---:|"]
    a = result.agreement
    for r in a[a["source_b"] == CHOSEN].itertuples(index=False):
        share = f"{100 * r.agree_share:.1f}%" if r.agree_share is not None else "-"
        lines.append(f"| {r.rule} | {r.source_a} | {r.papers} | {r.both} | {r.only_a} | {r.only_b} | {share} |")
    d = result.disagreements
    if len(d):
        d = d[d["rule"] == "any_author"]
        lines += ["", f"{len(d)} papers on which the sources disagree under any_author:", ""]
        for r in d.head(limit).itertuples(index=False):
            lines.append(f"- {escape.md_text(r.title)} ({escape.md_text(r.key)})")
    return "\n".join(lines) + "\n"
