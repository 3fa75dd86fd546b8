"""Vendor the CSS, scripts and fonts GX Data Docs load from CDNs (developers only, not a run).

Fetches the npm tarballs of exactly the versions Great Expectations 1.24.1's page
templates name (`npm pack NAME@VERSION`), checks each against the sha512 integrity the
npm registry publishes, and copies the files the pages need, with each package's licence,
into lib/paperscope/data/datadocs/ plus a SOURCES.md naming them. quality.datadocs serves
them from every run's data_docs/ (docs/design/data-docs-offline.md).

    .venv/bin/python scripts/vendor_datadocs.py
"""
from __future__ import annotations

import base64
import hashlib
import json
import shutil
import subprocess
import tarfile
import tempfile
from pathlib import Path

OUT = Path(__file__).resolve().parents[1] / "lib" / "paperscope" / "data" / "datadocs"
# (package, version, licence, {file in the tarball's package/ folder: path under OUT}).
PACKAGES = [
    ("bootstrap", "4.3.1", "MIT", {"dist/css/bootstrap.min.css": "bootstrap/bootstrap.min.css",
                                   "dist/js/bootstrap.bundle.min.js": "bootstrap/bootstrap.bundle.min.js",
                                   "LICENSE": "bootstrap/LICENSE"}),
    ("jquery", "3.7.1", "MIT", {"dist/jquery.min.js": "jquery/jquery.min.js", "LICENSE.txt": "jquery/LICENSE.txt"}),
    ("bootstrap-table", "1.19.1", "MIT", {
        "dist/bootstrap-table.min.css": "bootstrap-table/bootstrap-table.min.css",
        "dist/bootstrap-table.min.js": "bootstrap-table/bootstrap-table.min.js",
        "dist/extensions/filter-control/bootstrap-table-filter-control.min.css":
            "bootstrap-table/bootstrap-table-filter-control.min.css",
        "dist/extensions/filter-control/bootstrap-table-filter-control.min.js":
            "bootstrap-table/bootstrap-table-filter-control.min.js",
        "LICENSE": "bootstrap-table/LICENSE"}),
    ("bootstrap-datepicker", "1.9.0", "Apache-2.0", {
        "dist/css/bootstrap-datepicker.min.css": "bootstrap-datepicker/bootstrap-datepicker.min.css",
        "dist/js/bootstrap-datepicker.min.js": "bootstrap-datepicker/bootstrap-datepicker.min.js",
        "LICENSE": "bootstrap-datepicker/LICENSE"}),
    ("@fortawesome/fontawesome-free", "6.6.0", "CSS MIT, fonts OFL-1.1, icons CC BY 4.0", {
        "css/all.min.css": "fontawesome/css/all.min.css",
        "webfonts/fa-solid-900.woff2": "fontawesome/webfonts/fa-solid-900.woff2",
        "webfonts/fa-regular-400.woff2": "fontawesome/webfonts/fa-regular-400.woff2",
        "LICENSE.txt": "fontawesome/LICENSE.txt"}),
]


def _integrity(name: str, version: str) -> str:
    done = subprocess.run(["npm", "view", f"{name}@{version}", "dist.integrity", "--json"], capture_output=True,
                          text=True, check=True)
    return json.loads(done.stdout)


def main() -> None:
    rows = []
    if OUT.exists():
        shutil.rmtree(OUT)
    with tempfile.TemporaryDirectory() as tmp:
        for name, version, licence, files in PACKAGES:
            done = subprocess.run(["npm", "pack", f"{name}@{version}", "--json", "--pack-destination", tmp],
                                  capture_output=True, text=True, check=True)
            tarball = Path(tmp) / json.loads(done.stdout)[0]["filename"]
            want = _integrity(name, version)
            got = "sha512-" + base64.b64encode(hashlib.sha512(tarball.read_bytes()).digest()).decode()
            if got != want:
                raise SystemExit(f"{name}@{version}: the tarball's sha512 {got} is not npm's {want}")
            with tarfile.open(tarball) as tar:
                for inner, dest in files.items():
                    data = tar.extractfile(f"package/{inner}").read()
                    (OUT / dest).parent.mkdir(parents=True, exist_ok=True)
                    (OUT / dest).write_bytes(data)
            rows.append(f"| `{name}` | {version} | {licence} | `{want}` | {', '.join(f'`{d}`' for d in files.values())} |")
    (OUT / "SOURCES.md").write_text(
        "# What GX Data Docs load, served from the run's folder\n\n"
        "Written by `scripts/vendor_datadocs.py` from the npm registry's tarballs, each checked against the "
        "sha512 integrity npm publishes; the versions are those Great Expectations 1.24.1's page templates name. "
        "`paperscope.quality.datadocs` copies this folder into every run's `data_docs/static/vendor/` and points "
        "the pages at it.\n\n"
        "| package | version | licence | npm integrity | files |\n|---|---|---|---|---|\n" + "\n".join(rows) + "\n",
        encoding="utf-8")
    print(f"vendored {len(PACKAGES)} packages into {OUT.relative_to(OUT.parents[3])}")


if __name__ == "__main__":
    main()
