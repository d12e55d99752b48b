"""The `orchable` command: run workers and operate pipelines from the command line."""

from orchable.cli.main import main

__all__ = ["main"]
