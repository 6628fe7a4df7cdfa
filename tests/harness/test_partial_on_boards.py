"""On real firmware (the host board), a bench whose board dies mid-run keeps the
windows it measured, and says how far it got."""

from __future__ import annotations

import threading
import time

import pytest

from tinyvid.harness.bench import bench
from tinyvid.harness.session import open_board

pytestmark = pytest.mark.emulated


def test_bench_keeps_the_windows_measured_before_the_board_died(resnet8_model, tmp_path):
    from tinyvid.build import build_project
    from tinyvid.project import generate_project

    generate_project(resnet8_model, "host", tmp_path / "p")
    build_project(tmp_path / "p")
    with open_board(project=tmp_path / "p") as session:
        measured = []
        real_infer = session.client.infer

        def infer(iterations, warmup=0):  # the board dies while the third window runs
            if len(measured) == 2:
                threading.Timer(0.05, session.running.process.kill).start()
                time.sleep(0.2)
            result = real_infer(iterations, warmup)
            measured.append(result)
            return result

        session.client.infer = infer
        result = bench(session.client, windows=6, iterations=2, warmup=0, board=session.board)
    assert not result.complete and result.error_type == "TransportClosed"
    assert len(result.windows) == 2 and result.requested_windows == 6
    assert result.error.startswith("stopped after 2 of 6 windows: ")
    assert result.latency_us.median > 0 and result.to_dict()["complete"] is False
