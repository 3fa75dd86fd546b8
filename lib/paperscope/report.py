"""What a run leaves for people: index.html, summary.md, charts, the audit and review CSVs
and run.json, beside the GX Data Docs in reports/<run-id>/.

Written on every run, passed or failed, so that a stopped run explains itself. The HTML
is one self-contained file (charts embedded as data URIs, no scripts, no CDN) that opens
offline; every string that came from a PDF or a config is HTML-escaped on the way in.
"""
from __future__ import annotations

import base64
import hashlib
import html
import json
import os
import platform
from pathlib import Path

import pandas as pd
import yaml

# Who counts as what in the tables and sentences.
GROUPS = [("with_cn", "any Chinese author"), ("with_us", "any US author"), ("with_both", "both"),
          ("with_neither", "neither (other countries)"), ("with_unknown", "unknown (no country resolved)")]
# Distributions whose versions a run records (importlib.metadata names).
VERSIONED = ["paperscope", "pyspark", "delta-spark", "great-expectations", "pdfminer.six", "pypdfium2", "pandas",
             "pyarrow", "matplotlib", "PyYAML"]
AUDIT_COLUMNS = ["paper_id", "year", "title", "raw", "institution", "country", "method", "matched", "score",
                 "evidence", "source", "path", "status"]


# ---------------------------------------------------------------------------------------
# Words and numbers
# ---------------------------------------------------------------------------------------


def china_words(china_policy: str) -> str:
    """How the report says 'Chinese institutions' under the configured rule."""
    return "Chinese" if china_policy == "mainland" else "Chinese (incl. Hong Kong, Macao, Taiwan)"


def china_rule(china_policy: str) -> str:
    if china_policy == "mainland":
        return ("China means mainland China (CN); affiliations in Hong Kong, Macao and Taiwan are not counted as "
                "Chinese (affiliations.china_policy: mainland).")
    return "China means CN, HK, MO and TW together (affiliations.china_policy: greater)."


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
    """Per year and term: in how many papers it appears with Chinese and with US authors.

    Both groups for every term (not only the 'other side' of its origin), so a reader can
    compare; a paper with authors from both countries counts in both numbers.
    """
    china = china_words(china_policy)
    out = []
    for r in groups.sort_values(["year", "papers", "term"], ascending=[True, False, True]).itertuples(index=False):
        out.append(f"{r.year}: {r.term} appears in {r.with_cn:,} {_papers(r.with_cn)} with authors from {china} "
                   f"institutions.")
        out.append(f"{r.year}: {r.term} appears in {r.with_us:,} {_papers(r.with_us)} with authors from US "
                   f"institutions.")
    return out


def _papers(n: int) -> str:
    return "paper" if n == 1 else "papers"


def versions(spark_version: str | None = None) -> dict:
    """Versions of Python and of the libraries behind the numbers ('-' when not installed)."""
    from importlib.metadata import PackageNotFoundError, version

    out = {"python": platform.python_version()}
    for dist in VERSIONED:
        try:
            out[dist] = version(dist)
        except PackageNotFoundError:
            out[dist] = "-"
    if spark_version:
        out["spark (running)"] = spark_version
    return out


# ---------------------------------------------------------------------------------------
# Per-paper views: audit and review sample
# ---------------------------------------------------------------------------------------


def terms_per_paper(mentions: pd.DataFrame | None) -> pd.Series:
    """paper_id -> "Llama 3/4; Qwen 1/1" (count in the body / in the whole text)."""
    if mentions is None or mentions.empty:
        return pd.Series(dtype=object)
    m = mentions.sort_values(["paper_id", "count_body", "term"], ascending=[True, False, True])
    text = m["term"].astype(str) + " " + m["count_body"].astype(str) + "/" + m["count_full"].astype(str)
    return text.groupby(m["paper_id"]).agg("; ".join)


