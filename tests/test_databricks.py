"""The Databricks bundle: the wheel it deploys, the entry points it names, and every task
run locally, in order, with exactly the parameters databricks.yml passes (the first task
in its own process, the others in a second one, to spare JVM starts)."""
from __future__ import annotations

import csv
import json
import os
import re
import subprocess
import sys
import sysconfig
import zipfile
from pathlib import Path

import pytest
import yaml

from paperscope.core import registry
from paperscope.storage import tables

REPO = Path(__file__).resolve().parents[1]
STEPS = [s.name for s in registry.STEPS if s.task]
RUNTIME_OWNED = {"pyspark", "delta-spark", "delta_spark", "pyarrow"}


@pytest.fixture(scope="module")
def bundle() -> dict:
    """databricks.yml with the resource files its include: names merged in."""
    root = yaml.safe_load((REPO / "databricks.yml").read_text())
    assert root["include"] and "resources" not in root
    for pattern in root["include"]:
        for path in sorted(REPO.glob(pattern)):
            for kind, items in yaml.safe_load(path.read_text())["resources"].items():
                root.setdefault("resources", {}).setdefault(kind, {}).update(items)
    return root


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> Path:
    """The wheel built from pyproject.toml, as the bundle's artifact build does (offline here)."""
    out = tmp_path_factory.mktemp("dist")
    subprocess.run([sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "--no-build-isolation",
                    "--wheel-dir", str(out), "."], cwd=REPO, check=True, capture_output=True, timeout=300)
    [whl] = out.glob("paperscope-*.whl")
    return whl


