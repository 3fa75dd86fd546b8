"""The matcher package: its structure, its method set, and the string classes its rules cover.

Pure Python, no Spark: every case is generated here, nothing is read from ../shared.
"""
from __future__ import annotations

import ast
import json
from pathlib import Path

import pytest

from paperscope import matcher
from paperscope.matcher import RULES, Method, load

PKG = Path(matcher.__file__).parent


@pytest.fixture(scope="module")
def gaz():
    return load()


def countries(gaz, text):
    return sorted({m.country for m in gaz.match(text) if m.country})


def test_modules_import_without_a_cycle():
    graph = {}
    for path in PKG.glob("*.py"):
        deps = set()
        for node in ast.walk(ast.parse(path.read_text("utf-8"))):
            if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("paperscope.matcher."):
                deps.add(node.module.rsplit(".", 1)[1])
            elif isinstance(node, ast.ImportFrom) and node.module == "paperscope.matcher":
                deps.update(a.name for a in node.names)
        graph[path.stem] = deps - {path.stem}
    done: set[str] = set()

    def visit(name, stack):
        assert name not in stack, f"import cycle: {' -> '.join(stack + [name])}"
        if name in done or name not in graph or name == "__init__":
            return
        for dep in graph[name]:
            visit(dep, stack + [name])
        done.add(name)

    for name in graph:
        if name != "__init__":
            visit(name, [])


def test_the_rules_are_one_ordered_list_of_named_functions():
    names = [r.name for r in RULES]
    assert len(names) == len(set(names))
    assert names.index("phrases") < names.index("plausible") < names.index("countries") < names.index("unclaimed")
    assert all(callable(r.apply) and r.apply.__doc__ for r in RULES)


def test_the_expectation_suite_allows_exactly_the_methods_of_the_enum():
    suite = json.loads((PKG.parent / "data" / "expectations" / "affiliations.json").read_text("utf-8"))
    sets = [e["kwargs"]["value_set"] for e in suite["expectations"] if e["kwargs"].get("column") == "method"]
    assert sets and set(sets[0]) == {m.value for m in Method}


def test_every_match_method_is_a_plain_string_of_the_enum(gaz):
    for text in ("Tsinghua University", "Tencent AI Lab, Seattle", "Somewhere, Brazil", "Stanford, CA 94305"):
        for m in gaz.match(text):
            assert type(m.method) is str and m.method in matcher.METHODS
    with pytest.raises(ValueError):
        matcher.Match(None, "US", "guess", "", 0.1)
