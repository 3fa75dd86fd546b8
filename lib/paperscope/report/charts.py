"""The report's charts (matplotlib, imported only here and only when a report is written).

Each chart is drawn so it cannot mislead: years on a true time axis (a missing year is a
gap, never a closed-up step), n on every point, a year with fewer than reports.min_papers
papers hollow and grey, never joined by a line, and a one-year run drawn as bars, not as
a line of one point. Shares start at 0.
"""
from __future__ import annotations

from pathlib import Path

import pandas as pd

from paperscope.core.policy import china_words

GREY = "#9a9a9a"
HEADLINE = "#1f5fa8"
OTHER = "#8fb3d9"


def _pyplot():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def _save_chart(plt, fig, path: Path) -> Path:
    """A chart's figure laid out, written as PNG and closed (pyplot keeps every open figure)."""
    fig.tight_layout()
    fig.savefig(path, format="png")
    plt.close(fig)
    return path


def _runs(years: list[int]) -> list[list[int]]:
    """Consecutive years together: [2020], [2022, 2023, 2024]: a line never spans a gap."""
    out: list[list[int]] = []
    for y in years:
        if out and y == out[-1][-1] + 1:
            out[-1].append(y)
        else:
            out.append([y])
    return out


def _year_range(years: list[int]) -> str:
    return f"{years[0]}" if len(set(years)) == 1 else f"{years[0]}-{years[-1]}"


def chart_collaboration(collab: pd.DataFrame, path: Path, china_policy: str, min_papers: int) -> Path:
    """Share of papers with US, Chinese and both kinds of authors, per year."""
    plt = _pyplot()
    df = collab.sort_values("year").reset_index(drop=True)
    years = [int(y) for y in df["year"]]
    china = china_words(china_policy)
    series = (("with_both", f"US and {china}", "C0", "o"), ("with_us", "any US", "C1", "s"),
              ("with_cn", f"any {china}", "C2", "^"))
    fig, ax = plt.subplots(figsize=(7.5, 3.8), dpi=100)
    if len(years) == 1:  # one year: bars, not a line of one point
        n = int(df["papers"].iloc[0])
        for i, (col, _label, colour, _) in enumerate(series):
            k = int(df[col].iloc[0])
            share = 100.0 * k / n if n else 0.0
            small = n < min_papers
            ax.bar(i, share, color="white" if small else colour, edgecolor=GREY if small else colour, hatch=None)
            ax.annotate(f"{k:,}/{n:,}", (i, share), textcoords="offset points", xytext=(0, 3), ha="center", fontsize=8)
        ax.set_xticks(range(len(series)), [s[1] for s in series])
        ax.set_title(f"Papers by author countries, {years[0]} (n = {n:,})")
    else:
        small = {y for y, n in zip(years, df["papers"]) if n < min_papers}
        for col, label, colour, marker in series:
            share = dict(zip(years, 100.0 * df[col] / df["papers"].where(df["papers"] > 0)))
            big = [y for y in years if y not in small]
            for run in _runs(big):
                if len(run) > 1:
                    ax.plot(run, [share[y] for y in run], "-", color=colour, linewidth=1.6)
            ax.plot(big, [share[y] for y in big], marker, color=colour, label=label, linestyle="none")
            hollow = [y for y in years if y in small]
            if hollow:
                ax.plot(hollow, [share[y] for y in hollow], marker, markerfacecolor="white", markeredgecolor=GREY,
                        linestyle="none")
            for y in years:
                k = int(df.loc[df["year"] == y, col].iloc[0])
                ax.annotate(f"{k:,}", (y, share[y] if pd.notna(share[y]) else 0), textcoords="offset points",
                            xytext=(0, 5), ha="center", fontsize=7, color=GREY if y in small else colour)
        ax.set_xlim(years[0] - 0.5, years[-1] + 0.5)
        ticks = list(range(years[0], years[-1] + 1))
        n_of = dict(zip(years, df["papers"]))
        ax.set_xticks(ticks, [f"{y}\nn={n_of[y]:,}" if y in n_of else f"{y}\n(none)" for y in ticks], fontsize=8)
        ax.set_title(f"Papers by author countries, {_year_range(years)}"
                     + (f" (hollow: under {min_papers} papers)" if small else ""))
        ax.legend(fontsize=8, loc="upper left")
    ax.set_ylabel("% of the year's papers")
    ax.set_ylim(0, 108)
    ax.set_yticks(range(0, 101, 20))
    ax.grid(axis="y", alpha=0.3)
    return _save_chart(plt, fig, path)


