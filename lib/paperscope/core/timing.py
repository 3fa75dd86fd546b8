"""Where a run's time goes, part by part: the fixed cost a small run pays whatever its size.

Each timed part (the Spark start, a table's write, the gate's suites, the report) is
kept in this process's record and logged at debug level; the CLI writes the record to
the run's folder as timings.json, which bench/scale.py prints as the fixed-cost
breakdown. Parts may nest (a write inside a step) or overlap (writes made at once from
driver threads): each is kept with its start, seconds after the record began.
"""
from __future__ import annotations

import json
import logging
import time
from contextlib import contextmanager
from pathlib import Path

log = logging.getLogger(__name__)

RECORD: list[tuple[str, float, float]] = []  # (what, seconds, start)
_ORIGIN = [time.perf_counter()]


def reset() -> None:
    RECORD.clear()
    _ORIGIN[0] = time.perf_counter()


def add(what: str, seconds: float, start: float | None = None) -> None:
    """One part: start is a time.perf_counter() value (default: it ended now)."""
    start = time.perf_counter() - seconds if start is None else start
    RECORD.append((what, round(seconds, 3), round(start - _ORIGIN[0], 3)))
    log.debug("time: %s %.2f s", what, seconds)


@contextmanager
def timed(what: str):
    t0 = time.perf_counter()
    try:
        yield
    finally:
        add(what, time.perf_counter() - t0, t0)


def write(folder: Path) -> None:
    """timings.json in the run's folder: [[what, seconds, start], ...] in the order they ended."""
    try:
        folder.mkdir(parents=True, exist_ok=True)
        (folder / "timings.json").write_text(json.dumps(RECORD, indent=0), encoding="utf-8")
    except OSError as exc:  # a record, never a reason to fail the run
        log.debug("timings not written: %s", exc)
