"""Used or cited, per paper and term, with the section counts and the deciding snippet
(issue 27). Each paper here is built as text the way the extract step keeps it: page one,
then the body pages after form feeds."""
from __future__ import annotations

import pytest

from paperscope.paper.mentions import Mention, analyse, count_terms, load_terms


@pytest.fixture(scope="module")
def terms():
    return load_terms()


def paper(title: str = "Robust Reasoning with Small Models", *, abstract: str = "We study reasoning.",
          intro: str = "Reasoning matters.", related: str = "Prior work reasons.", method: str = "We build a model.",
          experiments: str = "We run it.", conclusion: str = "It works.", refs: str = "[1] A. Author. A paper. 2020.",
          survey: bool = False) -> str:
    body = "\n".join(["1 Introduction", intro, "2 Related Work", related, "3 Method", method,
                      "4 Experiments", experiments, "5 Conclusion", conclusion, "References", refs])
    first = f"{title}\nAnna Li and Bo Wang\nAbstract\n{abstract}\n"
    if survey:
        first = f"A Survey of {title}\nAnna Li and Bo Wang\nAbstract\nThis survey reviews {abstract}\n"
    return first + "\f" + body


def _one(text: str, terms, name: str) -> Mention:
    found = {m.term: m for m in analyse(text, terms)}
    return found[name]


def test_a_model_named_only_in_related_work_is_cited(terms):
    m = _one(paper(related="Large models such as Mistral-7B reason well in recent work."), terms, "Mistral")
    assert (m.count_body, m.use, m.sections) == (1, "cited", {"related": 1})
    assert "Mistral-7B reason well" in m.evidence and m.evidence_section == "related"


def test_a_model_named_only_with_a_citation_is_cited(terms):
    m = _one(paper(intro="Since BERT (Devlin et al., 2019), encoders improved; see also RoBERTa [12]."),
             terms, "BERT")
    assert (m.count_body, m.use, m.why, m.sections) == (2, "cited", "cited", {"introduction": 2})


def test_a_model_in_a_results_table_is_used(terms):
    table = ("Table 2: Accuracy on three benchmarks.\nModel GSM8K MATH SVAMP\nDeepSeek 71.3 40.2 80.0\n"
             "Ours 74.0 43.1 82.5")
    m = _one(paper(intro="Models differ.", related=table), terms, "DeepSeek")
    assert (m.use, m.why, m.count_table) == ("used", "results table", 1)


def test_copied_numbers_that_cite_their_source_are_not_the_papers_table(terms):
    table = "Table 5: Reported results.\nModel GSM8K MATH\nDeepSeek (Bi et al., 2024) 71.3 40.2\nOurs 74.0 43.1"
    m = _one(paper(related=table), terms, "DeepSeek")
    assert m.use == "cited"


def test_we_fine_tune_a_checkpoint_is_used(terms):
    m = _one(paper(intro="LLaMA (Touvron et al., 2023) is open.", method="We fine-tune Llama-2-7B with LoRA."),
             terms, "Llama")
    assert (m.use, m.why, m.evidence_section) == ("used", "first-person verb", "method")
    assert "We fine-tune Llama-2-7B" in m.evidence
    assert m.sections == {"introduction": 1, "method": 1}


def test_a_size_next_to_the_name_in_the_experiments_is_used(terms):
    m = _one(paper(experiments="Results for Qwen2.5-7B-Instruct are in the appendix."), terms, "Qwen")
    assert (m.use, m.why) == ("used", "checkpoint")


def test_a_size_in_the_introduction_is_not_use(terms):
    m = _one(paper(intro="Qwen2.5-72B reaches 80% on hard tasks."), terms, "Qwen")
    assert m.use == "cited"


@pytest.mark.parametrize("sentence", [
    "We could prompt GPT-4 instead, at a higher cost.",
    "We do not use GPT-4 for labelling.",
    "We evaluate our method on three benchmarks, unlike GPT-4 reports.",
    "Their data set holds ranked responses, with the rankings assessed by GPT-4.",
    "We keep batch sizes similar to those used in GPT-3 for a fair setting.",
])
def test_hypotheticals_negations_and_contrasts_are_not_use(terms, sentence):
    assert _one(paper(method=sentence), terms, "GPT").use == "cited"


