"""The steps of a run: read -> transform -> write, with incremental re-runs."""
