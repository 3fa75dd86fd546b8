#!/usr/bin/env python3
"""List the packaged cities whose name is also an ordinary English word (run by a developer).

'vivo Mobile Communication' is not in Mobile, Alabama; 'Agency Enterprise Studio' is not in
Enterprise, Alabama. The gazetteer counts such a city only where an address puts it: as its
own comma-delimited segment of a longer string ('Mobile, AL').

A one-word city below STRONG_CITY_POPULATION is listed when its lower-case form is a word of
Webster's 2nd (the `english-words` package, web2 list, public domain), its capitalised form
is not (so 'Boston', also listed as a proper noun, stays), and the word is common in English
text (`wordfreq` Zipf frequency >= MIN_ZIPF).

Output: lib/paperscope/data/word_cities.txt, one name a line.
Usage: .venv/bin/pip install -e '.[build]' && .venv/bin/python scripts/word_cities.py
"""
from __future__ import annotations

import gzip
from pathlib import Path

from paperscope.paper.matcher import STRONG_CITY_POPULATION

REPO = Path(__file__).resolve().parents[1]


MIN_ZIPF = 3.0


def main() -> None:
    from english_words import get_english_words_set
    from wordfreq import zipf_frequency

    words = get_english_words_set(["web2"], lower=False)
    data = REPO / "lib" / "paperscope" / "data"
    names = set()
    with gzip.open(data / "cities.tsv.gz", "rt", encoding="utf-8") as f:
        for line in f:
            if line.startswith("#"):
                continue
            name, _, population = line.rstrip("\n").split("\t")
            low = name.lower()
            if (int(population) < STRONG_CITY_POPULATION and low.isalpha() and low in words
                    and name.capitalize() not in words and zipf_frequency(low, "en") >= MIN_ZIPF):
                names.add(name)
    header = "# cities that are also common English words: scripts/word_cities.py (see NOTICE.txt)\n"
    (data / "word_cities.txt").write_text(header + "".join(f"{n}\n" for n in sorted(names)), encoding="utf-8")
    print(f"{len(names)} names -> {data / 'word_cities.txt'}")


if __name__ == "__main__":
    main()