def audit_table(audit: pd.DataFrame, mentions: pd.DataFrame | None, scope: str) -> pd.DataFrame:
    """One row per paper and affiliation row (a paper without any keeps one row), with the
    paper's terms in the given scope. Columns beyond AUDIT_COLUMNS are kept at the end."""
    out = audit.copy()
    for col in AUDIT_COLUMNS:
        if col not in out.columns:
            out[col] = None
    terms = terms_per_paper(mentions)
    out["terms (body/full)"] = out["paper_id"].map(terms).fillna("")
    if mentions is not None and not mentions.empty:
        col = "count_body" if scope == "body" else "count_full"
        used = mentions[mentions[col] > 0].groupby("paper_id")["term"].agg(lambda s: ";".join(sorted(s)))
        out[f"terms_{scope}"] = out["paper_id"].map(used).fillna("")
    else:
        out[f"terms_{scope}"] = ""
    first = AUDIT_COLUMNS + [f"terms_{scope}", "terms (body/full)"]
    return out[first + [c for c in out.columns if c not in first]]


def review_sample(papers: pd.DataFrame, n: int, seed: int) -> list[str]:
    """Paper ids for a person to check by hand: the n with the smallest sha256(seed:paper_id).

    Independent of row order and partitioning, so the same corpus and seed always give the
    same papers, and adding papers leaves an earlier pick in place unless a new one ranks lower.
    """
    ids = sorted(set(papers["paper_id"].dropna()),
                 key=lambda pid: hashlib.sha256(f"{seed}:{pid}".encode()).hexdigest())
    return ids[:max(0, int(n))]


def _paper_records(audit: pd.DataFrame, mentions: pd.DataFrame | None, ids: list[str]) -> list[dict]:
    """For each paper id: its fields, affiliation rows and term counts (for HTML and Markdown)."""
    records = []
    for pid in ids:
        rows = audit[audit["paper_id"] == pid]
        if rows.empty:
            continue
        first = rows.iloc[0]
        affs = [r for r in rows.to_dict("records") if isinstance(r.get("raw"), str)]
        found = [] if mentions is None or mentions.empty else (
            mentions[mentions["paper_id"] == pid].sort_values("term").to_dict("records"))
        countries = sorted({a["country"] for a in affs if isinstance(a.get("country"), str)})
        records.append({"paper_id": pid, "year": first.get("year"), "title": first.get("title"),
                        "path": first.get("path"), "status": first.get("status"), "affiliations": affs,
                        "countries": countries, "terms": found})
    return records


def review_csv(records: list[dict]) -> pd.DataFrame:
    """The review sample as a sheet: the evidence, then empty columns for the reviewer."""
    rows = []
    for r in records:
        rows.append({
            "paper_id": r["paper_id"], "year": r["year"], "title": r["title"], "path": r["path"], "status": r["status"],
            "affiliations": " | ".join(f"{a['raw']} -> {a.get('institution') or '?'} ({a.get('country') or '?'}; "
                                       f"{a.get('method')}: {a.get('evidence') or ''})" for a in r["affiliations"]),
            "countries": ",".join(r["countries"]),
            "terms (body/full)": "; ".join(f"{t['term']} {t['count_body']}/{t['count_full']}" for t in r["terms"]),
            "countries_correct": "", "terms_correct": "", "notes": "",
        })
    return pd.DataFrame(rows, columns=["paper_id", "year", "title", "path", "status", "affiliations", "countries",
                                       "terms (body/full)", "countries_correct", "terms_correct", "notes"])


# ---------------------------------------------------------------------------------------
# Charts (matplotlib, imported only here: it costs about a second)
# ---------------------------------------------------------------------------------------


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
    fig.tight_layout()
    fig.savefig(path, format="png")
    plt.close(fig)
    return path


# ---------------------------------------------------------------------------------------
# Markdown
# ---------------------------------------------------------------------------------------


def _cell(value) -> str:
    if value is None or (isinstance(value, float) and pd.isna(value)) or value is pd.NA:
        return ""
    return str(value)


