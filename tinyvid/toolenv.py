"""Tool environments: a virtual environment of its own for a tool that cannot
share tinyvid's (it pins other releases of tinyvid's dependencies, or replaces
one), created once in tinyvid's cache folder and run as a subprocess.

- onnx2tf (ONNX import) pins its own TensorFlow and numpy;
- labgrid (board farms) installs ``pyserial-labgrid``, a fork that replaces pyserial.

``ensure_tool(ToolEnv(...))`` returns the environment's Python, creating it
(``python -m venv`` and ``pip install``) under a file lock when it is missing, so
that two tinyvids never build one environment at the same time. A finished
environment carries a marker file; a half-made one (an interrupted install) is
made again. ``python -m tinyvid.toolenv NAME`` creates one ahead of time (what
``scripts/setup.sh`` does for CI).
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import shutil
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

from tinyvid.errors import TinyvidError

CACHE_ENV = "TINYVID_CACHE_DIR"
#: Most seconds for creating an environment (TensorFlow is large).
INSTALL_TIMEOUT = 1800
_READY = ".tinyvid-ready"


@dataclass(frozen=True)
class ToolEnv:
    """A tool's environment: its folder name, what pip installs, and what it is for."""

    name: str  # the folder in the cache, e.g. "onnx2tf-1.29.24"
    requirements: tuple[str, ...]
    purpose: str  # for messages: "ONNX import"
    error: type[TinyvidError] = TinyvidError

    @property
    def path(self) -> Path:
        return cache_dir() / self.name

    @property
    def python(self) -> Path:
        return self.path / ("Scripts/python.exe" if os.name == "nt" else "bin/python")

    def script(self, name: str) -> Path:
        """An executable the environment installed (``labgrid-coordinator``)."""
        return self.path / ("Scripts" if os.name == "nt" else "bin") / name

    @property
    def ready(self) -> bool:
        return (self.path / _READY).is_file() and self.python.is_file()


def cache_dir() -> Path:
    """tinyvid's cache folder: ``$TINYVID_CACHE_DIR``, else ``$XDG_CACHE_HOME/tinyvid``,
    else ``~/.cache/tinyvid``."""
    if os.environ.get(CACHE_ENV):
        return Path(os.environ[CACHE_ENV]).expanduser()
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base).expanduser() / "tinyvid"


def ensure_tool(env: ToolEnv, *, progress: bool = False) -> Path:
    """The Python of ``env``, created when it is not there yet."""
    if env.ready:
        return env.python
    hint = (f"check the network and the free space in {env.path.parent} (set {CACHE_ENV} to use another folder), "
            "then run the command again")
    env.path.parent.mkdir(parents=True, exist_ok=True)
    with _locked(env, env.path.parent / f"{env.name}.lock", hint):
        if env.ready:
            return env.python  # another tinyvid made it while this one waited
        _create(env, hint, progress)
    return env.python


@contextlib.contextmanager
def _locked(env: ToolEnv, path: Path, hint: str):
    """One tinyvid at a time creates an environment; the others wait (at most INSTALL_TIMEOUT)."""
    with open(path, "w") as handle:
        deadline = time.monotonic() + INSTALL_TIMEOUT
        while True:
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() > deadline:
                    raise env.error(f"waited {INSTALL_TIMEOUT} s for another tinyvid to set up {env.name} "
                                    f"(lock {path})", hint) from None
                time.sleep(1.0)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _create(env: ToolEnv, hint: str, progress: bool) -> None:
    venv = env.path
    if venv.exists():
        shutil.rmtree(venv, ignore_errors=True)  # a half-made environment from an interrupted install
    if progress:
        print(f"note: setting up {' '.join(env.requirements)} for {env.purpose} in {venv} (once)",
              file=sys.stderr, flush=True)
    base = getattr(sys, "_base_executable", None) or sys.executable
    steps = [
        [base, "-m", "venv", str(venv)],
        [str(env.python), "-m", "pip", "install", "--disable-pip-version-check", "-q", *env.requirements],
    ]
    for step in steps:
        try:
            proc = subprocess.run(step, capture_output=True, text=True, timeout=INSTALL_TIMEOUT, stdin=subprocess.DEVNULL)
        except subprocess.TimeoutExpired as exc:
            shutil.rmtree(venv, ignore_errors=True)
            raise env.error(f"setting up {env.name} for {env.purpose} took more than {INSTALL_TIMEOUT} s", hint) from exc
        if proc.returncode != 0:
            shutil.rmtree(venv, ignore_errors=True)
            lines = [line for line in (proc.stderr or proc.stdout).splitlines()
                     if line.strip() and "is ignored" not in line]
            raise env.error(f"cannot set up {env.name} for {env.purpose}: "
                            f"{(lines or ['exit ' + str(proc.returncode)])[-1][:200]}", hint)
    (venv / _READY).write_text("\n".join(env.requirements) + "\n")


def _known() -> dict[str, ToolEnv]:
    from tinyvid.farm.labgrid_env import LABGRID
    from tinyvid.model.onnx_import import ONNX2TF

    return {"labgrid": LABGRID, "onnx2tf": ONNX2TF}


def main(argv: list[str] | None = None) -> int:
    """``python -m tinyvid.toolenv NAME...``: create those tool environments now."""
    names = sys.argv[1:] if argv is None else argv
    known = _known()
    for name in names:
        if name not in known:
            print(f"error: unknown tool environment '{name}'; known: {', '.join(sorted(known))}", file=sys.stderr)
            return 2
        try:
            print(f"{name}: {ensure_tool(known[name], progress=True)}")
        except TinyvidError as exc:
            print(f"error: {exc.message}\nhint: {exc.hint}", file=sys.stderr)
            return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
