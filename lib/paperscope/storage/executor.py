"""Set-up that paperscope's executor functions run in each PySpark Python worker."""
from __future__ import annotations

import importlib
import sys


def prepare_worker() -> None:
    """Stop PySpark 4.1 workers re-reading every zip on sys.path at the start of each task.

    pyspark.worker_util.setup_spark_files calls importlib.invalidate_caches() for every
    task, and zipimport's invalidate_caches re-reads the central directory of pyspark.zip
    once for each package imported from it, which can take longer than a short PDF takes
    to extract. SPARK-54744 (Spark 4.2) fixes it the same way:
    invalidate only when sys.path has changed (a new --py-files entry). Idempotent; the
    first task of a worker still pays once, every later task in that worker does not.
    """
    if getattr(importlib.invalidate_caches, "paperscope_guard", False):
        return
    original = importlib.invalidate_caches
    seen: list = [None]

    def invalidate_caches() -> None:
        key = tuple(sys.path)
        if key != seen[0]:
            seen[0] = key
            original()

    invalidate_caches.paperscope_guard = True
    invalidate_caches.__doc__ = original.__doc__
    importlib.invalidate_caches = invalidate_caches
