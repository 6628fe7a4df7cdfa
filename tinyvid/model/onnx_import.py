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

import os
import subprocess
import tempfile
from pathlib import Path

from tinyvid.errors import ModelError
from tinyvid.toolenv import CACHE_ENV, ToolEnv, cache_dir, ensure_tool

ONNX2TF_VERSION = "1.29.24"
#: Most seconds for one conversion.
CONVERT_TIMEOUT = 600
#: onnx2tf's environment (created by :mod:`tinyvid.toolenv`, the owner of tool environments).
ONNX2TF = ToolEnv(f"onnx2tf-{ONNX2TF_VERSION}", (f"onnx2tf=={ONNX2TF_VERSION}",), "ONNX import", ModelError)

__all__ = ["CACHE_ENV", "ONNX2TF", "ONNX2TF_VERSION", "cache_dir", "converter_dir", "ensure_converter",
           "onnx_to_tflite"]


def converter_dir() -> Path:
    """The virtual environment onnx2tf runs in."""
    return ONNX2TF.path


def ensure_converter(*, progress: bool = False) -> Path:
    """The Python of onnx2tf's environment, created (``python -m venv`` and ``pip
    install onnx2tf==ONNX2TF_VERSION`` with its own pins) when it is not there yet."""
    return ensure_tool(ONNX2TF, progress=progress)


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
