"""GX Data Docs that work offline: what the pages load from CDNs served from the run's own folder.

GX's page templates load Bootstrap, jQuery, bootstrap-table and Font Awesome from CDNs
and ship none of them; offline the index lists no validation result (its tables are drawn
by jQuery), the Status column is blank (Font Awesome icons) and the logo is broken. After
`build_data_docs`, localise() copies the packaged copies (data/datadocs, written by
scripts/vendor_datadocs.py) into the site and points every page at them
(docs/design/data-docs-offline.md).
"""
from __future__ import annotations

import os
import re
import shutil
from importlib import resources
from pathlib import Path

# Every remote load of GX 1.24.1's pages -> the vendored file under static/vendor/, or None:
# the tag is dropped (Popper is inside Bootstrap's bundle; a dark theme and the Vega graphs no
# paperscope suite renders).
REMOTE = {
    "https://maxcdn.bootstrapcdn.com/bootstrap/4.3.1/css/bootstrap.min.css": "bootstrap/bootstrap.min.css",
    "https://stackpath.bootstrapcdn.com/bootstrap/4.3.1/js/bootstrap.min.js": "bootstrap/bootstrap.bundle.min.js",
    "https://cdnjs.cloudflare.com/ajax/libs/popper.js/1.12.9/umd/popper.min.js": None,
    "https://code.jquery.com/jquery-3.7.1.min.js": "jquery/jquery.min.js",
    "https://unpkg.com/bootstrap-table@1.19.1/dist/bootstrap-table.min.css": "bootstrap-table/bootstrap-table.min.css",
    "https://unpkg.com/bootstrap-table@1.19.1/dist/bootstrap-table.min.js": "bootstrap-table/bootstrap-table.min.js",
    "https://unpkg.com/bootstrap-table@1.19.0/dist/extensions/filter-control/bootstrap-table-filter-control.min.css":
        "bootstrap-table/bootstrap-table-filter-control.min.css",
    "https://unpkg.com/bootstrap-table@1.19.0/dist/extensions/filter-control/bootstrap-table-filter-control.css":
        "bootstrap-table/bootstrap-table-filter-control.min.css",
    "https://unpkg.com/bootstrap-table@1.19.1/dist/extensions/filter-control/bootstrap-table-filter-control.min.js":
        "bootstrap-table/bootstrap-table-filter-control.min.js",
    "https://cdnjs.cloudflare.com/ajax/libs/bootstrap-datepicker/1.9.0/css/bootstrap-datepicker.min.css":
        "bootstrap-datepicker/bootstrap-datepicker.min.css",
    "https://cdnjs.cloudflare.com/ajax/libs/bootstrap-datepicker/1.9.0/js/bootstrap-datepicker.min.js":
        "bootstrap-datepicker/bootstrap-datepicker.min.js",
    "https://cdnjs.cloudflare.com/ajax/libs/font-awesome/6.6.0/css/all.min.css": "fontawesome/css/all.min.css",
    "https://cdn.jsdelivr.net/npm/@forevolve/bootstrap-dark@1.1.0/dist/css/bootstrap-prefers-dark.css": None,
    "https://cdn.jsdelivr.net/npm/vega@5": None,
    "https://cdn.jsdelivr.net/npm/vega-lite@5": None,
    "https://cdn.jsdelivr.net/npm/vega-embed@6": None,
}
# The logo (light and dark) from GX's bucket -> the copy GX writes into every site.
_LOGO = re.compile(r"https://great-expectations-web-assets\.s3[^\"')\s]*/(?:logo-long|full_logo_dark)\.png[^\"')\s]*")
_SCRIPT = re.compile(r"<script\b[^>]*\bsrc=\"(https?://[^\"]+)\"[^>]*>\s*</script>", re.I)
_LINK = re.compile(r"<link\b[^>]*\bhref=\"(https?://[^\"]+)\"[^>]*>", re.I)
# GX's own references into static/ (the favicon), some one folder off on deep pages.
_STATIC = re.compile(r"(?<=[\"'])(?:\./|(?:\.\./)+)static/")
_CHECKS = re.compile(r"\s(?:integrity|crossorigin)=\"[^\"]*\"", re.I)
# What GX copies into every site that no page loads (3.9 MB a run).
_UNUSED = ("images/glossary_scroller.gif", "images/validation_failed_unexpected_values.gif",
           "images/iterative-dev-loop.png", "images/short-logo.png", "images/short-logo-vector.svg",
           "images/logo-long-vector.svg", "fonts")
# A load left pointing off the machine after localise (a GX upgrade's new template).
REMOTE_LOAD = re.compile(r"<(?:script|img)\b[^>]*\bsrc=\"(https?:)?//[^\"]+\"|<link\b[^>]*\bhref=\"(https?:)?//[^\"]+\""
                         r"|url\(\s*[\"']?(https?:)?//[^)]+\)", re.I)


def _vendor_copy(static: Path) -> None:
    target = static / "vendor"
    if target.exists():
        shutil.rmtree(target)

    def copy(folder, dest: Path):
        dest.mkdir(parents=True, exist_ok=True)
        for entry in folder.iterdir():
            if entry.is_dir():
                copy(entry, dest / entry.name)
            elif entry.name != "SOURCES.md":
                (dest / entry.name).write_bytes(entry.read_bytes())

    copy(resources.files("paperscope").joinpath("data", "datadocs"), target)


def _page(text: str, static_rel: str) -> str:
    """One page with every known remote load pointed at static_rel (the site's static/)."""
    def tag(m: re.Match) -> str:
        url = m.group(1)
        if url not in REMOTE:
            return m.group(0)
        local = REMOTE[url]
        if local is None:
            return ""
        return _CHECKS.sub("", m.group(0)).replace(url, f"{static_rel}/vendor/{local}")

    text = _STATIC.sub(f"{static_rel}/", text)
    text = _SCRIPT.sub(tag, text)
    text = _LINK.sub(tag, text)
    return _LOGO.sub(f"{static_rel}/images/logo-long.png", text)


def localise(docs_dir: Path | str) -> list[str]:
    """Serve what the Data Docs pages load from docs_dir itself; return the remote loads left
    (empty unless GX changed its templates)."""
    docs_dir = Path(docs_dir)
    static = docs_dir / "static"
    if not (docs_dir / "index.html").is_file():
        return []
    _vendor_copy(static)
    for rel in _UNUSED:
        path = static / rel
        if path.is_dir():
            shutil.rmtree(path)
        elif path.exists():
            path.unlink()
    left = []
    for page in docs_dir.rglob("*.html"):
        rel = os.path.relpath(static, page.parent).replace(os.sep, "/")
        text = _page(page.read_text(encoding="utf-8"), rel)
        page.write_text(text, encoding="utf-8")
        left += [m.group(0) for m in REMOTE_LOAD.finditer(text)]
    for css in static.glob("styles/*.css"):
        text = _LOGO.sub("../images/logo-long.png", css.read_text(encoding="utf-8"))
        css.write_text(text, encoding="utf-8")
        left += [m.group(0) for m in REMOTE_LOAD.finditer(text)]
    return left
