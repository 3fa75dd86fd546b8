"""Data Docs offline: every remote load of GX's pages served from the run's folder. Built
with GX's own site builder on a three-row frame (pandas, no Spark), as the gate builds them."""
from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

from paperscope.quality.datadocs import REMOTE, REMOTE_LOAD, localise


def build_docs(docs_dir: Path) -> Path:
    """Two suites on a three-row frame, one passing and one failing, through quality.gate's
    context; Data Docs built and localised as run_gate does."""
    from paperscope.quality.gate import _context
    from paperscope.quality.suites import _gx

    gx = _gx()
    context = _context(docs_dir)
    source = context.data_sources.add_pandas("paperscope")
    frame = pd.DataFrame({"paper_id": ["a", "b", "c"], "year": [2024, 2024, 2025]})
    for name, expectation in (("passes", gx.expectations.ExpectColumnValuesToBeUnique(column="paper_id")),
                              ("fails", gx.expectations.ExpectColumnValuesToBeBetween(column="year", max_value=2024))):
        suite = context.suites.add(gx.ExpectationSuite(name=name, expectations=[expectation]))
        batch = source.add_dataframe_asset(name).add_batch_definition_whole_dataframe(name)
        validation = context.validation_definitions.add(gx.ValidationDefinition(name=name, data=batch, suite=suite))
        checkpoint = context.checkpoints.add(gx.Checkpoint(name=f"c_{name}", validation_definitions=[validation],
                                                           actions=[]))
        checkpoint.run(batch_parameters={"dataframe": frame})
    context.build_data_docs()
    assert localise(docs_dir) == []
    return docs_dir / "index.html"


@pytest.fixture(scope="module")
def docs(tmp_path_factory):
    return build_docs(tmp_path_factory.mktemp("docs") / "data_docs")


def test_no_page_loads_anything_from_the_network(docs):
    """A new GX template's CDN link fails here, naming it."""
    pages = list(docs.parent.rglob("*.html"))
    assert len(pages) >= 5  # the index, two suites, two validation results
    for page in pages:
        text = page.read_text(encoding="utf-8")
        left = [m.group(0) for m in REMOTE_LOAD.finditer(text)]
        assert not left, (page.name, left)
        assert "integrity=" not in text and "crossorigin" not in text
    for css in docs.parent.rglob("*.css"):
        assert not REMOTE_LOAD.search(css.read_text(encoding="utf-8")), css


def test_every_page_points_at_files_that_exist(docs):
    import re

    for page in docs.parent.rglob("*.html"):
        text = page.read_text(encoding="utf-8")
        for ref in re.findall(r'(?:src|href)="([^"#?]+)"', text):
            if ref.startswith(("http:", "https:", "mailto:")) or not ref.endswith((".js", ".css", ".png", ".ico")):
                continue
            assert (page.parent / ref).resolve().is_file(), (page.name, ref)
    vendored = {v for v in REMOTE.values() if v}
    assert all((docs.parent / "static" / "vendor" / v).is_file() for v in vendored)
    assert not (docs.parent / "static" / "images" / "glossary_scroller.gif").exists()


def test_the_index_holds_both_validation_results_as_its_tables_data(docs):
    text = docs.read_text(encoding="utf-8")
    assert text.count('"expectation_suite_name"') >= 2 or ("passes" in text and "fails" in text)
    assert json.dumps("static/vendor/jquery/jquery.min.js")[1:-1] in text
