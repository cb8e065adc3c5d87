"""``python -m publisher`` runs the CLI."""

from publisher.cli import cli

# Guarded: worker processes started with "forkserver" or "spawn" import the main module again.
if __name__ == "__main__":
    cli()
