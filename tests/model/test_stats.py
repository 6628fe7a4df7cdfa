"""Per-layer statistics: the published MAC totals of the reference models."""

from __future__ import annotations

from tinyvid.model.reader import load_graph
from tinyvid.model.stats import model_stats


def test_mobilenet_v1_025_at_96_has_7_49_million_macs(vww_model):
    stats = model_stats(load_graph(vww_model))
    assert round(stats.total_macs / 1e6, 2) == 7.49
    assert stats.layers[0].macs == 48 * 48 * 8 * 3 * 3 * 3
    assert stats.layers[1].macs == 48 * 48 * 8 * 3 * 3  # depthwise


def test_resnet8_has_12_5_million_macs(resnet8_model):
    stats = model_stats(load_graph(resnet8_model))
    assert round(stats.total_macs / 1e6, 1) == 12.5


def test_counts_weights_and_biases_as_parameters(resnet8_model):
    g = load_graph(resnet8_model)
    stats = model_stats(g)
    fc = [layer for layer in stats.layers if layer.op == "FULLY_CONNECTED"][0]
    assert fc.params == 64 * 10 + 10
    assert fc.macs == 64 * 10
    assert stats.total_params == sum(layer.params for layer in stats.layers)
    reshape = [layer for layer in stats.layers if layer.op == "RESHAPE"][0]
    assert reshape.params == 0 and reshape.activation_bytes == 2 * 64
