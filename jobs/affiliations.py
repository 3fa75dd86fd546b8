"""spark-submit entry point: paperscope affiliations (see `paperscope --help`)."""
import sys

from paperscope.cli.commands import main

if __name__ == "__main__":
    sys.exit(main(["affiliations", *sys.argv[1:]]))