@pytest.fixture(scope="module")
def clean_venv(wheel, tmp_path_factory) -> Path:
    """A new venv with the wheel installed by pip, as a Databricks cluster library would be.

    Its dependencies are not downloaded again (that takes minutes here): the venv sees the
    repo venv's packages through a .pth file, minus paperscope itself, the way a cluster
    brings its own Spark, Arrow and pandas. pip still resolves the wheel's requirements
    against them, offline (--no-index), and installs the package, its data and its
    console scripts into the new venv.
    """
    root = tmp_path_factory.mktemp("clean")
    venv = root / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True, timeout=120)
    deps = root / "runtime-packages"
    deps.mkdir()
    for entry in Path(sysconfig.get_paths()["purelib"]).iterdir():
        if not entry.name.lower().startswith(("paperscope", "__editable__")) and entry.suffix != ".pth":
            (deps / entry.name).symlink_to(entry)
    py = venv / "bin" / "python"
    site = subprocess.run([str(py), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                          capture_output=True, text=True, check=True).stdout.strip()
    Path(site, "runtime_packages.pth").write_text(f"{deps}\n")
    assert subprocess.run([str(py), "-c", "import paperscope"], capture_output=True).returncode != 0
    out = subprocess.run([sys.executable, "-m", "pip", "--python", str(py), "install", "-q", "--no-index",
                          "--disable-pip-version-check", str(wheel)], capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stderr[-3000:]
    return venv


def _console_scripts(whl: Path) -> set[str]:
    with zipfile.ZipFile(whl) as zf:
        [name] = [n for n in zf.namelist() if n.endswith(".dist-info/entry_points.txt")]
        text = zf.read(name).decode()
    section = text.split("[console_scripts]", 1)[1].split("\n[", 1)[0]
    return {line.split("=", 1)[0].strip() for line in section.splitlines() if "=" in line}


def _job(bundle: dict) -> dict:
    [job] = bundle["resources"]["jobs"].values()
    return job


def _tasks(bundle: dict) -> list[dict]:
    return _job(bundle)["tasks"]


def test_wheel_leaves_the_clusters_spark_alone(wheel):
    with zipfile.ZipFile(wheel) as zf:
        [meta] = [n for n in zf.namelist() if n.endswith(".dist-info/METADATA")]
        requires = [line.split(":", 1)[1].strip() for line in zf.read(meta).decode().splitlines()
                    if line.startswith("Requires-Dist:")]
    runtime = [r for r in requires if "extra ==" not in r]
    names = {re.split(r"[\s\[<>=!~;]", r, maxsplit=1)[0].lower() for r in runtime}
    assert names and not names & RUNTIME_OWNED, runtime
    assert any("pyspark" in r and 'extra == "spark"' in r for r in requires)


def test_wheel_carries_the_data_files(wheel):
    with zipfile.ZipFile(wheel) as zf:
        names = set(zf.namelist())
    data = REPO / "lib" / "paperscope" / "data"
    want = {f"paperscope/data/{p.relative_to(data).as_posix()}" for p in data.rglob("*") if p.is_file()}
    assert want and want <= names, sorted(want - names)


def test_bundle_names_only_entry_points_the_wheel_has(bundle, wheel):
    scripts = _console_scripts(wheel)
    tasks = _tasks(bundle)
    assert [t["task_key"] for t in tasks] == STEPS
    order = registry.task_dependencies()
    for task in tasks:
        assert sorted(d["task_key"] for d in task.get("depends_on", [])) == order[task["task_key"]]
        wheel_task = task["python_wheel_task"]
        assert wheel_task["package_name"] == "paperscope"
        assert wheel_task["entry_point"] in scripts, wheel_task["entry_point"]
        assert [lib["whl"] for lib in task["libraries"]] == ["./dist/*.whl"]
    [artifact] = bundle["artifacts"].values()
    assert artifact["type"] == "whl" and "--wheel-dir dist" in artifact["build"]
    assert bundle["targets"]["dev"]["mode"] == "development"
    assert bundle["targets"]["prod"]["mode"] == "production"


def _local_parameters(job: dict, task: dict, values: dict, run_id: str) -> list[str]:
    """The task's parameters as a job run passes them: {{job.parameters.X}} from the job's
    parameter defaults, whose bundle variables take local values, and {{job.run_id}}."""
    def var(match):
        assert match.group(1) in values, f"no local value for ${{var.{match.group(1)}}}"
        return values[match.group(1)]
    defaults = {p["name"]: re.sub(r"\$\{var\.([A-Za-z0-9_]+)\}", var, str(p["default"])) for p in job["parameters"]}

    def ref(match):
        name = match.group(1)
        if name == "job.run_id":
            return run_id
        assert name.startswith("job.parameters.") and name.split(".", 2)[2] in defaults, name
        return defaults[name.split(".", 2)[2]]
    params = [re.sub(r"\{\{\s*([A-Za-z0-9_.]+)\s*\}\}", ref, str(p)) for p in task["python_wheel_task"]["parameters"]]
    assert not any("${" in p or "{{" in p for p in params), params
    return params


# Runs console scripts one after another in one Python process, each as `python SCRIPT
# PARAMS...` would (its own sys.argv, run as __main__), stopping at the first that fails.
RUN_SCRIPTS = """
import json, os, runpy, sys
for script, *params in json.loads(sys.argv[1]):
    sys.argv = [script, *params]
    try:
        runpy.run_path(script, run_name="__main__")
    except SystemExit as exc:
        if exc.code not in (None, 0):
            print(f"task-failed {os.path.basename(script)} {exc.code}", file=sys.stderr)
            raise
    print(f"task-done {os.path.basename(script)}", file=sys.stderr, flush=True)
"""


def _expected_collaboration(year: int) -> dict:
    with open(REPO / "sample" / "ground_truth.csv", newline="", encoding="utf-8") as fh:
        rows = [r for r in csv.DictReader(fh) if int(r["year"]) == year]
    us = [r["has_us"] == "1" for r in rows]
    cn = [r["has_cn"] == "1" for r in rows]
    known = [r["countries"] != "" for r in rows]
    return {"papers": len(rows), "with_us": sum(us), "with_cn": sum(cn),
            "with_both": sum(u and c for u, c in zip(us, cn)),
            "with_neither": sum(not u and not c and k for u, c, k in zip(us, cn, known)),
            "with_unknown": sum(not k for k in known)}


def test_every_task_runs_locally_with_the_bundle_parameters(bundle, clean_venv, base_cfg, spark, tmp_path):
    """Path mode (catalog and schema empty); the catalog mode is tested below in-process,
    because a local Spark keeps no catalog between the tasks' processes."""
    bundle_vars = bundle["variables"]
    values = {"corpus": str(REPO / "sample" / "corpus"), "years": "2024", "catalog": "", "schema": "",
              "warehouse_path": str(tmp_path / "warehouse"), "reports": str(tmp_path / "reports")}
    assert set(values) <= set(bundle_vars)
    work = tmp_path / "cwd"  # not the checkout: nothing may come from it but the Delta jars
    (work / ".cache").mkdir(parents=True)
    (work / ".cache" / "jars").symlink_to(REPO / ".cache" / "jars")  # Databricks has Delta built in
    py = str(clean_venv / "bin" / "python")
    env = {**os.environ, "PYSPARK_PYTHON": py, "PYSPARK_DRIVER_PYTHON": py}
    calls = [[str(clean_venv / "bin" / task["python_wheel_task"]["entry_point"]),
              *_local_parameters(_job(bundle), task, values, run_id="1234567")] for task in _tasks(bundle)]
    # The first task alone, as its own process; the others one after another in a second
    # process (each JVM start costs seconds): they too meet only through the tables and
    # the report folder, since every task builds its run from them.
    out = subprocess.run(calls[0], cwd=work, env=env, capture_output=True, text=True, timeout=600)
    assert out.returncode == 0, (calls[0][0], out.stderr[-3000:])
    out = subprocess.run([py, "-c", RUN_SCRIPTS, json.dumps(calls[1:])], cwd=work, env=env,
                         capture_output=True, text=True, timeout=600)
    assert out.returncode == 0, out.stderr[-3000:]
    assert [line.split()[1] for line in out.stderr.splitlines() if line.startswith("task-done ")] == \
        [task["python_wheel_task"]["entry_point"] for task in _tasks(bundle)[1:]]

    cfg = base_cfg.with_values({"warehouse.path": values["warehouse_path"]})
    [collab] = spark.read.format("delta").load(tables.table_path(cfg, "collaboration")).collect()
    assert collab["year"] == 2024
    for key, value in _expected_collaboration(2024).items():
        assert collab[key] == value, key
    assert spark.read.format("delta").load(tables.table_path(cfg, "term_groups")).count() > 0
    # One job run, one report folder: validate and aggregate share the job's run id.
    [folder] = [p for p in (tmp_path / "reports").iterdir() if p.is_dir() and p.name not in ("latest", "logs")]
    assert folder.name == "1234567"
    record = json.loads((folder / "run.json").read_text())
    assert record["run_id"] == "1234567" and record["durations"].get("aggregate")
    assert record["status"] == "passed"
    library = record["library"]
    assert library["executors"] and all(Path(p).is_relative_to(clean_venv) for p in library["executors"])
    assert Path(library["driver"]).is_relative_to(clean_venv)


def test_a_failing_step_exits_nonzero(clean_venv):
    """Databricks ignores an entry point's return value: a failure must be an exception."""
    py = str(clean_venv / "bin" / "python")
    out = subprocess.run([py, "-c", "import sys\nfrom paperscope.cli.entrypoints import validate\n"
                          "sys.argv = ['x', '--corpus', '/nonexistent/corpus']\nvalidate()"],
                         capture_output=True, text=True, timeout=120)
    assert out.returncode == 2 and "corpus folder not found" in out.stderr


def test_tables_by_unity_catalog_name(spark, base_cfg):
    """warehouse.catalog + warehouse.schema: tables are catalog.schema.table, years replaced alone."""
    cfg = base_cfg.with_values({"warehouse.catalog": "spark_catalog", "warehouse.schema": "paperscope_uc_test"})
    assert tables.table_ref(cfg, "papers") == "spark_catalog.paperscope_uc_test.papers"
    first = spark.createDataFrame([(2024, "a"), (2025, "b")], "year int, paper_id string")
    tables.write_years(first, cfg, "papers", [2024, 2025])
    tables.write_years(spark.createDataFrame([(2025, "c")], "year int, paper_id string"), cfg, "papers", [2025])
    rows = sorted(tuple(r) for r in tables.read_years(spark, cfg, "papers", None).collect())
    assert rows == [(2024, "a"), (2025, "c")]
    assert [tuple(r) for r in tables.read_years(spark, cfg, "papers", [2024]).collect()] == [(2024, "a")]
    assert spark.sql("SHOW TABLES IN spark_catalog.paperscope_uc_test").where("tableName = 'papers'").count() == 1
    with pytest.raises(FileNotFoundError, match="spark_catalog.paperscope_uc_test.mentions"):
        tables.read_years(spark, cfg, "mentions", [2024])


def test_on_databricks_no_delta_jars_are_fetched(spark, base_cfg, tmp_path, monkeypatch):
    """Delta is built into the runtime: get_spark takes the cluster's session as it is."""
    from paperscope.storage.deltajars import JarError
    from paperscope.storage.spark import get_spark

    cfg = base_cfg.with_values({"delta.jar_cache": str(tmp_path / "no-jars"),
                                "delta.maven_repository": "http://127.0.0.1:9/maven2",
                                "spark.conf": {}})  # leave the shared session's settings as they are
    monkeypatch.setenv("DATABRICKS_RUNTIME_VERSION", "17.3")
    assert get_spark(cfg) is spark
    assert not (tmp_path / "no-jars").exists()
    monkeypatch.delenv("DATABRICKS_RUNTIME_VERSION")
    with pytest.raises(JarError):  # off Databricks the same settings need the jars
        get_spark(cfg)
