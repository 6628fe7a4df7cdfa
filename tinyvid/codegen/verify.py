"""``tinyvid verify``: build the generated C under ASan and UBSan on the host and compare
every output byte with tflite-micro, on edge inputs and random inputs.

All samples go through one run of the program (inputs on stdin, outputs on stdout).
On a mismatch, a tracing build dumps the output of every operator for the first
failing sample, and the first operator whose output differs from LiteRT's reference
kernels (all tensors preserved) is reported.
"""

from __future__ import annotations

import subprocess
import tempfile
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np

from tinyvid.codegen.boundary import strip_float_io, to_c_inputs, to_c_outputs, to_model_inputs
from tinyvid.codegen.emit import generate_c
from tinyvid.codegen.hostbuild import build
from tinyvid.errors import ProjectError
from tinyvid.model.reader import load_graph
from tinyvid.model.reference import litert_invoke, tflm_arena_bytes, tflm_invoke_batch

PREFIX = "tvv"


@dataclass
class FirstBadOperator:
    index: int
    opcode: str
    differing_bytes: int
    max_abs_diff: int


@dataclass
class VerifyResult:
    model: str
    samples: int
    compared_bytes: int
    differing_bytes: int
    max_abs_diff: int
    target: str = "c"
    mismatched_samples: list[int] = field(default_factory=list)
    first_bad_operator: FirstBadOperator | None = None
    arena_bytes: int = 0
    tflm_arena_bytes: int | None = None
    sanitizers: str = "address,undefined"

    @property
    def ok(self) -> bool:
        return self.differing_bytes == 0

    def to_dict(self) -> dict:
        d = asdict(self)
        d["ok"] = self.ok
        return d


_MAIN = r"""
#include <stdio.h>
#include <stdlib.h>
#include "tvv.h"

static int read_all(int8_t *dst, long n) { return fread(dst, 1, (size_t)n, stdin) == (size_t)n; }

int main(void)
{
    static const long in_bytes[TVV_NUM_INPUTS] = {@IN_BYTES@};
    static const long out_bytes[TVV_NUM_OUTPUTS] = {@OUT_BYTES@};
    for (;;) {
        int k;
        int status;
        for (k = 0; k < TVV_NUM_INPUTS; ++k) {
            if (!read_all(tvv_input(k), in_bytes[k])) {
                return k == 0 ? 0 : 3;
            }
        }
        status = tvv_invoke();
        if (status != 0) {
            fprintf(stderr, "invoke failed at operator %d\n", status - 1);
            return 4;
        }
        for (k = 0; k < TVV_NUM_OUTPUTS; ++k) {
            fwrite(tvv_output(k), 1, (size_t)out_bytes[k], stdout);
        }
    }
}
"""

_TRACE = r"""
#include <stdio.h>
#include <stdint.h>
void tvv_trace(int op, int output, const int8_t *data, int32_t bytes);
void tvv_trace(int op, int output, const int8_t *data, int32_t bytes)
{
    int32_t header[3];
    header[0] = op;
    header[1] = output;
    header[2] = bytes;
    fwrite(header, sizeof header, 1, stderr);
    fwrite(data, 1, (size_t)bytes, stderr);
}
"""


def make_inputs(graph, samples: int, seed: int) -> list[list[np.ndarray]]:
    """Edge inputs (all -128, all 127) then ``samples`` uniform random ones."""
    rng = np.random.default_rng(seed)
    shapes = [t.shape for t in graph.input_tensors()]
    cases = [[np.full(s, -128, np.int8) for s in shapes], [np.full(s, 127, np.int8) for s in shapes]]
    for _ in range(samples):
        cases.append([rng.integers(-128, 128, s, dtype=np.int8) for s in shapes])
    return cases


def _write_main(dir_: Path, graph) -> Path:
    text = _MAIN.replace("@IN_BYTES@", ", ".join(str(t.nbytes) for t in graph.input_tensors()))
    text = text.replace("@OUT_BYTES@", ", ".join(str(t.nbytes) for t in graph.output_tensors()))
    path = dir_ / "verify_main.c"
    path.write_text(text)
    return path


def _run(binary: Path, stdin: bytes, timeout: float) -> subprocess.CompletedProcess:
    try:
        proc = subprocess.run([str(binary)], input=stdin, capture_output=True, timeout=timeout)
    except subprocess.TimeoutExpired as exc:
        raise ProjectError(f"the generated code did not finish within {timeout:.0f} s", "check the model size") from exc
    if proc.returncode != 0:
        tail = proc.stderr.decode("utf-8", "replace").strip().splitlines()[-12:]
        raise ProjectError(
            "the generated code failed under the sanitizers (exit code %d):\n%s" % (proc.returncode, "\n".join(tail)),
            "this is a tinyvid bug: please report it with the model",
        )
    return proc


