"""How far the sources of a reconciled year agree on who is a US-China paper, rule by rule.
Plain pandas over the authors table.

Each author row holds countries_by_source (pdf, virtual, submission, profile, metadata
-> countries) and the chosen countries the counts use. Per source, each rule is computed
as if that source alone placed the authors (an author it does not place counts on no
side), on the papers the source lists; "chosen" is the rule as the run counts it. Only
papers that two sources or more speak of are compared. any_author here reads the
authors' countries (some author in each country), like every other rule, so a source is
compared with another on the same footing.
"""
from __future__ import annotations

import itertools

import pandas as pd

from paperscope.counting.rules import paper_rules

CHOSEN = "chosen"
AGREEMENT_COLUMNS = ["rule", "source", "against", "papers", "both", "neither", "only_source", "only_against",
                     "agree_share"]
_RULE_FLAGS = {"any_author": lambda p: p["any_us"] & p["any_cn"],
               "fractional": lambda p: (p["us_fc"] > 0) & (p["cn_fc"] > 0)}


def _by_source(value) -> dict[str, list[str]]:
    """A countries_by_source cell (a dict, or the (key, value) pairs Arrow gives) as a dict."""
    if value is None or (isinstance(value, float) and pd.isna(value)):
        return {}
    items = value.items() if isinstance(value, dict) else value
    return {str(k): [str(c) for c in (v if v is not None else [])] for k, v in items}


def source_flags(authors: pd.DataFrame, rules, china_policy: str, *, min_share: float,
                 min_authors: int) -> pd.DataFrame:
    """Per (paper, source) of the papers with two sources or more: year, and one boolean
    column per rule; source "chosen" is the run's own count."""
    a = authors[["paper_id", "year", "position", "n_authors", "affiliation_countries", "countries_by_source"]].copy()
    a["by"] = a["countries_by_source"].map(_by_source)
    named = a.groupby("paper_id")["by"].agg(lambda s: set().union(*(d.keys() for d in s)))
    compared = named[named.map(len) >= 2]
    if compared.empty:
        return pd.DataFrame(columns=["paper_id", "year", "source", *rules])
    a = a[a["paper_id"].isin(compared.index)]
    out = []
    for source in [*sorted(set().union(*compared)), CHOSEN]:
        if source == CHOSEN:
            frame = a
        else:
            frame = a[a["paper_id"].isin(compared.index[compared.map(lambda s, x=source: x in s)])]
            frame = frame.assign(affiliation_countries=frame["by"].map(lambda d, x=source: [d.get(x, [])]))
        per = paper_rules(frame, china_policy, True, min_share=min_share, min_authors=min_authors)
        for rule, flag in _RULE_FLAGS.items():
            per[rule] = flag(per)
        out.append(per[["paper_id", "year", *rules]].assign(source=source))
    return pd.concat(out, ignore_index=True)[["paper_id", "year", "source", *rules]]


def agreement(flags: pd.DataFrame, rules) -> pd.DataFrame:
    """Per rule and pair of sources (each source against the chosen count, then each pair):
    the papers both speak of, counted US-China by both, by neither, by one only; the share
    on which they agree."""
    out = []
    sources = [s for s in dict.fromkeys(flags["source"]) if s != CHOSEN]
    pairs = [(s, CHOSEN) for s in sources] + list(itertools.combinations(sources, 2))
    for rule in rules:
        wide = flags.pivot(index="paper_id", columns="source", values=rule)
        for a, b in pairs:
            both = wide[[a, b]].dropna()
            x, y = both[a].astype(bool), both[b].astype(bool)
            n = len(both)
            out.append({"rule": rule, "source": a, "against": b, "papers": n, "both": int((x & y).sum()),
                        "neither": int((~x & ~y).sum()), "only_source": int((x & ~y).sum()),
                        "only_against": int((~x & y).sum()),
                        "agree_share": round(float((x == y).mean()), 4) if n else None})
    return pd.DataFrame(out, columns=AGREEMENT_COLUMNS)


def disagreements(flags: pd.DataFrame, rules) -> pd.DataFrame:
    """The papers on which the sources do not all say the same under a rule: paper_id, year,
    rule, one column per source (flag_<source>: true, false or empty where it is silent)
    and flag_chosen."""
    sources = [s for s in dict.fromkeys(flags["source"]) if s != CHOSEN]
    cols = ["paper_id", "year", "rule", *(f"flag_{s}" for s in sources), f"flag_{CHOSEN}"]
    out = []
    years = flags.drop_duplicates("paper_id").set_index("paper_id")["year"]
    for rule in rules:
        wide = flags.pivot(index="paper_id", columns="source", values=rule)
        split = wide[sources].apply(lambda r: r.dropna().astype(bool).nunique() > 1, axis=1)
        for pid in wide.index[split]:
            out.append({"paper_id": pid, "year": years[pid], "rule": rule,
                        **{f"flag_{s}": None if pd.isna(wide.at[pid, s]) else bool(wide.at[pid, s])
                           for s in [*sources, CHOSEN]}})
    return pd.DataFrame(out, columns=cols)