def _md_text(value) -> str:
    """A Markdown table cell: HTML-escaped (renderers pass raw HTML through), no pipes or newlines."""
    return html.escape(_cell(value), quote=False).replace("|", "\\|").replace("\n", " ")


def _md_table(df: pd.DataFrame | None) -> str:
    if df is None or df.empty:
        return "_(none)_\n"
    lines = ["| " + " | ".join(_md_text(c) for c in df.columns) + " |",
             "|" + "|".join("---:" if pd.api.types.is_numeric_dtype(df[c]) else "---" for c in df.columns) + "|"]
    for row in df.itertuples(index=False):
        lines.append("| " + " | ".join(_md_text(v) for v in row) + " |")
    return "\n".join(lines) + "\n"


def _reused_md(meta: dict) -> str:
    """Why a run shows another run's gate: nothing it depends on changed since (quality.reuse_unchanged)."""
    if not meta.get("gate_reused_from"):
        return ""
    return (f"\nNo table, discovered file or quality setting changed since run {meta['gate_reused_from']}, whose "
            "gate passed: its verdict and Data Docs stand, and GX was not run again.\n")


def _relative(path: str | None, run_dir: Path) -> str | None:
    if not path:
        return None
    try:
        return Path(path).resolve().relative_to(run_dir.resolve()).as_posix()
    except ValueError:
        return Path(path).as_uri() if Path(path).is_absolute() else path


# ---------------------------------------------------------------------------------------
# HTML: every value goes through _h
# ---------------------------------------------------------------------------------------


def _h(value) -> str:
    return html.escape(_cell(value), quote=True)


def _html_table(df: pd.DataFrame | None, limit: int | None = None) -> str:
    if df is None or df.empty:
        return "<p><em>(none)</em></p>\n"
    shown = df if limit is None else df.head(limit)
    num = [pd.api.types.is_numeric_dtype(df[c]) for c in df.columns]
    head = "".join(f"<th>{_h(c)}</th>" for c in df.columns)
    body = "\n".join("<tr>" + "".join(f'<td class="{"n" if n else "t"}">{_h(v)}</td>' for v, n in zip(row, num))
                     + "</tr>" for row in shown.itertuples(index=False))
    more = "" if len(shown) == len(df) else f"<p><em>{len(df) - len(shown):,} more rows in the CSV.</em></p>"
    return f"<table>\n<tr>{head}</tr>\n{body}\n</table>\n{more}\n"


def _html_list(items: list[str]) -> str:
    return "<ul>\n" + "".join(f"<li>{_h(s)}</li>\n" for s in items) + "</ul>\n"


def _html_paper(r: dict) -> str:
    affs = "".join(
        f"<li><q>{_h(a['raw'])}</q> &rarr; {_h(a.get('institution') or '?')} "
        f"(<b>{_h(a.get('country') or '?')}</b>; {_h(a.get('method'))}; {_h(a.get('source'))}) "
        f"<small>{_h(a.get('evidence'))}</small></li>" for a in r["affiliations"]) or "<li><em>none found</em></li>"
    terms = ", ".join(f"{_h(t['term'])} {_h(t['count_body'])}/{_h(t['count_full'])}" for t in r["terms"]) or "none"
    return (f'<div class="paper"><h4>{_h(r["title"]) or "<em>(no title)</em>"}</h4>'
            f'<p>{_h(r["year"])} &middot; <code>{_h(r["path"])}</code> &middot; status {_h(r["status"])} &middot; '
            f'id <code>{_h(str(r["paper_id"])[:12])}</code></p>'
            f'<p>Affiliations &rarr; countries <b>{_h(",".join(r["countries"]) or "unknown")}</b>:</p><ul>{affs}</ul>'
            f'<p>Terms (body/full): {terms}</p></div>\n')