def verify(model_path, *, samples: int = 100, seed: int = 0, timeout: float = 600.0, measure_tflm_arena: bool = True,
           target: str = "c", optimize: str = "speed") -> VerifyResult:
    """Compare the generated C with tflite-micro on ``samples`` + 2 inputs.

    ``target`` picks the kernels; ``dsp`` and ``mve`` code is built for the host
    with ``tv_arm.h``'s C emulation of each instruction. ``optimize`` (``speed`` or
    ``size``) is passed to the kernels as ``tinyvid emit --optimize`` does."""
    original = load_graph(model_path)
    files, arena, _ = generate_c(original, PREFIX, target=target, options={"optimize": optimize})
    graph = strip_float_io(original)
    cases = make_inputs(graph, samples, seed)
    to_tflm = _tflm_inputs(original, graph)
    expected = [_from_tflm(original, graph, outs) for outs in tflm_invoke_batch(original.model_bytes, [to_tflm(c) for c in cases])]
    out_sizes = [t.nbytes for t in graph.output_tensors()]
    per_sample = sum(out_sizes)
    with tempfile.TemporaryDirectory(prefix="tinyvid-verify-") as tmp:
        src = Path(tmp) / "src"
        src.mkdir()
        for name, text in files.items():
            (src / name).write_text(text)
        binary = build(src, [_write_main(Path(tmp), graph)], Path(tmp) / "verify")
        stdin = b"".join(x.tobytes() for case in cases for x in case)
        proc = _run(binary, stdin, timeout)
        got = np.frombuffer(proc.stdout, np.int8)
        if got.size != per_sample * len(cases):
            raise ProjectError(f"the generated code wrote {got.size} output bytes, expected {per_sample * len(cases)}", "this is a tinyvid bug")
        want = np.concatenate([o.reshape(-1).astype(np.int8) for outs in expected for o in outs])
        diff = np.abs(got.astype(np.int32) - want.astype(np.int32))
        bad_samples = sorted({int(i) // per_sample for i in np.nonzero(diff)[0]})
        first_bad = None
        if bad_samples:
            first_bad = _first_bad_operator(original, graph, to_tflm(cases[bad_samples[0]]), tmp, target)
    result = VerifyResult(
        model=graph.source_name,
        target=target,
        samples=len(cases),
        compared_bytes=int(diff.size),
        differing_bytes=int(np.count_nonzero(diff)),
        max_abs_diff=int(diff.max(initial=0)),
        mismatched_samples=bad_samples,
        first_bad_operator=first_bad,
        arena_bytes=arena,
    )
    if measure_tflm_arena:
        result.tflm_arena_bytes = tflm_arena_bytes(original.model_bytes)
    return result


def _tflm_inputs(original, graph):
    """int8 C inputs -> what the original model takes (see :mod:`tinyvid.codegen.boundary`)."""
    return lambda case: to_model_inputs(original, graph, case)


def _from_tflm(original, graph, outs: list[np.ndarray]) -> list[np.ndarray]:
    """TFLM's outputs -> the int8 C outputs (see :mod:`tinyvid.codegen.boundary`)."""
    return to_c_outputs(original, graph, outs)


def _first_bad_operator(original, graph, case: list[np.ndarray], tmp: str, target: str = "c") -> FirstBadOperator | None:
    """Trace every operator's output for one input and compare with LiteRT's tensors.

    ``case`` is the input of the original model (float where it takes float).
    """
    files, _, _ = generate_c(original, PREFIX, trace=True, target=target)
    src = Path(tmp) / "trace_src"
    src.mkdir()
    for name, text in files.items():
        (src / name).write_text(text)
    trace_c = Path(tmp) / "trace.c"
    trace_c.write_text(_TRACE)
    binary = build(src, [_write_main(Path(tmp), graph), trace_c], Path(tmp) / "trace", sanitize=False)
    c_input = b"".join(x.tobytes() for x in to_c_inputs(original, graph, case))
    proc = _run(binary, c_input, 300)
    traced = _parse_trace(proc.stderr)
    _, tensors = litert_invoke(original.model_bytes, case, all_tensors=True)
    for op in graph.operators:
        for k, i in enumerate(op.outputs):
            mine = traced.get((op.index, k))
            ref = tensors.get(i)
            if mine is None or ref is None:
                continue
            if ref.dtype == np.uint8:  # a uint8 boundary tensor, int8 in the C code (boundary.py)
                ref = ref.astype(np.int16) - 128
            d = np.abs(mine.astype(np.int32) - ref.reshape(-1).astype(np.int8).astype(np.int32))
            if d.size and d.max() > 0:
                return FirstBadOperator(op.index, op.opcode, int(np.count_nonzero(d)), int(d.max()))
    return None


def _parse_trace(data: bytes) -> dict[tuple[int, int], np.ndarray]:
    out = {}
    pos = 0
    while pos + 12 <= len(data):
        op, k, n = np.frombuffer(data, np.int32, 3, pos)
        pos += 12
        if n < 0 or pos + n > len(data):
            break
        out[(int(op), int(k))] = np.frombuffer(data, np.int8, int(n), pos).copy()
        pos += int(n)
    return out


def format_result(r: VerifyResult) -> str:
    lines = [
        f"model:            {r.model}",
        f"kernels:          {r.target}",
        f"inputs compared:  {r.samples} (all -128, all 127, {r.samples - 2} random) under ASan+UBSan",
        f"output bytes:     {r.compared_bytes}",
        f"differing bytes:  {r.differing_bytes}" + (f" (max {r.max_abs_diff} LSB, samples {r.mismatched_samples[:10]})" if r.differing_bytes else ""),
        f"arena:            {r.arena_bytes} bytes (TFLM: {r.tflm_arena_bytes if r.tflm_arena_bytes is not None else 'n/a'} bytes)",
    ]
    if r.first_bad_operator:
        f = r.first_bad_operator
        lines.append(f"first bad op:     {f.index} ({f.opcode}): {f.differing_bytes} bytes differ, max {f.max_abs_diff} LSB")
    lines.append("result:           " + ("OK, bit-exact with tflite-micro" if r.ok else "MISMATCH"))
    return "\n".join(lines)
