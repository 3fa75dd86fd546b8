"""Faults and re-runs: a driver killed after the bronze write leaves committed tables and the
next run finishes with the same aggregates; running twice changes nothing; a changed
corpus is extracted incrementally (only new files) and removed files leave the table."""
from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from pyspark.sql import functions as F

from paperscope.core import registry
from paperscope.paper.pdf.limits import EXTRACTOR
from paperscope.pipeline.flow import run_all
from paperscope.pipeline.papers import extract
from paperscope.pipeline.run import Run
from paperscope.storage import schemas, tables

REPO = Path(__file__).resolve().parents[1]
TINY = {"2024": ["neurips2024_01.pdf", "neurips2024_02.pdf", "neurips2024_03.pdf"],
        "2025": ["neurips2025_01.pdf", "neurips2025_02.pdf"]}


def _tiny_corpus(root: Path) -> Path:
    for year, names in TINY.items():
        (root / year).mkdir(parents=True)
        for name in names:
            shutil.copy(REPO / "sample" / "corpus" / year / name, root / year / name)
    return root


def _cfg(base_cfg, corpus: Path, tmp: Path) -> dict:
    return base_cfg.with_values({"input.corpus": str(corpus), "warehouse.path": str(tmp / "warehouse"),
                                 "reports.path": str(tmp / "reports")})


def _rows(spark, cfg, name, drop=()):
    df = spark.read.format("delta").load(tables.table_path(cfg, name)).drop(*drop)
    return sorted(tuple(r) for r in df.collect())


def _aggregates(spark, cfg):
    return _rows(spark, cfg, "collaboration"), _rows(spark, cfg, "term_groups")


def _versions(spark, cfg):
    return {name: tables.version(spark, cfg, name) for name in cfg.warehouse.tables}


@pytest.fixture(scope="module")
def reference(spark, base_cfg, tmp_path_factory):
    """An uninterrupted run on the tiny corpus."""
    tmp = tmp_path_factory.mktemp("ref")
    cfg = _cfg(base_cfg, _tiny_corpus(tmp / "corpus"), tmp)
    assert run_all(Run(spark, cfg)) == 0
    return cfg


def test_second_run_changes_nothing_and_extracts_nothing(spark, reference):
    """Nothing changed: no step writes, and the last passed gate verdict and its Data Docs
    stand (GX is not run again)."""
    cfg = reference
    before = {name: _rows(spark, cfg, name, drop=("extract_seconds",)) for name in cfg.warehouse.tables}
    versions = _versions(spark, cfg)
    run = Run(spark, cfg)
    assert run_all(run) == 0
    assert run.papers_refresh.extracted == 0 and not run.papers_refresh.written
    assert set(run.skipped) == {"headers", "affiliations", "authors", "mentions",
                                *registry.step("aggregate").writes}  # every gold table
    assert _versions(spark, cfg) == versions  # no commit at all: no duplicate, no rewrite
    after = {name: _rows(spark, cfg, name, drop=("extract_seconds",)) for name in cfg.warehouse.tables}
    assert after == before
    papers = spark.read.format("delta").load(tables.table_path(cfg, "papers"))
    assert papers.count() == papers.select("paper_id").distinct().count() == sum(map(len, TINY.values()))
    record = json.loads((run.run_dir / "run.json").read_text())
    assert record["status"] == "passed"
    assert record["gate_reused_from"] and record["gate_reused_from"] != run.run_id
    assert Path(record["data_docs"]).is_file() and not (run.run_dir / "data_docs").exists()
    assert "GX was not run again" in (run.run_dir / "summary.md").read_text()


def test_unchanged_rerun_keeps_the_passed_gate_until_a_setting_changes(spark, reference):
    """The unchanged re-run keeps the passed gate (test above); a changed setting does not."""
    cfg = reference.with_values({"quality.min_ok_share": 0.91})  # a stricter gate is a different gate: evaluated again
    again = Run(spark, cfg)
    assert run_all(again) == 0
    record = json.loads((again.run_dir / "run.json").read_text())
    assert record["gate_reused_from"] is None
    assert (again.run_dir / "data_docs" / "index.html").is_file()


