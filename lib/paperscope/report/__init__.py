"""What a run leaves for people: the report, its charts and the review loop."""
