"""ONNX models to a float ``.tflite`` with onnx2tf, run in an environment of its own.

onnx2tf converts NCHW ONNX graphs (what ``torch.onnx.export`` writes) to NHWC
TensorFlow/LiteRT graphs without leaving a TRANSPOSE around every layer: the
``.tflite`` takes ``1 x H x W x C`` frames like every tinyvid model. It pins its own
TensorFlow, numpy and onnx releases (onnx2tf 1.29 pins TensorFlow 2.19 and numpy
1.26; tinyvid runs TensorFlow 2.21 with numpy 2), so it cannot share tinyvid's
environment: the first ONNX import creates a virtual environment for it in the cache
folder (:func:`converter_dir`; a few minutes and about 1.5 GB, once) and every
conversion runs it as a subprocess. The float ``.tflite`` then takes the path of
every float model: ``tinyvid compress`` quantizes it to int8.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from tinyvid.errors import ModelError

ONNX2TF_VERSION = "1.29.24"
CACHE_ENV = "TINYVID_CACHE_DIR"
#: Most seconds for creating the converter's environment (TensorFlow is large) and for one conversion.
INSTALL_TIMEOUT = 1800
CONVERT_TIMEOUT = 600
_READY = ".tinyvid-ready"


def cache_dir() -> Path:
    """tinyvid's cache folder: ``$TINYVID_CACHE_DIR``, else ``$XDG_CACHE_HOME/tinyvid``,
    else ``~/.cache/tinyvid``."""
    if os.environ.get(CACHE_ENV):
        return Path(os.environ[CACHE_ENV]).expanduser()
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base).expanduser() / "tinyvid"


def converter_dir() -> Path:
    """The virtual environment onnx2tf runs in."""
    return cache_dir() / f"onnx2tf-{ONNX2TF_VERSION}"


def _venv_python(venv: Path) -> Path:
    return venv / ("Scripts/python.exe" if os.name == "nt" else "bin/python")


def ensure_converter(*, progress: bool = False) -> Path:
    """The Python of onnx2tf's environment, created (``python -m venv`` and ``pip
    install onnx2tf==ONNX2TF_VERSION`` with its own pins) when it is not there yet."""
    venv = converter_dir()
    python = _venv_python(venv)
    if (venv / _READY).is_file() and python.is_file():
        return python
    hint = (f"check the network and the free space in {venv.parent} (set {CACHE_ENV} to use another folder), "
            "then run the import again")
    venv.parent.mkdir(parents=True, exist_ok=True)
    with _locked(venv.parent / f"{venv.name}.lock", hint):
        if (venv / _READY).is_file() and python.is_file():
            return python  # another tinyvid made it while this one waited
        _create(venv, python, hint, progress)
    return python


@contextlib.contextmanager
def _locked(path: Path, hint: str):
    """One tinyvid at a time creates the environment; the others wait (at most INSTALL_TIMEOUT)."""
    import fcntl

    with open(path, "w") as handle:
        deadline = time.monotonic() + INSTALL_TIMEOUT
        while True:
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() > deadline:
                    raise ModelError(f"waited {INSTALL_TIMEOUT} s for another tinyvid to set up onnx2tf "
                                     f"(lock {path})", hint) from None
                time.sleep(1.0)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _create(venv: Path, python: Path, hint: str, progress: bool) -> None:
    if venv.exists():
        shutil.rmtree(venv, ignore_errors=True)  # a half-made environment from an interrupted install
    if progress:
        print(f"note: setting up onnx2tf {ONNX2TF_VERSION} for ONNX import in {venv} (once; a few minutes)",
              file=sys.stderr, flush=True)
    base = getattr(sys, "_base_executable", None) or sys.executable
    steps = [
        [base, "-m", "venv", str(venv)],
        [str(python), "-m", "pip", "install", "--disable-pip-version-check", "-q", f"onnx2tf=={ONNX2TF_VERSION}"],
    ]
    for step in steps:
        try:
            proc = subprocess.run(step, capture_output=True, text=True, timeout=INSTALL_TIMEOUT, stdin=subprocess.DEVNULL)
        except subprocess.TimeoutExpired as exc:
            shutil.rmtree(venv, ignore_errors=True)
            raise ModelError(f"setting up onnx2tf for ONNX import took more than {INSTALL_TIMEOUT} s", hint) from exc
        if proc.returncode != 0:
            shutil.rmtree(venv, ignore_errors=True)
            lines = [line for line in (proc.stderr or proc.stdout).splitlines()
                     if line.strip() and "is ignored" not in line]
            raise ModelError(f"cannot set up onnx2tf for ONNX import: {(lines or ['exit ' + str(proc.returncode)])[-1][:200]}",
                             hint)
    (venv / _READY).write_text(f"onnx2tf=={ONNX2TF_VERSION}\n")


def onnx_to_tflite(path, *, progress: bool = False) -> bytes:
    """The float32 NHWC ``.tflite`` of an ONNX model (one image input, fixed size;
    a free batch dimension is set to 1)."""
    p = Path(path)
    python = ensure_converter(progress=progress)
    with tempfile.TemporaryDirectory(prefix="tinyvid-onnx2tf-") as tmp:
        out = Path(tmp) / "out"
        command = [str(python), "-m", "onnx2tf", "-i", str(p.resolve()), "-o", str(out), "-b", "1", "-v", "error"]
        env = {k: v for k, v in os.environ.items() if k not in ("TF_USE_LEGACY_KERAS", "PYTHONPATH")}
        env["TF_CPP_MIN_LOG_LEVEL"] = "3"
        try:
            proc = subprocess.run(command, capture_output=True, text=True, timeout=CONVERT_TIMEOUT, cwd=tmp, env=env,
                                  stdin=subprocess.DEVNULL)
        except subprocess.TimeoutExpired as exc:
            raise ModelError(f"onnx2tf took more than {CONVERT_TIMEOUT} s to convert {p.name}",
                             "simplify the model (a fixed input size, opset 13 or later) and import it again") from exc
        result = out / f"{p.stem}_float32.tflite"
        if proc.returncode != 0 or not result.is_file():
            raise ModelError(f"onnx2tf cannot convert {p.name}: {_reason(proc)}",
                             "export one image input of fixed size with standard operators, e.g. "
                             "torch.onnx.export(model.eval(), (torch.zeros(1, C, H, W),), 'model.onnx')")
        return result.read_bytes()


def _reason(proc) -> str:
    text = "\n".join(s for s in (proc.stderr, proc.stdout) if s)
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    for marker in ("Error", "error", "ERROR"):
        found = [line for line in lines if marker in line]
        if found:
            return found[-1][:200]
    return (lines[-1] if lines else f"exit {proc.returncode}")[:200]
