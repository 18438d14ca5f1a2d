"""`bwvtool catalogue` commands."""

from __future__ import annotations

import click


@click.group(name="catalogue")
def group() -> None:
    """The clip catalogue: import it and look at it."""
