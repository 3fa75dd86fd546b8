"""The grammar of terms.yaml: variants matched one by one, and names excluded in the body only."""
from __future__ import annotations

import pytest

from paperscope.mentions import count_terms, parse_terms

ORG = ("terms:\n  - {name: X, kind: method, origin: {organisation: A, country: US}, case_sensitive: true,"
       " variants: ['Xmodel(?:-\\d+)?'], exclude_in_body: ['Xmodel-AI\\b', 'Xmodel,\\s*20\\d\\d']}\n")


def test_overlapping_variants_are_one_mention():
    yaml_text = ("terms:\n  - {name: X, kind: method, origin: {organisation: A, country: US}, case_sensitive: true,"
                 " variants: ['Foo', 'Foo-Bar', 'Bar']}\n")
    assert count_terms("Foo-Bar and Foo and Bar", parse_terms(yaml_text)) == [("X", 3, 3)]


def test_exclude_in_body_drops_a_name_from_the_body_but_not_from_the_bibliography():
    text = ("Work done at Xmodel-AI.\n1 Introduction\nXmodel-2 (Xmodel, 2024) is used.\nReferences\n"
            "Xmodel-AI. Xmodel-2 technical report. 2024.\n")
    assert count_terms(text, parse_terms(ORG)) == [("X", 5, 1)]


def test_exclude_in_body_is_checked_like_the_other_patterns():
    yaml_text = ("terms:\n  - {name: X, kind: method, origin: {organisation: A, country: US}, case_sensitive: true,"
                 " variants: ['x'], exclude_in_body: ['(a+)+']}\n")
    with pytest.raises(ValueError, match=r"exclude_in_body\[0\].*exponential time"):
        parse_terms(yaml_text, "my.yaml")
