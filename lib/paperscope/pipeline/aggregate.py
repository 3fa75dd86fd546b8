"""The aggregate step: silver -> gold, every count from the same per-paper flags and author rows.

The columns the counts need (a few per paper and author, never the texts) are brought to
the driver once; the counting package computes every gold frame from them in pandas
(collaboration, mentions by author-country group, the counting rules and every paper's
flag under each, institution pairs, fractional counts) and the gate's consistency frame, so the gate checks the very frames
the step then writes. The gold tables are one unit (storage.tables.write_unit): a run
stopped between two of their writes leaves the last complete set as what is read back.
"""
from __future__ import annotations

import logging
from dataclasses import dataclass

import pandas as pd

from paperscope.core import registry
from paperscope.core.settings import Settings
from paperscope.core.timing import timed
from paperscope.counting import aggregates, rules, tracks
from paperscope.counting.flags import counted
from paperscope.paper.mentions import Term, parse_terms, terms_text
from paperscope.pipeline.run import Run, check_metadata_unit, concurrently, skip, state
from paperscope.storage import schemas, tables

log = logging.getLogger(__name__)

GOLD = registry.step("aggregate").writes
# How each gold frame is sorted when read back for the report.
ORDER = {"collaboration": ["year"], "term_groups": ["year", "papers", "term"],
         "rules": ["year", "china_policy", "dual_strings"],
         "paper_rules": ["year", "china_policy", "dual_strings", "paper_id"], "institution_pairs": ["year", "papers"],
         "country_fractions": ["year", "fractional_count"], "track_rules": ["year", "track", "rule"]}
_DESCENDING = {"term_groups": [True, False, True]}


@dataclass(frozen=True)
class Inputs:
    """What the counts read, as pandas: papers (paper_id, year, status), affiliations
    (paper_id, year, raw, country, institution), authors (paper_id, year, position,
    n_authors, affiliation_countries: the chosen source's, track), mentions (paper_id, term,
    count_body, count_full, use)."""
    papers: pd.DataFrame
    affiliations: pd.DataFrame
    authors: pd.DataFrame
    mentions: pd.DataFrame


def read_inputs(run: Run) -> Inputs:
    """The four tables' columns, read at once (pipeline.run.concurrently)."""
    return Inputs(**concurrently(run, {
        "papers": lambda: run.read("papers").select("paper_id", "year", "status").toPandas(),
        "affiliations": lambda: run.read("affiliations", schemas.AFFILIATIONS).select(
            "paper_id", "year", "raw", "country", "institution").toPandas(),
        "authors": lambda: run.read("authors", schemas.AUTHORS).select(
            "paper_id", "year", "position", "n_authors", "affiliation_countries", "track").toPandas(),
        "mentions": lambda: run.read("mentions", schemas.MENTIONS).select(
            "paper_id", "term", "count_body", "count_full", "use").toPandas()}))


def terms_frame(terms: list[Term]) -> pd.DataFrame:
    """The terms' descriptions for the mentions by author-country group."""
    return pd.DataFrame([(t.name, t.kind, t.origin, t.country) for t in terms],
                        columns=["term", "kind", "origin", "origin_country"])


def gold_frames(inputs: Inputs, cfg: Settings, terms: list[Term]) -> dict[str, pd.DataFrame]:
    """Every gold frame (registry order) and the gate's consistency frame.

    Papers outside a year folder have no year: the gate fails them and no count includes
    them, nor a copy of a paper (status duplicate), which is counted at its first path.
    """
    conf, china = cfg.aggregates, cfg.affiliations.china_policy
    papers, affs, authors = (df[df["year"].notna()].astype({"year": "int64"})
                             for df in (counted(inputs.papers), inputs.affiliations, inputs.authors))
    wanted = list(dict.fromkeys([*conf.rules, *rules.GATED]))
    shares = {"min_share": conf.min_share, "min_authors": conf.min_authors}
    per_paper = rules.paper_rule_flags(papers, affs, authors, **shares)
    counts = rules.count_rules(papers, affs, authors, rules=wanted, per_paper=per_paper, **shares)
    fractions = rules.country_fractions(authors)
    headline = rules.counted_papers(papers, affs, authors, conf.headline_rule, china, per_paper=per_paper, **shares)
    frames = {
        "collaboration": aggregates.collaboration(papers, affs, china),
        "term_groups": aggregates.term_groups(papers, affs, inputs.mentions, cfg.mentions.scope, terms_frame(terms),
                                              china),
        "rules": counts[counts["rule"].isin(conf.rules)].reset_index(drop=True),
        "paper_rules": per_paper,
        "institution_pairs": rules.institution_pairs(affs, headline, china),
        "country_fractions": fractions,
        "track_rules": tracks.track_rules(papers, affs, authors, rules=conf.rules, china_policy=china,
                                          min_share=conf.min_share, min_authors=conf.min_authors),
        "consistency": rules.consistency(counts, fractions, authors),
    }
    assert [n for n in frames if n != "consistency"] == list(GOLD)
    return frames


def frames(run: Run) -> dict[str, pd.DataFrame]:
    """The gold frames of this run's years, computed once while no table is written (the
    gate and the aggregate step read the same frames)."""
    if run.rule_frames is None or run.rule_frames[0] != tables.writes():
        terms = parse_terms(terms_text(run.cfg.mentions.terms_file))
        with timed("gold: silver columns to the driver"):
            inputs = read_inputs(run)
        with timed("gold: counted (pandas)"):
            run.rule_frames = (tables.writes(), gold_frames(inputs, run.cfg, terms))
    return run.rule_frames[1]


def aggregate(run: Run) -> dict[str, pd.DataFrame]:
    """Silver -> gold; returns the gold tables as the unit's last complete write left them."""
    with run.step("aggregate"):
        check_metadata_unit(run)
        built_from = state(run, "aggregate")
        written = None
        if not skip(run, built_from, unit=True):
            out = [(name, run.spark.createDataFrame(frame, schemas.GOLD[name]))
                   for name, frame in frames(run).items() if name != "consistency"]
            tables.write_unit(run.spark, run.cfg, "gold", run.run_id, out, run.years, metadata=built_from)
            # The unit is complete: what it committed is these frames (delta.read_back re-reads it).
            written = None if run.cfg.delta.read_back else dict(out)
        def read(name: str) -> pd.DataFrame:
            frame = tables.read_unit(run.spark, run.cfg, name, list(GOLD), run.years) if written is None \
                else written[name]
            return (frame.toPandas().sort_values(ORDER[name], ascending=_DESCENDING.get(name, True))
                    .reset_index(drop=True))

        with timed("gold: read back" if written is None else "gold: frames just written to pandas"):
            gold = concurrently(run, {name: (lambda n=name: read(n)) for name in GOLD})
        run.counts = {name: gold[name] for name in ("rules", "institution_pairs", "country_fractions", "track_rules")}
        return gold