def test_driver_killed_then_rerun_then_corpus_changed_then_older_rows(spark, base_cfg, reference, tmp_path):
    """One warehouse through its life (one first run for the three scenarios, to keep the
    suite short): a driver killed after the bronze write, and the re-run that matches the
    uninterrupted one; then a changed corpus extracts only new files and drops removed
    ones; then rows written by an older extractor (no header_layout, no extractor column)
    are not reported as fresh."""
    cfg = _cfg(base_cfg, _tiny_corpus(tmp_path / "corpus"), tmp_path)
    first_commit = Path(tables.table_path(cfg, "papers")) / "_delta_log" / f"{0:020d}.json"
    env = {**os.environ, "PYSPARK_PYTHON": sys.executable, "SPARK_LOCAL_IP": "127.0.0.1"}
    proc = subprocess.Popen(
        [sys.executable, "-m", "paperscope.cli.commands", "run", "--conf-file", "conf/local.yaml", "--corpus", cfg.input.corpus,
         "--warehouse", cfg.warehouse.path, "--reports", cfg.reports.path, "--master", "local[2]",
         "--set", f"delta.jar_cache={REPO / '.cache' / 'jars'}"],
        cwd=REPO, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    try:
        deadline = time.monotonic() + 300
        while not first_commit.exists() and proc.poll() is None and time.monotonic() < deadline:
            time.sleep(0.05)
        assert first_commit.exists(), "the pipeline never committed the papers table"
    finally:
        os.killpg(proc.pid, signal.SIGKILL)  # the driver and its JVM, mid-run
        proc.wait()
    assert proc.returncode == -signal.SIGKILL
    # Every table that exists is readable at a committed version; gold was never written.
    for name in cfg.warehouse.tables:
        if tables.version(spark, cfg, name) is not None:
            spark.read.format("delta").load(tables.table_path(cfg, name)).count()
    assert tables.version(spark, cfg, "collaboration") is None
    assert len(_rows(spark, cfg, "papers")) == sum(map(len, TINY.values()))
    # The next run completes and agrees with the uninterrupted one.
    run = Run(spark, cfg)
    assert run_all(run) == 0
    assert run.papers_refresh.extracted == 0
    assert _aggregates(spark, cfg) == _aggregates(spark, reference)

    papers_path = tables.table_path(cfg, "papers")
    v0 = tables.version(spark, cfg, "papers")
    # 2025 gains a file, 2024 loses one.
    shutil.copy(REPO / "sample/corpus/2025/neurips2025_03.pdf", tmp_path / "corpus/2025/neurips2025_03.pdf")
    (tmp_path / "corpus/2024/neurips2024_03.pdf").unlink()
    run = Run(spark, cfg)
    assert run_all(run) == 0
    refresh = run.papers_refresh
    assert (refresh.files, refresh.extracted, refresh.reused, refresh.removed) == (5, 1, 4, 1)
    names = {r["path"].rsplit("/", 1)[-1] for r in spark.read.format("delta").load(papers_path).collect()}
    assert names == {"neurips2024_01.pdf", "neurips2024_02.pdf", "neurips2025_01.pdf", "neurips2025_02.pdf",
                     "neurips2025_03.pdf"}
    history = tables.history(spark, papers_path).where(F.col("version") > v0).collect()
    assert len(history) == 1 and history[0]["operation"] == "WRITE"
    assert "2024" in history[0]["operationParameters"]["predicate"]
    # Silver and gold follow: the removed paper is gone from every table.
    for name in ("affiliations", "mentions"):
        ids = {r[0] for r in spark.read.format("delta").load(tables.table_path(cfg, name)).select("paper_id").collect()}
        stored = {r[0] for r in spark.read.format("delta").load(papers_path).select("paper_id").collect()}
        assert ids <= stored
    collab = {r["year"]: r["papers"] for r in spark.read.format("delta").load(tables.table_path(cfg, "collaboration")).collect()}
    assert collab == {2024: 2, 2025: 3}

    # Rows from before the layout was stored: every row is extracted again, layout stored
    # (the extract step decides it; the steps after it were run above).
    old = spark.read.format("delta").load(papers_path).drop("header_layout", "extractor")
    old.write.format("delta").mode("overwrite").option("overwriteSchema", "true").partitionBy("year").save(papers_path)
    run = Run(spark, cfg)
    extract(run)
    assert run.papers_refresh.extracted == 5
    rows = spark.read.format("delta").load(papers_path).where("status = 'ok'").collect()
    assert rows and all(r["header_layout"] and r["extractor"] == f"{EXTRACTOR}+pdfium" for r in rows)


def _damaged_copy(spark, reference, tmp_path: Path) -> dict:
    """The reference warehouse copied, with a second commit on affiliations."""
    shutil.copytree(reference.warehouse.path, tmp_path / "warehouse")
    cfg = reference.with_values({"warehouse.path": str(tmp_path / "warehouse"), "reports.path": str(tmp_path / "reports")})
    rows = spark.read.format("delta").load(tables.table_path(reference, "affiliations"))
    tables.write_years(rows.where("year = 2025"), cfg, "affiliations", [2025])
    assert tables.version(spark, cfg, "affiliations") == 1
    return cfg


def _aggregate_cli(spark, cfg, capsys) -> tuple[int, str]:
    """`paperscope aggregate` in this process (the shared session), with its stderr."""
    from paperscope.cli.commands import main

    shuffle = spark.conf.get("spark.sql.shuffle.partitions")
    capsys.readouterr()
    try:
        code = main(["aggregate", "--conf-file", str(REPO / "conf" / "local.yaml"), "--corpus", cfg.input.corpus,
                     "--warehouse", cfg.warehouse.path, "--reports", cfg.reports.path,
                     "--set", f"delta.jar_cache={REPO / '.cache' / 'jars'}"])
    finally:
        spark.conf.set("spark.sql.shuffle.partitions", shuffle)
    return code, capsys.readouterr().err


def test_table_with_lost_first_commit_stops_the_run_instead_of_reading_empty(spark, reference, tmp_path, capsys):
    """Bug: every read error meant "no table", so a table missing commit 0 read as empty
    and the aggregates called every paper "unknown"."""
    cfg = _damaged_copy(spark, reference, tmp_path)
    (Path(tables.table_path(cfg, "affiliations")) / "_delta_log" / f"{0:020d}.json").unlink()
    code, err = _aggregate_cli(spark, cfg, capsys)
    assert code == 3, err[-2000:]
    [line] = [ln for ln in err.splitlines() if ln.startswith("paperscope: error:")]
    assert tables.table_path(cfg, "affiliations") in line and "DELTA_TRUNCATED_TRANSACTION_LOG" in line
    assert tables.version(spark, cfg, "collaboration") == tables.version(spark, reference, "collaboration")
    with pytest.raises(tables.TableDamaged, match=r"affiliations is damaged: .*DELTA_TRUNCATED_TRANSACTION_LOG"):
        tables.read_years(spark, cfg, "affiliations", [2024])
    # A table never written is still "not there yet": an empty frame with the schema.
    assert tables.read_years(spark, cfg.with_values({"warehouse.path": str(tmp_path / "none")}),
                             "affiliations", [2024], schemas.AFFILIATIONS).count() == 0


def test_garbled_last_commit_is_one_line_naming_the_table(spark, reference, tmp_path, capsys):
    """Bug: the hand-written log reader ended `paperscope aggregate` in a JSONDecodeError traceback."""
    cfg = _damaged_copy(spark, reference, tmp_path)
    (Path(tables.table_path(cfg, "affiliations")) / "_delta_log" / f"{1:020d}.json").write_text("garbage{\n")
    code, err = _aggregate_cli(spark, cfg, capsys)
    assert code == 3, err[-2000:]
    assert "Traceback" not in err
    [line] = [ln for ln in err.splitlines() if ln.startswith("paperscope: error:")]
    assert f"Delta table {tables.table_path(cfg, 'affiliations')} is damaged" in line
