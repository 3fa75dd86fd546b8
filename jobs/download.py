"""Entry point: fetch conference PDFs into <corpus>/<year>/ (see `paperscope download --help`).

Plain Python, no Spark: run it with the venv's python, not spark-submit.
"""
import sys

from paperscope.sources.download.cli import main

if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
