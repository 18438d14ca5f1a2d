"""`bwvtool sample` commands."""

from __future__ import annotations

import click


@click.group(name="sample")
def group() -> None:
    """Sampling plans and the samples they draw."""
