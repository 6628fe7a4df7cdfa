"""Mutated flatbuffers: emit gives a clear error or a library that builds and runs cleanly."""

from __future__ import annotations

import subprocess

import numpy as np

from tinyvid.codegen import emit
from tinyvid.codegen.hostbuild import build
from tinyvid.errors import TinyvidError

from .modelbuilder import conv_model

MAIN = '#include "model.h"\nint main(void) { return model_invoke() < 0; }\n'


def test_mutated_models_fail_cleanly_or_run_under_sanitizers(tmp_path):
    original = conv_model(np.random.default_rng(7), h=6, w=6, cin=2, cout=3, kh=3, kw=3, stride=(2, 2))
    rng = np.random.default_rng(11)
    outcomes = {"error": 0, "emitted": 0, "ran": 0}
    main_c = tmp_path / "main.c"
    main_c.write_text(MAIN)
    for case in range(80):
        data = bytearray(original)
        if case % 5 == 0:
            data = data[: int(rng.integers(0, len(data)))]
        else:
            for _ in range(int(rng.integers(1, 6))):
                data[int(rng.integers(0, len(data)))] = int(rng.integers(0, 256))
        path = tmp_path / f"m{case}.tflite"
        path.write_bytes(bytes(data))
        out = tmp_path / f"out{case}"
        try:
            emit(path, out, measure_tflm=False)
        except TinyvidError as exc:
            assert exc.message and exc.hint
            assert not out.exists()
            outcomes["error"] += 1
            continue
        outcomes["emitted"] += 1
        if outcomes["ran"] < 4:  # building under the sanitizers is slow: a few are enough
            exe = build(out, [main_c], tmp_path / f"exe{case}")
            assert subprocess.run([str(exe)], capture_output=True, timeout=60).returncode in (0, 1)
            outcomes["ran"] += 1
    assert outcomes["error"] > 0 and outcomes["emitted"] > 0


def test_extreme_scales_fail_cleanly_or_run_without_undefined_behaviour(tmp_path):
    from .modelbuilder import Op, T
    from .modelbuilder import build as build_model

    main_c = tmp_path / "main.c"
    main_c.write_text('#include <string.h>\n#include "model.h"\n'
                      'int main(void) { memset(model_input(0), 100, MODEL_INPUT_0_BYTES); return model_invoke(); }\n')
    results = []
    for k, (s_in, s_out) in enumerate([(1e-30, 1.0), (1.0, 1e-30), (1e10, 1e-10), (1e-6, 1e6), (3.0, 0.0007)]):
        for opcode, options_type in (("QUANTIZE", None), ("HARD_SWISH", None), ("RELU", None), ("ADD", "AddOptions")):
            x = T((1, 6), "int8", s_in, 3)
            y = T((1, 6), "int8", s_out, -2)
            inputs = [0, 0] if opcode == "ADD" else [0]
            model = build_model([x, y], [Op(opcode, inputs, [1], options_type, {})], [0], [1])
            path = tmp_path / f"{opcode}{k}.tflite"
            path.write_bytes(model)
            out = tmp_path / f"{opcode}{k}"
            try:
                emit(path, out, measure_tflm=False)
            except TinyvidError as exc:
                assert exc.hint and not out.exists()
                results.append("error")
                continue
            exe = build(out, [main_c], tmp_path / f"exe_{opcode}{k}")
            proc = subprocess.run([str(exe)], capture_output=True, timeout=60)
            assert proc.returncode == 0, proc.stderr.decode()[-2000:]
            results.append("ran")
    assert "ran" in results and "error" in results
