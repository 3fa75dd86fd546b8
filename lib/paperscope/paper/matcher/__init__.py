"""Resolve an affiliation string to institutions and countries, saying which rule matched.

  text.py     normalisation: clean, fold, tokens, key (one definition each);
  model.py    what the matcher knows and says: Entry, Hit, Match, the Method enum;
  index.py    the phrase index (Gazetteer): names keyed by their normalised words, e-mail domains;
  fuzzy.py    the fuzzy pass over names sharing a rare word with the string;
  rules.py    the rules, one explicit ordered list (RULES), applied by Gazetteer.match;
  sources.py  where names come from: packaged files, a ROR v2 dump, the pickled index cache.
Modules import downwards only (text, model <- fuzzy <- rules <- index <- sources).
"""
from paperscope.paper.matcher.index import Gazetteer
from paperscope.paper.matcher.model import (CITY, COUNTRY, INSTITUTION, METHODS, PLACE, PRIOR, TERRITORIES, VOID,
                                            Entry, Hit, Match, Method, best_method)
from paperscope.paper.matcher.rules import RULES, Rule
from paperscope.paper.matcher.sources import (STRONG_CITY_POPULATION, build_bundled, build_from_ror, default_gazetteer,
                                              from_config, load)
from paperscope.paper.matcher.text import clean, fold, is_acronym, is_generic, key, tokens

__all__ = [
    "CITY", "COUNTRY", "INSTITUTION", "METHODS", "PLACE", "PRIOR",
    "RULES", "STRONG_CITY_POPULATION", "TERRITORIES", "VOID", "Entry", "Gazetteer", "Hit", "Match", "Method", "Rule",
    "best_method", "build_bundled", "build_from_ror", "clean", "default_gazetteer", "fold", "from_config",
    "is_acronym", "is_generic", "key", "load", "tokens",
]
