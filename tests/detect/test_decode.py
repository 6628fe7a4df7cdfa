"""The firmware's heat-map decoding (tv_detect.c, compiled and run) against the host
twin (tinyvid.detect.decode) on random int8 heat maps, and the decoding rule itself."""

from __future__ import annotations

import shutil
import subprocess

import numpy as np
import pytest

from tinyvid.detect.decode import Detection, decode_heatmap, detections_text, int8_threshold, parse_detections
from tinyvid.project.templates import environment
from tinyvid.resources import templates_dir

_MAIN = r"""
#include <stdio.h>
#include <stdlib.h>
#include "tv_detect.h"
void plat_putc(char c) { putchar(c); }
int main(void)
{
    int rows, cols, classes, threshold, max_out;
    static int8_t heat[64 * 64 * 8];
    static tv_detection dets[64];
    while (scanf("%d %d %d %d %d", &rows, &cols, &classes, &threshold, &max_out) == 5) {
        for (int i = 0; i < rows * cols * classes; ++i) {
            int v;
            if (scanf("%d", &v) != 1) return 2;
            heat[i] = (int8_t)v;
        }
        int n = tv_detect_decode(heat, rows, cols, classes, (int8_t)threshold, dets, max_out);
        printf("%d", n);
        for (int i = 0; i < n && i < max_out; ++i)
            printf(";%d,%d,%d,%d", dets[i].cls, dets[i].row, dets[i].col, dets[i].score);
        printf("\n");
    }
    tv_detect_put(heat); /* the firmware's line, with the rendered settings: the last map */
    return 0;
}
"""

_SETTINGS = {"rows": 3, "cols": 4, "classes": 3, "probability": 0.5, "threshold": 0, "max": 5}


@pytest.fixture(scope="module")
def decoder(tmp_path_factory):
    cc = shutil.which("cc") or shutil.which("gcc")
    if cc is None:
        pytest.skip("no C compiler")
    d = tmp_path_factory.mktemp("tv_detect")
    env = environment()
    for name in ("tv_detect.c", "tv_detect.h", "dut_print.c", "dut_print.h", "platform.h"):
        text = (templates_dir() / "common" / name).read_text()
        if name.startswith("tv_detect"):
            text = env.get_template(f"common/{name}").render(detector=_SETTINGS)
        (d / name).write_text(text)
    (d / "main.c").write_text(_MAIN)
    subprocess.run([cc, "-std=c99", "-Wall", "-Wextra", "-Werror", "-O1", "-o", str(d / "decode"),
                    str(d / "main.c"), str(d / "tv_detect.c"), str(d / "dut_print.c")], check=True, cwd=d)
    return d / "decode"


def _run(decoder, cases):
    text = "".join(f"{m.shape[0]} {m.shape[1]} {m.shape[2]} {t} {k}\n" + " ".join(map(str, m.reshape(-1).tolist())) + "\n"
                   for m, t, k in cases)
    out = subprocess.run([str(decoder)], input=text, capture_output=True, text=True, timeout=60, check=True).stdout
    return out.splitlines()


def test_the_board_decodes_random_heat_maps_as_the_host_does(decoder):
    rng = np.random.default_rng(7)
    cases = []
    for i in range(300):
        rows, cols, classes = int(rng.integers(1, 14)), int(rng.integers(1, 14)), int(rng.integers(2, 6))
        # few distinct values: plateaus and ties between classes and neighbours are common
        values = rng.integers(-128, 128, int(rng.integers(2, 6)))
        heat = rng.choice(values, (rows, cols, classes)).astype(np.int8)
        cases.append((heat, int(rng.integers(-128, 128)), int(rng.integers(1, 8))))
    lines = _run(decoder, cases)
    assert len(lines) == len(cases) + 1
    found = 0
    for (heat, threshold, max_out), line in zip(cases, lines):
        dets, count = decode_heatmap(heat, threshold, max_detections=max_out)
        assert line == detections_text(dets, count)
        found += count
    assert found > 100  # the cases do find peaks


def test_the_firmware_line_uses_the_rendered_settings(decoder):
    heat = np.full((3, 4, 3), -128, np.int8)
    heat[1, 2, 2] = 90
    heat[0, 0, 1] = -1  # below the threshold (0)
    lines = _run(decoder, [(heat, 0, 5)])
    assert lines[-1] == "m-tv-detections-[1;2,1,2,90]"
    assert parse_detections(lines[-1][len("m-tv-detections-["):-1]) == ([Detection(2, 1, 2, 90)], 1)


def test_a_plateau_keeps_its_first_cell_and_ties_go_to_the_lower_class():
    heat = np.full((2, 4, 3), -128, np.int8)
    heat[0, 0, 1] = heat[0, 1, 1] = 40  # a plateau of class 1
    heat[1, 3, 1] = heat[1, 3, 2] = 30  # a tie between classes 1 and 2: class 1
    dets, count = decode_heatmap(heat, 0)
    assert count == 2
    assert dets == [Detection(1, 0, 0, 40), Detection(1, 1, 3, 30)]


def test_float_maps_decode_with_a_probability_threshold():
    heat = np.zeros((2, 2, 2), np.float32)
    heat[..., 0] = 1.0
    heat[1, 1] = (0.3, 0.7)
    assert decode_heatmap(heat, 0.5)[0] == [Detection(1, 1, 1, pytest.approx(0.7))]
    assert decode_heatmap(heat, 0.75)[1] == 0


def test_the_int8_threshold_is_the_smallest_value_at_the_probability():
    assert int8_threshold(0.5, 1 / 256, -128) == 0
    assert (0 - (-128)) / 256 >= 0.5 > (-1 - (-128)) / 256
    assert int8_threshold(0.999, 1 / 256, -128) == 127
