"""spark-submit entry point: paperscope mentions (see `paperscope --help`)."""
import sys

from paperscope.cli.commands import main

if __name__ == "__main__":
    sys.exit(main(["mentions", *sys.argv[1:]]))
