"""The report's words: headline sentences, the rules table with its references, and what each term means.

Every sentence is regenerated from the gold tables, so the report and run.json say the
same thing and a reader can trace each number to its table.
"""
from __future__ import annotations

import pandas as pd

from paperscope.core.policy import china_words
from paperscope.counting.rules import DESCRIPTIONS
from paperscope.report.render import Table

# A rule in plain words, as the answer says it after "N of M papers (x%)".
RULE_PLAIN = {
    "any_author": "involve authors at both US and {china} institutions",
    "distinct_authors": "have one author at a US institution and another author at a {china} one",
    "first_last": "have their first author in one country and their last author in the other (US and {china})",
    "first_or_last": "name both US and {china} institutions among their first and last authors' affiliations",
    "min_share": "have at least {share} of their placed authors at US institutions and as many at {china} ones",
    "min_authors": "have at least {n} authors at US institutions and {n} at {china} ones",
    "fractional": "each paper weighs 1, split over its authors; the US and {china} shares of the papers with "
                  "both are added up",
}
DUAL_STRINGS = ("dual strings: an affiliation string that by itself names both the US and China (one author's "
                "\"Peking University / UC Berkeley\", a campus abroad such as NYU Shanghai); \"kept\" counts it for "
                "both countries, \"left out\" for neither.")
# What a published reference can and cannot show beside this run's figures (docs: reproduce).
CAVEATS = [
    "A rule landing near the published figure does not show that it is that figure's rule: the reference is shown "
    "for comparison, never used to pick or tune a rule.",
    "The papers may differ: the published figure may count another list (the final proceedings, say) than this "
    "run's papers.",
    "The affiliations may differ: conference metadata gives each author's profile affiliation, a PDF its author "
    "block, and the reference's source is not known.",
]
# Readable headers for the tables' columns, and the glossary that maps them back.
READABLE = {
    "papers_ok": "read ok", "with_us": "with a US author", "with_cn": "with a Chinese author",
    "with_both": "with both", "share_both": "share with both", "with_neither": "other countries only",
    "with_unknown": "no country found", "papers_used": "use it", "with_cn_used": "of them using it",
    "with_us_used": "of them using it", "with_both_used": "of them using it", "origin_country": "origin country",
}
GLOSSARY = [
    ("papers", "papers", "every paper of the year (the denominator of every share), copies of a file counted once"),
    ("read ok", "papers_ok", "papers whose text or metadata was read without error"),
    ("with a US author", "with_us", "papers with at least one affiliation string resolved to the US"),
    ("with a Chinese author", "with_cn", "papers with at least one affiliation string resolved to China "
                                         "(affiliations.china_policy)"),
    ("with both", "with_both", "papers with both (the two columns above overlap by this many)"),
    ("share with both", "share_both", "with both / papers"),
    ("other countries only", "with_neither", "countries resolved, neither the US nor China"),
    ("no country found", "with_unknown", "no affiliation string of the paper resolved to a country"),
    ("unknown", "with_unknown (agg_rules)", "papers a rule cannot decide: it could count them were their "
                                            "unplaced authors placed; the figure is 'N, and up to this many more'"),
    ("named", "papers (agg_mentions)", "papers whose text names the term in the counted scope"),
    ("use it", "papers_used", "of them, papers that use the model (not only cite it), decided from the body"),
    ("dual strings", "dual_strings", DUAL_STRINGS.split(": ", 1)[1]),
]

# Who counts as what in the tables and sentences.
GROUPS = [("with_cn", "any Chinese author"), ("with_us", "any US author"), ("with_both", "both"),
          ("with_neither", "neither (other countries)"), ("with_unknown", "unknown (no country resolved)")]


def scope_words(scope: str) -> str:
    return ("body text (before the references; a citation is not use)" if scope == "body"
            else "whole text (references included)")


def sentences(collab: pd.DataFrame, china_policy: str) -> list[str]:
    """The headline sentences, regenerated from the collaboration table."""
    china = china_words(china_policy)
    out = []
    for r in collab.sort_values("year").itertuples(index=False):
        share = 100.0 * r.with_both / r.papers if r.papers else 0.0
        out.append(f"{r.year}: {r.with_both:,} of {r.papers:,} papers ({share:.1f}%) involve authors at both US and "
                   f"{china} institutions.")
    return out


