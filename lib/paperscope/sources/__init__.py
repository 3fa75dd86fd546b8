"""Where papers come from: a PDF corpus or manifest, the downloader, conference metadata."""
