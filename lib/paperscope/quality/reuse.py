"""A passed verdict reused while nothing it depends on has changed (quality.reuse_unchanged).

GX on the same data with the same suites gives the same verdict, so a run whose key
equals the last passed gate's needs no new validation.
"""
from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path

from paperscope import __version__
from paperscope.core import registry
from paperscope.core.config import allowed_years
from paperscope.core.settings import Settings
from paperscope.quality.gate import ExpectationOutcome, GateResult
from paperscope.quality.suites import GATE_TABLES, SUITES, expectations_dir
from paperscope.storage import tables


def gate_key(spark, cfg: Settings, years: list, discovered: list) -> str:
    """What the gate's verdict depends on: the versions of the tables it reads, the files
    discovery found, the quality settings, the suite files and the code it runs.

    GX on the same data with the same suites gives the same verdict, so a run whose key
    equals the last passed gate's needs no new validation (quality.reuse_unchanged).
    """


    folder = expectations_dir(cfg)
    state = {"years": sorted(years, key=lambda y: (y is None, y or 0)),
             "discovered": sorted(([y, n] for y, n in discovered), key=repr),
             "versions": {t: [tables.table_ref(cfg, t), tables.version(spark, cfg, t)] for t in GATE_TABLES},
             "quality": cfg.quality.as_dict(), "allowed_years": allowed_years(cfg), "version": __version__}
    h = hashlib.sha256(json.dumps(state, sort_keys=True, default=str).encode())
    for name in SUITES:
        h.update((folder / f"{name}.json").read_bytes())
    h.update(registry.code_digest("validate").encode())  # the gate's code, also from a zip
    return h.hexdigest()


def _gate_record(cfg: Settings) -> Path:
    return Path(cfg.reports.path) / "last_passed_gate.json"


def reusable_gate(cfg: Settings, key: str) -> GateResult | None:
    """The last passed gate, when its key is this one and its Data Docs are still there."""
    try:
        record = json.loads(_gate_record(cfg).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    docs = record.get("data_docs_index")
    if record.get("key") != key or not docs or not Path(docs).is_file():
        return None
    return GateResult(success=True, outcomes=[ExpectationOutcome(**o) for o in record["outcomes"]],
                      data_docs_index=docs, reused_from=record["run_id"])


def remember_gate(cfg: Settings, key: str, gate: GateResult, run_id: str) -> None:
    """Keep a passed gate for reusable_gate (a failed one is always evaluated again)."""
    if not gate.success:
        return
    path = _gate_record(cfg)
    path.parent.mkdir(parents=True, exist_ok=True)
    record = {"key": key, "run_id": run_id, "data_docs_index": gate.data_docs_index,
              "outcomes": [o.__dict__ for o in gate.outcomes]}
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps(record, indent=1, default=str), encoding="utf-8")
    os.replace(tmp, path)

