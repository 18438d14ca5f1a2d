"""The clip catalogue: vocabularies, the row contract, parsing and import."""
