"""`bwvtool media` commands."""

from __future__ import annotations

import click


@click.group(name="media")
def group() -> None:
    """Media files: probe them and grab exact frames."""
