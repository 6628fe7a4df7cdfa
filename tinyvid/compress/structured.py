"""Structured pruning: remove whole filters / channels and rebuild a smaller dense model.

Unstructured zeros only save flash once something compresses them; a microcontroller
kernel still multiplies every zero. Removing whole output filters of a convolution
(and the matching input channels of whatever reads them) gives a genuinely smaller
dense model, so MACs, flash and latency all drop.

How channels are tracked: every tensor's channel axis belongs to a *channel group*.
A Conv2D / SeparableConv2D / Dense creates a new group (it is the group's producer);
BatchNormalization and DepthwiseConv2D (depth multiplier 1) carry per-channel weights
of the group they read; activations, pooling, padding and dropout pass the group
through; Flatten turns it into ``spatial x channels`` rows for the next Dense.
Element-wise merges (``Add`` and friends, i.e. residual connections) tie the groups of
their inputs into one: those channels are pruned **consistently** (one importance per
channel, summed over all producers, one kept set for every tensor of the group).
A group is left alone when it reaches the model input or output, a Concatenate,
Reshape or Permute, a grouped convolution or a depth multiplier above 1.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

import numpy as np

from tinyvid.errors import ModelError
from tinyvid.train.macs import layer_costs

PRODUCERS = ("Conv2D", "SeparableConv2D", "Dense")
PASSTHROUGH = (
    "ReLU", "Activation", "LeakyReLU", "ELU", "PReLU_never", "Softmax", "ThresholdedReLU",
    "Dropout", "SpatialDropout2D", "GaussianNoise", "GaussianDropout", "AlphaDropout",
    "ActivityRegularization", "MaxPooling2D", "AveragePooling2D", "ZeroPadding2D",
    "Cropping2D", "UpSampling2D", "GlobalAveragePooling2D", "GlobalMaxPooling2D",
    "Rescaling",
)
MERGES = ("Add", "Subtract", "Multiply", "Average", "Maximum", "Minimum")
BLOCKERS = ("Concatenate", "Reshape", "Permute", "Normalization")
CRITERIA = ("l1", "bn_gamma")


@dataclass(frozen=True)
class LayerChange:
    """What one layer lost to structured pruning."""

    name: str
    kind: str
    in_channels: tuple[int, int]
    out_channels: tuple[int, int]
    params: tuple[int, int]
    macs: tuple[int, int]

    def to_dict(self) -> dict:
        return asdict(self)


class _Groups:
    """Union-find over channel groups, with producers, followers and a blocked flag."""

    def __init__(self):
        self.parent: list[int] = []
        self.blocked: list[str | None] = []

    def new(self, blocked: str | None = None) -> int:
        self.parent.append(len(self.parent))
        self.blocked.append(blocked)
        return len(self.parent) - 1

    def find(self, g: int) -> int:
        while self.parent[g] != g:
            self.parent[g] = self.parent[self.parent[g]]
            g = self.parent[g]
        return g

    def union(self, a: int, b: int) -> int:
        ra, rb = self.find(a), self.find(b)
        if ra != rb:
            self.parent[rb] = ra
            self.blocked[ra] = self.blocked[ra] or self.blocked[rb]
        return ra

    def block(self, g: int, reason: str) -> None:
        r = self.find(g)
        self.blocked[r] = self.blocked[r] or reason

    def is_blocked(self, g: int) -> str | None:
        return self.blocked[self.find(g)]


def _inbound(model) -> dict[str, list[str]]:
    """Names of the layers feeding each layer (in model.layers order)."""
    keras = _keras()
    if isinstance(model, keras.Sequential):
        names = [l.name for l in model.layers]
        preds = {names[0]: ["__input__"]}
        for prev, cur in zip(names, names[1:]):
            preds[cur] = [prev]
        return preds
    config = model.get_config()
    preds = {}
    for entry in config["layers"]:
        nodes = entry.get("inbound_nodes") or []
        if len(nodes) > 1:
            raise ModelError(
                f"layer '{entry['name']}' is used {len(nodes)} times in the model; structured pruning needs each layer used once",
                "give every call its own layer, or prune without --structured",
            )
        if not nodes:
            preds[entry["name"]] = []
            continue
        node = nodes[0]
        if isinstance(node, dict):  # newer config layout
            args = node.get("args", [])
            names = [a["config"]["keras_history"][0] for a in _flatten(args) if isinstance(a, dict) and "config" in a]
        else:
            names = [item[0] for item in node]
        preds[entry["name"]] = names
    return preds


def _flatten(x):
    if isinstance(x, (list, tuple)):
        for item in x:
            yield from _flatten(item)
    else:
        yield x


def _keras():
    from tinyvid import _tf

    return _tf.keras()


def _unsupported(layer, why: str) -> ModelError:
    return ModelError(
        f"structured pruning cannot handle layer '{layer.name}' ({type(layer).__name__}): {why}",
        "use unstructured pruning (--sparsity) for this model, or rebuild it from Conv2D, DepthwiseConv2D, "
        "SeparableConv2D, Dense, BatchNormalization, activations, pooling, Flatten, Add and Concatenate",
    )


def _analyse(model):
    """Assign channel groups: returns (groups, in_ref, out_ref, producers, followers)."""
    preds = _inbound(model)
    groups = _Groups()
    out_ref: dict[str, tuple] = {}
    in_ref: dict[str, tuple] = {}
    producers: dict[str, list] = {}  # layer name -> group id it produces
    followers: dict[str, int] = {}
    input_ref = ("g", groups.new("it is the model input"), 1)
    for layer in model.layers:
        kind = type(layer).__name__
        name = layer.name
        sources = [input_ref if p == "__input__" else out_ref[p] for p in preds.get(name, [])]
        if getattr(layer, "data_format", "channels_last") == "channels_first":
            raise _unsupported(layer, "channels_first data format")
        if kind == "InputLayer":
            out_ref[name] = input_ref
            continue
        if isinstance(layer, _keras().Model):
            raise _unsupported(layer, "a nested model; build the model flat (one functional graph)")
        if not sources:
            raise _unsupported(layer, "it has no input")
        src = sources[0]
        in_ref[name] = src
        if kind in MERGES:
            if any(s[0] != src[0] for s in sources) or src[0] == "flat":
                for s in sources:
                    groups.block(s[1], f"merged by {name} after Flatten")
                out_ref[name] = ("g", groups.new(f"output of {name}"), 1)
                continue
            g = src[1]
            for s in sources[1:]:
                g = groups.union(g, s[1])
            out_ref[name] = ("g", g, 1)
            continue
        if kind == "Concatenate":
            for s in sources:
                groups.block(s[1], f"concatenated by {name}")
            out_ref[name] = ("g", groups.new(f"output of Concatenate {name}"), 1)
            continue
        if len(sources) != 1:
            raise _unsupported(layer, "more than one input")
        if kind in PRODUCERS:
            if kind == "Conv2D" and layer.groups != 1:
                groups.block(src[1], f"read by grouped convolution {name}")
                out_ref[name] = ("g", groups.new(f"output of grouped convolution {name}"), 1)
                continue
            if src[0] == "flat" and kind != "Dense":
                groups.block(src[1], f"read by {name} after Flatten")
            g = groups.new()
            producers[name] = g
            out_ref[name] = ("g", g, 1)
            continue
        if kind == "DepthwiseConv2D":
            if layer.depth_multiplier != 1:
                groups.block(src[1], f"depth multiplier {layer.depth_multiplier} in {name}")
                out_ref[name] = ("g", groups.new(f"output of {name}"), 1)
            else:
                followers[name] = src[1]
                out_ref[name] = src
            continue
        if kind == "BatchNormalization":
            axis = layer.axis if isinstance(layer.axis, (list, tuple)) else [layer.axis]
            rank = len(layer.input.shape)
            if [a % rank for a in axis] != [rank - 1]:
                raise _unsupported(layer, f"normalises axis {layer.axis}, not the channel axis")
            followers[name] = src[1]
            out_ref[name] = src
            continue
        if kind == "Flatten":
            shape = layer.input.shape.as_list()
            if src[0] == "flat" or len(shape) == 2:
                out_ref[name] = src
            else:
                spatial = int(np.prod(shape[1:-1]))
                out_ref[name] = ("flat", src[1], src[2] * spatial)
            continue
        if kind in PASSTHROUGH:
            if kind == "Rescaling" and np.ndim(layer.scale) > 0 and np.size(layer.scale) > 1:
                groups.block(src[1], f"per-channel Rescaling {name}")
            out_ref[name] = src
            continue
        if kind in BLOCKERS:
            groups.block(src[1], f"read by {kind} {name}")
            out_ref[name] = ("g", groups.new(f"output of {kind} {name}"), 1)
            continue
        raise _unsupported(layer, "this layer type is not supported by structured pruning")
    for out in model.outputs:
        groups.block(out_ref[out._keras_history.layer.name][1], "it is the model output")
    return groups, in_ref, out_ref, producers, followers


def _filter_importance(layer, criterion: str, bn_gammas: list[np.ndarray]) -> np.ndarray:
    if criterion == "bn_gamma" and bn_gammas:
        imp = np.sum([np.abs(g) for g in bn_gammas], axis=0)
    else:
        kernel = layer.pointwise_kernel if type(layer).__name__ == "SeparableConv2D" else layer.kernel
        w = np.abs(kernel.numpy())
        imp = w.reshape(-1, w.shape[-1]).sum(axis=0)
    mean = float(np.mean(imp))
    return imp / mean if mean > 0 else imp


def plan_channels(model, fraction: float, criterion: str = "l1") -> dict[int, np.ndarray]:
    """Which channels each prunable group keeps: {root group id: sorted kept indices}."""
    if not 0.0 <= fraction < 1.0:
        raise ModelError(f"structured pruning fraction {fraction} is outside [0, 1)", "give the fraction of channels to remove, e.g. 0.5")
    if criterion not in CRITERIA:
        raise ModelError(f"unknown importance criterion '{criterion}'", f"use one of: {', '.join(CRITERIA)}")
    groups, _, _, producers, followers = _analyse(model)
    return _plan(model, groups, producers, followers, fraction, criterion)


def _plan(model, groups, producers, followers, fraction, criterion):
    by_name = {l.name: l for l in model.layers}
    members: dict[int, list[str]] = {}
    for name, g in producers.items():
        members.setdefault(groups.find(g), []).append(name)
    keep: dict[int, np.ndarray] = {}
    for root, names in members.items():
        if groups.is_blocked(root):
            continue
        gammas = [
            by_name[f].gamma.numpy()
            for f, g in followers.items()
            if groups.find(g) == root and type(by_name[f]).__name__ == "BatchNormalization" and by_name[f].scale
        ]
        importance = sum(_filter_importance(by_name[n], criterion, gammas) for n in names)
        size = len(importance)
        n_keep = max(1, int(round(size * (1.0 - fraction))))
        order = np.argsort(-importance, kind="stable")
        keep[root] = np.sort(order[:n_keep])
    return keep


def _width_config(layer, n: int) -> dict:
    config = layer.get_config()
    config["filters" if "filters" in config else "units"] = n
    return config


def shrink(model, fraction: float, criterion: str = "l1"):
    """Rebuild ``model`` without the least important ``fraction`` of channels.

    Returns ``(smaller_model, [LayerChange, ...])``. With ``fraction == 0`` the rebuilt
    model computes exactly what the original does.
    """
    if not 0.0 <= fraction < 1.0:
        raise ModelError(f"structured pruning fraction {fraction} is outside [0, 1)", "give the fraction of channels to remove, e.g. 0.5")
    if criterion not in CRITERIA:
        raise ModelError(f"unknown importance criterion '{criterion}'", f"use one of: {', '.join(CRITERIA)}")
    keras = _keras()
    groups, in_ref, out_ref, producers, followers = _analyse(model)
    keep = _plan(model, groups, producers, followers, fraction, criterion)

    def kept(g):
        return keep.get(groups.find(g))

    def clone(layer):
        if layer.name in producers and kept(producers[layer.name]) is not None:
            return type(layer).from_config(_width_config(layer, len(kept(producers[layer.name]))))
        return type(layer).from_config(layer.get_config())

    new = keras.models.clone_model(model, clone_function=clone)
    for old_layer in model.layers:
        if not old_layer.weights:
            continue
        layer = new.get_layer(old_layer.name)
        layer.set_weights(_sliced_weights(old_layer, in_ref.get(old_layer.name), producers, kept))
    return new, _changes(model, new)


def _rows(ref, kept, channels_total: int):
    """Indices along an input axis for a reference (direct channels or flattened)."""
    if ref is None:
        return None
    idx = kept(ref[1])
    if idx is None:
        return None
    if ref[0] == "flat":
        spatial = ref[2]
        channels = channels_total // spatial
        return (np.arange(spatial)[:, None] * channels + idx[None, :]).reshape(-1)
    return idx


def _take(arr, axis, idx):
    return arr if idx is None else np.take(arr, idx, axis=axis)


def _sliced_weights(layer, ref, producers, kept) -> list[np.ndarray]:
    kind = type(layer).__name__
    weights = layer.get_weights()
    out_idx = kept(producers[layer.name]) if layer.name in producers else None
    if kind == "Conv2D":
        rows = _rows(ref, kept, weights[0].shape[2])
        w = [_take(_take(weights[0], 2, rows), 3, out_idx)]
        return w + [_take(b, 0, out_idx) for b in weights[1:]]
    if kind == "Dense":
        rows = _rows(ref, kept, weights[0].shape[0])
        w = [_take(_take(weights[0], 0, rows), 1, out_idx)]
        return w + [_take(b, 0, out_idx) for b in weights[1:]]
    if kind == "SeparableConv2D":
        rows = _rows(ref, kept, weights[0].shape[2])
        mult = weights[0].shape[3]
        mid = None if rows is None else (rows[:, None] * mult + np.arange(mult)[None, :]).reshape(-1)
        depthwise = _take(weights[0], 2, rows)
        pointwise = _take(_take(weights[1], 2, mid), 3, out_idx)
        return [depthwise, pointwise] + [_take(b, 0, out_idx) for b in weights[2:]]
    if kind in ("DepthwiseConv2D", "BatchNormalization"):
        rows = _rows(ref, kept, weights[-1].shape[0])
        if kind == "DepthwiseConv2D":
            return [_take(weights[0], 2, rows)] + [_take(b, 0, rows) for b in weights[1:]]
        return [_take(w, 0, rows) for w in weights]
    return weights


def _changes(old, new) -> list[LayerChange]:
    before = {c.name: c for c in layer_costs(old)}
    after = {c.name: c for c in layer_costs(new)}
    changes = []
    for name, b in before.items():
        a = after[name]
        if b.macs == 0 and b.in_channels is None:
            continue
        changes.append(
            LayerChange(
                name=name,
                kind=b.kind,
                in_channels=(b.in_channels, a.in_channels),
                out_channels=(b.out_channels, a.out_channels),
                params=(b.params, a.params),
                macs=(b.macs, a.macs),
            )
        )
    return changes
