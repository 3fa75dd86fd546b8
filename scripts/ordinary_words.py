#!/usr/bin/env python3
"""List the ordinary English words the matcher treats as such (run by a developer).

A name made only of such words ('Brain and Behavior', 'Meta', 'Apple') is also an everyday
phrase: the matcher takes it only where it is written as a name (see matcher/rules.py,
rule 'ordinary-words'). A word is listed when its lower-case form is a word of Webster's 2nd
(the `english-words` package, web2 list, public domain), its capitalised form is not (so
proper nouns such as 'Boston' stay out), and it is common in English text (`wordfreq` Zipf
frequency >= MIN_ZIPF).

Output: lib/paperscope/data/ordinary_words.txt, one word a line.
Usage: .venv/bin/pip install -e '.[build]' && .venv/bin/python scripts/ordinary_words.py
"""
from __future__ import annotations

from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
MIN_ZIPF = 3.0
TOP = 60_000


def main() -> None:
    from english_words import get_english_words_set
    from wordfreq import top_n_list, zipf_frequency

    web2 = get_english_words_set(["web2"], lower=False)
    words = sorted({w for w in top_n_list("en", TOP)
                    if w.isascii() and w.isalpha() and w in web2 and w.capitalize() not in web2
                    and zipf_frequency(w, "en") >= MIN_ZIPF})
    out = REPO / "lib" / "paperscope" / "data" / "ordinary_words.txt"
    header = "# ordinary English words: scripts/ordinary_words.py (see NOTICE.txt)\n"
    out.write_text(header + "".join(f"{w}\n" for w in words), encoding="utf-8")
    print(f"{len(words)} words -> {out}")


if __name__ == "__main__":
    main()
