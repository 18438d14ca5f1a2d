"""`bwvtool codebook` commands."""

from __future__ import annotations

import click


@click.group(name="codebook")
def group() -> None:
    """Codebooks: validate, import and show them."""
