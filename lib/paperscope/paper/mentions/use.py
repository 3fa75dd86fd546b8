"""Used or only cited: whether a paper itself works with the model it names.

Each mention in the body gets the signal around it; a paper uses a term when one of its
mentions says so, and the strongest mention's snippet is kept as the evidence. What says
"used", strongest first:

- a first-person experimental verb before the name in its clause ("we fine-tune X",
  "we compare with X"), "our X", or "X as the/our backbone (evaluator, judge, ...)";
  not under a modal or a negation ("we could prompt X", "we do not use X");
- the name in the paper's title;
- a checkpoint or size with the name ("Llama-2-7B", "BERT-Base") in the paper's own
  sections (method, experiments, results, appendix), or a dated API snapshot anywhere
  ("GPT-4-0613");
- in the own sections or the abstract, a passive verb ("X is fine-tuned", "answers were
  produced by X") or an experimental verb with another subject ("ablations use X");
- the name in a row of numbers that cites nobody: a results table (floats land in any
  section, so the section is not asked);
- the name as a part of a network ("every Transformer layer", "a U-ViT architecture"):
  in the own sections for any term, elsewhere but the introduction for an architecture;
  "X-based" in the own sections; the name listed among the baselines.

Everything else is a citation: the introduction, related work, background, discussion
and conclusion, a name followed by a reference ("LLaMA (Touvron et al., 2023)"), and all
of a survey's sections but its own first-person sentences, since a survey's sizes and
tables describe other papers' models.

The windows (words between "we", the verb and the name; characters of the title, the
evidence, the baselines' list) are mentions.use.* in the config: Reader(settings)
compiles the patterns that depend on them.
"""
from __future__ import annotations

import functools
import re
from dataclasses import dataclass

from paperscope.paper.mentions import sections as S

USED, CITED = "used", "cited"

# Sections where the paper describes its own work.
OWN = {S.METHOD, S.EXPERIMENTS, S.RESULTS, S.APPENDIX}

_VERBS = (r"use|used|uses|using|utili[sz]e[sd]?|adopt(?:s|ed)?|employ(?:s|ed)?|leverage[sd]?|apply|applied"
          r"|fine-?tune[sd]?|finetune[sd]?|train(?:s|ed)?|pre-?train(?:s|ed)?|re-?train(?:s|ed)?|distill(?:s|ed)?"
          r"|evaluate[sd]?|benchmark(?:s|ed)?|test(?:s|ed)?|prompt(?:s|ed)?|quer(?:y|ies|ied)"
          r"|compare[sd]?|contrast(?:s|ed)?|build(?:s)?|built|base[sd]?|initiali[sz]e[sd]?|choose|chose|select(?:s|ed)?"
          r"|implement(?:s|ed)?|run|ran|experiment(?:s|ed)?|replace[sd]?|extend(?:s|ed)?|modif(?:y|ies|ied)"
          r"|instantiate[sd]?|deploy(?:s|ed)?|generate[sd]?|obtain(?:s|ed)?|collect(?:s|ed)?|annotate[sd]?"
          r"|feed|fed|pair(?:s|ed)?|equip(?:s|ped)?|start(?:s|ed)?\s+(?:from|with)|rel(?:y|ies|ied)\s+on")
# What may follow the matched name before its neighbours: "’s", "-XL", "/16".
_TAIL = r"(?:[-/’'][\w.]+)*"
_MODAL = r"(?:can|could|would|might|may|should|will)"
# A word of the clause; a contrast, a relative pronoun or a negation ends the link
# between the verb and the name ("we evaluate ours, unlike GPT-4", "we do not use X").
_STOP = r"(?:unlike|whereas|while|but|although|though|than|which|who|not|never|without|instead)"
_WORD = rf"(?!{_STOP}\b)[^\s.;:!?]+"
# In the paper's own text, an experimental verb with another subject ("small ablations use
# X"), or a finite passive with X as the agent ("answers were produced by X"). A participle
# ("rankings assessed by X", "the sizes used in X") often describes another paper's data
# or setting, and is not read.
_THEY_USE = re.compile(rf"(?<!\bnot\s)(?<!n't\s)(?<!\bnever\s)(?<!\bcan\s)(?<!\bcould\s)(?<!\bmay\s)(?<!\bmight\s)"
                       rf"(?<!\bwould\s)(?<!\bshould\s)\b(?:{_VERBS})\s+(?!(?:by|in|from|for)\b)(?:{_WORD}\s+){{0,2}}$")