def term_sentences(groups: pd.DataFrame, china_policy: str) -> list[str]:
    """Per year and term: in how many papers it is named with Chinese and with US authors, and
    in how many of them the paper uses it (not only cites it).

    Both groups for every term (not only the 'other side' of its origin), so a reader can
    compare; a paper with authors from both countries counts in both numbers.
    """
    china = china_words(china_policy)
    out = []
    for r in groups.sort_values(["year", "papers", "term"], ascending=[True, False, True]).itertuples(index=False):
        for named, used, who in ((r.with_cn, getattr(r, "with_cn_used", None), f"{china} institutions"),
                                 (r.with_us, getattr(r, "with_us_used", None), "US institutions")):
            use = "" if used is None or pd.isna(used) else f"; {int(used):,} of them use it, the others only cite it"
            out.append(f"{r.year}: {r.term} is named in {named:,} {_papers(named)} with authors from {who}{use}.")
    return out


def _papers(n: int) -> str:
    return "paper" if n == 1 else "papers"


def _cell(both, share, unknown) -> str:
    """A rule's figure in a table: '135 (3.0%)', '+4?' when it cannot decide some papers."""
    return f"{_figure(both)} ({100 * share:.1f}%)" + (f" +{int(unknown):,}?" if unknown else "")


def rules_view(counts: dict, china_policy: str, aggregates: dict, references: dict, top_pairs: int) -> dict:
    """The rules side by side: per year under this run's policy with strings kept (each
    figure with its undecided papers and a link to its papers), every policy and string
    setting, the published references with the difference, the top institution pairs."""
    rules = counts["rules"]
    order = [r for r in aggregates["rules"] if r in set(rules["rule"])]
    mine = rules[(rules["china_policy"] == china_policy) & rules["dual_strings"]]
    years = sorted(int(y) for y in mine["year"].unique())
    by_year, links = [], []
    for rule in order:
        row, link = [rule, rule_words(rule, china_policy, aggregates)], [None, None]
        for year in years:
            got = mine[(mine["year"] == year) & (mine["rule"] == rule)]
            if got.empty:
                row.append("")
                link.append(None)
                continue
            g = got.iloc[0]
            row.append(_cell(g["with_both"], g["share"], g["with_unknown"]))
            link.append(export_name(rule, china_policy, True))
        by_year.append(row)
        links.append(link)
    papers = mine.drop_duplicates("year").set_index("year")["papers"]
    head = ["rule", "counts papers that", *(f"{y} (n={int(papers[y]):,})" for y in years)]
    wide_rows, wide_links = [], []
    for (year, pol, dual, n), g in rules.groupby(["year", "china_policy", "dual_strings", "papers"], sort=True):
        got = g.set_index("rule")
        wide_rows.append([int(year), pol, "kept" if dual else "left out", int(n),
                          *(_cell(got.at[r, "with_both"], got.at[r, "share"], got.at[r, "with_unknown"])
                            if r in got.index else "" for r in order)])
        wide_links.append([None] * 4 + [export_name(r, pol, bool(dual)) for r in order])
    wide = pd.DataFrame(wide_rows, columns=["year", "China policy", "dual strings", "papers", *order])
    ref_rows = []
    for year, ref in sorted((int(y), r) for y, r in (references or {}).items()):
        ref = dict(ref)
        row = {"year": year, "source": ref["source"], "papers": ref["papers"], "with_both": ref["with_both"],
               "share %": round(100.0 * ref["with_both"] / ref["papers"], 2) if ref["papers"] else 0.0}
        for rule in order:
            got = mine[(mine["year"] == year) & (mine["rule"] == rule)]
            row[rule] = "" if got.empty else f"{100.0 * (got['share'].iloc[0]) - row['share %']:+.2f} pp"
        ref_rows.append(row)
    headline = aggregates["headline_rule"]
    pairs = counts["institution_pairs"].sort_values(["year", "papers"], ascending=[True, False])
    pairs = pairs.groupby("year").head(top_pairs).rename(columns={"us_institution": "US institution",
                                                                  "cn_institution": "Chinese institution"})
    return {
        "by_year": Table.of(pd.DataFrame(by_year, columns=head), links,
                            numeric=[False, False, *([True] * len(years))]),
        "table": Table.of(wide, wide_links, numeric=[True, False, False, True, *([True] * len(order))]),
        "references": Table.of(pd.DataFrame(ref_rows)) if ref_rows else None,
        "pairs": Table.of(pairs),
        "tracks": _tracks_table(counts.get("track_rules"), order),
        "headline": headline,
        "dual_strings": DUAL_STRINGS,
        "text": [f"The answer and the institution pairs use {headline}: {DESCRIPTIONS[headline]}.",
                 "The collaboration table and chart and the mentions by author-country group use any_author "
                 "(a paper's affiliations, whoever holds them).",
                 "Each figure is with_both, its share of the year's papers, and after '+' the papers the rule "
                 "cannot decide (an author without a country could tip them); each links to the papers it counts. "
                 "The reference rows are published figures shown for comparison (difference in share points, "
                 "this run's policy, strings kept), never used to tune a rule."]
                + [f"{rule}: {DESCRIPTIONS[rule]}." for rule in order],
    }


