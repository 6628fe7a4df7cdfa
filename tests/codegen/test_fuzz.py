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
