"""``tinyvid emit``: the generated library builds cleanly, runs, and matches tflite-micro."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner

from tinyvid.cli import main
from tinyvid.codegen import emit
from tinyvid.model.reference import tflm_invoke

MAIN = r"""
#include <stdio.h>
#include "@P@.h"
int main(void)
{
    int8_t *in = @P@_input(0);
    int i;
    if (fread(in, 1, @U@_INPUT_0_BYTES, stdin) != @U@_INPUT_0_BYTES) return 3;
    if (@P@_invoke() != 0) return 4;
    if (@P@_input(1) != NULL || @P@_output(-1) != NULL) return 5;
    for (i = 0; i < @U@_OUTPUT_0_BYTES; ++i) printf("%d\n", @P@_output(0)[i]);
    return 0;
}
"""


def build_and_run(out: Path, prefix: str, x: np.ndarray, tmp_path: Path) -> np.ndarray:
    main_c = tmp_path / f"main_{prefix}.c"
    main_c.write_text(MAIN.replace("@P@", prefix).replace("@U@", prefix.upper()))
    exe = tmp_path / f"run_{prefix}"
    cmd = ["cc", "-std=c99", "-Wall", "-Wextra", "-Werror", "-pedantic", "-O2", "-I", str(out),
           *map(str, sorted(out.glob("*.c"))), str(main_c), "-lm", "-o", str(exe)]
    subprocess.run(cmd, check=True, capture_output=True, timeout=300)
    proc = subprocess.run([str(exe)], input=x.tobytes(), capture_output=True, timeout=60, check=True)
    return np.array([int(v) for v in proc.stdout.split()], np.int8)


def test_resnet8_c_builds_with_warnings_as_errors_and_matches_tflm(resnet8_model, tmp_path):
    out = tmp_path / "resnet8"
    r = emit(resnet8_model, out, prefix="resnet8")
    assert (out / "resnet8.h").is_file() and r.arena_bytes > 0
    x = np.random.default_rng(0).integers(-128, 128, (1, 32, 32, 3), dtype=np.int8)
    got = build_and_run(out, "resnet8", x, tmp_path)
    np.testing.assert_array_equal(got, tflm_invoke(resnet8_model, [x])[0].reshape(-1))


def test_arena_is_smaller_than_tflms_for_both_reference_models(vww_model, resnet8_model, tmp_path):
    for model in (vww_model, resnet8_model):
        r = emit(model, tmp_path / model.stem)
        assert r.tflm_arena_bytes is not None
        assert r.arena_bytes <= r.tflm_arena_bytes, (model.name, r.arena_bytes, r.tflm_arena_bytes)


def test_header_declares_the_documented_api(vww_model, tmp_path):
    emit(vww_model, tmp_path / "o", prefix="vww", measure_tflm=False)
    h = (tmp_path / "o" / "vww.h").read_text()
    for text in ["#define VWW_ARENA_BYTES", "#define VWW_MACS 7489664ULL", "#define VWW_NUM_INPUTS 1",
                 "#define VWW_NUM_OUTPUTS 1", "#define VWW_INPUT_0_BYTES 27648", "#define VWW_INPUT_0_RANK 4",
                 "#define VWW_INPUT_0_SHAPE {1, 96, 96, 3}", "#define VWW_INPUT_0_SCALE 0.00392156886f",
                 "#define VWW_INPUT_0_ZERO_POINT (-128)", "#define VWW_OUTPUT_0_SHAPE {1, 2}",
                 "int vww_invoke(void);", "int8_t *vww_input(int index);", "const int8_t *vww_output(int index);"]:
        assert text in h, text


def test_every_generated_file_has_the_banner(resnet8_model, tmp_path):
    r = emit(resnet8_model, tmp_path / "o", measure_tflm=False)
    for f in r.files:
        assert "DO NOT EDIT" in Path(f).read_text().splitlines()[1], f
        assert "resnet8_cifar10_int8.tflite" in Path(f).read_text().splitlines()[0]


def test_two_models_link_into_one_program(vww_model, resnet8_model, tmp_path):
    out = tmp_path / "both"
    emit(vww_model, out, prefix="vww", measure_tflm=False)
    emit(resnet8_model, out, prefix="cifar", measure_tflm=False)
    main_c = tmp_path / "main.c"
    main_c.write_text('#include "vww.h"\n#include "cifar.h"\nint main(void) { return vww_invoke() + cifar_invoke(); }\n')
    subprocess.run(["cc", "-std=c99", "-Wall", "-Wextra", "-Werror", "-I", str(out), *map(str, out.glob("*.c")),
                    str(main_c), "-lm", "-o", str(tmp_path / "both_exe")], check=True, capture_output=True, timeout=300)
    assert subprocess.run([str(tmp_path / "both_exe")], timeout=60).returncode == 0


@pytest.mark.skipif(shutil.which("arm-none-eabi-gcc") is None, reason="arm-none-eabi-gcc not installed")
def test_builds_for_cortex_m4_with_warnings_as_errors(vww_model, tmp_path):
    out = tmp_path / "m4"
    emit(vww_model, out, measure_tflm=False)
    for c in out.glob("*.c"):
        subprocess.run(["arm-none-eabi-gcc", "-std=c99", "-Wall", "-Wextra", "-Werror", "-pedantic", "-mcpu=cortex-m4",
                        "-mthumb", "-mfloat-abi=hard", "-mfpu=fpv4-sp-d16", "-O2", "-I", str(out), "-c", str(c),
                        "-o", str(tmp_path / (c.stem + ".o"))], check=True, capture_output=True, timeout=300)


def test_cli_prints_the_summary(resnet8_model, tmp_path):
    result = CliRunner().invoke(main, ["emit", str(resnet8_model), "-o", str(tmp_path / "cli"), "--name", "net"])
    assert result.exit_code == 0, result.output
    assert "arena (RAM):" in result.output and "TFLM needs" in result.output
    assert (tmp_path / "cli" / "net.c").is_file()


@pytest.mark.parametrize("prefix", ["int", "2fast", "my-model", "_x", "static"])
def test_rejects_prefixes_that_are_not_c_identifiers(resnet8_model, tmp_path, prefix):
    result = CliRunner().invoke(main, ["emit", str(resnet8_model), "-o", str(tmp_path / "p"), "--name", prefix])
    assert result.exit_code == 2
    assert not (tmp_path / "p").exists()