def chart_rules(rules: pd.DataFrame, path: Path, china_policy: str, headline: str, references: dict | None = None,
                min_papers: int = 0) -> Path:
    """Small multiples, one panel per year: the US-China share under each counting rule as a
    bar labelled with its figure (and the papers it cannot decide), the headline rule dark,
    the published reference as a line."""
    plt = _pyplot()
    df = rules[(rules["china_policy"] == china_policy) & rules["dual_strings"]]
    every = sorted(int(y) for y in df["year"].unique())
    sizes = df.drop_duplicates("year").set_index("year")["papers"]
    # Years too small to read get no panel (the title names them), unless no year is larger.
    years = [y for y in every if sizes[y] >= min_papers] or every
    left_out = [y for y in every if y not in years]
    order = list(dict.fromkeys(df["rule"]))
    cols = min(len(years), 3)
    rows = -(-len(years) // cols)
    fig, axes = plt.subplots(rows, cols, figsize=(3.6 * cols + 1.2, 0.35 * len(order) * rows + 1.1 * rows), dpi=100,
                             squeeze=False, sharex=True)
    top = max(5.0, float(df["share"].max() * 100) * 1.35 if len(df) else 5.0)
    for ref in (references or {}).values():
        r = dict(ref) if not hasattr(ref, "model_dump") else ref.model_dump()
        if r["papers"]:
            top = max(top, 100.0 * r["with_both"] / r["papers"] * 1.35)
    top = min(100.0, top)
    for i, year in enumerate(years):
        ax = axes[i // cols][i % cols]
        g = df[df["year"] == year].set_index("rule").reindex(order)
        n = int(g["papers"].dropna().iloc[0]) if g["papers"].notna().any() else 0
        small = n < min_papers
        for j, rule in enumerate(order):
            share, both, unknown = 100.0 * g.at[rule, "share"], g.at[rule, "with_both"], g.at[rule, "with_unknown"]
            colour = GREY if small else (HEADLINE if rule == headline else OTHER)
            ax.barh(j, share, color="white" if small else colour, edgecolor=colour, height=0.7)
            label = f"{both:,.0f}" if float(both).is_integer() else f"{both:,.1f}"
            label += f" ({share:.1f}%)" + (f" +{int(unknown):,}?" if unknown else "")
            ax.annotate(label, (share, j), textcoords="offset points", xytext=(3, 0), va="center", fontsize=7)
        ref = (references or {}).get(year)
        if ref is not None:
            r = dict(ref) if not hasattr(ref, "model_dump") else ref.model_dump()
            if r["papers"]:
                x = 100.0 * r["with_both"] / r["papers"]
                ax.axvline(x, color="#c0392b", linestyle="--", linewidth=1.2)
                ax.annotate(f"{r['source']} {x:.1f}%", (x, len(order) - 0.4), textcoords="offset points",
                            xytext=(3, 0), fontsize=7, color="#c0392b")
        ax.set_yticks(range(len(order)), order, fontsize=8)
        ax.invert_yaxis()
        ax.set_xlim(0, top)
        ax.set_title(f"{year} (n = {n:,}{', too few' if small else ''})", fontsize=9,
                     color=GREY if small else "black")
        ax.grid(axis="x", alpha=0.3)
    for k in range(len(years), rows * cols):
        axes[k // cols][k % cols].axis("off")
    fig.supxlabel(f"% of the year's papers counted as US-{china_words(china_policy)} (? = undecided papers)",
                  fontsize=8)
    if left_out:
        fig.suptitle(f"Not drawn, under {min_papers} papers: {', '.join(map(str, left_out))}", fontsize=8,
                     color=GREY)
    return _save_chart(plt, fig, path)


def chart_terms(groups: pd.DataFrame, path: Path, top: int, china_policy: str) -> Path:
    """The most named terms over the run's years: papers naming each, by author-country
    group, and beside each bar (darker) the papers of that group that use the model."""
    plt = _pyplot()
    cols = ["papers", "with_cn", "with_us", "with_both"]
    used = [f"{c}_used" for c in cols]
    have_used = all(c in groups.columns for c in used) and groups[used].notna().any().any()
    frame = groups.copy()
    if not have_used:
        for c in used:
            frame[c] = 0
    total = frame.groupby("term")[cols + used].sum().sort_values(["papers"], ascending=False).head(max(1, top))
    total = total.iloc[::-1]
    bars = [("with_cn", f"any {china_words(china_policy)}", "C2"), ("with_us", "any US", "C1"),
            ("with_both", "both", "C0")]
    fig, ax = plt.subplots(figsize=(7.5, 0.7 + 0.5 * max(1, len(total))), dpi=100)
    height = 0.8 / len(bars)
    for i, (col, label, colour) in enumerate(bars):
        ys = [y + i * height for y in range(len(total))]
        ax.barh(ys, total[col], height=height, color=colour, alpha=0.35, label=f"{label}: named")
        if have_used:
            ax.barh(ys, total[f"{col}_used"], height=height, color=colour, label=f"{label}: used")
        for y, k in zip(ys, total[col]):
            ax.annotate(f"{int(k):,}", (k, y), textcoords="offset points", xytext=(2, 0), va="center", fontsize=6)
    ax.set_yticks([y + 0.4 - height / 2 for y in range(len(total))], list(total.index))
    ax.set_xlabel("papers naming the term" + (" (dark: of them, papers using it)" if have_used else ""))
    years = sorted(int(y) for y in groups["year"].unique())
    ax.set_title(f"Top terms by author-country group, {_year_range(years)}" if years else "Top terms")
    ax.legend(fontsize=7, loc="lower right", ncol=2 if have_used else 1)
    ax.grid(axis="x", alpha=0.3)
    return _save_chart(plt, fig, path)
