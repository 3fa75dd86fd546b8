"""The review loop: a stratified sample for a person, their judgements read back, the headline's error."""
