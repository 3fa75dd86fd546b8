"""Progress of a long run on the console: the step, tasks done of total, rate, time left.

A driver-side thread polls Spark's status tracker (the same on local and cluster
masters: it is the driver's view of the stages) and logs one line per interval while a
stage runs. Plain logging, not log4j, so the lines go where the run's own log goes.
"""
from __future__ import annotations

import logging
import sys
import threading
import time
from contextlib import contextmanager

from paperscope.core.progress import format_progress

log = logging.getLogger(__name__)

# The pipeline step now running (pipeline.Run.step sets it), named in each line.
CURRENT = {"step": None}


def enabled(mode: str, stream=None) -> bool:
    """spark.progress: always, never, or auto (a terminal on stderr)."""
    if mode == "auto":
        stream = stream or sys.stderr
        return bool(getattr(stream, "isatty", lambda: False)())
    return mode == "always"


class Progress(threading.Thread):
    """Polls the status tracker every interval seconds and logs the active stages."""

    def __init__(self, spark, interval: float):
        super().__init__(name="paperscope-progress", daemon=True)
        self.tracker = spark.sparkContext.statusTracker()
        self.interval = interval
        self.stop_event = threading.Event()
        self.first_seen: dict[int, float] = {}
        self.lines = 0

    def poll(self) -> list[str]:
        """The lines for the stages active now (one per stage with tasks)."""
        lines = []
        for stage_id in sorted(self.tracker.getActiveStageIds()):
            info = self.tracker.getStageInfo(stage_id)
            if info is None or not info.numTasks:
                continue
            start = self.first_seen.setdefault(stage_id, time.monotonic())
            label = CURRENT["step"] or "run"
            lines.append(format_progress(f"{label} (stage {stage_id})", info.numCompletedTasks, info.numTasks,
                                         time.monotonic() - start))
        return lines

    def run(self) -> None:
        while not self.stop_event.wait(self.interval):
            try:
                for line in self.poll():
                    log.info("progress: %s", line)
                    self.lines += 1
            except Exception as exc:  # noqa: BLE001 - a progress line is never a reason to fail
                log.debug("progress: %s", exc)
                return

    def stop(self) -> None:
        self.stop_event.set()
        self.join(timeout=self.interval + 1)


@contextmanager
def progress_for(spark, cfg):
    """Progress lines for the block when spark.progress asks for them."""
    conf = cfg.spark
    if not enabled(conf.progress):
        yield None
        return
    try:
        thread = Progress(spark, float(conf.progress_interval_s))
    except Exception as exc:  # noqa: BLE001 - no SparkContext (shared-access clusters): no progress
        log.debug("no progress lines: %s", exc)
        yield None
        return
    thread.start()
    try:
        yield thread
    finally:
        thread.stop()
