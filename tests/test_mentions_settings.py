"""The windows and thresholds of the mentions step are settings (mentions.furniture,
mentions.sections, mentions.use in defaults.yaml, where alone their defaults live): each
one read where it applies, declared by the step, and carried to the executors."""
from __future__ import annotations

import pytest

from paperscope.core import registry
from paperscope.core.config import load_config
from paperscope.paper.mentions import analyse, count_terms, load_terms
from paperscope.paper.mentions import count, furniture, sections, use

CFG = load_config()


@pytest.fixture(scope="module")
def terms():
    return load_terms()


def _with(**values):
    """The packaged mentions settings with some keys changed ("use.verb_gap": 0)."""
    return CFG.with_values({f"mentions.{k.replace('__', '.')}": v for k, v in values.items()}).mentions


def _paper(method: str, *, title: str = "Robust Reasoning", pages: int = 1, head: str | None = None) -> str:
    filler = "\n".join(f"line {i} of the running text about noisy labels" for i in range(6))
    body = [f"1 Introduction\nModels matter.\n{filler}", f"2 Method\n{method}\n{filler}"]
    body += [filler] * (pages - 1)
    return f"{title}\nAnna Li\nAbstract\nWe study it.\n" + "".join(
        f"\n\f{head}\n{page}" if head else f"\n\f{page}" for page in body) + "\nReferences\n[1] A paper. 2020."


def _one(text, terms, name, settings=None):
    return {m.term: m for m in analyse(text, terms, settings=settings)}[name]


def test_no_module_keeps_a_default_of_its_own():
    old = {furniture: ("EDGE_LINES", "MIN_PAGES", "MIN_SHARE"),
           sections: ("MAX_TITLE_WORDS", "ROW_NUMBERS", "ROW_SHARE", "LIST_LOOKAHEAD"), count: ("CAPTION_LINES",),
           use: ("VERB_GAP", "OBJECT_GAP", "OUR_GAP", "TITLE_CHARS", "SNIPPET_CHARS", "BASELINE_REACH")}
    assert not [(m.__name__, n) for m, names in old.items() for n in names if hasattr(m, n)]


def test_every_mentions_setting_is_declared_and_changes_the_steps_fingerprint():
    base = registry.fingerprint(CFG, "mentions")
    for group in ("furniture", "sections", "use"):
        assert f"mentions.{group}" in registry.step("mentions").config
        for key, value in getattr(CFG.mentions, group).as_dict().items():
            changed = CFG.with_values({f"mentions.{group}.{key}": value / 2 if isinstance(value, float) else value + 1})
            assert registry.fingerprint(changed, "mentions") != base, (group, key)


def test_furniture_min_pages(terms):
    text = _paper("We train it.", title="Sparse Transformers", pages=3, head="Sparse Transformers")
    assert count_terms(text, terms) == [("Transformer", 1, 1)]  # the head on 4 pages is furniture
    assert count_terms(text, terms, settings=_with(furniture__min_pages=5)) == [("Transformer", 5, 5)]


def test_furniture_note_lines(terms):
    notes = "\n".join(f"{n}Note number {n}." for n in range(1, 4))
    text = _paper("Nothing.").replace("Models matter.", f"In this paper we\n{notes}\n\fprompt Claude 3 for answers.")
    assert _one(text, terms, "Claude").why == "first-person verb"
    assert _one(text, terms, "Claude", _with(furniture__note_lines=2)).use == "cited"


def test_use_verb_gap(terms):
    text = _paper("We then also carefully fine-tune Llama-2 on the data.")
    assert _one(text, terms, "Llama").why == "first-person verb"  # three words between we and the verb
    assert _one(text, terms, "Llama", _with(use__verb_gap=2)).why != "first-person verb"


def test_use_object_gap_and_our_gap(terms):
    text = _paper("We compare with the small open chat version of Mistral here.")
    assert _one(text, terms, "Mistral").use == "used"
    assert _one(text, terms, "Mistral", _with(use__object_gap=3)).use == "cited"
    text = _paper("Our small open chat version of Mistral helps.")
    assert _one(text, terms, "Mistral").use == "used"
    assert _one(text, terms, "Mistral", _with(use__our_gap=2)).use == "cited"


def test_use_title_chars_and_snippet_chars(terms):
    text = _paper("Nothing here.", title="Sparse Transformers for Speech")
    m = _one(text, terms, "Transformer")
    assert (m.use, m.why) == ("used", "title") and len(m.evidence) <= len("Transformers") + 2 * 100
    m = _one(text, terms, "Transformer", _with(use__title_chars=5, use__snippet_chars=10))
    assert m.use == "cited" and m.evidence == "Sparse Transformers for Speec"


def test_use_baseline_reach(terms):
    text = _paper("The baselines for every benchmark and in every setting described above include Gemma.")
    assert _one(text, terms, "Gemma").why == "baseline"
    assert _one(text, terms, "Gemma", _with(use__baseline_reach=20)).use == "cited"


def test_sections_row_numbers_row_share_and_caption_lines(terms):
    table = "Table 2: Accuracy.\nModel GSM8K MATH\nQwen 71.3 40.2\nOurs 74.0 43.1"
    text = _paper("Results follow.").replace("1 Introduction\nModels matter.", "1 Introduction\n" + table)
    m = _one(text, terms, "Qwen")
    assert (m.why, m.count_table) == ("results table", 1)
    assert _one(text, terms, "Qwen", _with(sections__row_numbers=3)).why != "results table"
    assert _one(text, terms, "Qwen", _with(sections__row_share=0.9)).why != "results table"
    caption = _paper("Results follow.").replace("Models matter.", "Table 1: Scores of the models.\nand\nof\nQwen")
    assert _one(caption, terms, "Qwen").count_table == 1  # three lines below its caption
    assert _one(caption, terms, "Qwen", _with(sections__caption_lines=2)).count_table == 0


def test_sections_max_title_words_and_list_lookahead():
    title = "Learning Sparse Attention Masks for Long Speech Recognition"  # 8 words
    text = f"Title\n1 Introduction\nWords.\n2 {title}\nWe train.\n"
    kinds = [s.kind for s in sections.find_sections(text, None, CFG.mentions.sections)]
    assert kinds == ["front", "introduction", "method"]
    few = _with(sections__max_title_words=7).sections
    assert [s.kind for s in sections.find_sections(text, None, few)] == ["front", "introduction"]
    steps = "Title\n1 Introduction\nWords.\n2 Form the graph\nthen\n3 Sum the weights\nnext\n4 Add one\nDone.\n"
    assert [s.title for s in sections.find_sections(steps, None, CFG.mentions.sections)][-1] == "Introduction"
    blind = _with(sections__list_lookahead=0).sections
    assert [s.title for s in sections.find_sections(steps, None, blind)][-1] == "Form the graph"


@pytest.mark.spark
def test_find_mentions_carries_the_settings_to_the_executors(spark, terms):
    from paperscope.paper.mentions import terms_text
    from paperscope.pipeline.mentions import find_mentions

    text = _paper("We then also carefully fine-tune Llama-2 on the data.")
    papers = spark.createDataFrame([("p1", 2024, "ok", text)], "paper_id string, year int, status string, full_text string")
    rows = {s: find_mentions(papers, terms_text(None), settings).where("term = 'Llama'").first()
            for s, settings in (("default", CFG.mentions), ("narrow", _with(use__verb_gap=2)))}
    assert rows["default"]["use_signal"] == "first-person verb"
    assert rows["narrow"]["use_signal"] != "first-person verb"
