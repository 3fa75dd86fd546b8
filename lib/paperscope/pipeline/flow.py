"""The order of the steps: a whole run, and the gate before the aggregates.

Returns are process exit codes (core.exitcodes.Exit): 0 passed, 1 the gate failed.
"""
from __future__ import annotations

import logging

from paperscope.core.exitcodes import Exit
from paperscope.pipeline.affiliations import affiliations
from paperscope.pipeline.aggregate import aggregate
from paperscope.pipeline.gate import validate
from paperscope.pipeline.mentions import mentions
from paperscope.pipeline.papers import extract
from paperscope.pipeline.run import Run
from paperscope.pipeline.views import report

log = logging.getLogger(__name__)


def validate_and_report(run: Run) -> int:
    """The gate alone, with its report."""
    gate = validate(run)
    report(run, gate, message=None if gate.success else gate.describe_failures())
    return Exit.OK if gate.success else Exit.GATE_FAILED


def gate_then_aggregate(run: Run) -> int:
    """Aggregates only behind a passed gate; the report is written either way."""
    gate = validate(run)
    if not gate.success:
        message = "quality gate failed, aggregates not written:\n" + gate.describe_failures()
        log.error(message)
        report(run, gate, message=message)
        return Exit.GATE_FAILED
    report(run, gate, aggregate(run))
    return Exit.OK


def run_all(run: Run) -> int:
    """The whole pipeline."""
    extract(run)
    affiliations(run)
    mentions(run)
    return gate_then_aggregate(run)