_BY = re.compile(r"\b(?:is|are|was|were|been)\s+(?:[\w-]+\s+)?(?:produced|generated|written|annotated|labell?ed|scored"
                 r"|judged|rated|assessed|evaluated|created|synthesi[sz]ed|translated|paraphrased|rewritten|checked"
                 r"|verified|filtered|answered|solved)\s+(?:[\w-]+\s+)?by\s+(?:the\s+)?$")
# "X as the backbone", "X serves as our evaluator".
_AS_OURS = re.compile(rf"^{_TAIL}\s+(?:(?:is|are|was|were)\s+)?(?:serves?|used|adopted|chosen|selected|employed)?"
                      r"\s*as\s+(?:the|our)\s+(?:[\w-]+\s+){0,2}(?:backbone|base|evaluator|judge|teacher|student"
                      r"|encoder|decoder|generator|policy|reward|annotator|baseline)")
# "X is fine-tuned", "X are used", after the name in its sentence.
_PASSIVE = re.compile(rf"^{_TAIL}(?:\s+\([^)]*\))?\s+(?:models?\s+)?(?:is|are|was|were)\s+(?:then\s+|also\s+|first\s+)?"
                      r"(?:used|adopted|employed|fine-?tuned|finetuned|trained|evaluated|prompted|queried|chosen"
                      r"|selected|initiali[sz]ed|utili[sz]ed|applied|deployed)\b")
# A checkpoint or size in or with the name: "-7B", " 13B", "-Base", "BASE", "-chat".
_SIZE = re.compile(r"(?:\d+(?:\.\d+)?[BMbm]|x\d+[Bb])\b")
_CHECKPOINT = re.compile(r"^[-\s/_]?(?:\(?\d+(?:\.\d+)?[BMbm]\b|x\d+[Bb]\b|(?i:base|large|small|medium|tiny)\b|xx?l\b"
                         r"|(?i:-chat|-instruct|-hf|-sft)\b|(?:SFT|Chat|Instruct)\s+\d+(?:\.\d+)?[BM]\b)")
# A dated API snapshot: "GPT-4-0613", "gpt-3.5-turbo-0125", "claude-3-opus-20240229", "gpt-4o-mini-2024-07-18".
_SNAPSHOT = re.compile(r"^(?:-[a-z]+)*-(?:(?:0[1-9]|1[0-2])[0-3]\d|20\d\d-?[01]\d-?[0-3]\d)\b")
# The name as a part of the network: "every Transformer (Vaswani et al., 2017) layer", "a U-ViT architecture".
_COMPONENT = re.compile(rf"^{_TAIL}(?:\s*(?:\([^()]{{0,80}}\)|\[[\d,\s–-]+\]))?\s+(?:layers?|blocks?|architectures?"
                        r"|backbones?|encoders?|decoders?|networks?|modules?)\b")
_BASED = re.compile(r"-based\b")
# A table row that cites: its numbers are copied from another paper.
_ROW_CITES = re.compile(r"\([^()]*?\b(?:19|20)\d\d[a-z]?\)|\[\d+(?:,\s*\d+)*\]")
# A reference right after the name: "(Touvron et al., 2023)", "[12]", "[12, 14]".
_CITATION = re.compile(rf"^{_TAIL}\s?(?:\((?:[^()]{{0,80}}?\b(?:19|20)\d\d[a-z]?)(?:[;,][^()]{{0,80}})?\)"
                       r"|\[\d+(?:\s*[,–-]\s*\d+)*\])")
# A survey or review: its title names it, or its abstract says what it is ("a user survey"
# or "we review the limits of X" do not make a paper a survey).
_SURVEY_TITLE = re.compile(r"\bsurvey\b|\breview\s+(?:of|on)\b|^\W*a\s+review\b|\b(?:literature|systematic)\s+review\b",
                           re.I | re.M)
_SURVEY_ABSTRACT = re.compile(r"\b(?:this|our)\s+(?:comprehensive\s+|systematic\s+|brief\s+)?(?:survey|review)\b"
                              r"|\ban?\s+(?:comprehensive|systematic|thorough|brief|extensive|broad)\s+"
                              r"(?:survey|review)\b"
                              r"|\b(?:we|paper|article|work)\s+survey", re.I)
# A sentence ends at ".", "!" or "?" before a capital or a bracket (not after "et al.",
# "e.g.", "Fig.", ...), or at a blank line.
_SENTENCE_END = re.compile(r"(?<!\bal)(?<!\be\.g)(?<!\bi\.e)(?<!\bFig)(?<!\bEq)(?<!\bSec)(?<!\bTab)(?<!\bvs)"
                           r"(?<!\bcf)(?<!\bNo)[.!?](?=\s+[A-Z(\[])|\n\s*\n")


