"""The command line: `paperscope` and its subcommands, console scripts, the fast re-run."""
