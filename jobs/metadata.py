"""spark-submit entry point: paperscope metadata (see `paperscope --help`)."""
import sys

from paperscope.cli.commands import main

if __name__ == "__main__":
    sys.exit(main(["metadata", *sys.argv[1:]]))
