"""The sources of a reconciled year compared in the report: the agreement per counting rule.

A year whose PDFs were reconciled with paper lists (sources.program.reconcile) has each
author's countries from every source; counting.agreement counts each rule per source.
Here that becomes one block of index.html and summary.md (each source against the
counts the run uses), its data in run.json, the disagreeing papers in a CSV of the run's
folder, and the ids of those the sources disagree on under the headline rule, which the
review sample draws as a stratum of their own.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from paperscope.core import escape
from paperscope.counting.agreement import CHOSEN
from paperscope.report.render import Table

CSV = "sources_disagreements.csv"


@dataclass(frozen=True)
class SourcesCompared:
    """agreement: counting.agreement.AGREEMENT_COLUMNS; disagreements: paper_id, title, year,
    rule, flag_<source>..., flag_chosen; lists: the paper lists reconciled with (files, stats)."""
    agreement: pd.DataFrame
    disagreements: pd.DataFrame
    lists: dict | None = None

    def stratum(self, rule: str) -> set[str]:
        """The papers the sources disagree on under rule (the review's sources stratum)."""
        d = self.disagreements
        return set(d.loc[d["rule"] == rule, "paper_id"])


def write_csv(run_dir: Path, compared: SourcesCompared) -> Path:
    path = run_dir / CSV
    escape.csv_frame(compared.disagreements).to_csv(path, index=False)
    return path


def view(compared: SourcesCompared | None, headline: str) -> dict | None:
    """The report's block: each source against the run's counts, per rule, and a sentence per
    source under the headline rule; None when no year was reconciled."""
    if compared is None or compared.agreement.empty:
        return None
    a = compared.agreement[compared.agreement["against"] == CHOSEN]
    table = pd.DataFrame({"rule": a["rule"], "source": a["source"], "papers": a["papers"],
                          "US-China by both": a["both"], "only the source": a["only_source"],
                          "only the run's count": a["only_against"],
                          "agree %": [None if s is None or pd.isna(s) else round(100 * s, 1) for s in a["agree_share"]]})
    text = []
    for r in a[a["rule"] == headline].itertuples(index=False):
        text.append(f"{r.source}: of {r.papers:,} papers it lists, {r.both:,} are US-China by both it and the run's "
                    f"count, {r.only_source:,} by it alone and {r.only_against:,} by the run's count alone.")
    n = len(compared.stratum(headline))
    files = (compared.lists or {}).get("files") or []
    return {"table": Table.of(table), "text": text, "headline": headline, "disagreeing": n, "csv": CSV,
            "lists": [Path(f).name for f in files]}


def record(compared: SourcesCompared | None) -> dict | None:
    """What run.json keeps: the agreement rows, the count of disagreements per rule, the lists."""
    if compared is None:
        return None
    per_rule = compared.disagreements.groupby("rule").size().to_dict() if len(compared.disagreements) else {}
    return {"agreement": compared.agreement.to_dict("records"), "disagreements_per_rule": per_rule,
            "paper_lists": compared.lists}
