"""``python -m publisher`` runs the CLI."""

from publisher.cli import cli

cli()
