"""spark-submit entry point: paperscope aggregate (see `paperscope --help`)."""
import sys

from paperscope.cli.commands import main

if __name__ == "__main__":
    sys.exit(main(["aggregate", *sys.argv[1:]]))
