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
# Caches inside the repo's own (ignored) .cache, never the user's home: the matcher's
# index, and what matplotlib and the browser keep (XDG).
os.environ.setdefault("PAPERSCOPE_CACHE", str(REPO / ".cache" / "gazetteer"))
os.environ.setdefault("XDG_CACHE_HOME", str(REPO / ".cache" / "xdg"))
os.environ.setdefault("MPLCONFIGDIR", str(REPO / ".cache" / "matplotlib"))


@pytest.fixture(scope="session")
def repo() -> Path:
    return REPO


@pytest.fixture(scope="session")
def base_cfg():
    from paperscope.core.config import load_config

    cwd = os.getcwd()
    os.chdir(REPO)
    try:
        return load_config(REPO / "conf" / "local.yaml", sets=[f"delta.jar_cache={REPO / '.cache' / 'jars'}"])
    finally:
        os.chdir(cwd)


@pytest.fixture(scope="session")
def spark(base_cfg, tmp_path_factory):
    from paperscope.storage.spark import get_spark

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
    from paperscope.pipeline.flow import run_all
    from paperscope.pipeline.run import Run

    tmp = tmp_path_factory.mktemp("e2e")
    cfg = base_cfg.with_values({"input.corpus": str(REPO / "sample" / "corpus"),
                                "warehouse.path": str(tmp / "warehouse"), "reports.path": str(tmp / "reports")})
    run = Run(spark, cfg)
    return run_all(run), run, cfg


# Test lanes (markers registered in pyproject.toml): `make test-fast` runs unit + spark for
# the edit loop, `make test` runs every lane. A test gets its lane from what it starts:
# deploy (its own JVMs, wheels, venvs), e2e (whole pipeline runs, console commands in a
# process, waits for a timer), spark (small frames on
# the shared session) or unit (no Spark). A lane marker written on a test wins.
LANES = ("unit", "spark", "e2e", "deploy")
_DEPLOY_FILES = {"test_cluster.py", "test_databricks.py"}
# The command line as a user runs it: every test starts the console script in a process.
_COMMAND_FILES = {"test_cli.py"}
_E2E_FILES = {"test_pipeline.py", "test_faults.py", "test_robustness.py"}
_E2E_TESTS = {"test_metadata_run_and_agreement_with_pdfs"}


def _lane(item) -> str:
    if item.path.name in _DEPLOY_FILES or "spark_submit" in item.name:
        return "deploy"
    if item.path.name in _COMMAND_FILES:
        return "e2e"
    if "spark" not in getattr(item, "fixturenames", ()):
        return "unit"
    if item.path.name in _E2E_FILES or item.originalname in _E2E_TESTS:
        return "e2e"
    return "spark"


def pytest_collection_modifyitems(config, items):
    for item in items:
        if not any(item.get_closest_marker(lane) for lane in LANES):
            item.add_marker(getattr(pytest.mark, _lane(item)))


@pytest.fixture(autouse=True)
def _no_jvm_in_the_unit_lane(request, tmp_path_factory, monkeypatch):
    """A unit test that starts a JVM (in process or in a subprocess) fails with a line saying
    so: `java` on PATH and under JAVA_HOME is a stand-in that refuses to start."""
    if request.node.get_closest_marker("unit") is None:
        return
    home = tmp_path_factory.getbasetemp() / "no-jvm"
    java = home / "bin" / "java"
    if not java.exists():
        java.parent.mkdir(parents=True, exist_ok=True)
        java.write_text("#!/bin/sh\necho 'a unit-lane test started a JVM: mark it spark, e2e or deploy' >&2\nexit 97\n")
        java.chmod(0o755)
    monkeypatch.setenv("JAVA_HOME", str(home))
    monkeypatch.setenv("PATH", f"{java.parent}{os.pathsep}{os.environ.get('PATH', '')}")
