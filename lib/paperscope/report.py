"""What a run leaves for people: summary.md, the audit CSV and run.json beside the Data Docs.

Written on every run, passed or failed, so that a stopped run explains itself.
"""
from __future__ import annotations

import json
import os
from pathlib import Path

import pandas as pd


def _md_table(df: pd.DataFrame) -> str:
    if df is None or df.empty:
        return "_(none)_\n"
    cols = [str(c) for c in df.columns]
    lines = ["| " + " | ".join(cols) + " |", "|" + "|".join("---:" if pd.api.types.is_numeric_dtype(df[c]) else "---" for c in df.columns) + "|"]
    for row in df.itertuples(index=False):
        cells = ["" if (v is None or (isinstance(v, float) and pd.isna(v))) else str(v) for v in row]
        lines.append("| " + " | ".join(c.replace("|", "\\|").replace("\n", " ") for c in cells) + " |")
    return "\n".join(lines) + "\n"


def _relative(path: str | None, run_dir: Path) -> str:
    if not path:
        return "(not written)"
    try:
        return f"[data_docs/index.html]({Path(path).resolve().relative_to(run_dir.resolve()).as_posix()})"
    except ValueError:
        return path


def sentences(collab: pd.DataFrame, china_policy: str) -> list[str]:
    """The headline sentences, regenerated from the aggregate table."""
    china = "Chinese" if china_policy == "mainland" else "Chinese (incl. HK, MO, TW)"
    out = []
    for r in collab.sort_values("year").itertuples(index=False):
        share = 100.0 * r.with_both / r.papers if r.papers else 0.0
        out.append(f"{r.year}: {r.with_both:,} of {r.papers:,} papers ({share:.1f}%) involve authors at both US and "
                   f"{china} institutions.")
    return out


def write(run_dir: Path, meta: dict, *, inputs: pd.DataFrame, gate: list[dict], collab: pd.DataFrame | None,
          terms: pd.DataFrame | None, audit: pd.DataFrame | None) -> dict:
    """Write summary.md, audit.csv and run.json into run_dir; return their paths."""
    run_dir.mkdir(parents=True, exist_ok=True)
    paths = {"summary": str(run_dir / "summary.md"), "run_json": str(run_dir / "run.json")}
    if audit is not None:
        audit.to_csv(run_dir / "audit.csv", index=False)
        paths["audit"] = str(run_dir / "audit.csv")
    gate_df = pd.DataFrame(gate, columns=["suite", "expectation", "column", "success", "observed"])
    status = meta["status"]
    parts = [
        f"# paperscope run {meta['run_id']}\n",
        f"**Status: {status}**" + (f" — {meta['message']}" if meta.get("message") else "") + "\n",
        f"- started: {meta['started']}  \n- config: {meta.get('conf_file') or '(defaults)'}  \n"
        f"- input: `{meta['input']}`  \n- years: {', '.join(map(str, meta['years'])) or '(none found)'}  \n"
        f"- China counted as: {meta['china_policy']}; mentions counted in: {meta['mention_scope']}  \n"
        f"- warehouse: `{meta['warehouse']}`\n",
        "## Inputs per year\n", _md_table(inputs),
        "## Quality gate (Great Expectations)\n",
        f"Data Docs: {_relative(meta.get('data_docs'), run_dir)}\n", _md_table(gate_df),
    ]
    if collab is not None:
        parts += ["## Collaboration per year\n", _md_table(collab)]
        parts += ["".join(f"- {s}\n" for s in sentences(collab, meta["china_policy"]))]
        parts += ["## Mentions by author-country group\n", _md_table(terms)]
    else:
        parts += ["## Aggregates\n", "Not produced: the quality gate did not pass.\n"]
    parts += ["\n## Durations (seconds)\n", _md_table(pd.DataFrame(sorted(meta["durations"].items()), columns=["step", "seconds"]))]
    Path(paths["summary"]).write_text("\n".join(parts), encoding="utf-8")
    record = {**meta, "gate": gate,
              "collaboration": None if collab is None else collab.to_dict("records"),
              "inputs": inputs.to_dict("records")}
    Path(paths["run_json"]).write_text(json.dumps(record, indent=2, default=str), encoding="utf-8")
    return paths


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
