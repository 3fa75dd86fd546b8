"""The quality gate: Great Expectations suites run before the aggregates are written."""
