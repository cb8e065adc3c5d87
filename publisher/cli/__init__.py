"""Command line: parse options, call library functions, print results. The only package that imports
click. Each module holds the commands of one part of the product; importing them registers them."""

from publisher.cli import digest, importing, sending, site, subscribers  # noqa: F401 (registers the commands)
from publisher.cli.main import cli

__all__ = ["cli"]
