"""A small PyTorch vision model, trained and pruned as a PyTorch user would, for the
PyTorch and ONNX import tests: conv, depthwise conv, batch norm, ReLU6, pooling, linear.

Trained on a small synthetic task (:func:`bars_dataset`, a tinyvid FrameDataset;
NCHW tensors made from its NHWC frames), pruned 50% with ``torch.nn.utils.prune`` (global L1,
fine-tuned with the masks, made permanent with ``prune.remove``).
"""

from __future__ import annotations

import functools
import json
import os
from dataclasses import dataclass

import numpy as np
import pytest
from click.testing import CliRunner

from tinyvid.cli import main


def require_torch():
    """torch, or a skip where the ``tinyvid[torch]`` extra is not installed; CI installs
    it (scripts/setup.sh), so there a missing torch fails instead of skipping."""
    if os.environ.get("CI"):
        import torch

        return torch
    return pytest.importorskip("torch")


def make_net(torch, channels: int = 1, classes: int = 3, width: int = 16):
    nn = torch.nn

    class Net(nn.Module):
        def __init__(self):
            super().__init__()
            w = width
            self.features = nn.Sequential(
                nn.Conv2d(channels, w, 3, stride=2, padding=1, bias=False), nn.BatchNorm2d(w), nn.ReLU6(),
                nn.Conv2d(w, w, 3, padding=1, groups=w, bias=False), nn.BatchNorm2d(w), nn.ReLU6(),
                nn.Conv2d(w, 2 * w, 1, bias=False), nn.BatchNorm2d(2 * w), nn.ReLU6(),
                nn.MaxPool2d(2),
                nn.Conv2d(2 * w, 2 * w, 3, padding=1, groups=2 * w, bias=False), nn.BatchNorm2d(2 * w), nn.ReLU6(),
                nn.Conv2d(2 * w, 2 * w, 1, bias=False), nn.BatchNorm2d(2 * w), nn.ReLU6(),
                nn.AvgPool2d(2),
                nn.Conv2d(2 * w, 2 * w, 3, padding=1), nn.ReLU6(),
                nn.AdaptiveAvgPool2d(1), nn.Flatten(),
            )
            self.classifier = nn.Linear(2 * w, classes)

        def forward(self, x):
            return self.classifier(self.features(x))

    return Net()


def nchw(x: np.ndarray):
    import torch

    return torch.from_numpy(np.ascontiguousarray(np.transpose(x, (0, 3, 1, 2)), dtype=np.float32))


def fit(torch, net, x, y, *, epochs: int, lr: float, seed: int = 0) -> None:
    torch.manual_seed(seed)
    xt, yt = nchw(x), torch.from_numpy(np.asarray(y, np.int64))
    opt = torch.optim.Adam(net.parameters(), lr=lr)
    steps = epochs * ((len(xt) + 63) // 64)
    sched = torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=lr, total_steps=steps)
    net.train()
    for _ in range(epochs):
        order = torch.randperm(len(xt))
        for i in range(0, len(xt), 64):
            idx = order[i:i + 64]
            opt.zero_grad()
            torch.nn.functional.cross_entropy(net(xt[idx]), yt[idx]).backward()
            opt.step()
            sched.step()
    net.eval()


def accuracy(torch, net, x, y) -> float:
    net.eval()
    with torch.no_grad():
        logits = net(nchw(x)).numpy()
    return float(np.mean(np.argmax(logits, -1) == np.asarray(y)))


def prune_half(torch, net) -> None:
    """50% global L1 unstructured pruning of every conv and linear weight, made permanent."""
    import torch.nn.utils.prune as prune
    layers = [(m, "weight") for m in net.modules() if isinstance(m, (torch.nn.Conv2d, torch.nn.Linear))]
    prune.global_unstructured(layers, pruning_method=prune.L1Unstructured, amount=0.5)
    return layers


def make_permanent(torch, layers) -> None:
    import torch.nn.utils.prune as prune

    for module, name in layers:
        prune.remove(module, name)


EPOCHS = 6
FINETUNE_EPOCHS = 2


@dataclass
class Trained:
    net: object
    dataset: object
    accuracy: float
    sparsity: float


CLASSES = ("horizontal", "vertical", "square")


