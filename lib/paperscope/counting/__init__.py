"""Who counts: per-paper flags, the counting rules, the authors table and reviewers' overrides (pandas)."""
