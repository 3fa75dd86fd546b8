"""Where papers come from: a PDF corpus or manifest, the downloader, conference metadata,
and the conference's own paper lists (program data, OpenReview) of `paperscope sources`."""
