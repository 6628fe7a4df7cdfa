"""``tinyvid-project.json``: what a generated project holds, for build, launch and
the harness.

A project carries its board: a copy of the board file in ``board/<name>.toml``
and its sha256 in the manifest, so a project made for a custom board file builds,
launches and is measured with nothing repeated, and an edited copy is noticed.
"""

from __future__ import annotations

import hashlib
import json
import shutil
from pathlib import Path

from tinyvid.boards import Board, load_board
from tinyvid.errors import ProjectError

MANIFEST_NAME = "tinyvid-project.json"
MANIFEST_VERSION = 2
BOARD_DIR = "board"


def write_manifest(project_dir: Path, data: dict) -> Path:
    path = Path(project_dir) / MANIFEST_NAME
    path.write_text(json.dumps({"manifest_version": MANIFEST_VERSION, **data}, indent=2) + "\n", encoding="utf-8")
    return path


def load_manifest(project_dir: str | Path) -> dict:
    path = Path(project_dir) / MANIFEST_NAME
    if not path.is_file():
        raise ProjectError(
            f"{project_dir} is not a tinyvid project (no {MANIFEST_NAME})",
            "generate one with 'tinyvid project MODEL --board BOARD -o DIR'",
        )
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as exc:
        raise ProjectError(f"{path} is not valid JSON: {exc}", "regenerate the project with 'tinyvid project'") from exc
    if data.get("manifest_version") != MANIFEST_VERSION:
        raise ProjectError(f"{path}: manifest version {data.get('manifest_version')}, this tinyvid reads version "
                           f"{MANIFEST_VERSION}", "regenerate the project with 'tinyvid project MODEL --board BOARD -o DIR'")
    return data


def copy_board(board: Board, project_dir: Path) -> dict:
    """Copies the board file into the project; the manifest's board fields."""
    if board.path is None:
        raise ProjectError(f"board {board.name} has no board file to copy into the project",
                           "load the board with tinyvid.boards.load_board")
    target = Path(project_dir) / BOARD_DIR / f"{board.name}.toml"
    target.parent.mkdir(parents=True, exist_ok=True)
    for stale in target.parent.iterdir():  # the board of an earlier generation
        if stale.is_file() and stale.name != target.name:
            stale.unlink()
    if Path(board.path).resolve() != target.resolve():  # regenerated from its own copy
        shutil.copyfile(board.path, target)
    return {"board": board.name, "board_file": f"{BOARD_DIR}/{target.name}",
            "board_sha256": hashlib.sha256(target.read_bytes()).hexdigest()}


def project_board(project_dir: str | Path) -> Board:
    """The board a project was generated for: its own copy of the board file,
    checked against the hash in the manifest."""
    manifest = load_manifest(project_dir)
    path = Path(project_dir) / manifest.get("board_file", "")
    if not manifest.get("board_file") or not path.is_file():
        raise ProjectError(f"{project_dir} has lost its copy of the board file ({path})",
                           "regenerate the project with 'tinyvid project MODEL --board BOARD -o DIR'")
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    if digest != manifest.get("board_sha256"):
        raise ProjectError(f"{path} was changed after the project was generated "
                           f"(sha256 {digest[:16]}, the project was made with {str(manifest.get('board_sha256'))[:16]})",
                           "regenerate the project from the board file you mean, with 'tinyvid project'")
    return load_board(path)
