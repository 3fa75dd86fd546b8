"""Errors whose message is meant for the user as it is: one line, then an exit code (core.exitcodes)."""


class InputError(ValueError):
    """An input that cannot be read (a corpus, a manifest, a metadata file)."""