def _img(run_dir: Path, png: Path, alt: str) -> str:
    data = base64.b64encode(png.read_bytes()).decode("ascii")
    name = png.relative_to(run_dir).as_posix()
    return (f'<figure><a href="{_h(name)}"><img src="data:image/png;base64,{data}" alt="{_h(alt)}"></a>'
            f'<figcaption>{_h(alt)} (<a href="{_h(name)}">{_h(name)}</a>)</figcaption></figure>\n')


_CSS = """body{font-family:system-ui,sans-serif;max-width:1100px;margin:2em auto;padding:0 1em;color:#222}
table{border-collapse:collapse;margin:.5em 0;font-size:.9em}td,th{border:1px solid #ccc;padding:2px 6px}
td.n{text-align:right}th{background:#f3f3f3}.ok{color:#0a0}.fail{color:#c00;font-weight:bold}
.paper{border-left:3px solid #8ab;padding-left:.8em;margin:1em 0}pre{background:#f6f6f6;padding:.5em;overflow:auto}
img{max-width:100%}figure{margin:1em 0}"""


# ---------------------------------------------------------------------------------------
# The report
# ---------------------------------------------------------------------------------------


def write(run_dir: Path, meta: dict, *, inputs: pd.DataFrame, gate: list[dict], collab: pd.DataFrame | None,
          terms: pd.DataFrame | None, audit: pd.DataFrame | None, mentions: pd.DataFrame | None = None,
          failures: pd.DataFrame | None = None, settings: dict | None = None) -> dict:
    """Write the run's report files into run_dir; return their paths by kind.

    meta: run_id, started, status, message, conf_file, input, years, warehouse,
    china_policy, mention_scope, durations, config, data_docs, versions.
    audit: papers joined with their affiliation rows (extra columns are kept);
    mentions: paper_id, term, count_full, count_body; failures: papers not 'ok'.
    settings: the reports config (review_sample, seed, top_terms, html_rows).
    """
    settings = {"review_sample": 10, "seed": 0, "top_terms": 10, "html_rows": 2000, **(settings or {})}
    run_dir.mkdir(parents=True, exist_ok=True)
    scope, policy = meta["mention_scope"], meta["china_policy"]
    paths = {"html": run_dir / "index.html", "summary": run_dir / "summary.md", "run_json": run_dir / "run.json"}

    audit_df = records = None
    if audit is not None:
        audit_df = audit_table(audit, mentions, scope)
        audit_df.to_csv(run_dir / "audit.csv", index=False)
        paths["audit"] = run_dir / "audit.csv"
        ids = review_sample(audit_df, settings["review_sample"], settings["seed"])
        records = _paper_records(audit_df, mentions, ids)
        review_csv(records).to_csv(run_dir / "review_sample.csv", index=False)
        paths["review"] = run_dir / "review_sample.csv"

    charts = []
    if collab is not None and not collab.empty:
        charts.append((chart_collaboration(collab, run_dir / "collaboration_share.png", policy),
                       "Share of papers with US, Chinese and both, by year"))
        paths["chart_collaboration"] = charts[-1][0]
    if terms is not None and not terms.empty:
        charts.append((chart_terms(terms, run_dir / "top_terms.png", settings["top_terms"], policy),
                       f"Top terms by author-country group ({scope} scope)"))
        paths["chart_terms"] = charts[-1][0]

    gate_df = pd.DataFrame(gate, columns=["suite", "expectation", "column", "success", "observed"])
    gate_df["success"] = gate_df["success"].map({True: "pass", False: "FAIL"})
    status_counts = _status_counts(inputs)
    context = dict(meta=meta, inputs=inputs, gate_df=gate_df, collab=collab, terms=terms, audit_df=audit_df,
                   records=records, failures=failures, charts=charts, status_counts=status_counts, settings=settings)
    paths["summary"].write_text(_markdown(run_dir, **context), encoding="utf-8")
    paths["html"].write_text(_html(run_dir, **context), encoding="utf-8")
    record = {**meta, "gate": gate, "inputs": inputs.to_dict("records"), "status_counts": status_counts,
              "collaboration": None if collab is None else collab.to_dict("records"),
              "term_groups": None if terms is None else terms.to_dict("records"),
              "sentences": (sentences(collab, policy) if collab is not None else [])
              + (term_sentences(terms, policy) if terms is not None else []),
              "review_sample": [r["paper_id"] for r in records or []]}
    paths["run_json"].write_text(json.dumps(record, indent=2, default=str), encoding="utf-8")
    return {k: str(v) for k, v in paths.items()}


