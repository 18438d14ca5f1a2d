"""Codebooks: what can be coded, validated against a JSON Schema, versioned and locked once used."""
