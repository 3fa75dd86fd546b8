"""spark-submit entry point: paperscope validate (see `paperscope --help`)."""
import sys

from paperscope.cli.commands import main

if __name__ == "__main__":
    sys.exit(main(["validate", *sys.argv[1:]]))