def _status_counts(inputs: pd.DataFrame) -> dict:
    """Extraction outcomes over all years: {'ok': 26, 'corrupt': 1, ...}."""
    cols = [c for c in inputs.columns if c not in ("year", "files")]
    return {c: int(inputs[c].sum()) for c in cols if int(inputs[c].sum())}


def _headline(collab: pd.DataFrame) -> pd.DataFrame:
    cols = ["year", "papers", "papers_ok", "with_us", "with_cn", "with_both", "share_both", "with_neither",
            "with_unknown"]
    return collab[[c for c in cols if c in collab.columns]]


def _groups_table(terms: pd.DataFrame) -> pd.DataFrame:
    cols = ["year", "term", "kind", "origin", "origin_country", "papers", "with_cn", "with_us", "with_both",
            "with_neither", "with_unknown", "scope"]
    return terms[[c for c in cols if c in terms.columns]]


def _markdown(run_dir: Path, *, meta, inputs, gate_df, collab, terms, audit_df, records, failures, charts,
              status_counts, settings) -> str:
    docs = _relative(meta.get("data_docs"), run_dir)
    passed = int((gate_df["success"] == "pass").sum())
    parts = [
        f"# paperscope run {_md_text(meta['run_id'])}\n",
        f"**Status: {meta['status']}**" + (f" — {_md_text(meta['message'])}" if meta.get("message") else "") + "\n",
        f"- started: {meta['started']}  \n- config: {_md_text(meta.get('conf_file') or '(defaults)')}  \n"
        f"- input: `{_md_text(meta['input'])}`  \n- years: {', '.join(map(str, meta['years'])) or '(none found)'}  \n"
        f"- {china_rule(meta['china_policy'])}  \n- Mentions counted in: {scope_words(meta['mention_scope'])}  \n"
        f"- warehouse: `{_md_text(meta['warehouse'])}`  \n- full report: [index.html](index.html)\n",
    ]
    if collab is not None:
        parts += ["## Collaboration per year\n", _md_table(_headline(collab)),
                  "".join(f"- {_md_text(s)}\n" for s in sentences(collab, meta["china_policy"]))]
        parts += [f"\n![{alt}]({png.name})\n" for png, alt in charts]
        parts += ["## Mentions by author-country group\n",
                  f"Counted in the {_md_text(scope_words(meta['mention_scope']))}; with_cn and with_us overlap by "
                  "with_both.\n", _md_table(None if terms is None else _groups_table(terms))]
        if terms is not None and not terms.empty:
            parts += ["".join(f"- {_md_text(s)}\n" for s in term_sentences(terms, meta["china_policy"]))]
    else:
        parts += ["## Aggregates\n", "Not produced: the quality gate did not pass, so no headline number was "
                  "written. The failed expectations are listed below and in the Data Docs.\n"]
    parts += ["## Quality gate (Great Expectations)\n",
              f"{passed} of {len(gate_df)} expectations passed. Data Docs: "
              + (f"[{docs}]({docs})" if docs else "(not written)") + "\n" + _reused_md(meta), _md_table(gate_df)]
    if records is not None:
        parts += [f"## Review sample ({len(records)} papers, seed {settings['seed']})\n",
                  "Drawn reproducibly for checking by hand; also in `review_sample.csv` with columns for the verdict.\n"]
        for r in records:
            parts.append(f"### {_md_text(r['title'] or '(no title)')}\n\n{r['year']} · `{_md_text(r['path'])}` · "
                         f"status {_md_text(r['status'])} · countries **{','.join(r['countries']) or 'unknown'}**\n")
            lines = [f"- {_md_text(a['raw'])} → {_md_text(a.get('institution') or '?')} "
                     f"({_md_text(a.get('country') or '?')}; {_md_text(a.get('method'))}: "
                     f"{_md_text(a.get('evidence'))})\n" for a in r["affiliations"]] or ["- (no affiliation found)\n"]
            terms_found = "; ".join(f"{_md_text(t['term'])} {t['count_body']}/{t['count_full']}" for t in r["terms"])
            parts.append("".join(lines) + f"- terms (body/full): {terms_found or 'none'}\n")
    if audit_df is not None:
        parts += ["## Audit\n", f"Every paper and affiliation row with its institution, country, rule and "
                  f"terms: [audit.csv](audit.csv) ({audit_df['paper_id'].nunique():,} papers, {len(audit_df):,} rows).\n"]
    parts += ["## Inputs per year\n", _md_table(inputs),
              "Extraction outcomes: " + (", ".join(f"{k} {v:,}" for k, v in status_counts.items()) or "none") + "\n"]
    if failures is not None and not failures.empty:
        parts += ["### Files not extracted\n", _md_table(failures)]
    parts += ["## Durations (seconds)\n", _md_table(pd.DataFrame(sorted(meta["durations"].items()),
                                                                   columns=["step", "seconds"])),
              "## Versions\n", _md_table(pd.DataFrame(sorted(meta.get("versions", {}).items()),
                                                        columns=["component", "version"])),
              "## Config\n", "```yaml\n" + yaml.safe_dump(meta["config"], sort_keys=True) + "```\n"]
    return "\n".join(parts)