# The strength of a first-person verb: nothing outweighs it, so later mentions are not read.
STRONGEST = 3


@dataclass(frozen=True)
class Signal:
    use: str
    why: str  # what decided: "first-person verb", "checkpoint", "results table", "title", "cited", ...
    strength: int  # the strongest mention is the evidence; ties go to the first


def sentence(text: str, start: int, end: int, reach: int = 400) -> tuple[str, str]:
    """The mention's sentence before and after the name, white space squeezed."""
    left = text[max(0, start - reach):start]
    ends = list(_SENTENCE_END.finditer(left))
    before = left[ends[-1].end():] if ends else left
    right = text[end:end + reach]
    stop = _SENTENCE_END.search(right)
    after = right[:stop.start() + 1] if stop else right
    return _squeeze(before), _squeeze(after)


def _squeeze(text: str) -> str:
    """Runs of white space as one space, kept at either end (the name's neighbours)."""
    words = " ".join(text.split())
    return (" " if text[:1].isspace() and words else "") + words + (" " if text[-1:].isspace() and words else "")


@functools.lru_cache(maxsize=8)
def reader(settings) -> Reader:
    """The Reader of these mentions.use settings (compiled once per process)."""
    return Reader(settings)


class Reader:
    """The signals of use, with the windows of mentions.use (settings: its Use section)."""

    def __init__(self, settings):
        self.title_chars = settings.title_chars
        self.snippet_chars = settings.snippet_chars
        self._we_verb = re.compile(rf"\b(?:we|We)\s+(?!{_MODAL}\b)(?:{_WORD}\s+){{0,{settings.verb_gap}}}?"
                                   rf"(?:{_VERBS})\b(?:\s+{_WORD}){{0,{settings.object_gap}}}\s*$")
        # "our X", "our fine-tuned X", "our method processes the X", "our encoder is a standard X".
        self._our = re.compile(rf"\b(?:our|Our)\s+(?:{_WORD}\s+){{0,{settings.our_gap}}}$")
        # "baselines: A, B and X", "baseline models such as X".
        self._baselines = re.compile(rf"\bbaselines?\b[^.;]{{0,{settings.baseline_reach}}}$", re.I)

    def is_survey(self, text: str, abstract_end: int) -> bool:
        """A survey or review: its title says so, or its abstract says "this survey" / "we survey"."""
        return bool(_SURVEY_TITLE.search(text[:min(self.title_chars, abstract_end)])
                    or _SURVEY_ABSTRACT.search(text[:abstract_end]))

    def snippet(self, text: str, start: int, end: int) -> str:
        """The mention with its context, white space squeezed (the evidence)."""
        return " ".join(text[max(0, start - self.snippet_chars):end + self.snippet_chars].split())

    def signal(self, text: str, start: int, end: int, kind: str, line: str, row: bool, survey: bool = False,
               architecture: bool = False) -> Signal:
        """What one mention says: text[start:end], in a section of this kind, on this line.

        row: whether line is a table row (sections.is_table_row); survey: the paper is a
        survey (is_survey); architecture: the term is an architecture (its name with
        "layer" is a part of a network).
        """
        before, after = sentence(text, start, end)
        name = text[start:end]
        head = after[:60]
        if self._we_verb.search(before) or self._our.search(before) or _AS_OURS.match(after):
            return Signal(USED, "first-person verb", STRONGEST)
        if survey:
            return Signal(CITED, "survey", 0)
        if kind == S.FRONT and start < self.title_chars:
            return Signal(USED, "title", 2)
        own = kind in OWN
        if _SNAPSHOT.match(head) or own and (_SIZE.search(name) or _CHECKPOINT.match(head)):
            return Signal(USED, "checkpoint", 2)
        if own or kind == S.ABSTRACT:
            if _PASSIVE.match(after) or _BY.search(before):
                return Signal(USED, "passive verb", 2)
            if _THEY_USE.search(before):
                return Signal(USED, "verb", 2)
        if row and not _ROW_CITES.search(line):
            return Signal(USED, "results table", 2)
        if _COMPONENT.match(head) and (own or architecture and kind != S.INTRODUCTION) \
                or own and _BASED.search(name + head[:7]):
            return Signal(USED, "component", 2)
        if own and self._baselines.search(before):
            return Signal(USED, "baseline", 2)
        if _CITATION.match(head):
            return Signal(CITED, "cited", 1)
        return Signal(CITED, f"named in {kind}", 0)
