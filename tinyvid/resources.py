"""Where the board files and firmware templates are.

In an installed wheel they are bundled under ``tinyvid/_bundled/``; in a source
checkout (editable install, tests) they are the top-level ``boards/`` and
``firmware_templates/`` folders beside the package.
"""

from __future__ import annotations

from pathlib import Path

_PACKAGE = Path(__file__).resolve().parent


def _locate(name: str) -> Path:
    bundled = _PACKAGE / "_bundled" / name
    if bundled.is_dir():
        return bundled
    checkout = _PACKAGE.parent / name
    if checkout.is_dir():
        return checkout
    raise FileNotFoundError(f"tinyvid is installed without its {name}/ folder")


def boards_dir() -> Path:
    return _locate("boards")


def templates_dir() -> Path:
    return _locate("firmware_templates")
