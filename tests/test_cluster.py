"""A real Spark standalone cluster on 127.0.0.1 (a master and two workers, each its own
JVM): ./spark-submit.sh against it gives the same tables as the local run, and the
driver and executors import paperscope only from what spark-submit shipped.

The run is also a fault drill (issue 25): while it extracts, worker-1's executor is
killed (SIGKILL, with a PDF's extraction child alive under it), and once the papers
table's files are being written but not yet committed, the whole of worker-2 (its JVM,
executors and Python workers) is. The run must finish on what is left through Spark's
task retry, with the tables of the clean local run and nothing twice: one run, so the
drill costs the suite one cluster start, not two."""
from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import sysconfig
import threading
import time
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
EXECUTOR_JAVA_OPTIONS = (f"-Dlog4j2.configurationFile=file:{REPO / 'lib' / 'paperscope' / 'data' / 'log4j2.properties'} "
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


def _processes() -> dict[int, tuple[int, str]]:
    """pid -> (parent pid, command line) of every process now."""
    out = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
                cmd = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
            except OSError:
                continue
            out[int(entry.name)] = (int(stat.rsplit(")", 1)[1].split()[1]), cmd)
    return out


def _depth_below(pid: int, procs: dict) -> int:
    """How many generations of processes live under pid (an executor's Python daemon, its
    worker, the worker's extraction child: 3)."""
    children = [p for p, (ppid, _) in procs.items() if ppid == pid]
    return 1 + max((_depth_below(c, procs) for c in children), default=0) if children else 0


def _executors_of(worker_dir: Path, procs: dict) -> list[int]:
    """Executor JVMs working in this worker's folder."""
    found = []
    for pid, (_, cmd) in procs.items():
        if "CoarseGrainedExecutorBackend" in cmd:
            try:
                cwd = Path(os.readlink(f"/proc/{pid}/cwd"))
            except OSError:
                continue
            if cwd.is_relative_to(worker_dir):
                found.append(pid)
    return found


class Drill(threading.Thread):
    """Kills worker-1's executor mid-extraction, then worker-2 mid-write; records what it saw."""

    def __init__(self, cluster: dict, warehouse: Path):
        super().__init__(daemon=True)
        self.cluster, self.papers = cluster, warehouse / "papers"
        self.events: list[dict] = []
        self.done = threading.Event()

    def _state(self) -> dict:
        files = list((self.papers / f"year={YEAR}").glob("*.parquet")) if self.papers.exists() else []
        return {"parquet": len(files), "committed": any((self.papers / "_delta_log").glob("*.json"))}

    def run(self) -> None:
        deadline = time.monotonic() + 600
        while not self.done.is_set() and time.monotonic() < deadline:
            procs = _processes()
            if not self.events:
                for pid in _executors_of(self.cluster["dir"] / "worker-1", procs):
                    if _depth_below(pid, procs) >= 3:  # a PDF is being read under it
                        self.events.append({"killed": "executor", "pid": pid, **self._state()})
                        os.kill(pid, signal.SIGKILL)
            elif len(self.events) == 1:
                state = self._state()
                if state["parquet"] and not state["committed"]:
                    pid = self.cluster["pids"]["worker-2"]
                    self.events.append({"killed": "worker", "pid": pid, **state})
                    os.killpg(pid, signal.SIGKILL)  # the worker, its executors and their Python
            else:
                return
            time.sleep(0.05)


@pytest.fixture(scope="module")
def cluster_run(cluster, bare_python, tmp_path_factory):
    out_dir = tmp_path_factory.mktemp("cluster-run")
    env = {**os.environ, "PYSPARK_PYTHON": str(bare_python), "PYSPARK_DRIVER_PYTHON": str(bare_python)}
    drill = Drill(cluster, out_dir / "warehouse")
    drill.start()
    try:
        out = subprocess.run(
            ["./spark-submit.sh", "--master", cluster["url"], "--conf", "spark.ui.enabled=false",
             "--conf", f"spark.executor.extraJavaOptions={EXECUTOR_JAVA_OPTIONS}", "run", "--",
             "--years", str(YEAR), "--warehouse", str(out_dir / "warehouse"), "--reports", str(out_dir / "reports")],
            cwd=REPO, env=env, capture_output=True, text=True, timeout=900)
    finally:
        drill.done.set()
        drill.join(10)
    assert out.returncode == 0, out.stderr[-4000:]
    [run_json] = [p for p in (out_dir / "reports").glob("*/run.json") if p.parent.name != "latest"]
    return json.loads(run_json.read_text()), str(out_dir / "warehouse"), drill.events


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
    record, warehouse, _ = cluster_run
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


def test_a_lost_executor_and_a_lost_worker_cost_nothing(cluster_run, cluster, spark):
    """The drill happened as planned (an executor killed with a PDF open under it, a worker
    killed between the first written file and the commit), the run passed, every table
    holds each key once (test_cluster_run_gives_the_local_tables: the local run's rows)."""
    record, warehouse, events = cluster_run
    assert [e["killed"] for e in events] == ["executor", "worker"], events
    assert not events[0]["committed"] and not events[1]["committed"] and events[1]["parquet"] >= 1, events
    assert record["status"] == "passed"
    papers = spark.read.format("delta").load(f"{warehouse}/papers").where(f"year = {YEAR}")
    assert papers.count() == papers.select("paper_id").distinct().count() > 0
    # worker-1 launched a second executor for the lost one; worker-2 is gone
    assert len(list((cluster["dir"] / "worker-1" / "work").glob("app-*/*/stderr"))) >= 2
    assert not _is_spark_daemon(cluster["pids"]["worker-2"])


def test_driver_and_executors_import_the_shipped_library(cluster_run, cluster):
    record, _, _ = cluster_run
    library = record["library"]
    assert library["driver"].endswith(SHIPPED)
    assert Path(library["driver"]).is_relative_to(REPO / ".cache" / "dist")
    assert library["executors"]
    for origin in library["executors"]:
        assert origin.endswith(SHIPPED)
        assert Path(origin).resolve().is_relative_to(cluster["dir"].resolve())  # a worker's dir, not the checkout


def test_stop_ends_every_process_it_started(cluster):
    assert set(cluster["pids"]) == {"master", "worker-1", "worker-2"}
    alive = {name for name, pid in cluster["pids"].items() if _is_spark_daemon(pid)}
    assert alive >= {"master", "worker-1"}  # worker-2 was killed by the drill
    out = subprocess.run([str(SCRIPT), "stop", str(cluster["dir"])], cwd=REPO, capture_output=True, text=True,
                         timeout=120)
    assert out.returncode == 0, out.stderr
    assert not any(_is_spark_daemon(pid) for pid in cluster["pids"].values())
    assert not list(cluster["dir"].glob("*.pid"))
