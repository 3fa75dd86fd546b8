"""Where the paper lists come from: conference program data, OpenReview, metadata files.

Each source is a plug-in of one interface (sources.base) that yields, for a conference
and year, the papers with their authors in order and, per author, the affiliations the
source states with their provenance. `paperscope sources` (sources.command) writes them
as JSON lines that the metadata path and `paperscope download` read (sources.output).
"""