def _tracks_table(by_track: pd.DataFrame | None, order: list[str]) -> Table | None:
    """agg_rules_by_track as a row per (year, track), with_both per rule with its share, so a
    figure published for one track (NeurIPS's main track) is set beside that track alone."""
    if by_track is None or by_track.empty:
        return None
    rows = []
    for (year, track, n), g in by_track.groupby(["year", "track", "papers"], sort=True):
        got = g.set_index("rule")
        rows.append([int(year), track, int(n), *(_cell(got.at[r, "with_both"], got.at[r, "share"],
                                                       got.at[r, "with_unknown"]) if r in got.index else ""
                                                 for r in order)])
    frame = pd.DataFrame(rows, columns=["year", "track", "papers", *order])
    return Table.of(frame, numeric=[True, False, True, *([True] * len(order))])


def export_name(rule: str, china_policy: str, dual_strings: bool) -> str:
    """The CSV of the papers behind one figure: papers_first_last_mainland_kept.csv."""
    return f"papers_{rule}_{china_policy}_{'kept' if dual_strings else 'left_out'}.csv"


def _figure(value) -> str:
    """A rule's with_both as the reader sees it: 135, or 312.4 for a fractional weight."""
    v = float(value)
    return f"{int(v):,}" if v.is_integer() else f"{v:,.1f}"


def rule_words(rule: str, china_policy: str, aggregates: dict) -> str:
    share = aggregates.get("min_share", 1 / 3)
    return RULE_PLAIN[rule].format(china=china_words(china_policy), n=aggregates.get("min_authors", 2),
                                   share="a third" if abs(share - 1 / 3) < 1e-3 else f"{100 * share:g}%")


