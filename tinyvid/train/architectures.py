"""Built-in architectures sized for microcontrollers (tf_keras, float input in [0, 1]).

Only layers that become int8 TFLite builtins are used: Conv2D, DepthwiseConv2D,
BatchNormalization (folded into the convolution), ReLU / ReLU6 (fused), MaxPooling2D,
AveragePooling2D, Add, Flatten (RESHAPE), Dense, Softmax, Dropout (removed). The
global pooling is an AveragePooling2D over the whole feature map followed by Flatten,
as in the MLPerf Tiny reference models (AVERAGE_POOL_2D + RESHAPE, not MEAN).
"""

from __future__ import annotations

from typing import Callable

from tinyvid.errors import ModelError

# Faster-moving batch-norm statistics than Keras' 0.99: small data sets give few steps
# per epoch, and validation (early stopping) uses the moving statistics.
_BN_MOMENTUM = 0.9


def _k():
    from tinyvid._tf import keras

    return keras()


def _conv_bn_relu(x, filters, kernel=3, strides=1, name="conv", relu6=False):
    k = _k()
    L = k.layers
    x = L.Conv2D(filters, kernel, strides=strides, padding="same", use_bias=False, name=name)(x)
    x = L.BatchNormalization(momentum=_BN_MOMENTUM, name=f"{name}_bn")(x)
    return L.ReLU(6.0 if relu6 else None, name=f"{name}_relu")(x)


def _head(x, num_classes, dropout, name_prefix=""):
    L = _k().layers
    h, w = int(x.shape[1]), int(x.shape[2])
    x = L.AveragePooling2D(pool_size=(h, w), name=f"{name_prefix}pool")(x)
    x = L.Flatten(name=f"{name_prefix}flatten")(x)
    if dropout:
        x = L.Dropout(dropout, name=f"{name_prefix}dropout")(x)
    x = L.Dense(num_classes, name=f"{name_prefix}logits")(x)
    return L.Softmax(name=f"{name_prefix}softmax")(x)


def tiny_cnn(input_shape, num_classes, *, filters: int = 8, blocks: int = 4, dropout: float = 0.2):
    """Conv-BN-ReLU blocks with 2x2 max pooling, doubling the filters each block.

    At 48x48x1 with the defaults: 8-16-32-64 filters, about 2.1 M MACs, 25 k parameters.
    """
    k = _k()
    L = k.layers
    inputs = k.Input(shape=tuple(input_shape), name="input")
    x = inputs
    for i in range(int(blocks)):
        x = _conv_bn_relu(x, int(filters) * 2**i, name=f"conv{i + 1}")
        if i < blocks - 1 and min(int(x.shape[1]), int(x.shape[2])) >= 4:
            x = L.MaxPooling2D(2, name=f"pool{i + 1}")(x)
    return k.Model(inputs, _head(x, num_classes, dropout), name="tiny_cnn")


_MOBILENET_BLOCKS = ((64, 1), (128, 2), (128, 1), (256, 2), (256, 1), (512, 2),
                     (512, 1), (512, 1), (512, 1), (512, 1), (512, 1), (1024, 2), (1024, 1))


def mobilenet_v1(input_shape, num_classes, *, alpha: float = 0.25, dropout: float = 0.1, depth: int = 13):
    """MobileNetV1 (the visual-wake-words family): a 3x3 stride-2 convolution followed by
    ``depth`` depthwise-separable blocks (standard layout: 13), ReLU6, width ``alpha``.

    At 96x96x3 and alpha 0.25 this is the MLPerf Tiny vww network (about 7.5 M MACs).
    """
    k = _k()
    L = k.layers
    if not 0 < float(alpha) <= 4:
        raise ModelError(f"alpha must be in (0, 4], not {alpha}", "use e.g. --alpha 0.25, 0.5 or 1.0")
    depth = int(depth)
    if not 1 <= depth <= len(_MOBILENET_BLOCKS):
        raise ModelError(f"depth must be 1..{len(_MOBILENET_BLOCKS)}, not {depth}", "the standard MobileNetV1 has 13 blocks")
    inputs = k.Input(shape=tuple(input_shape), name="input")
    x = _conv_bn_relu(inputs, max(8, int(32 * alpha)), strides=2, name="conv1", relu6=True)
    for i, (filters, stride) in enumerate(_MOBILENET_BLOCKS[:depth], start=1):
        if stride == 2 and min(int(x.shape[1]), int(x.shape[2])) < 2:
            stride = 1  # tiny inputs: stop downsampling at 1x1
        x = L.DepthwiseConv2D(3, strides=stride, padding="same", use_bias=False, name=f"dw{i}")(x)
        x = L.BatchNormalization(momentum=_BN_MOMENTUM, name=f"dw{i}_bn")(x)
        x = L.ReLU(6.0, name=f"dw{i}_relu")(x)
        x = _conv_bn_relu(x, max(8, int(filters * alpha)), kernel=1, name=f"pw{i}", relu6=True)
    return k.Model(inputs, _head(x, num_classes, dropout), name="mobilenet_v1")


