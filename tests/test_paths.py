"""Every path the user gives is taken as written (core.paths): a generated set of names.

Unit: each name's forms for Spark/Delta (the absolute path, as written) and for delta-rs
(none where it would read the name otherwise). Spark: a table written and read back under
a warehouse of each name, its version read by whichever backend can (so nothing is
"damaged" that is not)."""
from __future__ import annotations

import os

import pytest

from paperscope.core.paths import locate, refusal
from support import slow_except

NAMES = ["plain", "hash#1", "q?x", "pct%41", "pct%zz", "colon: x", "sp ace", "ünï", "trailing.", "semi;x",
         "brace{x}", "bracket[x]", "back\\slash", "tab-less-only"]


@pytest.mark.unit
@pytest.mark.parametrize("name", NAMES)
def test_each_backend_gets_the_name_as_written(name, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    for given in (str(tmp_path / name), name, f"./{name}", f"file:{tmp_path / name}"):
        loc = locate(given)
        assert loc.local == str(tmp_path / name) and loc.spark == loc.local, given
        readable = not any(c in name for c in "#?\\") and "%41" not in name
        assert (loc.deltalake == loc.local) if readable else loc.deltalake is None, given


@pytest.mark.unit
def test_uris_stay_as_given_and_control_characters_are_refused():
    for uri in ("s3a://bucket/wh #1", "abfss://c@acct.dfs.core.windows.net/wh", "dbfs:/mnt/wh", "hdfs:///data/wh"):
        loc = locate(uri)
        assert (loc.local, loc.spark, loc.deltalake) == (None, uri, None)
    assert refusal("/data/wh\nx", "warehouse.path") == (
        "warehouse.path '/data/wh\\nx' holds a control character ('\\n'); choose a name without it")
    assert refusal("/data/wh #%41?: ü.", "warehouse.path") is None


# A Delta table written, read and versioned costs about 2 s a name: make test-fast writes one
# under a name delta-rs cannot take as written, make test every name.
FAST_NAME = "hash#1"


@pytest.mark.spark
@pytest.mark.parametrize("name", slow_except(NAMES, lambda name: name == FAST_NAME))
def test_a_table_under_every_name_is_written_read_and_versioned(name, spark, base_cfg, tmp_path):
    from paperscope.storage import tables

    df = spark.createDataFrame([("p1", 2024, "x")], "paper_id string, year int, raw string")
    cfg = base_cfg.with_values({"warehouse.path": str(tmp_path / name)})
    tables.write_years(df, cfg, "affiliations", [2024])
    assert tables.version(spark, cfg, "affiliations") == 0, name
    assert tables.read_years(spark, cfg, "affiliations", [2024]).count() == 1, name
    assert os.path.isdir(tmp_path / name / "affiliations" / "_delta_log"), name
    assert tables.table_ref(cfg, "affiliations") == f"{tmp_path / name}/affiliations"


@pytest.mark.spark
def test_a_relative_warehouse_is_the_driver_folder_s(spark, base_cfg, tmp_path, monkeypatch):
    """The JVM resolves a relative path against the folder it started in; the driver's is meant."""
    from paperscope.storage import tables

    monkeypatch.chdir(tmp_path)
    cfg = base_cfg.with_values({"warehouse.path": "rel wh #1"})
    tables.write_years(spark.createDataFrame([("p1", 2024, "x")], "paper_id string, year int, raw string"), cfg,
                       "affiliations", [2024])
    assert (tmp_path / "rel wh #1" / "affiliations" / "_delta_log").is_dir()
    assert tables.version(spark, cfg, "affiliations") == 0
