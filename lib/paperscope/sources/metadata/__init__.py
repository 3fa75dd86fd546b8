"""Conference metadata (author affiliations published by the conference) as a paper source."""
