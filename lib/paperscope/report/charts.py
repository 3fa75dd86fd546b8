"""The report's charts (matplotlib, imported only here and only when a report is written)."""
from __future__ import annotations

from pathlib import Path

import pandas as pd

from paperscope.core.policy import china_words


def _pyplot():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def chart_collaboration(collab: pd.DataFrame, path: Path, china_policy: str) -> Path:
    """Share of papers with US, Chinese and both kinds of authors, by year."""
    plt = _pyplot()
    df = collab.sort_values("year")
    years = [str(y) for y in df["year"]]
    fig, ax = plt.subplots(figsize=(7, 3.6), dpi=100)
    for col, label, style in (("with_both", f"US and {china_words(china_policy)}", "o-"),
                              ("with_us", "any US", "s--"), ("with_cn", f"any {china_words(china_policy)}", "^--")):
        share = 100.0 * df[col] / df["papers"].where(df["papers"] > 0)
        ax.plot(years, share.fillna(0.0), style, label=label)
    for x, (both, n) in enumerate(zip(df["with_both"], df["papers"])):
        ax.annotate(f"{both}/{n}", (x, 100.0 * both / n if n else 0.0), textcoords="offset points", xytext=(0, 6),
                    ha="center", fontsize=8)
    ax.set_ylabel("% of papers")
    ax.set_ylim(0, 100)
    ax.set_title("Papers by author countries, per year")
    ax.legend(fontsize=8, loc="best")
    ax.grid(alpha=0.3)
    return _save_chart(plt, fig, path)


def _save_chart(plt, fig, path: Path) -> Path:
    """A chart's figure laid out, written as PNG and closed (pyplot keeps every open figure)."""
    fig.tight_layout()
    fig.savefig(path, format="png")
    plt.close(fig)
    return path


def chart_terms(groups: pd.DataFrame, path: Path, top: int, china_policy: str) -> Path:
    """The most mentioned terms over the run's years, papers per author-country group."""
    plt = _pyplot()
    cols = ["papers", "with_cn", "with_us", "with_both", "with_neither", "with_unknown"]
    total = groups.groupby("term")[cols].sum().sort_values(["papers"], ascending=False).head(max(1, top))
    total = total.iloc[::-1]
    bars = [("with_cn", f"any {china_words(china_policy)}"), ("with_us", "any US"), ("with_both", "both"),
            ("other", "neither / unknown")]
    total["other"] = total["with_neither"] + total["with_unknown"]
    fig, ax = plt.subplots(figsize=(7, 0.5 + 0.45 * max(1, len(total))), dpi=100)
    height = 0.8 / len(bars)
    for i, (col, label) in enumerate(bars):
        ax.barh([y + i * height for y in range(len(total))], total[col], height=height, label=label)
    ax.set_yticks([y + 0.4 - height / 2 for y in range(len(total))])
    ax.set_yticklabels(list(total.index))
    ax.set_xlabel("papers mentioning the term")
    years = sorted(groups["year"].unique())
    ax.set_title(f"Top terms by author-country group ({years[0]}-{years[-1]})" if years else "Top terms")
    ax.legend(fontsize=8, loc="lower right")
    ax.grid(axis="x", alpha=0.3)
    return _save_chart(plt, fig, path)


def chart_rules(rules: pd.DataFrame, path: Path, china_policy: str, headline: str) -> Path:
    """The US-China share of papers under each counting rule, by year (the run's policy)."""
    plt = _pyplot()
    df = rules[(rules["china_policy"] == china_policy) & rules["dual_strings"]].sort_values("year")
    years = sorted(df["year"].unique())
    fig, ax = plt.subplots(figsize=(7, 3.6), dpi=100)
    for rule, g in df.groupby("rule", sort=False):
        share = g.set_index("year").reindex(years)["share"].fillna(0.0) * 100.0
        ax.plot([str(y) for y in years], share, "o-" if rule == headline else ".--", label=rule,
                linewidth=2.5 if rule == headline else 1.0)
    ax.set_ylabel("% of papers, US and " + china_words(china_policy))
    ax.set_title("US-China papers under each counting rule, per year")
    ax.legend(fontsize=7, loc="best")
    ax.grid(alpha=0.3)
    return _save_chart(plt, fig, path)