def _html(run_dir: Path, *, meta, inputs, gate_df, collab, terms, audit_df, records, failures, charts,
          status_counts, settings) -> str:
    ok = meta["status"] == "passed"
    docs = _relative(meta.get("data_docs"), run_dir)
    passed = int((gate_df["success"] == "pass").sum())
    out = [
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">",
        f"<title>paperscope run {_h(meta['run_id'])}</title><style>{_CSS}</style></head><body>",
        f"<h1>paperscope run {_h(meta['run_id'])}</h1>",
        f"<p>Status: <span class=\"{'ok' if ok else 'fail'}\">{_h(meta['status'])}</span></p>",
    ]
    if meta.get("message"):
        out.append(f"<pre>{_h(meta['message'])}</pre>")
    out.append("<ul>" + "".join(f"<li>{_h(k)}: {_h(v)}</li>" for k, v in [
        ("started", meta["started"]), ("config file", meta.get("conf_file") or "(defaults)"),
        ("input", meta["input"]), ("years", ", ".join(map(str, meta["years"])) or "(none found)"),
        ("country rule", china_rule(meta["china_policy"])),
        ("mentions counted in", scope_words(meta["mention_scope"])), ("warehouse", meta["warehouse"])]) + "</ul>")
    out.append("<h2>Collaboration per year</h2>")
    if collab is not None:
        out += [_html_table(_headline(collab)), _html_list(sentences(collab, meta["china_policy"]))]
        out += [_img(run_dir, png, alt) for png, alt in charts]
        out += [f"<h2>Mentions by author-country group</h2><p>Counted in the {_h(scope_words(meta['mention_scope']))}. "
                "with_cn and with_us overlap by with_both.</p>",
                _html_table(None if terms is None else _groups_table(terms))]
        if terms is not None and not terms.empty:
            out.append(_html_list(term_sentences(terms, meta["china_policy"])))
    else:
        out.append("<p class=\"fail\">No aggregates: the quality gate did not pass, so no headline number was "
                   "written. The failed expectations are listed below and in the Data Docs.</p>")
    out += ["<h2>Quality gate (Great Expectations)</h2>",
            f"<p>{passed} of {len(gate_df)} expectations passed. "
            + (f'Data Docs: <a href="{_h(docs)}">{_h(docs)}</a>' if docs else "Data Docs not written.")
            + "</p>" + (f"<p>{_h(_reused_md(meta).strip())}</p>" if meta.get("gate_reused_from") else ""),
            _html_table(gate_df)]
    if records is not None:
        out += [f"<h2>Review sample ({len(records)} papers, seed {_h(settings['seed'])})</h2>",
                "<p>Drawn reproducibly for a person to check by hand; the same papers are in "
                "<a href=\"review_sample.csv\">review_sample.csv</a> with columns for the verdict.</p>"]
        out += [_html_paper(r) for r in records]
    if audit_df is not None:
        per_paper = _audit_per_paper(audit_df)
        out += ["<h2>Audit: every paper</h2>",
                f"<p>The full table, one row per paper and affiliation row, is <a href=\"audit.csv\">audit.csv</a> "
                f"({audit_df['paper_id'].nunique():,} papers, {len(audit_df):,} rows).</p>",
                _html_table(per_paper, limit=int(settings["html_rows"]))]
    out += ["<h2>Run metadata</h2><h3>Inputs per year</h3>", _html_table(inputs),
            "<p>Extraction outcomes: " + _h(", ".join(f"{k} {v:,}" for k, v in status_counts.items()) or "none")
            + "</p>"]
    if failures is not None and not failures.empty:
        out += ["<h3>Files not extracted</h3>", _html_table(failures, limit=int(settings["html_rows"]))]
    out += ["<h3>Durations (seconds)</h3>",
            _html_table(pd.DataFrame(sorted(meta["durations"].items()), columns=["step", "seconds"])),
            "<h3>Versions</h3>",
            _html_table(pd.DataFrame(sorted(meta.get("versions", {}).items()), columns=["component", "version"])),
            "<h3>Config</h3>", f"<pre>{_h(yaml.safe_dump(meta['config'], sort_keys=True))}</pre>",
            "</body></html>\n"]
    return "\n".join(out)


