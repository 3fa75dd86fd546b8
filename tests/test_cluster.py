"""A real Spark standalone cluster on 127.0.0.1 (a master and two workers, each its own
JVM): ./spark-submit.sh against it gives the same tables as the local run, and the
driver and executors import paperscope only from what spark-submit shipped."""
from __future__ import annotations

import json
import os
import subprocess
import sys
import sysconfig
from pathlib import Path

import pytest

from paperscope.storage import tables

REPO = Path(__file__).resolve().parents[1]
SCRIPT = REPO / "scripts" / "standalone-cluster.sh"
YEAR = 2024
SHIPPED = "paperscope-0.1.0-py3-none-any.zip/paperscope/__init__.py"
# spark-submit.sh's executor options (the log settings) plus the driver's quick C1-only
# JIT: two executors, a driver and three daemons share this machine's two cores, and the
# executors' share of the work is small (the PDFs are read in Python).
EXECUTOR_JAVA_OPTIONS = (f"-Dlog4j2.configurationFile=file:{REPO / 'conf' / 'log4j2.properties'} "
                         "-XX:TieredStopAtLevel=1 -XX:ReservedCodeCacheSize=256m")


def _is_spark_daemon(pid: int) -> bool:
    try:
        return b"org.apache.spark.deploy" in Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return False


@pytest.fixture(scope="module")
def cluster(tmp_path_factory):
    """Master + 2 workers started by the README's script; stopped by their own pids."""
    where = tmp_path_factory.mktemp("standalone")
    started = subprocess.run([str(SCRIPT), "start", str(where)], cwd=REPO, capture_output=True, text=True,
                             timeout=240, env={**os.environ, "WORKERS": "2", "WORKER_CORES": "1"})
    pids = {p.stem: int(p.read_text()) for p in where.glob("*.pid")}
    try:
        assert started.returncode == 0, started.stderr[-2000:]
        yield {"url": started.stdout.strip(), "dir": where, "pids": pids}
    finally:
        subprocess.run([str(SCRIPT), "stop", str(where)], cwd=REPO, timeout=120)


@pytest.fixture(scope="module")
def bare_python(tmp_path_factory):
    """A Python that has paperscope's dependencies but not paperscope itself.

    The repo's venv has paperscope installed in editable mode, so a job run with it could
    import the library from the checkout and hide a broken --py-files. This venv sees the
    venv's site-packages as a plain path: its .pth files (the editable install) are not read.
    """
    venv = tmp_path_factory.mktemp("bare") / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True, timeout=120)
    py = venv / "bin" / "python"
    site = subprocess.run([str(py), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                          capture_output=True, text=True, check=True).stdout.strip()
    Path(site, "repo_venv_deps.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    probe = subprocess.run([str(py), "-c", "import pyspark, pdfminer, great_expectations; import paperscope"],
                           capture_output=True, text=True, timeout=120)
    assert "No module named 'paperscope'" in probe.stderr, probe.stderr[-2000:]
    return py


@pytest.fixture(scope="module")
def cluster_run(cluster, bare_python, tmp_path_factory):
    out_dir = tmp_path_factory.mktemp("cluster-run")
    env = {**os.environ, "PYSPARK_PYTHON": str(bare_python), "PYSPARK_DRIVER_PYTHON": str(bare_python)}
    out = subprocess.run(
        ["./spark-submit.sh", "--master", cluster["url"], "--conf", "spark.ui.enabled=false",
         "--conf", f"spark.executor.extraJavaOptions={EXECUTOR_JAVA_OPTIONS}", "run", "--",
         "--years", str(YEAR), "--warehouse", str(out_dir / "warehouse"), "--reports", str(out_dir / "reports")],
        cwd=REPO, env=env, capture_output=True, text=True, timeout=900)
    assert out.returncode == 0, out.stderr[-4000:]
    [run_json] = [p for p in (out_dir / "reports").glob("*/run.json") if p.parent.name != "latest"]
    return json.loads(run_json.read_text()), str(out_dir / "warehouse")


@pytest.fixture(scope="module")
def local_run(sample_run):
    """The local reference: the suite's in-process run of the whole sample (its YEAR rows)."""
    code, _, cfg = sample_run
    assert code == 0
    return cfg


def _rows(spark, path: str, drop=()) -> list[tuple]:
    df = spark.read.format("delta").load(path).where(f"year = {YEAR}").drop(*drop)
    return sorted((tuple(r) for r in df.select(sorted(df.columns)).collect()), key=repr)


def test_cluster_run_gives_the_local_tables(cluster_run, local_run, spark):
    record, warehouse = cluster_run
    assert record["status"] == "passed" and record["years"] == [YEAR]
    cluster_cfg = local_run.with_values({"warehouse.path": warehouse})
    for name in ("papers", "affiliations", "mentions", "collaboration", "term_groups"):
        drop = ("extract_seconds",) if name == "papers" else ()
        got = _rows(spark, tables.table_path(cluster_cfg, name), drop)
        want = _rows(spark, tables.table_path(local_run, name), drop)
        assert got, name
        assert got == want, name


def test_both_workers_ran_executors(cluster_run, cluster):
    for worker in ("worker-1", "worker-2"):
        apps = list((cluster["dir"] / worker / "work").glob("app-*/*/stderr"))
        assert apps, f"{worker} ran no executor"


def test_driver_and_executors_import_the_shipped_library(cluster_run, cluster):
    record, _ = cluster_run
    library = record["library"]
    assert library["driver"].endswith(SHIPPED)
    assert Path(library["driver"]).is_relative_to(REPO / ".cache" / "dist")
    assert library["executors"]
    for origin in library["executors"]:
        assert origin.endswith(SHIPPED)
        assert Path(origin).resolve().is_relative_to(cluster["dir"].resolve())  # a worker's dir, not the checkout


def test_stop_ends_every_process_it_started(cluster):
    assert set(cluster["pids"]) == {"master", "worker-1", "worker-2"}
    assert all(_is_spark_daemon(pid) for pid in cluster["pids"].values())
    out = subprocess.run([str(SCRIPT), "stop", str(cluster["dir"])], cwd=REPO, capture_output=True, text=True,
                         timeout=120)
    assert out.returncode == 0, out.stderr
    assert not any(_is_spark_daemon(pid) for pid in cluster["pids"].values())
    assert not list(cluster["dir"].glob("*.pid"))
