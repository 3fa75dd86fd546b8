"""The validate step: the quality gate on what the tables hold now, before any aggregate.

A passed verdict is reused while nothing it depends on changed (quality.reuse_unchanged):
the tables' versions, the files discovered, the quality settings, the suites and the
gate's own code (quality.gate.gate_key).
"""
from __future__ import annotations

import logging

from paperscope.core import registry
from paperscope.core.timing import timed
from paperscope.pipeline import aggregate
from paperscope.pipeline.run import Run, check_metadata_unit
from paperscope.quality.gate import run_gate
from paperscope.quality.reuse import gate_key, remember_gate, reusable_gate
from paperscope.storage import schemas

log = logging.getLogger(__name__)


def validate(run: Run):
    """The gate's verdict (quality.gate.GateResult), with Data Docs under the run's folder."""
    with run.step("validate"):
        check_metadata_unit(run)
        found = run.discover()
        key = gate_key(run.spark, run.cfg, run.years, found)
        if run.cfg.quality.reuse_unchanged:
            previous = reusable_gate(run.cfg, key)
            if previous is not None:
                log.info("quality gate: no table, file or setting changed since run %s, whose gate passed; "
                         "its verdict and Data Docs stand (%s)", previous.reused_from, previous.data_docs_index)
                return previous
        frames = {t: run.read(t, schemas.struct(t)) for t in registry.step("validate").reads}
        consistency = aggregate.frames(run)["consistency"]
        if not consistency.empty:  # none for years without a paper
            frames["rule_consistency"] = run.spark.createDataFrame(consistency)
        with timed("gate: suites and Data Docs"):
            gate = run_gate(run.spark, discovered=run.spark.createDataFrame(found, schemas.DISCOVERED), cfg=run.cfg,
                            run_dir=run.run_dir, **frames)
        remember_gate(run.cfg, key, gate, run.run_id)
        return gate