def bars_dataset(per_class: int = 500, size: int = 24, seed: int = 0):
    """A small task PyTorch learns in seconds: a faint horizontal bar, vertical bar or
    square at a random place on a noisy background (grey frames, uint8 / 255)."""
    from tinyvid.data.dataset import FrameDataset, Split

    rng = np.random.default_rng(seed)
    n = per_class * len(CLASSES)
    y = np.repeat(np.arange(len(CLASSES)), per_class)
    rng.shuffle(y)
    x = rng.normal(0.4, 0.1, (n, size, size)).clip(0, 1)
    for i, label in enumerate(y):
        contrast = rng.uniform(0.2, 0.4)
        h, w = {0: (2, rng.integers(8, 13)), 1: (rng.integers(8, 13), 2), 2: (4, 4)}[int(label)]
        r, c = rng.integers(0, size - h + 1), rng.integers(0, size - w + 1)
        x[i, r:r + h, c:c + w] += contrast
    x = (np.rint(x.clip(0, 1) * 255) / 255).astype(np.float32)[..., None]
    cut = [int(n * 0.6), int(n * 0.7)]
    parts = np.split(np.arange(n), cut)
    splits = [Split(x[p], y[p].astype(np.int64), p.astype(np.int64)) for p in parts]
    return FrameDataset(name="bars", class_names=CLASSES, image_size=(size, size), channels=1,
                        train=splits[0], val=splits[1], test=splits[2], source="bars")


@functools.lru_cache(maxsize=1)
def trained_pruned_net(torch) -> Trained:
    """The model trained on :func:`bars_dataset`, pruned 50%, fine-tuned, made permanent
    (once per test session: the PyTorch and the ONNX tests share it)."""
    torch.manual_seed(0)
    torch.set_num_threads(2)
    data = bars_dataset()
    net = make_net(torch, width=8)
    fit(torch, net, data.train.x, data.train.y, epochs=EPOCHS, lr=1e-2)
    layers = prune_half(torch, net)
    fit(torch, net, data.train.x, data.train.y, epochs=FINETUNE_EPOCHS, lr=2e-3, seed=1)
    make_permanent(torch, layers)
    weights = [m.weight.detach().numpy() for m, _ in layers]
    zeros = sum(int(np.count_nonzero(w == 0)) for w in weights)
    total = sum(w.size for w in weights)
    return Trained(net, data, accuracy(torch, net, data.test.x, data.test.y), zeros / total)


# --------------------------------------------------------------------------- checks shared by the tests


def ok(args):
    result = CliRunner().invoke(main, [str(a) for a in args])
    assert result.exit_code == 0, f"tinyvid {' '.join(map(str, args))}\n{result.output}"
    return result


def check_on_board(int8_model, data, tmp_path) -> None:
    """project -> build -> validate on qemu-mps2-an386 with the task's own test frames:
    every output bit-exact with tflite-micro."""
    from tinyvid.data.export import export_raw

    frames = export_raw(data.test, tmp_path / "frames", data.class_names, limit=4)
    project = tmp_path / "project"
    ok(["project", int8_model, "-b", "qemu-mps2-an386", "-o", project])
    ok(["build", project])
    result = ok(["validate", "--project", project, "--data", frames, "--samples", "4", "--json"])
    data = json.loads(result.stdout)
    assert data["compared"] == 4 and data["differing"] == 0 and data["max_lsb"] == 0


def check_int8_report(report, trained) -> None:
    """The int8 stage keeps PyTorch's zeros and its accuracy, and tflite-micro agrees."""
    assert [s.name for s in report.stages] == ["float", "int8"]
    float_stage, int8 = report.stages
    assert abs(float_stage.accuracy - trained.accuracy) < 0.005  # the converted float model is PyTorch's
    assert 0.48 <= float_stage.sparsity <= 0.52 and 0.48 <= int8.sparsity <= 0.56  # pruned 50% in PyTorch
    assert abs(int8.accuracy - trained.accuracy) <= 0.01, (int8.accuracy, trained.accuracy)
    assert report.tflm["agree"]


def opcodes(flatbuffer: bytes) -> list[str]:
    from tinyvid.model.reader import load_graph

    return [op.opcode for op in load_graph(flatbuffer).operators]
