"""Term counting: the variants each term counts, the look-alikes it does not, the
references cut, and a terms file that is checked with one-line errors."""
from __future__ import annotations

import pytest

from paperscope.paper.mentions import KINDS, body_text, count_terms, load_terms, parse_terms


@pytest.fixture(scope="module")
def terms():
    return load_terms()


def _full(text, terms):
    return {t: full for t, full, _ in count_terms(text, terms)}


def test_packaged_terms_have_the_schema(terms):
    names = {t.name for t in terms}
    assert {"Transformer", "Llama", "Qwen", "GPT", "DeepSeek", "Mistral", "Gemma", "Claude", "BERT", "ViT",
            "Mamba", "Diffusion model"} <= names
    assert all(t.kind in KINDS and t.origin for t in terms)
    by_name = {t.name: t for t in terms}
    assert by_name["Qwen"].country == "CN" and by_name["DeepSeek"].country == "CN"
    assert by_name["Llama"].country == "US" and by_name["Diffusion model"].country is None


@pytest.mark.parametrize("text, term, n", [
    ("Transformer, Transformers and transformer-based models", "Transformer", 3),
    ("a Vision Transformer (ViT) and ViT-B/16 and ViTs", "ViT", 3),
    ("LLaMA, Llama 2, Llama-3.1-8B, Code Llama and Llama-based agents", "Llama", 5),
    ("LlamaIndex and llama_index are libraries; a llama is an animal", "Llama", 0),
    ("Qwen, Qwen2, Qwen2.5-VL and QwQ-32B", "Qwen", 4),
    ("GPT-2, GPT-3, GPT-4, GPT-4o, ChatGPT and GPT", "GPT", 6),
    ("GPT-J and GPT-NeoX are EleutherAI models", "GPT", 0),
    ("DeepSeek-V3 and DeepSeek-R1 and deepseek", "DeepSeek", 3),
    ("Mistral-7B and Mixtral-8x7B; the mistral is a wind", "Mistral", 2),
    ("Gemma, Gemma 2, Gemma-2-9B and PaliGemma", "Gemma", 4),
    ("We thank Gemma Hughes and Gemma R. Lee", "Gemma", 0),
    ("Claude, Claude 3 Opus and Claude-3.5 Sonnet answer", "Claude", 3),
    ("Claude Shannon, Claude E. Shannon and Jean-Claude Van Damme", "Claude", 0),
    ("BERT, RoBERTa and DistilBERT; Bert is a name; SciBERT is not counted", "BERT", 3),
    ("Mamba, Mamba-2 and Mamba2 blocks", "Mamba", 3),
    ("the black mamba, a Black Mamba and a mamba are snakes", "Mamba", 0),
    ("diffusion models, a latent diffusion model, Stable Diffusion and denoising diffusion", "Diffusion model", 4),
])
def test_variants_and_look_alikes(terms, text, term, n):
    assert _full(text, terms).get(term, 0) == n


def test_vit_is_not_transformer(terms):
    assert _full("The image encoder is a ViT-B/16.", terms) == {"ViT": 1}


def test_references_are_not_use(terms):
    text = ("1 Introduction\nWe study BERT.\nReferences\n"
            "[1] H. Touvron et al. LLaMA: Open and efficient foundation language models.\n")
    got = {t: (full, body) for t, full, body in count_terms(text, terms)}
    assert got == {"BERT": (1, 1), "Llama": (1, 0)}
    assert "Touvron" not in body_text(text)


def test_the_last_references_heading_cuts(terms):
    text = "We cite related work in Section 2 References.\nLlama here.\n7 References\n[1] LLaMA.\nAppendix"
    assert body_text(text).endswith("Llama here.\n")
    assert count_terms(text, terms) == [("Llama", 2, 1)]


def test_hyphenated_line_break_is_joined(terms):
    assert count_terms("a trans-\nformer model", terms) == [("Transformer", 1, 1)]


@pytest.mark.parametrize("yaml_text, message", [
    ("terms: [unclosed", "is not valid YAML"),
    ("other: 1\n", "non-empty list under 'terms:'"),
    ("terms:\n  - name: X\n", r"term #1 \(X\): missing key\(s\) kind, origin, case_sensitive, variants"),
    ("terms:\n  - {name: X, kind: model family, origin: {organisation: A, country: US}, case_sensitive: true,"
     " variants: ['(']}\n", r"term #1 \(X\): bad regex in variants\[0\] '\('"),
    ("terms:\n  - {name: X, kind: model family, origin: {organisation: A, country: US}, case_sensitive: true,"
     " variants: ['x'], exclude: ['[']}\n", r"bad regex in exclude\[0\]"),
    ("terms:\n  - {name: X, kind: gadget, origin: {organisation: A, country: US}, case_sensitive: true,"
     " variants: ['x']}\n", "'kind' must be one of"),
    ("terms:\n  - {name: X, kind: method, origin: {organisation: A, country: USA}, case_sensitive: true,"
     " variants: ['x']}\n", "two-letter ISO code"),
    ("terms:\n  - {name: X, kind: method, origin: {organisation: A, country: US}, case_sensitive: yes please,"
     " variants: ['x']}\n", "'case_sensitive' must be true or false"),
    ("terms:\n  - {name: X, kind: method, origin: {organisation: A, country: US}, case_sensitive: true,"
     " patterns: ['x'], variants: ['x']}\n", "unknown key"),
    ("terms:\n  - {name: X, kind: method, origin: {organisation: A, country: US}, case_sensitive: true, variants: []}\n",
     "'variants' must be a non-empty list"),
    ("terms:\n  - {name: X, kind: method, origin: {organisation: A, country: US}, case_sensitive: true, variants: [x]}\n"
     "  - {name: X, kind: method, origin: {organisation: A, country: US}, case_sensitive: true, variants: [y]}\n",
     "defined twice: X"),
])
def test_bad_terms_file_is_one_clear_line(yaml_text, message):
    with pytest.raises(ValueError, match=message) as err:
        parse_terms(yaml_text, "my.yaml")
    assert "\n" not in str(err.value) and str(err.value).startswith("my.yaml")


def test_preflight_rejects_a_bad_terms_file(tmp_path, base_cfg):
    from paperscope.cli.commands import preflight
    from paperscope.core.config import ConfigError

    bad = tmp_path / "terms.yaml"
    bad.write_text("terms:\n  - name: X\n")
    cfg = base_cfg.with_values({"mentions.terms_file": str(bad)})
    with pytest.raises(ConfigError, match="missing key"):
        preflight(cfg)
