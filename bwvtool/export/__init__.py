"""Research exports: datasets, ELAN files, pseudonymisation."""
