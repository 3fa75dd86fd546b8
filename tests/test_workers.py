"""What makes extraction fast must not change what it finds: the warm worker daemon, the
per-task import fix, one file per task with the largest first, and the stream-text reader."""
from __future__ import annotations

import io
import json
import logging
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
from pyspark.sql import functions as F
from pyspark.sql.types import LongType, StringType, StructField, StructType

from paperscope.paper.pdf.extract import _ignore, extract
from paperscope.paper.pdf.limits import OK, Limits
from paperscope.pipeline.papers import extraction_tasks
from paperscope.sources.corpus.tasks import spread_files
from paperscope.storage.daemon import drop_shipped_zips


def test_prepare_worker_invalidates_import_caches_only_when_sys_path_changes():
    """In a child process: the patch replaces importlib.invalidate_caches for good."""
    code = (
        "import importlib, sys\n"
        "calls = []\n"
        "importlib.invalidate_caches = lambda: calls.append(1)\n"
        "from paperscope.storage.executor import prepare_worker\n"
        "prepare_worker(); prepare_worker()\n"
        "for _ in range(3): importlib.invalidate_caches()\n"
        "sys.path.append('/no/such/py-file.zip')\n"
        "importlib.invalidate_caches(); importlib.invalidate_caches()\n"
        "print(len(calls))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "2"  # the first call, and the one after sys.path changed


def test_shipped_zips_are_dropped_only_when_they_are_the_installed_pyspark():
    import pyspark

    lib = Path(pyspark.__file__).parent / "python" / "lib"
    shipped = [str(lib / "pyspark.zip"), str(lib / "py4j-0.10.9.9-src.zip")]
    assert drop_shipped_zips(shipped + sys.path) == sys.path
    elsewhere = ["/opt/spark/python/lib/pyspark.zip"] + sys.path  # another Spark's copy: keep it
    assert drop_shipped_zips(elsewhere) == elsewhere
    assert drop_shipped_zips(sys.path) == sys.path


def test_every_module_the_daemon_warms_exists():
    """The daemon skips what it cannot import; a module renamed away would go cold unseen."""
    import importlib.util

    from paperscope.storage.daemon import WARM

    assert all(importlib.util.find_spec(name) is not None for name in WARM), WARM


def test_local_python_workers_run_in_the_warm_daemon(spark):
    assert spark.sparkContext.getConf().get("spark.python.daemon.module") == "paperscope.storage.daemon"

    def probe(batches):
        import importlib
        import sys

        for _ in batches:
            yield pd.DataFrame({"zip": [any(p.endswith("pyspark.zip") for p in sys.path)],
                                "warm": ["pdfminer.pdfinterp" in sys.modules],
                                "guard": [bool(getattr(importlib.invalidate_caches, "paperscope_guard", False))]})

    rows = spark.range(0, 2, 1, 2).mapInPandas(probe, "zip boolean, warm boolean, guard boolean").collect()
    assert rows and all(not r.zip and r.warm and r.guard for r in rows), rows


def test_local_daemon_only_for_local_masters_and_this_interpreter(monkeypatch):
    from paperscope.storage.spark import local_daemon

    monkeypatch.setenv("PYSPARK_PYTHON", sys.executable)
    assert local_daemon("local[2]") == {"spark.python.daemon.module": "paperscope.storage.daemon"}
    assert local_daemon("spark://127.0.0.1:7077") == {}
    monkeypatch.setenv("PYSPARK_PYTHON", "/usr/bin/python3")
    assert local_daemon("local[*]") == {}


SCHEMA = StructType([StructField("path", StringType()), StructField("size_bytes", LongType())])


def test_one_file_per_task_largest_first(spark):
    sizes = [10, 500, 30, 20, 7]
    rows = [{"path": f"p{i}", "size_bytes": s} for i, s in enumerate(sizes)]
    df = spread_files(spark, rows, SCHEMA, len(rows))
    assert df.rdd.getNumPartitions() == len(rows)
    got = sorted((r.task, r.size_bytes) for r in df.withColumn("task", F.spark_partition_id()).collect())
    assert got == list(enumerate(sorted(sizes, reverse=True)))


def test_fewer_tasks_than_files_balance_by_size(spark):
    sizes = [100, 90, 10, 10, 5, 80]
    rows = [{"path": f"p{i}", "size_bytes": s} for i, s in enumerate(sizes)]
    df = spread_files(spark, rows, SCHEMA, 3)
    loads = df.groupBy(F.spark_partition_id().alias("task")).agg(F.sum("size_bytes").alias("bytes")).collect()
    assert sorted(r.bytes for r in loads) == [95, 100, 100]
    assert sorted(r.path for r in df.collect()) == sorted(r["path"] for r in rows)


def test_empty_listing_gives_an_empty_frame(spark):
    assert spread_files(spark, [], SCHEMA, 8).count() == 0


def test_extraction_tasks_default_to_one_per_file_up_to_a_cap(spark, base_cfg):
    cfg = base_cfg.with_values({"extract.partitions": 0, "extract.max_tasks_per_core": 3})
    cores = spark.sparkContext.defaultParallelism
    assert extraction_tasks(spark, cfg, 2) == 2
    assert extraction_tasks(spark, cfg, 1000) == 3 * cores
    assert extraction_tasks(spark, cfg, 0) == 1
    cfg = cfg.with_values({"extract.partitions": 5})
    assert extraction_tasks(spark, cfg, 1000) == 5


def _rotated_pdf() -> bytes:
    from reportlab.pdfgen import canvas

    buf = io.BytesIO()
    c = canvas.Canvas(buf)
    c.drawString(72, 720, "A header page")
    c.showPage()
    c.drawString(72, 720, "Upright words on page two")
    c.saveState()
    c.translate(300, 300)
    c.rotate(30)
    c.drawString(0, 0, "Tilted words")
    c.restoreState()
    c.showPage()
    c.save()
    return buf.getvalue()


def test_stream_text_reads_upright_and_rotated_glyphs():
    got = extract(_rotated_pdf(), Limits.from_config(layout_pages=1, body_engine="pdfminer"))
    assert got.status == OK and got.n_pages == 2
    page_two = got.full_text.split("\f", 1)[1]
    assert "Upright words on page two" in page_two
    assert "Tiltedwords" in "".join(page_two.split())


def test_pdfminer_debug_logging_still_works_when_asked_for(caplog, repo):
    import pdfminer.psparser

    data = (repo / "sample/corpus/2024/neurips2024_01.pdf").read_bytes()
    extract(data, Limits.from_config(max_pages=1))
    assert pdfminer.psparser.log.debug is _ignore  # debug off: the calls cost nothing
    with caplog.at_level(logging.DEBUG, logger="pdfminer"):
        extract(data, Limits.from_config(max_pages=1))
    assert any(r.name.startswith("pdfminer.") and r.levelno == logging.DEBUG for r in caplog.records)
    extract(data, Limits.from_config(max_pages=1))
    assert pdfminer.psparser.log.debug is _ignore


@pytest.mark.e2e
def test_last_commit_from_the_log_equals_deltas_history(spark, base_cfg, tmp_path, monkeypatch):
    """Local tables: the commit deltalake reads is the one DeltaTable.history gives, and
    without deltalake the history(1) answer is kept until this process writes again."""

    from delta.tables import DeltaTable

    from paperscope.storage import tables

    cfg = base_cfg.with_values({"warehouse.path": str(tmp_path / "warehouse")})
    assert tables.version(spark, cfg, "papers") is None
    df = spark.createDataFrame([(2024, "a")], "year int, paper_id string")
    tables.write_years(df, cfg, "papers", [2024], metadata={"step": "one"})
    tables.write_years(df, cfg, "papers", [2024], metadata={"step": "two"})
    [want] = DeltaTable.forPath(spark, tables.table_path(cfg, "papers")).history(1).collect()
    assert tables.version(spark, cfg, "papers") == want["version"] == 1
    assert tables.last_metadata(spark, cfg, "papers") == json.loads(want["userMetadata"])
    monkeypatch.setattr(tables, "_deltalake", lambda: None)
    tables.forget_commits()
    assert tables.version(spark, cfg, "papers") == 1
    assert tables.last_metadata(spark, cfg, "papers") == {"step": "two"}
    tables.write_years(df, cfg, "papers", [2024], metadata={"step": "three"})
    assert tables.version(spark, cfg, "papers") == 2
    assert tables.last_metadata(spark, cfg, "papers") == {"step": "three"}
