"""One place that makes the SparkSession, the same way for jobs, tests and notebooks."""
from __future__ import annotations

import logging
import os
import shutil
import sys

from pyspark.sql import SparkSession

log = logging.getLogger(__name__)

DELTA_CONF = {
    "spark.sql.extensions": "io.delta.sql.DeltaSparkSessionExtension",
    "spark.sql.catalog.spark_catalog": "org.apache.spark.sql.delta.catalog.DeltaCatalog",
}


def on_databricks() -> bool:
    return "DATABRICKS_RUNTIME_VERSION" in os.environ


def launched_by_spark_submit() -> bool:
    """spark-submit starts the Python driver from the JVM, which then owns master and jars."""
    return "PYSPARK_GATEWAY_PORT" in os.environ


def local_worker_python(master: str, settings: dict) -> None:
    """Python workers of a local master run this interpreter unless the user chose one.

    PySpark starts workers with $PYSPARK_PYTHON, else whatever `python3` is on PATH, which
    for `.venv/bin/paperscope` is usually a Python without paperscope. spark.pyspark.python
    in spark.conf is honoured too (PySpark itself reads only the environment).
    """
    if master.startswith("local") and not os.environ.get("PYSPARK_PYTHON"):
        os.environ["PYSPARK_PYTHON"] = settings.get("spark.pyspark.python") or sys.executable
        log.debug("Python workers: %s", os.environ["PYSPARK_PYTHON"])


def local_daemon(master: str) -> dict:
    """paperscope's warm worker daemon (paperscope.storage.daemon), where it is safe to use.

    Only for local masters whose Python workers run this very interpreter, which can
    import paperscope; a cluster's executors keep PySpark's own daemon.
    """
    if not master.startswith("local"):
        return {}
    worker_python = os.environ.get("PYSPARK_PYTHON") or sys.executable
    # The same bin folder is the same environment (a venv's python links to its base one).
    here = os.path.dirname(os.path.abspath(sys.executable))
    if os.path.dirname(os.path.abspath(shutil.which(worker_python) or worker_python)) != here:
        return {}
    return {"spark.python.daemon.module": "paperscope.storage.daemon"}


def get_spark(cfg, extra_conf: dict | None = None) -> SparkSession:
    """Return the session: Databricks' or spark-submit's own, else a local one with Delta.

    cfg: the run's config.Settings.
    """
    builder = SparkSession.builder.appName(cfg.spark.app_name)
    settings = {**cfg.spark.conf, **(extra_conf or {})}
    if not (on_databricks() or launched_by_spark_submit()):
        from paperscope.storage.deltajars import ensure_jars

        master = settings.get("spark.master") or cfg.spark.master or "local[*]"
        builder = builder.master(master)
        local_worker_python(master, settings)
        settings = {**DELTA_CONF, "spark.jars": ",".join(ensure_jars(cfg)), **local_daemon(master), **settings}
    for key, value in settings.items():
        builder = builder.config(key, value)
    spark = builder.getOrCreate()
    # A session that already existed (spark-submit, Databricks) still takes the SQL settings.
    for key, value in settings.items():
        if key.startswith("spark.sql.") and spark.conf.isModifiable(key):
            spark.conf.set(key, value)
    return spark


def concurrently(calls: dict, jobs: int) -> dict:
    """{name: call()} for independent calls that each run a small Spark job, submitted at
    once from `jobs` driver threads (spark.driver_jobs; Spark takes jobs from several
    threads, and a small job mostly waits on planning, the Delta log and the scheduler).
    The first error is raised as it would be one after another."""
    workers = min(jobs, len(calls))
    if workers <= 1:
        return {name: call() for name, call in calls.items()}
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(workers, thread_name_prefix="driver-job") as pool:
        futures = {name: pool.submit(call) for name, call in calls.items()}
        return {name: future.result() for name, future in futures.items()}


def library_origins(spark: SparkSession) -> dict:
    """Where the driver and the executors import paperscope from, for the run record.

    On a cluster this shows that executors run the library spark-submit shipped (the
    wheel in --py-files, or the wheel a Databricks task installed), not some copy that
    happened to lie on the driver's machine.
    """
    import os

    import paperscope

    def where(batches):
        import os

        import pandas as pd

        import paperscope as shipped

        for _ in batches:
            yield pd.DataFrame({"origin": [os.path.abspath(shipped.__file__)]})

    try:
        slots = max(2, spark.sparkContext.defaultParallelism)
    except Exception:  # noqa: BLE001 - no SparkContext on shared-access clusters
        slots = 2
    try:
        rows = spark.range(slots, numPartitions=slots).mapInPandas(where, "origin string").distinct().collect()
        executors = sorted(r.origin for r in rows)
    except Exception as exc:  # noqa: BLE001 - a record, never a reason to fail the run
        log.warning("could not ask the executors where paperscope comes from: %s", exc)
        executors = []
    return {"driver": os.path.abspath(paperscope.__file__), "executors": executors}
