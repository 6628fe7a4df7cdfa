"""CLI commands of the train stage (thin wrappers over the library)."""

from __future__ import annotations

import click  # noqa: F401

COMMANDS: list = []