def resnet8(input_shape, num_classes, *, filters: int = 16, dropout: float = 0.0):
    """ResNet-8 (the MLPerf Tiny image-classification family): a stem and three residual
    stacks of two 3x3 convolutions, 16-32-64 filters, 1x1 projection shortcuts."""
    k = _k()
    L = k.layers
    inputs = k.Input(shape=tuple(input_shape), name="input")
    x = _conv_bn_relu(inputs, int(filters), name="stem")
    for stack in range(3):
        f = int(filters) * 2**stack
        stride = 1 if stack == 0 else 2
        y = _conv_bn_relu(x, f, strides=stride, name=f"s{stack + 1}_conv1")
        y = L.Conv2D(f, 3, padding="same", use_bias=False, name=f"s{stack + 1}_conv2")(y)
        y = L.BatchNormalization(momentum=_BN_MOMENTUM, name=f"s{stack + 1}_conv2_bn")(y)
        if stride != 1 or int(x.shape[-1]) != f:
            x = L.Conv2D(f, 1, strides=stride, padding="same", name=f"s{stack + 1}_shortcut")(x)
        x = L.Add(name=f"s{stack + 1}_add")([x, y])
        x = L.ReLU(name=f"s{stack + 1}_relu")(x)
    return k.Model(inputs, _head(x, num_classes, dropout), name="resnet8")


#: FOMO's depthwise-separable blocks as (output channels at width 1, stride)
_FOMO_BLOCKS = ((24, 1), (32, 2), (32, 1), (64, 2), (64, 1), (64, 1))


def fomo(input_shape, num_classes, *, alpha: float = 1.0, head: int = 32):
    """A FOMO-style detector: a MobileNet-like backbone (a 3x3 stride-2 convolution and
    six depthwise-separable blocks, ReLU6) cut at 1/8 of the input resolution, then a
    1x1 convolution of ``head`` channels and a 1x1 convolution to ``num_classes``
    (class 0 is background) with a softmax in each cell: the per-cell class heat map
    (96x96 -> 12x12). Every convolution pads "same", so the ``.tflite`` has no PAD.

    At 96x96x1 with the defaults: 4.86 M MACs, 17.4 k parameters in its .tflite (alpha 0.25: 0.87 M, 2.3 k).
    """
    k = _k()
    L = k.layers
    if not 0 < float(alpha) <= 4:
        raise ModelError(f"alpha must be in (0, 4], not {alpha}", "use e.g. --alpha 0.5 or 1.0")
    h, w = int(input_shape[0]), int(input_shape[1])
    if h % 8 or w % 8:
        raise ModelError(f"a FOMO detector takes an input size divisible by 8, not {h}x{w}",
                         "use e.g. --image-size 96x96 (a 12x12 heat map)")
    inputs = k.Input(shape=tuple(input_shape), name="input")
    x = _conv_bn_relu(inputs, max(8, int(16 * alpha)), strides=2, name="conv1", relu6=True)
    for i, (filters, stride) in enumerate(_FOMO_BLOCKS, start=1):
        x = L.DepthwiseConv2D(3, strides=stride, padding="same", use_bias=False, name=f"dw{i}")(x)
        x = L.BatchNormalization(momentum=_BN_MOMENTUM, name=f"dw{i}_bn")(x)
        x = L.ReLU(6.0, name=f"dw{i}_relu")(x)
        x = _conv_bn_relu(x, max(8, int(filters * alpha)), kernel=1, name=f"pw{i}", relu6=True)
    x = L.Conv2D(int(head), 1, activation="relu", name="head")(x)
    x = L.Conv2D(int(num_classes), 1, name="logits")(x)
    return k.Model(inputs, L.Softmax(name="heatmap")(x), name="fomo")


ARCHITECTURES: dict[str, Callable] = {
    "tiny_cnn": tiny_cnn,
    "mobilenet_v1": mobilenet_v1,
    "resnet8": resnet8,
    "fomo": fomo,
}
#: architectures whose output is a per-cell class heat map (trained by tinyvid.detect)
DETECTORS = ("fomo",)
DEFAULT_ARCH = "tiny_cnn"


def check_params(arch: str, params: dict) -> dict:
    """The parameters that are set (not None); unknown architecture or parameter: ModelError."""
    accepted = list(architecture_params(arch))
    params = {k: v for k, v in params.items() if v is not None}
    unknown = sorted(set(params) - set(accepted))
    if unknown:
        raise ModelError(f"architecture '{arch}' has no parameter {', '.join(unknown)}",
                         f"its parameters are: {', '.join(accepted)}")
    return params


def build_model(arch: str, input_shape, num_classes: int, **params):
    """Build a fresh (untrained) model; unknown names or parameters are a ModelError."""
    params = check_params(arch, params)
    if num_classes < 2:
        raise ModelError(f"a classifier needs at least 2 classes, not {num_classes}", "check the data set")
    return ARCHITECTURES[arch](tuple(int(v) for v in input_shape), int(num_classes), **params)


def architecture_params(arch: str) -> dict:
    """The tunable parameters of an architecture with their defaults."""
    import inspect

    if arch not in ARCHITECTURES:
        raise ModelError(f"unknown architecture '{arch}'", f"use one of: {', '.join(ARCHITECTURES)}")
    sig = inspect.signature(ARCHITECTURES[arch])
    return {n: p.default for n, p in sig.parameters.items() if p.kind is p.KEYWORD_ONLY}
