"""spark-submit entry point: paperscope extract (see `paperscope --help`)."""
import sys

from paperscope.cli.commands import main

if __name__ == "__main__":
    sys.exit(main(["extract", *sys.argv[1:]]))
