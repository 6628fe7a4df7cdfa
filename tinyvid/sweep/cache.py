"""The sweep's cache: every stage (train, compress, build + bench, stream) writes into
a folder named by a hash of what it depends on, and marks it done with a
``done.json`` written last (atomically). A rerun finds the marker and reuses the
stage; an interrupted stage has no marker and is redone from scratch.
"""

from __future__ import annotations

import hashlib
import json
import shutil
from pathlib import Path

from tinyvid.harness.regress import write_atomic

DONE = "done.json"


def key_of(*parts) -> str:
    """A short stable hash of JSON-able ``parts``."""
    text = json.dumps(parts, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(text.encode()).hexdigest()[:12]


def write_json(path: Path, data) -> Path:
    """Write ``data`` as JSON atomically (the harness's write_atomic)."""
    write_atomic(path, json.dumps(data, indent=2, default=str) + "\n")
    return path


class Stage:
    """One cached stage folder ``root/<kind>/<name>-<key>``."""

    def __init__(self, root: Path, kind: str, name: str, key: str):
        self.key = key
        self.path = Path(root) / kind / f"{name}-{key}"

    @property
    def done(self) -> bool:
        return (self.path / DONE).is_file()

    def result(self) -> dict:
        return json.loads((self.path / DONE).read_text())

    def start(self) -> Path:
        """An empty folder for the stage (what an interrupted run left is removed)."""
        if self.path.exists():
            shutil.rmtree(self.path)
        self.path.mkdir(parents=True)
        return self.path

    def finish(self, result: dict) -> dict:
        write_json(self.path / DONE, result)
        return result
