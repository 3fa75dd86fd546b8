"""A conference-year's paper list from its own sources: the program data (``virtual``),
OpenReview (``openreview``) and the metadata files (``metadata``), as plug-ins of one
interface (base) run by `paperscope sources` (command).

Each yields the accepted papers with their authors in order and, per author, the
affiliations the source states with their provenance; output writes them as JSON lines
that `paperscope download` (the download list), `paperscope metadata` (format
``sources``) and a PDF run (reconcile) read.
"""
