"""The rules of terms.yaml for the known classes of misses (issue 27), one test per rule:
fused names, a family name with its suffix fused on, lower-case API and hub ids, a short
alias inside a formula, and an organisation named as author or affiliation; and the
grammar those rules use (variants matched one by one, excludes in the body only)."""
from __future__ import annotations

import pytest

from paperscope.paper.mentions import count_terms, load_terms, parse_terms

ORG = ("terms:\n  - {name: X, kind: method, origin: {organisation: A, country: US}, case_sensitive: true,"
       " variants: ['Xmodel(?:-\\d+)?'], exclude_in_body: ['Xmodel-AI\\b', 'Xmodel,\\s*20\\d\\d']}\n")


@pytest.fixture(scope="module")
def terms():
    return load_terms()


def _body(text, terms):
    return {t: body for t, _, body in count_terms(text, terms) if body}


@pytest.mark.parametrize("text, term, n", [
    # [fused] the family's own fused name counts; other models fused to the name do not.
    ("We start from CodeLlama-7B and CodeLlama.", "Llama", 2),
    ("TinyLlama and OpenLlama are other models.", "Llama", 0),
    ("MiniGPT-4, ShareGPT and E-BERT are other models.", "GPT", 0),
    ("MiniGPT-4, ShareGPT and E-BERT are other models.", "BERT", 0),
    ("We run GPT-Fathom and train on the GPT-4-LLM data set; GPT-J is EleutherAI's.", "GPT", 0),
    ("We compare GPT-4-Turbo, GPT-3.5-Turbo and GPT-2-XL.", "GPT", 3),
    # an architecture with a hyphenated prefix is still the architecture
    ("The main branch adopts a U-ViT architecture and a CLIP-ViT encoder.", "ViT", 2),
    # [suffix] a version, size or tag fused to the family name
    ("GPT4V, GPT4o, GPT-4V and GPT3.5 answer.", "GPT", 4),
    ("Qwen2VL, QwenVL and Qwen2.5VL read images.", "Qwen", 3),
    ("DeepSeekMath, DeepSeekMoE and DeepSeek-Coder-V2 are used.", "DeepSeek", 3),
    ("We fine-tune BERTBASE and BERT_large; BERTs are encoders.", "BERT", 3),
    ("Claude2 and Claude3.5-Sonnet reply.", "Claude", 2),
    ("Mistral7B and Mixtral8x7B run.", "Mistral", 2),
    # [lower] API and hub ids of case-sensitive families, with a version or size
    ("We query gpt-4o-mini, gpt-3.5-turbo-0125 and gpt2.", "GPT", 3),
    ("We call claude-3-opus-20240229, claude-3-5-sonnet-20240620 and claude-2.1.", "Claude", 3),
    ("We load llama-2-7b-chat-hf, llama3.1-8b and codellama-7b.", "Llama", 3),
    ("We load bert-base-uncased and roberta-large.", "BERT", 2),
    ("We load mistral-7b-instruct-v0.2 and mixtral-8x7b.", "Mistral", 2),
    ("We load gemma-2b and gemma-7b-it.", "Gemma", 2),
    ("We load vit-base-patch16-224 and vit_b_16.", "ViT", 2),
    ("We load mamba-130m and mamba-2.8b.", "Mamba", 2),
    ("a llama, a gpt, the mistral, bert and a mamba: no versions, no models", "Llama", 0),
    ("a llama, a gpt, the mistral, bert and a mamba: no versions, no models", "GPT", 0),
    ("a llama, a gpt, the mistral, bert and a mamba: no versions, no models", "Mistral", 0),
    # [symbol] "ViT" in a formula (V_i^T) is a symbol
    ("The update is W = Ui Σi ViT x and then W' = ViT · Ui.", "ViT", 0),
    ("so that M = ViT and the loss falls.", "ViT", 0),
    ("A ViT-B/16 and a ViT backbone (ViT) are used.", "ViT", 3),
    # look-alike people, and a table where a capitalised word follows the name
    ("ChatGPT, Claude ConceptNet, UMLS", "Claude", 1),
    ("ChatGPT, Gemma ConceptNet, UMLS", "Gemma", 1),
    ("We thank Claude Lévi-Strauss, Claude E. Shannon and Gemma Hughes.", "Claude", 0),
])
def test_rules_for_known_misses(terms, text, term, n):
    assert _body(text, terms).get(term, 0) == n


@pytest.mark.parametrize("text, term", [
    ("DeepSeek 67B (DeepSeek, 2023) reaches 93.3%.", "DeepSeek"),
    ("We used Qwen2.5 (Qwen Team, 2024) as the base.", "Qwen"),
    ("Gemma 2 (Gemma Team, 2024) is small.", "Gemma"),
])
def test_an_organisation_cited_as_author_is_not_a_mention(terms, text, term):
    assert _body(text, terms)[term] == 1  # the model, not its authors


def test_an_affiliation_is_no_mention_in_the_body_but_counts_in_full_with_the_bibliography(terms):
    text = ("Math reasoning with verifiers\nAnna Li\n†Contribution during internship at DeepSeek-AI.\n"
            "1 Introduction\nWe verify solutions.\nReferences\n"
            "DeepSeek-AI. DeepSeek-V3 technical report. arXiv, 2024.\n")
    assert count_terms(text, terms) == [("DeepSeek", 3, 0)]  # full: every occurrence


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
