"""Templates and cells: frames become text once, then Jinja2 lays them out (HTML autoescaped).

Every string that came from a PDF or a config is escaped on the way in: HTML by Jinja2's
autoescape, Markdown through core.escape's filters.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from paperscope.core import escape


def cell(value) -> str:
    if value is None or (isinstance(value, float) and pd.isna(value)) or value is pd.NA:
        return ""
    return str(value)


def relative(path: str | None, run_dir: Path) -> str | None:
    if not path:
        return None
    try:
        return Path(path).resolve().relative_to(run_dir.resolve()).as_posix()
    except ValueError:
        return Path(path).as_uri() if Path(path).is_absolute() else path


CSS = """body{font-family:system-ui,sans-serif;max-width:1100px;margin:1.2em auto;padding:0 1em;color:#222}
table{border-collapse:collapse;margin:.5em 0;font-size:.9em;display:block;overflow-x:auto;max-width:100%}td,th{border:1px solid #ccc;padding:2px 6px}
td.n{text-align:right;white-space:nowrap}th{background:#f3f3f3}.ok{color:#0a0}.fail{color:#c00;font-weight:bold}
.paper{border-left:3px solid #8ab;padding-left:.8em;margin:1em 0}pre{background:#f6f6f6;padding:.5em;overflow:auto}
img{max-width:100%}figure{margin:1em 0}h1{font-size:1.5em;margin:.2em 0}.meta{color:#555;font-size:.9em;margin:0}
.answer{border-left:5px solid #1f5fa8;padding:.2em .9em;margin:.8em 0}.answer .figure{font-size:1.15em;margin:.2em 0}
.answer p{margin:.25em 0}.small{border-left-color:#9a9a9a;color:#555}.note{color:#555;font-size:.9em}
dt{font-weight:bold}dd{margin:0 0 .4em 1.2em}"""


@dataclass(frozen=True)
class Table:
    """A frame as the templates see it: column names, which are numeric, cells as text, and
    for a cell that lists papers the file that lists them (links, same shape as rows)."""
    columns: list[str]
    numeric: list[bool]
    rows: list[list[str]]
    links: list[list[str | None]] | None = None

    @classmethod
    def of(cls, df: pd.DataFrame | None, links: list[list[str | None]] | None = None,
           numeric: list[bool] | None = None) -> Table | None:
        if df is None:
            return None
        return cls([cell(c) for c in df.columns],
                   numeric or [bool(pd.api.types.is_numeric_dtype(df[c])) for c in df.columns],
                   [[cell(v) for v in row] for row in df.itertuples(index=False)], links)


def _template_text(name: str):
    """Templates are read through importlib.resources: under spark-submit the package is a zip."""
    from importlib import resources

    text = resources.files("paperscope").joinpath("data", "templates", name).read_text("utf-8")
    return text, None, lambda: True


def _environment(markdown: bool):
    from jinja2 import Environment, FunctionLoader, StrictUndefined, select_autoescape

    env = Environment(loader=FunctionLoader(_template_text), undefined=StrictUndefined, trim_blocks=True,
                      lstrip_blocks=True, keep_trailing_newline=True,
                      autoescape=False if markdown else select_autoescape(["html", "html.j2"], default=True))
    env.filters["md"] = escape.md_text
    env.filters["code"] = escape.md_code
    env.filters["fence"] = escape.md_fence
    env.filters["thousands"] = lambda n: f"{n:,}"
    return env


def render(template: str, view: dict) -> str:
    """index.html.j2 (autoescaped) or summary.md.j2 (cells through the md filter) from the view."""
    return _environment(markdown=template.endswith(".md.j2")).get_template(template).render(**view)

