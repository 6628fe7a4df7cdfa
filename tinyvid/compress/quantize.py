"""Full-integer int8 post-training quantization and float ``.tflite`` conversion.

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


def _converter(model):
    from tinyvid import _tf

    return _tf.tf().lite.TFLiteConverter.from_keras_model(model)


def _convert(converter, visible_stderr: list | None = None) -> bytes:
    """Run a TFLite converter without its native log lines and its warning about
    input statistics (tinyvid pins the int8 input range itself)."""
    import warnings

    from tinyvid import _tf

    with _tf.quiet_native_stderr() as stderr, warnings.catch_warnings():
        warnings.filterwarnings("ignore", message="Statistics for quantized inputs were expected")
        if visible_stderr is not None:
            visible_stderr[0] = stderr
        return bytes(converter.convert())


def to_float_tflite(model) -> bytes:
    """The float32 ``.tflite`` of a Keras model (for its size and MACs)."""
    try:
        return _convert(_converter(model))
    except Exception as exc:
        raise ModelError(f"cannot convert the model to .tflite: {_first_line(exc)}", "check that every layer is a TFLite builtin op") from exc


def to_int8_tflite(model, calibration: np.ndarray, *, progress: bool = False) -> bytes:
    """Full-integer int8 ``.tflite`` (int8 input/output, builtin int8 ops only, per-channel weights).

    ``calibration`` are float frames in [0, 1] (see :func:`representative_frames`).
    Raises :class:`ModelError` naming the op when something cannot be quantized.
    """
    from tinyvid import _tf

    tf = _tf.tf()
    calibration = np.asarray(calibration, np.float32)
    if calibration.min() > 0.0 or calibration.max() < 1.0:
        raise ModelError(
            "the calibration frames do not span [0, 1]; the int8 input would not be scale 1/255, zero point -128",
            "build them with tinyvid.compress.quantize.representative_frames",
        )

    visible_stderr = [None]  # the real stderr while the converter's native output is silenced

    def representative():
        frames = calibration
        if progress:
            from tqdm import tqdm

            frames = tqdm(frames, desc="calibrate", unit="frame", leave=False, file=visible_stderr[0])
        for frame in frames:
            yield [frame[None]]

    converter = _converter(model)
    converter.optimizations = [tf.lite.Optimize.DEFAULT]
    converter.representative_dataset = representative
    converter.target_spec.supported_ops = [tf.lite.OpsSet.TFLITE_BUILTINS_INT8]
    converter.inference_input_type = tf.int8
    converter.inference_output_type = tf.int8
    try:
        flatbuffer = _convert(converter, visible_stderr)
    except Exception as exc:
        raise _quantization_error(exc) from exc
    check_int8(flatbuffer)
    return flatbuffer


def check_int8(flatbuffer: bytes) -> None:
    """Raise :class:`ModelError` unless every op is int8 and the input is 1/255, -128."""
    from ai_edge_litert.interpreter import Interpreter, OpResolverType

    interpreter = Interpreter(model_content=flatbuffer,
                              experimental_op_resolver_type=OpResolverType.BUILTIN_WITHOUT_DEFAULT_DELEGATES)
    float_ops = []
    for op in interpreter._get_ops_details():
        tensors = [t for t in list(op["inputs"]) + list(op["outputs"]) if t >= 0]
        if any(interpreter._get_tensor_details(t, 0)["dtype"] == np.float32 for t in tensors):
            float_ops.append(op["op_name"])
    if float_ops:
        compute = sorted(set(float_ops) - {"QUANTIZE", "DEQUANTIZE"}) or sorted(set(float_ops))
        raise ModelError(
            f"the model is not fully int8: op(s) {', '.join(compute)} stayed in float32 (no int8 TFLite kernel)",
            "replace those layers with ones TFLite quantizes to int8 (Conv2D, DepthwiseConv2D, Dense, pooling, "
            "ReLU/ReLU6, Add, Softmax) and retrain",
        )
    (inp,) = interpreter.get_input_details()
    scale, zero = inp["quantization"]
    if inp["dtype"] != np.int8 or zero != INPUT_ZERO_POINT or not np.isclose(scale, INPUT_SCALE, rtol=1e-6, atol=0):
        raise ModelError(
            f"int8 input quantization came out as scale {scale}, zero point {zero} ({inp['dtype'].__name__}); tinyvid needs 1/255 and -128",
            "the model input must take frames in [0, 1]; remove in-model rescaling of the input",
        )


def _first_line(exc: Exception) -> str:
    text = str(exc).strip()
    return text.splitlines()[0][:300] if text else type(exc).__name__


def _quantization_error(exc: Exception) -> ModelError:
    text = str(exc)
    ops = sorted(set(re.findall(r"'?(tf\.[A-Za-z0-9_]+|tfl\.[A-Za-z0-9_]+)'?", text)))
    if ops:
        return ModelError(
            f"cannot quantize the model to full int8: unsupported op(s) {', '.join(ops)}",
            "replace those layers with TFLite int8 builtins (Conv2D, DepthwiseConv2D, Dense, pooling, ReLU/ReLU6, Add, Softmax) and retrain",
        )
    return ModelError(
        f"cannot quantize the model to full int8: {_first_line(exc)}",
        "replace unsupported layers with TFLite int8 builtins (Conv2D, DepthwiseConv2D, Dense, pooling, ReLU/ReLU6, Add, Softmax)",
    )
