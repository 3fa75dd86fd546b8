"""Running heads and footers are taken out before terms are counted (issue 27): a title
word repeated at the top of every page is one mention in the title, not one per page. A
sentence that runs on to the next page is read without the notes at the page's foot."""
from __future__ import annotations

import pytest

from paperscope.core.config import load_config
from paperscope.paper.mentions import analyse, count_terms, load_terms
from paperscope.paper.mentions.furniture import join_pages, page_notes, strip_furniture

FURNITURE = load_config().mentions.furniture

PROSE = "We study how models learn from noisy labels and report the accuracy on three benchmarks."
WORDS = "alpha beta gamma delta epsilon zeta eta theta iota kappa lambda mu nu xi omicron pi rho sigma".split()


def _body(n: int, extra: str = "") -> str:
    """A page of its own lines (real pages share no line but their furniture)."""
    lines = [f"the {WORDS[(n + i) % len(WORDS)]} run of page {WORDS[n % len(WORDS)]} line {WORDS[i]}" for i in range(8)]
    if extra:
        lines.insert(4, extra)
    return "\n".join(lines)


def _pages(first: str, heads: list[str | None], bodies: list[str], feet: list[str | None] | None = None) -> str:
    """Page one, then a page per body with its head and foot lines (None: no such line)."""
    feet = feet or [None] * len(bodies)
    pages = [first]
    for head, body, foot in zip(heads, bodies, feet):
        pages.append("\n".join(x for x in (head, body, foot) if x is not None))
    return "\n\f".join(pages)


@pytest.fixture(scope="module")
def terms():
    return load_terms()


def test_a_running_head_is_taken_out_of_every_body_page_but_page_one_is_kept():
    title = "Sparse Transformers for Speech"
    text = _pages(f"{title}\nAnna Li\nAbstract\n{PROSE}", [title] * 5, [_body(n) for n in range(5)],
                  [f"{n}" for n in range(2, 7)])
    out = strip_furniture(text, FURNITURE)
    assert out.split("\f")[0].startswith(title)
    assert all(title not in page and "line alpha" in page for page in out.split("\f")[1:])
    assert all(page.rstrip().endswith("line theta") for page in out.split("\f")[1:])  # the page numbers went too


def test_page_numbers_in_a_head_do_not_hide_it():
    heads = [f"Under review as a conference paper at ICLR 2025   {n}" for n in range(2, 7)]
    out = strip_furniture(_pages("Title", heads, [_body(n) for n in range(5)]), FURNITURE)
    assert "Under review" not in out


def test_alternating_heads_are_both_furniture():
    heads = ["Li and Wang", "Sparse Transformers for Speech"] * 3
    out = strip_furniture(_pages("Title", heads, [_body(n) for n in range(6)]), FURNITURE)
    assert "Li and Wang" not in out and "Sparse Transformers" not in out


def test_a_line_repeated_inside_pages_is_not_furniture():
    out = strip_furniture(_pages("Title", [None] * 5, [_body(n, "Transformer") for n in range(5)]), FURNITURE)
    assert out.count("Transformer") == 5


def test_a_short_paper_keeps_its_lines():
    text = _pages("Title", ["Transformer notes"] * 2, [_body(n) for n in range(2)])
    assert strip_furniture(text, FURNITURE) == text


def test_a_title_word_in_the_running_head_counts_once_not_once_per_page(terms):
    title = "Sparse Transformers for Speech"
    bodies = [_body(n, "We train a Transformer encoder on the noisy labels." if n == 2 else "") for n in range(5)]
    text = _pages(f"{title}\nAnna Li\nAbstract\n{PROSE}", [title] * 5, bodies)
    assert count_terms(text, terms) == [("Transformer", 2, 2)]  # the title and the method, not 7


def test_a_running_head_is_no_mention_when_the_body_never_names_the_term(terms):
    text = _pages("Speech recognition with noisy labels\nAnna Li\nAbstract\n" + PROSE,
                  ["Li: Diffusion Model Baselines Revisited"] * 5, [_body(n) for n in range(5)])
    assert count_terms(text, terms) == []


# A sentence that runs on to the next page, with the page's notes between its halves.

def _run_on(first: str, notes: list[str], second: str) -> str:
    """Two pages: a line of running text that ends first, the notes at its foot, the next page."""
    return f"Title\nAbstract\n{PROSE}\n1 Introduction\n{first}\n" + "\n".join(notes) + f"\n\f{second}\n"


@pytest.mark.parametrize("notes", [
    ["", "38th Conference on Neural Information Processing Systems (NeurIPS 2024).", ""],  # page one's venue line
    ["3Details are in the appendix.", "4https://example.org/code"],  # footnotes as PDFium reads them
    ["", "∗Equal contribution. Work done at home.", "© 2024 The authors.", "", "17"],
    [],  # nothing between: the halves meet anyway
])
def test_the_notes_between_the_halves_of_a_sentence_are_skipped_when_it_is_read(notes):
    text = _run_on("In this paper we", notes, "fine-tune a small model on the answers.")
    joined = join_pages(text, FURNITURE)
    assert len(joined) == len(text)
    assert " ".join(joined.split()).endswith("In this paper we fine-tune a small model on the answers.")


@pytest.mark.parametrize("first, notes, second", [
    ("The model is small.", ["", "38th Conference on Neural Information Processing Systems."], "the answers follow."),
    ("In this paper we", ["3Details are in the appendix."], "Fine-tune a small model."),  # a new start
    ("In this paper we", ["study the answers.", "", "38th Conference."], "fine-tune a small model."),
])
def test_a_page_that_ends_its_sentence_or_a_page_that_starts_anew_is_left_as_it_is(first, notes, second):
    text = _run_on(first, notes, second)
    assert page_notes(text, FURNITURE) == [] and join_pages(text, FURNITURE) == text


def test_no_more_notes_are_skipped_than_note_lines():
    notes = [f"{n}Note number {n}." for n in range(1, 10)]
    assert page_notes(_run_on("In this paper we", notes[:8], "fine-tune it."), FURNITURE)
    assert page_notes(_run_on("In this paper we", notes, "fine-tune it."), FURNITURE) == []


def test_a_verb_and_its_model_on_two_pages_are_read_as_one_sentence(terms):
    text = _run_on("In this paper we", ["", "38th Conference on Neural Information Processing Systems.", ""],
                   "fine-tune Llama-2 on the answers.\n2 Method\nWe train.\nReferences\n[1] A. Author. 2020.")
    m = next(m for m in analyse(text, terms) if m.term == "Llama")
    assert (m.use, m.why, m.evidence_section) == ("used", "first-person verb", "introduction")
    assert "In this paper we fine-tune Llama-2 on the answers." in m.evidence


def test_a_mention_inside_a_skipped_note_is_read_in_its_note(terms):
    text = _run_on("In this paper we", ["∗ We prompt Qwen-7B through its API."],
                   "study answers.\nReferences\n[1] A. Author. 2020.")
    m = next(m for m in analyse(text, terms) if m.term == "Qwen")
    assert (m.use, m.why) == ("used", "first-person verb") and "We prompt Qwen-7B" in m.evidence
