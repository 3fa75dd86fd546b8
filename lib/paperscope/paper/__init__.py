"""One paper in plain Python (no Spark): its text, its author block, affiliations resolved, mentions."""
