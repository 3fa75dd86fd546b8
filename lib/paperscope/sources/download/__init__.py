"""Fetch conference PDFs into <corpus>/<year>/, politely, resumably, with a manifest."""
