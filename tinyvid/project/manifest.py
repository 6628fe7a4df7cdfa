"""``tinyvid-project.json``: what a generated project holds, for build, launch and
the harness."""

from __future__ import annotations

import json
from pathlib import Path

from tinyvid.errors import ProjectError

MANIFEST_NAME = "tinyvid-project.json"
MANIFEST_VERSION = 1


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
        raise ProjectError(f"{path}: manifest version {data.get('manifest_version')}", "regenerate the project")
    return data
