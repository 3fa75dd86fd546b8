"""Spark and Delta: the session, the tables by year, their schemas and what a failed write means."""
