"""The counting rules per track (main, Datasets & Benchmarks, position papers) in the years
a paper list names the tracks, so a figure published for one track is compared with that
track alone. Plain pandas over the same frames as counting.rules.

A paper's track is the one its authors rows carry (the paper list it was matched to:
sources.program.reconcile, or the list a metadata run read); a paper of such a year
with no track (not listed, no author read) is counted under "unknown".
"""
from __future__ import annotations

import pandas as pd

from paperscope.counting.rules import RULE_COLUMNS, RULES, count_rules

UNKNOWN = "unknown"
TRACK_COLUMNS = ["year", "track", *RULE_COLUMNS[1:]]


def paper_tracks(authors: pd.DataFrame) -> pd.Series:
    """paper_id -> its track, from the first author row that has one."""
    if "track" not in authors.columns:
        return pd.Series(dtype=object)
    named = authors[authors["track"].notna()]
    return named.drop_duplicates("paper_id").set_index("paper_id")["track"]


def track_rules(papers: pd.DataFrame, affiliations: pd.DataFrame, authors: pd.DataFrame, *, rules, china_policy: str,
                min_share: float, min_authors: int) -> pd.DataFrame:
    """Per (year, track, rule) in the years with tracks: papers, with_us, with_cn, with_both,
    share, with_unknown, under the run's China policy with every string kept."""
    tracks = paper_tracks(authors)
    if tracks.empty:
        return pd.DataFrame(columns=TRACK_COLUMNS)
    years = set(papers.loc[papers["paper_id"].isin(tracks.index), "year"])
    base = papers[papers["year"].isin(years)][["paper_id", "year"]].drop_duplicates("paper_id")
    base = base.assign(track=base["paper_id"].map(tracks).fillna(UNKNOWN))
    out = []
    for track, sub in base.groupby("track", sort=True):
        ids = set(sub["paper_id"])
        counts = count_rules(sub, affiliations[affiliations["paper_id"].isin(ids)],
                             authors[authors["paper_id"].isin(ids)], china_policies=[china_policy], rules=rules,
                             min_share=min_share, min_authors=min_authors)
        out.append(counts[counts["dual_strings"]].assign(track=track))
    return pd.concat(out, ignore_index=True)[TRACK_COLUMNS].sort_values(["year", "track"], kind="stable") \
        .reset_index(drop=True)


def tracks_markdown(counts: pd.DataFrame) -> str:
    """track_rules as one Markdown table: a row per (year, track), with_both per rule (share of
    the track's papers in brackets), for the command line and metadata.md."""
    order = [r for r in RULES if r in set(counts["rule"])]
    lines = ["| year | track | papers | " + " | ".join(order) + " |", "|---:|---|---:|" + "---:|" * len(order)]
    for (year, track, n), g in counts.groupby(["year", "track", "papers"], sort=True):
        got = g.set_index("rule")
        cells = [f"{got.at[r, 'with_both']:g} ({100 * got.at[r, 'share']:.1f}%)" for r in order]
        lines.append(f"| {year} | {track} | {n:,} | " + " | ".join(cells) + " |")
    return "\n".join(lines) + "\n"