@pytest.mark.parametrize("sentence, why", [
    ("We use gpt-4o-mini as the judge.", "first-person verb"),
    ("GPT-4 serves as the evaluator of all answers.", "first-person verb"),
    ("The answers were then scored by a model: GPT-4 is prompted with the rubric.", "passive verb"),
    ("We compare against GPT-4 and two open models.", "first-person verb"),
    ("Strong baselines include BLIP2 and GPT-4V.", "baseline"),
    ("Our judge is a frozen GPT-4 with a fixed rubric.", "first-person verb"),
    ("Small ablations use GPT-2 so that every run fits on one device.", "verb"),
    ("Reference answers were produced by GPT-4 and then checked by two annotators.", "passive verb"),
])
def test_signals_of_use(terms, sentence, why):
    m = _one(paper(experiments=sentence), terms, "GPT")
    assert (m.use, m.why) == ("used", why)


def test_an_architecture_as_a_part_of_the_network_is_used(terms):
    m = _one(paper(method="Each block is a ResNet (He et al., 2016) block or a Transformer (Vaswani et al., 2017) "
                          "block."), terms, "Transformer")
    assert (m.use, m.why) == ("used", "component")


def test_the_title_names_what_the_paper_uses(terms):
    m = _one(paper(title="Sparse Transformers for Speech"), terms, "Transformer")
    assert (m.use, m.why, m.evidence_section) == ("used", "title", "front")


def test_a_survey_cites_what_it_describes(terms):
    text = paper(title="Large Language Models", survey=True,
                 method="LLaMA-2-70B is fine-tuned on chat data (Touvron et al., 2023).\nLLaMA-2-70B 68.9 80.1 51.0",
                 experiments="Claude 3 Opus leads the board.")
    assert _one(text, terms, "Llama").use == "cited"
    assert _one(text, terms, "Claude").use == "cited"


def test_a_survey_that_runs_its_own_test_uses_that_model(terms):
    text = paper(title="Graph Reasoning", survey=True, method="Additionally, we test LLMs with GPT 3.5 on paths.")
    assert _one(text, terms, "GPT").use == "used"


def test_fused_and_lower_case_variants_are_present_and_used(terms):
    found = {m.term: m for m in analyse(paper(
        method="We start from CodeLlama-7B. Answers are graded by gpt-4o-mini-2024-07-18 through the API."), terms)}
    assert (found["Llama"].use, found["Llama"].why) == ("used", "first-person verb")
    assert (found["GPT"].use, found["GPT"].why) == ("used", "checkpoint")  # a dated snapshot
    assert found["Llama"].sections == found["GPT"].sections == {"method": 1}


def test_a_symbol_that_looks_like_an_alias_is_no_mention(terms):
    assert not [m for m in analyse(paper(method="The update is W = Ui Σi ViT x with ViT = V^T."), terms)
                if m.term == "ViT"]


def test_a_term_only_in_the_references_has_no_use(terms):
    m = _one(paper(refs="[1] H. Touvron. LLaMA: Open and efficient foundation language models. 2023."),
             terms, "Llama")
    assert (m.count_full, m.count_body, m.use, m.evidence, m.sections) == (1, 0, None, None, {})


def test_analyse_counts_as_count_terms(terms):
    text = paper(intro="BERT (Devlin et al., 2019) and GPT-4 lead.", method="We fine-tune BERT-base.",
                 refs="[1] J. Devlin. BERT: pre-training. 2019.")
    assert [(m.term, m.count_full, m.count_body) for m in analyse(text, terms)] == count_terms(text, terms)


@pytest.mark.slow
def test_analyse_stops_at_the_paper_time_limit_with_the_terms_done_before():
    from paperscope.paper.mentions import TermTimeout, parse_terms

    terms = parse_terms("terms:\n"
                        "- {name: Fine, kind: method, origin: {organisation: Y, country: null}, case_sensitive: true,"
                        " variants: ['fine']}\n"
                        "- {name: Slow, kind: method, origin: {organisation: X, country: null}, case_sensitive: true,"
                        " variants: ['(?:x?a|a)+b']}\n")
    with pytest.raises(TermTimeout) as caught:
        analyse("fine work. b " + "a" * 60 + "!", terms, timeout_s=0.5)
    assert caught.value.term == "Slow" and [m.term for m in caught.value.counts] == ["Fine"]
