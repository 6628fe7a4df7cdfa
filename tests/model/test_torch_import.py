"""PyTorch models reach a board: a model defined, trained and pruned 50% in PyTorch
(``torch.nn.utils.prune``, made permanent), saved with ``torch.export.save`` and
imported with ``tinyvid import model.pt2``, is quantized to int8 with its zeros kept,
scores within a point of PyTorch and runs bit-exact with tflite-micro on
qemu-mps2-an386; a structured-pruned model (channels removed) shows its smaller MACs;
without torch, one error line with the install hint."""

from __future__ import annotations

import json
import sys

import numpy as np
import pytest
from click.testing import CliRunner

from tinyvid.cli import main

sys.path.insert(0, str(__import__("pathlib").Path(__file__).resolve().parent))
import torch_models as tm  # noqa: E402
from torch_models import check_int8_report, check_on_board, ok, opcodes  # noqa: E402


@pytest.fixture(scope="module")
def torch():
    return tm.require_torch()


@pytest.fixture(scope="module")
def trained(torch):
    return tm.trained_pruned_net(torch)


@pytest.mark.slow
@pytest.mark.emulated
def test_a_pytorch_model_pruned_in_pytorch_is_imported_quantized_and_bit_exact_on_the_board(torch, trained, tmp_path):
    from tinyvid.compress.pipeline import compress

    assert trained.sparsity == pytest.approx(0.5, abs=0.01) and trained.accuracy > 0.85
    program = torch.export.export(trained.net.eval(), (torch.zeros(1, 1, 24, 24),))
    torch.export.save(program, tmp_path / "model.pt2")
    imported = tmp_path / "import"
    result = ok(["import", tmp_path / "model.pt2", "-o", imported])
    assert "kind       torch (converted to float .tflite)" in result.output
    record = json.loads((imported / "model.json").read_text())
    assert record["model_file"] == "model.tflite" and record["input_shape"] == [24, 24, 1]
    float_ops = opcodes((imported / "model.tflite").read_bytes())
    assert "TRANSPOSE" not in float_ops and float_ops.count("DEPTHWISE_CONV_2D") >= 2  # NHWC, layer by layer

    report = compress(imported / "model.tflite", trained.dataset, out_dir=tmp_path / "compress", progress=False)
    check_int8_report(report, trained)
    check_on_board(tmp_path / "compress" / "model_int8.tflite", trained.dataset, tmp_path)


def _keep(conv_weight, keep: int):
    """Indices of the ``keep`` output channels with the largest L1 norm."""
    norms = conv_weight.detach().abs().flatten(1).sum(1)
    return norms.argsort(descending=True)[:keep].sort().values


def _shrunk(torch, net, fraction: float = 0.5):
    """A copy of ``net`` with ``fraction`` of the channels of its first block really
    removed (L1 structured pruning: conv, its batch norm, the depthwise conv and its
    batch norm, the next pointwise conv's input channels)."""
    import copy

    nn = torch.nn
    small = copy.deepcopy(net)
    f = small.features
    conv, bn, dw, dw_bn, pw = f[0], f[1], f[3], f[4], f[6]
    keep = _keep(conv.weight, int(conv.out_channels * (1 - fraction)))
    n = len(keep)

    def bn_of(old):
        new = nn.BatchNorm2d(n)
        for name in ("weight", "bias", "running_mean", "running_var"):
            getattr(new, name).data = getattr(old, name).data[keep].clone()
        return new

    new_conv = nn.Conv2d(conv.in_channels, n, 3, stride=2, padding=1, bias=False)
    new_conv.weight.data = conv.weight.data[keep].clone()
    new_dw = nn.Conv2d(n, n, 3, padding=1, groups=n, bias=False)
    new_dw.weight.data = dw.weight.data[keep].clone()
    new_pw = nn.Conv2d(n, pw.out_channels, 1, bias=False)
    new_pw.weight.data = pw.weight.data[:, keep].clone()
    f[0], f[1], f[3], f[4], f[6] = new_conv, bn_of(bn), new_dw, bn_of(dw_bn), new_pw
    return small.eval()


@pytest.mark.slow
def test_a_structured_pruned_pytorch_model_shows_its_smaller_macs(torch, tmp_path):
    from tinyvid.train.importer import import_torch

    torch.manual_seed(0)
    net = tm.make_net(torch, width=16).eval()
    for module in net.modules():  # trained-looking batch norm statistics
        if isinstance(module, torch.nn.BatchNorm2d):
            module.running_mean.uniform_(-0.2, 0.2)
            module.running_var.uniform_(0.5, 1.5)
    small = _shrunk(torch, net)
    example = torch.zeros(1, 1, 24, 24)
    full, _ = import_torch(net, example, tmp_path / "full")
    shrunk, record = import_torch(small, example, tmp_path / "small")
    assert record["model"]["kind"] == "torch" and (tmp_path / "small" / "model.tflite").is_file()

    from tinyvid.model.reader import load_graph
    from tinyvid.model.stats import model_stats

    stats = {name: model_stats(load_graph(m.tflite_bytes)) for name, m in (("full", full), ("small", shrunk))}
    # 8 of the 16 channels of the first block gone, at 12x12: the 3x3 conv (1 input channel),
    # the 3x3 depthwise conv and the 1x1 conv to 32 channels each lose their share, nothing else
    removed = 12 * 12 * 8 * (1 * 9 + 9 + 32)
    assert stats["full"].total_macs - stats["small"].total_macs == removed
    assert stats["small"].total_params < stats["full"].total_params
    assert record["model"]["macs"] == stats["small"].total_macs  # what tinyvid import prints

    x = np.random.default_rng(0).random((1, 24, 24, 1), np.float32)
    from tinyvid.model.reference import litert_invoke

    with torch.no_grad():
        expected = small(torch.from_numpy(x.transpose(0, 3, 1, 2).copy())).numpy()
    np.testing.assert_allclose(litert_invoke(shrunk.tflite_bytes, [x])[0], expected, atol=1e-4)


def test_without_torch_a_pt2_import_is_one_error_line_with_the_install_hint(tmp_path, monkeypatch):
    model = tmp_path / "model.pt2"
    model.write_bytes(b"PK\x03\x04 not really")
    monkeypatch.setitem(sys.modules, "torch", None)  # import torch raises ImportError
    result = CliRunner().invoke(main, ["import", str(model), "-o", str(tmp_path / "out")])
    assert result.exit_code == 2
    lines = result.output.strip().splitlines()
    assert lines[0] == "error: PyTorch models need torch, which is not installed"
    assert lines[1].startswith("hint: install the PyTorch extra: pip install 'tinyvid[torch]'") and len(lines) == 2
