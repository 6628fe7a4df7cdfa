"""Models to ``.tflite`` with the TensorFlow Lite converter: a Keras model to float, a
float ``.tflite`` to full int8, and the size of a Keras model as it will run (read
from its float ``.tflite``: BatchNormalization folded, as on the board).

Full-int8 quantization of a float ``.tflite`` uses the very calibrator and MLIR
quantizer that ``tf.lite.TFLiteConverter`` runs on its own float result when it is
given a representative data set, so a SavedModel or a float ``.tflite`` is quantized
exactly like a Keras model (TensorFlow is pinned to 2.21 in pyproject.toml, the
version these modules were checked against).
"""

from __future__ import annotations

import warnings

import numpy as np

from tinyvid.errors import ModelError


def run_converter(convert, visible_stderr: list | None = None) -> bytes:
    """Call ``convert()`` (a converter's ``convert`` or any conversion step) without
    TensorFlow's native log lines and its warning about input statistics (tinyvid
    pins the int8 input range itself). ``visible_stderr[0]`` is set to a stream on the
    real stderr, for a progress bar."""
    from tinyvid import _tf

    with _tf.quiet_native_stderr() as stderr, warnings.catch_warnings():
        warnings.filterwarnings("ignore", message="Statistics for quantized inputs were expected")
        if visible_stderr is not None:
            visible_stderr[0] = stderr
        return bytes(convert())


def batch_of_one(model):
    """``model`` with a batch size of 1 fixed in its inputs (the model itself when it has one).

    With a free batch size the converter turns a dilated convolution into
    SPACE_TO_BATCH_ND / CONV_2D / BATCH_TO_SPACE_ND whose inner tensors are stored
    with batch 1 although they hold several images (tflite-micro then computes them
    wrongly); with the batch fixed it emits one dilated CONV_2D. A microcontroller
    runs one frame at a time anyway."""
    from tinyvid import _tf

    if all(t.shape[0] == 1 for t in model.inputs):
        return model
    keras = _tf.keras()
    inputs = [keras.Input(batch_shape=(1, *t.shape[1:]), dtype=t.dtype) for t in model.inputs]
    outputs = model(inputs if len(inputs) > 1 else inputs[0])
    return keras.Model(inputs if len(inputs) > 1 else inputs[0], outputs, name=model.name)


def keras_to_tflite(model) -> bytes:
    """The float32 ``.tflite`` of a (tf-keras) Keras model (batch size 1)."""
    from tinyvid import _tf

    try:
        return run_converter(_tf.tf().lite.TFLiteConverter.from_keras_model(batch_of_one(model)).convert)
    except Exception as exc:  # noqa: BLE001 - the converter raises anything
        raise ModelError(f"cannot convert the model to .tflite: {first_line(exc)}",
                         "use layers that are TFLite builtin operators") from exc


def deployed_size(model) -> tuple[int, int]:
    """(parameters, MACs) of a Keras model as its ``.tflite`` holds and runs them."""
    from tinyvid.model.reader import load_graph
    from tinyvid.model.stats import model_stats

    stats = model_stats(load_graph(keras_to_tflite(model)))
    return int(stats.total_params), int(stats.total_macs)


def quantize_tflite(flatbuffer: bytes, calibration, *, progress: bool = False) -> bytes:
    """Full-integer int8 ``.tflite`` (int8 input and output) of a float ``.tflite``.

    ``calibration`` are float input frames (see
    :func:`tinyvid.compress.quantize.representative_frames`)."""
    from tinyvid import _tf

    tf = _tf.tf()  # first: TensorFlow imported quietly
    from tensorflow.lite.python.convert import mlir_quantize
    from tensorflow.lite.python.optimize import calibrator
    visible_stderr = [None]

    def frames():
        it = calibration
        if progress:
            from tqdm import tqdm

            it = tqdm(calibration, desc="calibrate", unit="frame", leave=False, file=visible_stderr[0])
        for frame in it:
            yield [np.asarray(frame, np.float32)[None]]

    flatbuffer = _without_metadata(flatbuffer, _KEEP_STABLEHLO_CONSTANT)

    def convert():
        with_stats = calibrator.Calibrator(calibrator.add_intermediate_tensors(flatbuffer)).calibrate(frames)
        return mlir_quantize(with_stats, input_data_type=tf.int8, output_data_type=tf.int8)

    return run_converter(convert, visible_stderr)


#: Metadata that litert-torch (PyTorch -> .tflite) writes: TensorFlow's quantizer then
#: reads the weights as StableHLO constants and leaves every convolution in float32.
_KEEP_STABLEHLO_CONSTANT = b"keep_stablehlo_constant"


def _without_metadata(flatbuffer: bytes, name: bytes) -> bytes:
    """``flatbuffer`` without its metadata entry ``name`` (unchanged when it has none)."""
    import tflite

    model = tflite.Model.GetRootAsModel(flatbuffer, 0)
    if not any(model.Metadata(i).Name() == name for i in range(model.MetadataLength())):
        return flatbuffer
    from tensorflow.lite.tools import flatbuffer_utils

    unpacked = flatbuffer_utils.read_model_from_bytearray(bytearray(flatbuffer))
    unpacked.metadata = [entry for entry in unpacked.metadata if entry.name != name]
    return bytes(flatbuffer_utils.convert_object_to_bytearray(unpacked))


def first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return text.splitlines()[0][:300] if text else type(exc).__name__
