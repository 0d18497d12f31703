"""The `macrohard` command line: thin over the library."""

from macrohard.cli.app import app, main

__all__ = ["app", "main"]
