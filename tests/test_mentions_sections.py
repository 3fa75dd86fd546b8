"""Sections from the plain text the extract step keeps (issue 27): headings by numbering
and the usual names, and the lines that are tables or captions."""
from __future__ import annotations

import pytest

from paperscope.core.config import load_config
from paperscope.paper.mentions import sections as S
from paperscope.paper.mentions.text import body_end

SECTIONS = load_config().mentions.sections


def _kinds(text: str) -> list[tuple[str, str]]:
    return [(s.kind, s.title) for s in S.find_sections(text, body_end(text), SECTIONS)]


def _kind_at(text: str, phrase: str) -> str:
    return S.SectionIndex(S.find_sections(text, body_end(text), SECTIONS)).at(text.index(phrase)).kind


ACL = """Learning to Ask
Anna Li 1 Bo Wang 2
1 Tsinghua University
2 Stanford University
Abstract
We ask questions.
1 Introduction
Questions matter.
2 Related Work
Prior systems asked.
3 Our Model
We build a model.
3.1 Encoder
It encodes.
3.2 Results on the toy task
It works.
4 Experiments
We test it.
4.1 Setup
Data.
5 Discussion and Limitations
It may fail.
6 Conclusion
Done.
References
[1] A. Author. A paper. 2020.
A Appendix Details
More results.
"""


def test_numbered_headings_get_their_kinds():
    assert _kinds(ACL) == [
        ("front", ""), ("abstract", "Abstract"), ("introduction", "Introduction"), ("related", "Related Work"),
        ("method", "Our Model"), ("results", "Results on the toy task"), ("experiments", "Experiments"),
        ("discussion", "Discussion and Limitations"), ("conclusion", "Conclusion"), ("references", "References"),
        ("appendix", "Appendix Details")]


def test_numbered_affiliations_on_page_one_are_not_headings():
    assert _kind_at(ACL, "Stanford University") == "front"


def test_a_subsection_keeps_its_parents_kind_unless_it_names_another():
    assert _kind_at(ACL, "It encodes.") == "method"
    assert _kind_at(ACL, "It works.") == "results"
    assert _kind_at(ACL, "Data.") == "experiments"


IEEE = """A Survey of Graphs
Abstract—We review graph models.
I. INTRODUCTION
Graphs are everywhere.
II. PRELIMINARY
A. Graph Neural Networks
They pass messages.
III. GRAPH TASKS
A. Task Introduction
Tasks are many.
IV. CONCLUSIONS
We reviewed.
REFERENCES
"""


def test_roman_numerals_and_lettered_subsections():
    assert [k for k, _ in _kinds(IEEE)] == ["front", "abstract", "introduction", "related", "method", "conclusion",
                                            "references"]
    assert _kind_at(IEEE, "They pass messages") == "related"
    assert _kind_at(IEEE, "Tasks are many") == "method"  # "Task Introduction" is no introduction


def test_a_number_on_its_own_line_then_a_known_name_is_a_heading():
    text = "Title\nAbstract\nWe study.\n1\n\nIntroduction\nThe advent of LLMs.\n2\nRelated Works\nOthers.\n"
    assert [k for k, _ in _kinds(text)] == ["front", "abstract", "introduction", "related"]


def test_algorithm_steps_and_list_items_are_not_headings():
    text = ("1 Introduction\nWe list:\n1. We finetune a model\n2. We establish our framework in related work\n"
            "3. We extend results\n2 Method\nAlgorithm 1\n3 Randomly choose clusters\n4 Form the subgraph\n"
            "5 Compute the loss\n6 Conduct Adam update\n3 Experiments\nWe run it.\n")
    assert [k for k, _ in _kinds(text)] == ["front", "introduction", "method", "experiments"]


def test_a_table_header_is_not_a_heading():
    text = "1 Introduction\nText.\n2 Approach\nWe do it.\nMethod\nAcc\nOurs 90.1\nResults\nmore text\n"
    assert _kind_at(text, "more text") == "method"


def test_sections_after_the_experiments_with_unknown_names_are_more_experiments():
    text = "1 Introduction\nx\n2 Model\nx\n3 Experiments\nx\n4 Visualisation of Tokens\nseen\n5 Conclusion\nx\n"
    assert _kind_at(text, "seen") == "experiments"


def test_a_bibliography_before_the_appendix_is_references_inside_the_body():
    text = ("1 Introduction\nx\nReferences\n[1] The main list.\nA Proofs\nproof\nB More Results\nmore\n"
            "References\n[9] The appendix list.\n")
    assert _kind_at(text, "The main list") == "references"
    assert _kind_at(text, "proof") == "appendix"
    assert _kind_at(text, "more") == "results"
    assert _kind_at(text, "The appendix list") == "references"
    assert text.index("[1] The main list") < body_end(text) < text.index("[9] The appendix list")


@pytest.mark.parametrize("line, row", [
    ("Qwen-VL-7B 59.3 67.1 63.8 - - - 38.2 7.4 - 59.4", True),
    ("LLaMA 7B 24.66% 20.05% 33.48% 23.68%", True),
    ("MATH-SHEPHERD LLaMA2-13B (N = 4) 85.0 2.05", True),
    ("DeepSeek 67B (DeepSeek, 2023) achieves accuracy rates of 93.3% on", False),
    ("1e-7 for LLaMA2-7B and Mistral-7B, respectively. The coefficient is set to 0.04.", False),
])
def test_table_rows(line, row):
    assert S.is_table_row(line, SECTIONS) is row


def test_captions():
    assert S.caption_kind("Table 3: Accuracy on GSM8K.") == "table"
    assert S.caption_kind("Figure 2. Overview.") == "figure"
    assert S.caption_kind("Fig. 4: Examples") == "figure"
    assert S.caption_kind("Tables are shown below") is None