def answer(collab: pd.DataFrame, counts: dict | None, china_policy: str, aggregates: dict, references: dict,
           intervals: dict | None, min_papers: int, confidence: float = 0.95) -> list[dict]:
    """Per year, the answer under the headline rule: the figure, its share, the papers the rule
    cannot decide, the reviews' interval, the published reference with the closest rule, and
    each said in one sentence (the report's first screen, the console's last lines, run.json)."""
    rule = aggregates["headline_rule"]
    rules = counts["rules"] if counts and not counts["rules"].empty else None
    mine = None if rules is None else rules[(rules["china_policy"] == china_policy) & rules["dual_strings"]]
    out = []
    for r in collab.sort_values("year").itertuples(index=False):
        year, n = int(r.year), int(r.papers)
        got = None if mine is None else mine[(mine["year"] == year) & (mine["rule"] == rule)]
        if got is not None and not got.empty:
            both, unknown = float(got["with_both"].iloc[0]), int(got["with_unknown"].iloc[0])
        else:
            both, unknown = float(r.with_both), int(r.with_unknown)
        share = both / n if n else 0.0
        a = {"year": year, "rule": rule, "papers": n, "with_both": both, "share": round(share, 6),
             "with_unknown": unknown, "small": n < min_papers, "min_papers": min_papers,
             "export": export_name(rule, china_policy, True), "interval": None, "reference": None,
             "reference_sentence": ""}
        head = f"{year}: {_figure(both)} of {n:,} papers ({100 * share:.1f}%)"
        if rule == "fractional":
            a["sentence"] = (f"{year}: the US-China collaboration weight is {_figure(both)} of {n:,} papers "
                             f"({100 * share:.1f}%): {rule_words(rule, china_policy, aggregates)}.")
        else:
            a["sentence"] = f"{head} {rule_words(rule, china_policy, aggregates)}."
        a["rule_sentence"] = f"Rule {rule}: {DESCRIPTIONS[rule]}."
        a["unknown_sentence"] = (f"Up to {unknown:,} more paper{'' if unknown == 1 else 's'} could count under "
                                 f"{rule} were {'its' if unknown == 1 else 'their'} authors' countries known."
                                 if unknown else f"No paper of {year} is undecided under {rule}.")
        a["small_sentence"] = (f"fewer than {min_papers} papers (reports.min_papers): too few for a share to mean "
                               "much; drawn hollow and grey" if a["small"] else "")
        h = (intervals or {}).get(year) if rule == "any_author" else None
        if h:
            a["interval"] = {"low": int(h["low"]), "high": int(h["high"]), "reviewed": int(h["reviewed"])}
            a["interval_sentence"] = (f"From {h['reviewed']:,} reviewed papers, the {100 * confidence:g}% interval "
                                      f"is {h['low']:,} to {h['high']:,} papers.")
        else:
            a["interval_sentence"] = ("No paper of this year has been reviewed, so the figure has no interval yet."
                                      if rule == "any_author" else
                                      f"The reviews judge the papers' country flags, which bound any_author, "
                                      f"not {rule}: no interval.")
        ref = (references or {}).get(year)
        if ref is not None:
            ref = dict(ref) if not hasattr(ref, "model_dump") else ref.model_dump()
            ref_share = ref["with_both"] / ref["papers"] if ref["papers"] else 0.0
            here = mine[mine["year"] == year] if mine is not None else None
            closest = None
            if here is not None and not here.empty:
                order = {name: i for i, name in enumerate(DESCRIPTIONS)}
                best = min(here.itertuples(index=False), key=lambda x: (abs(x.share - ref_share), order[x.rule]))
                closest = {"rule": best.rule, "with_both": float(best.with_both), "share": float(best.share),
                           "export": export_name(best.rule, china_policy, True)}
            a["reference"] = {**ref, "share": round(ref_share, 6), "closest": closest}
            text = (f"{ref['source']} reported {ref['with_both']:,} of {ref['papers']:,} papers "
                    f"({100 * ref_share:.1f}%) for {year}")
            if closest:
                text += (f"; the closest rule here is {closest['rule']}, {_figure(closest['with_both'])} "
                         f"({100 * closest['share']:.1f}%)")
            a["reference_sentence"] = text + "."
        out.append(a)
    return out


def console_lines(answers: list[dict], confidence: float = 0.95) -> list[str]:
    """One line per year: the figure under the headline rule with n and share, the interval
    when reviews exist, the reference with the closest rule."""
    lines = []
    for a in answers:
        n = a["papers"]
        line = (f"{a['year']}: {_figure(a['with_both'])} of {n:,} papers "
                f"({100 * a['share']:.1f}%) US-China")
        if a["with_unknown"]:
            line += f" (+{a['with_unknown']:,} undecided)"
        if a["interval"]:
            i = a["interval"]
            line += f"; {100 * confidence:g}% interval {i['low']:,}-{i['high']:,} from {i['reviewed']:,} reviewed"
        ref = a["reference"]
        if ref:
            line += f"; {ref['source']}: {ref['with_both']:,} ({100 * ref['share']:.1f}%)"
            if ref["closest"]:
                c = ref["closest"]
                line += f", closest rule {c['rule']} {_figure(c['with_both'])} ({100 * c['share']:.1f}%)"
        if a["small"]:
            line += f"; under {a['min_papers']} papers: too few for a share"
        lines.append(line)
    return lines
