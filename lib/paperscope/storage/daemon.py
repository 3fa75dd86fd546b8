"""PySpark's Python worker daemon for local masters, started warm.

spark.get_spark sets it as spark.python.daemon.module when the master is local and the
workers run the driver's own interpreter. It runs PySpark's daemon unchanged, after
undoing three costs that PySpark 4.1 pays on every start, which on a small corpus add up
to more time than extracting several PDFs:

- The daemon and its workers import pyspark from SPARK_HOME's pyspark.zip, which Python
  compiles from source every time (about a second per process here). When that zip lies
  inside the installed pyspark package, it is the same code as the installed copy, which
  has a bytecode cache, so the zips are dropped from sys.path.
- Every task re-reads the zips' directories (see executor.prepare_worker).
- Every forked worker imports pandas, pyarrow and pdfminer itself; imported here once,
  all workers share them.
"""
from __future__ import annotations

import importlib
import importlib.machinery
import os
import re
import sys

_SHIPPED = re.compile(r"(^|/)(pyspark\.zip|py4j-[^/]*-src\.zip)$")
# What every task's function imports; a name here that no longer exists fails a test
# (tests/test_workers.py), never the daemon.
WARM = ("pandas", "pyarrow", "pyspark.worker", "pyspark.sql.pandas.serializers", "paperscope.paper.pdf.sandbox",
        "paperscope.pipeline.extract", "paperscope.pipeline.affiliations", "paperscope.pipeline.mentions")


def drop_shipped_zips(path: list[str]) -> list[str]:
    """sys.path without SPARK_HOME's zips, when pyspark and py4j are installed where the zips came from."""
    zips = [p for p in path if _SHIPPED.search(p)]
    rest = [p for p in path if p not in zips]
    if not zips:
        return path
    spec = importlib.machinery.PathFinder.find_spec("pyspark", rest)
    if spec is None or not spec.origin or importlib.machinery.PathFinder.find_spec("py4j", rest) is None:
        return path
    home = os.path.realpath(os.path.dirname(spec.origin)) + os.sep
    if all(os.path.realpath(z).startswith(home) for z in zips):
        return rest
    return path


def main() -> None:
    sys.path[:] = drop_shipped_zips(sys.path)
    from paperscope.storage.executor import prepare_worker

    prepare_worker()
    for name in WARM:
        try:
            importlib.import_module(name)
        except ImportError:
            pass
    from pyspark import daemon

    daemon.manager()


if __name__ == "__main__":
    main()
