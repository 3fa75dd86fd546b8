"""spark-submit entry point: paperscope run (see `paperscope --help`)."""
import sys

from paperscope.cli.commands import main

if __name__ == "__main__":
    sys.exit(main(["run", *sys.argv[1:]]))
