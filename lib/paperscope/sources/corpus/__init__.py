"""Where the PDFs are: a <corpus>/<year>/**/*.pdf tree or a manifest CSV, listed without reading them."""
