"""Full-integer int8 post-training quantization of Keras models and float ``.tflite`` files.

The int8 model follows the tinyvid input convention: input scale exactly 1/255 and zero
point -128, so a board feeds raw pixels as ``uint8 - 128``. The converter sets the
input range from the calibration data's minimum and maximum; the representative set
therefore always holds one all-zero and one all-one frame (the ends of [0, 1]) beside
frames drawn, seeded, from the training split, and the result is checked.
"""

from __future__ import annotations

import re

import numpy as np

from tinyvid.errors import ModelError
from tinyvid.model.convert import batch_of_one, first_line, quantize_tflite, run_converter

INPUT_SCALE = 1.0 / 255.0
INPUT_ZERO_POINT = -128
DEFAULT_CALIBRATION_FRAMES = 300


def representative_frames(x: np.ndarray, count: int = DEFAULT_CALIBRATION_FRAMES, seed: int = 0) -> np.ndarray:
    """``count`` frames of ``x`` drawn without replacement (seeded), plus a black and a white frame."""
    if len(x) == 0:
        raise ModelError("the training split is empty: nothing to calibrate int8 quantization with", "use a data set with training frames")
    rng = np.random.default_rng(seed)
    picked = x[np.sort(rng.choice(len(x), size=min(count, len(x)), replace=False))]
    ends = np.stack([np.zeros(x.shape[1:], np.float32), np.ones(x.shape[1:], np.float32)])
    return np.concatenate([ends, picked.astype(np.float32)])


def to_int8_tflite(model, calibration: np.ndarray, *, progress: bool = False) -> bytes:
    """Full-integer int8 ``.tflite`` (int8 input/output, builtin int8 ops only, per-channel weights).

    ``calibration`` are float frames in [0, 1] (see :func:`representative_frames`).
    Raises :class:`ModelError` naming the op when something cannot be quantized.
    """
    from tinyvid import _tf

    tf = _tf.tf()
    calibration = np.asarray(calibration, np.float32)
    _check_calibration(calibration)

    visible_stderr = [None]  # the real stderr while the converter's native output is silenced

    def representative():
        frames = calibration
        if progress:
            from tqdm import tqdm

            frames = tqdm(frames, desc="calibrate", unit="frame", leave=False, file=visible_stderr[0])
        for frame in frames:
            yield [frame[None]]

    converter = tf.lite.TFLiteConverter.from_keras_model(batch_of_one(model))
    converter.optimizations = [tf.lite.Optimize.DEFAULT]
    converter.representative_dataset = representative
    converter.target_spec.supported_ops = [tf.lite.OpsSet.TFLITE_BUILTINS_INT8]
    converter.inference_input_type = tf.int8
    converter.inference_output_type = tf.int8
    try:
        flatbuffer = run_converter(converter.convert, visible_stderr)
    except Exception as exc:
        raise _quantization_error(exc) from exc
    check_int8(flatbuffer)
    return flatbuffer


def quantize_float_tflite(flatbuffer: bytes, calibration: np.ndarray, *, progress: bool = False) -> bytes:
    """Full-integer int8 ``.tflite`` of a float ``.tflite`` (a SavedModel's or one made
    elsewhere), calibrated on ``calibration`` (see :func:`representative_frames`)."""
    _check_calibration(calibration)
    try:
        quantized = quantize_tflite(flatbuffer, calibration, progress=progress)
    except Exception as exc:
        raise _quantization_error(exc) from exc
    check_int8(quantized)
    return quantized


def _check_calibration(calibration: np.ndarray) -> None:
    if calibration.min() > 0.0 or calibration.max() < 1.0:
        raise ModelError(
            "the calibration frames do not span [0, 1]; the int8 input would not be scale 1/255, zero point -128",
            "build them with tinyvid.compress.quantize.representative_frames",
        )


def check_int8(flatbuffer: bytes) -> None:
    """Raise :class:`ModelError` unless every op is int8 and the input is 1/255, -128."""
    from tinyvid.model.reader import load_graph

    graph = load_graph(flatbuffer)
    float_ops = [op.opcode for op in graph.operators
                 if any(i >= 0 and graph.tensors[i].dtype == "float32" for i in (*op.inputs, *op.outputs))]
    if float_ops:
        compute = sorted(set(float_ops) - {"QUANTIZE", "DEQUANTIZE"}) or sorted(set(float_ops))
        raise ModelError(
            f"the model is not fully int8: op(s) {', '.join(compute)} stayed in float32 (no int8 TFLite kernel)",
            "replace those layers with ones TFLite quantizes to int8 (Conv2D, DepthwiseConv2D, Dense, pooling, "
            "ReLU/ReLU6, Add, Softmax) and retrain",
        )
    (inp,) = graph.input_tensors()
    q = inp.quantization
    scale, zero = (q.scale, q.zero_point) if q is not None and len(q.scales) == 1 else (None, None)
    if inp.dtype != "int8" or zero != INPUT_ZERO_POINT or not np.isclose(scale or 0.0, INPUT_SCALE, rtol=1e-6, atol=0):
        raise ModelError(
            f"int8 input quantization came out as scale {scale}, zero point {zero} ({inp.dtype}); tinyvid needs 1/255 and -128",
            "the model input must take frames in [0, 1]; remove in-model rescaling of the input",
        )


def _quantization_error(exc: Exception) -> ModelError:
    text = str(exc)
    ops = sorted(set(re.findall(r"'?(tf\.[A-Za-z0-9_]+|tfl\.[A-Za-z0-9_]+)'?", text)))
    if ops:
        return ModelError(
            f"cannot quantize the model to full int8: unsupported op(s) {', '.join(ops)}",
            "replace those layers with TFLite int8 builtins (Conv2D, DepthwiseConv2D, Dense, pooling, ReLU/ReLU6, Add, Softmax) and retrain",
        )
    return ModelError(
        f"cannot quantize the model to full int8: {first_line(exc)}",
        "replace unsupported layers with TFLite int8 builtins (Conv2D, DepthwiseConv2D, Dense, pooling, ReLU/ReLU6, Add, Softmax)",
    )
