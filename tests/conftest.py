"""One SparkSession (with Delta) for the whole test run: Spark starts once."""
from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
os.environ.setdefault("SPARK_LOCAL_IP", "127.0.0.1")
os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
os.environ.setdefault("PYSPARK_DRIVER_PYTHON", sys.executable)


@pytest.fixture(scope="session")
def repo() -> Path:
    return REPO


@pytest.fixture(scope="session")
def base_cfg():
    from paperscope.config import load_config

    cwd = os.getcwd()
    os.chdir(REPO)
    try:
        return load_config(REPO / "conf" / "local.yaml", sets=[f"delta.jar_cache={REPO / '.cache' / 'jars'}"])
    finally:
        os.chdir(cwd)


@pytest.fixture(scope="session")
def spark(base_cfg, tmp_path_factory):
    from paperscope.spark import get_spark

    session = get_spark(
        base_cfg,
        {
            "spark.master": "local[2]",
            "spark.ui.enabled": "false",
            "spark.sql.shuffle.partitions": "4",
            "spark.sql.warehouse.dir": str(tmp_path_factory.mktemp("spark-warehouse")),
            "spark.driver.extraJavaOptions": " ".join([
                base_cfg.spark.conf.get("spark.driver.extraJavaOptions", ""),
                f"-Dderby.system.home={tmp_path_factory.mktemp('derby')}"]).strip(),
        },
    )
    yield session
    session.stop()


@pytest.fixture(scope="session")
def sample_run(spark, base_cfg, tmp_path_factory):
    """The whole pipeline on the bundled sample corpus, run once: (exit code, Run, config).

    Shared by the end-to-end checks and by the cluster test's local reference, so the
    longest in-process run of the suite happens once.
    """
    from paperscope import pipeline

    tmp = tmp_path_factory.mktemp("e2e")
    cfg = base_cfg.with_values({"input.corpus": str(REPO / "sample" / "corpus"),
                                "warehouse.path": str(tmp / "warehouse"), "reports.path": str(tmp / "reports")})
    run = pipeline.Run(spark, cfg)
    return pipeline.run_all(run), run, cfg
