"""A re-run with nothing to do starts no Spark: the last passed run's stamp is compared first.

Even a re-run that extracts nothing costs the Spark start (6-15 s on a laptop), the table
reads and the report. When the local corpus listing (path, size, mtime of every file),
the paper lists of `paperscope sources` it would reconcile with, the whole config, the
package's code and data, the engines' versions and every table's Delta version are
exactly what the last passed `paperscope run` left, its report stands and nothing is
started. The stamp is a small JSON file beside the tables.
"""
from __future__ import annotations

import hashlib
import json
import logging
import os
from pathlib import Path

log = logging.getLogger(__name__)

STAMP = "_paperscope_last_run.json"


def _stamp_file(cfg) -> Path | None:
    """Where the stamp lives: a local warehouse folder (not a catalog, not a remote store)."""
    from paperscope.core.paths import is_local, local_path

    wh = cfg.warehouse
    if (wh.catalog and wh.schema_) or not is_local(wh.path):
        return None
    return Path(local_path(wh.path)) / STAMP


def applies(cfg, step: str, run_id: str | None) -> bool:
    """A `run` over a local corpus folder, not asked to re-extract, with no run id imposed."""
    from paperscope.core.paths import is_local, local_path

    inp, ex = cfg.input, cfg.extract
    return (step == "run" and ex.skip_unchanged_run and not ex.reextract and not run_id
            and not inp.manifest and is_local(inp.corpus) and os.path.isdir(local_path(inp.corpus))
            and _stamp_file(cfg) is not None)


def _digest(items) -> str:
    h = hashlib.sha256()
    for item in items:
        h.update(json.dumps(item, sort_keys=True, default=str).encode())
        h.update(b"\0")
    return h.hexdigest()


def _stat(path: str | None):
    """(size, mtime) of a file, or of every file under a folder; None when absent."""
    if not path:
        return None
    if os.path.isdir(path):
        return sorted((str(p), p.stat().st_size, p.stat().st_mtime_ns) for p in Path(path).rglob("*") if p.is_file())
    try:
        st = os.stat(path)
    except OSError:
        return None
    return (st.st_size, st.st_mtime_ns)


def inputs_state(cfg) -> dict:
    """Listing, config and code digests: what the run is about to read (before Spark)."""
    from importlib import metadata, resources

    from paperscope.core import codedigest, registry
    from paperscope.core.paths import sources_dir
    from paperscope.sources.corpus.listing import _local_listing

    listing = _local_listing(cfg, with_mtime=True)
    settings = cfg.as_dict()
    files = [_stat(settings["mentions"]["terms_file"]), _stat(settings["affiliations"]["ror_dump"]),
             _stat(settings["quality"]["expectations_dir"])]
    if cfg.sources.reconcile:  # the paper lists a run reconciles with (pipeline.reconcile)
        files.append(_stat(sources_dir(cfg)))
    data = resources.files(registry.PACKAGE) / "data"
    data = Path(str(data))
    code = [("paperscope", codedigest.modules_digest())]  # behaviour, not form: a comment re-runs nothing
    code += [(str(p.relative_to(data)), hashlib.sha256(p.read_bytes()).hexdigest())
             for p in sorted(data.rglob("*")) if p.is_file()]
    engines = []
    for dist in ("pdfminer.six", "pypdfium2", "pyspark", "delta-spark", "great_expectations"):
        try:
            engines.append((dist, metadata.version(dist)))
        except metadata.PackageNotFoundError:
            engines.append((dist, None))
    return {"listing": _digest(listing), "files": len(listing), "config": _digest([settings, files]),
            "code": _digest(code + engines)}


def table_versions(cfg) -> dict | None:
    """Every table's Delta version, read from its log without Spark; None when that needs Spark."""
    from paperscope.core import registry
    from paperscope.storage import tables

    if tables._deltalake() is None:
        return None
    return {t.name: tables.version(None, cfg, t.name) for t in registry.TABLES}


def unchanged(cfg, state: dict) -> dict | None:
    """The stamp of the last passed run when nothing it depended on has changed, else None."""
    path = _stamp_file(cfg)
    try:
        stamp = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError, AttributeError):
        return None
    if stamp.get("exit_code") != 0 or any(stamp.get(k) != state[k] for k in ("listing", "config", "code")):
        return None
    if not Path(stamp.get("report", "")).is_file():
        return None
    try:
        versions = table_versions(cfg)
    except Exception as exc:  # noqa: BLE001 - a damaged table: the full run reports it
        log.debug("fast re-run check: %s", exc)
        return None
    if versions is None or versions != stamp.get("versions"):
        return None
    return stamp


def remember(cfg, state: dict, run_id: str, code: int, report: Path) -> None:
    """Write the stamp after a run (tables' versions as the run left them)."""
    path = _stamp_file(cfg)
    versions = table_versions(cfg)
    if path is None or versions is None:
        return
    record = {**state, "versions": versions, "run_id": run_id, "exit_code": code, "report": str(report)}
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps(record, indent=1, sort_keys=True), encoding="utf-8")
    tmp.replace(path)
