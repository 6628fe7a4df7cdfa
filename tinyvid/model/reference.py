"""Host reference interpreters: tflite-micro (the oracle the generated C must match
bit for bit) and ai-edge-litert with its reference kernels.

Interpreters are cached per model so that many inputs reuse one instance.
The exact arena TFLM needs is measured in a child process (TFLM prints its
allocations to the C ``stderr``, and a malformed model must not take this process
down with it).
"""

from __future__ import annotations

import hashlib
import subprocess
import sys

import numpy as np

from tinyvid.errors import ModelError
from tinyvid.model.convert import first_line

_TFLM_CACHE: dict[tuple[str, bool], object] = {}
_LITERT_CACHE: dict[tuple[str, str, bool], object] = {}
#: arena given to TFLM for reference runs: generous, sized from the model.
_RUN_ARENA_MIN = 4 * 1024 * 1024


def _model_bytes(model) -> bytes:
    if isinstance(model, (bytes, bytearray, memoryview)):
        return bytes(model)
    from tinyvid.model.reader import read_model_bytes

    return read_model_bytes(model)[0]


def _key(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def tflm_interpreter(model, *, preserve: bool = False):
    """A cached tflite-micro interpreter for ``model`` (a path or the model bytes);
    ``preserve`` keeps every intermediate tensor readable (``GetTensor``)."""
    data = _model_bytes(model)
    key = (_key(data), preserve)
    it = _TFLM_CACHE.get(key)
    if it is None:
        from tflite_micro.python.tflite_micro import runtime

        config = runtime.InterpreterConfig.kPreserveAllTensors if preserve else runtime.InterpreterConfig.kAllocationRecording
        try:
            it = runtime.Interpreter.from_bytes(data, arena_size=max(_RUN_ARENA_MIN, 16 * len(data)),
                                                intrepreter_config=config)
        except Exception as exc:
            raise ModelError(f"tflite-micro cannot load the model: {exc}", "check that the model is a valid int8 .tflite") from exc
        if len(_TFLM_CACHE) > 8:
            _TFLM_CACHE.clear()
        _TFLM_CACHE[key] = it
    return it


_NUM_OUTPUTS: dict[str, int] = {}


def _num_outputs(data: bytes) -> int:
    key = _key(data)
    if key not in _NUM_OUTPUTS:
        from tinyvid.model.reader import load_graph

        _NUM_OUTPUTS[key] = len(load_graph(data).outputs)
    return _NUM_OUTPUTS[key]


def tflm_invoke(model, inputs: list[np.ndarray]) -> list[np.ndarray]:
    """Run one inference in tflite-micro; ``model`` is a path or the model bytes."""
    data = _model_bytes(model)
    it = tflm_interpreter(data)
    try:
        for i, x in enumerate(inputs):
            details = it.get_input_details(i)
            it.set_input(np.asarray(x, dtype=details["dtype"]).reshape(details["shape"]), i)
        it.invoke()
        outs = [np.array(it.get_output(i), copy=True) for i in range(_num_outputs(data))]
    except Exception as exc:
        raise ModelError(f"tflite-micro failed to run the model: {exc}", "check the input shapes and types") from exc
    return outs


_ARENA_CHILD = r"""
import json, sys
import numpy as np
from tflite_micro.python.tflite_micro import runtime
data = sys.stdin.buffer.read()
it = runtime.Interpreter.from_bytes(data, arena_size=int(sys.argv[1]))
it.invoke()
sys.stderr.flush()
it.print_allocations()
"""


def tflm_arena_bytes(model, *, timeout: float = 120.0) -> int:
    """The tensor arena bytes tflite-micro needs for the model on this host.

    Read from TFLM's RecordingMicroAllocator ("Arena allocation total"). The host
    build is 64-bit: on a 32-bit microcontroller TFLM's own structures are a little
    smaller, so this number is an upper bound for Cortex-M (see
    :data:`tinyvid.codegen.tflm_runtime.ARENA_MARGIN` for the margin added).
    """
    data = _model_bytes(model)
    arena = max(_RUN_ARENA_MIN, 16 * len(data))
    try:
        proc = subprocess.run(
            [sys.executable, "-c", _ARENA_CHILD, str(arena)],
            input=data,
            capture_output=True,
            timeout=timeout,
        )
    except subprocess.TimeoutExpired as exc:
        raise ModelError("tflite-micro did not finish measuring the arena in time", "check the model") from exc
    err = proc.stderr.decode("utf-8", "replace")
    for line in err.splitlines():
        if "Arena allocation total" in line:
            return int(line.split("total")[1].split()[0])
    last = [ln for ln in err.splitlines() if ln.strip()][-3:]
    raise ModelError(
        "tflite-micro cannot run the model: " + (" | ".join(last) or f"exit code {proc.returncode}"),
        "TFLM must support every operator of the model",
    )


_BATCH_CHILD = r"""
import sys
import numpy as np
from tflite_micro.python.tflite_micro import runtime
model_path, inputs_path, outputs_path, n_out, arena = sys.argv[1:6]
data = open(model_path, "rb").read()
it = runtime.Interpreter.from_bytes(data, arena_size=int(arena))
batch = np.load(inputs_path, allow_pickle=False)
outs = {}
for s in range(batch["count"]):
    k = 0
    while f"in_{s}_{k}" in batch:
        d = it.get_input_details(k)
        it.set_input(batch[f"in_{s}_{k}"].astype(d["dtype"]).reshape(d["shape"]), k)
        k += 1
    it.invoke()
    for j in range(int(n_out)):
        outs[f"out_{s}_{j}"] = np.array(it.get_output(j), copy=True)
np.savez(outputs_path, **outs)
"""


def tflm_invoke_batch(model, cases: list[list[np.ndarray]], *, timeout: float = 600.0) -> list[list[np.ndarray]]:
    """Run many inferences in tflite-micro in a child process.

    TFLM aborts the whole process on some models it refuses (a failed TFLITE_CHECK);
    running it in a child turns that into a :class:`ModelError`.
    """
    import tempfile
    from pathlib import Path

    data = _model_bytes(model)
    n_out = _num_outputs(data)
    with tempfile.TemporaryDirectory(prefix="tinyvid-tflm-") as tmp:
        model_path, in_path, out_path = Path(tmp) / "m.tflite", Path(tmp) / "in.npz", Path(tmp) / "out.npz"
        model_path.write_bytes(data)
        arrays = {f"in_{s}_{k}": np.asarray(x) for s, case in enumerate(cases) for k, x in enumerate(case)}
        np.savez(in_path, count=np.array(len(cases)), **arrays)
        try:
            proc = subprocess.run(
                [sys.executable, "-c", _BATCH_CHILD, str(model_path), str(in_path), str(out_path), str(n_out),
                 str(max(_RUN_ARENA_MIN, 16 * len(data)))],
                capture_output=True, timeout=timeout,
            )
        except subprocess.TimeoutExpired as exc:
            raise ModelError(f"tflite-micro did not finish {len(cases)} inferences in {timeout:.0f} s", "use fewer samples") from exc
        if proc.returncode != 0 or not out_path.exists():
            last = [ln for ln in proc.stderr.decode("utf-8", "replace").splitlines() if ln.strip()][-3:]
            raise ModelError(
                f"tflite-micro cannot run the model (exit code {proc.returncode}): " + " | ".join(last),
                "TFLM must accept the model for it to be verified; check that it is a valid int8 model",
            )
        with np.load(out_path) as outs:
            return [[outs[f"out_{s}_{j}"] for j in range(n_out)] for s in range(len(cases))]


#: LiteRT kernel sets: TFLite's reference kernels (what tinyvid compares against) and
#: its optimized builtin kernels without the default XNNPACK delegate (fast evaluation)
LITERT_KERNELS = ("reference", "builtin")


def litert_interpreter(model, *, kernels: str = "reference", preserve: bool = False):
    """A cached, allocated LiteRT interpreter for ``model`` (a path or the model bytes).

    ``kernels`` is one of :data:`LITERT_KERNELS`; ``preserve`` keeps every intermediate
    tensor readable after ``invoke``. The one place tinyvid builds a LiteRT interpreter."""
    data = _model_bytes(model)
    key = (_key(data), kernels, preserve)
    it = _LITERT_CACHE.get(key)
    if it is None:
        from ai_edge_litert.interpreter import Interpreter, OpResolverType

        resolver = {"reference": OpResolverType.BUILTIN_REF,
                    "builtin": OpResolverType.BUILTIN_WITHOUT_DEFAULT_DELEGATES}[kernels]
        try:
            it = Interpreter(
                model_content=data,
                experimental_op_resolver_type=resolver,
                experimental_preserve_all_tensors=preserve,
            )
            it.allocate_tensors()
        except Exception as exc:
            raise ModelError(f"LiteRT cannot load the model: {first_line(exc)}", "check that the model is a valid .tflite") from exc
        if len(_LITERT_CACHE) > 8:
            _LITERT_CACHE.clear()
        _LITERT_CACHE[key] = it
    return it


def litert_invoke(model, inputs: list[np.ndarray], *, all_tensors: bool = False):
    """Run one inference in LiteRT with the reference kernels.

    Returns the outputs; with ``all_tensors=True`` returns ``(outputs, tensors)``
    where ``tensors`` maps every tensor index that holds data after the run to a copy.
    """
    it = litert_interpreter(model, preserve=all_tensors)
    try:
        for d, x in zip(it.get_input_details(), inputs):
            it.set_tensor(d["index"], np.asarray(x, dtype=d["dtype"]).reshape(d["shape"]))
        it.invoke()
        outs = [np.array(it.get_tensor(d["index"]), copy=True) for d in it.get_output_details()]
    except Exception as exc:
        raise ModelError(f"LiteRT failed to run the model: {exc}", "check the input shapes and types") from exc
    if not all_tensors:
        return outs
    tensors = {}
    for d in it.get_tensor_details():
        try:
            tensors[d["index"]] = np.array(it.get_tensor(d["index"]), copy=True)
        except (ValueError, RuntimeError):
            continue
    return outs, tensors
