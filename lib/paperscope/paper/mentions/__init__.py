"""Mentions of models and architectures in a paper's text: counted per term and section,
and whether the paper uses the model or only cites it.

terms: the YAML grammar of the terms and their matching; safety: the check that refuses
regexes that can backtrack exponentially; text: the body (before the references);
furniture: running heads and footers taken out; sections: headings and tables;
use: used or cited, with evidence; count: the per-paper entry points.
"""
from paperscope.paper.mentions.count import Mention, TermTimeout, analyse, clean_text, count_terms
from paperscope.paper.mentions.safety import dangerous
from paperscope.paper.mentions.terms import KINDS, Term, load_terms, parse_terms, terms_text
from paperscope.paper.mentions.text import body_text, normalise

__all__ = ["KINDS", "Mention", "Term", "TermTimeout", "analyse", "body_text", "clean_text", "count_terms",
           "dangerous", "load_terms", "normalise", "parse_terms", "terms_text"]