def _audit_per_paper(audit_df: pd.DataFrame) -> pd.DataFrame:
    """One row per paper: its affiliation rows folded into one cell."""
    def fold(rows: pd.DataFrame) -> str:
        parts = [f"{r.raw} -> {r.institution or '?'} ({r.country or '?'}, {r.method})"
                 for r in rows.itertuples(index=False) if isinstance(r.raw, str)]
        return " | ".join(parts)

    scope_col = next(c for c in audit_df.columns if c.startswith("terms_") and c != "terms (body/full)")
    first = audit_df.drop_duplicates("paper_id").set_index("paper_id")
    affs = audit_df.groupby("paper_id", sort=False)[["raw", "institution", "country", "method"]].apply(fold)
    countries = audit_df.groupby("paper_id", sort=False)["country"].agg(
        lambda s: ",".join(sorted({c for c in s if isinstance(c, str)})))
    out = pd.DataFrame({"year": first["year"], "title": first["title"], "status": first["status"],
                        "affiliations -> institution (country, rule)": affs, "countries": countries,
                        scope_col: first[scope_col], "terms (body/full)": first["terms (body/full)"]})
    out = out.rename_axis("paper_id").reset_index()
    out["paper_id"] = out["paper_id"].astype(str).str[:12]
    return out.sort_values(["year", "title"], na_position="last")


def point_latest(reports_root: Path, run_dir: Path) -> None:
    """reports/latest -> the newest run (a relative symlink, replaced atomically)."""
    link = reports_root / "latest"
    tmp = reports_root / f".latest-{os.getpid()}"
    try:
        if tmp.is_symlink():
            tmp.unlink()
        tmp.symlink_to(run_dir.name)
        os.replace(tmp, link)
    except OSError:
        (reports_root / "LATEST").write_text(run_dir.name + "\n", encoding="utf-8")
