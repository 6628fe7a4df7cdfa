"""Accuracy and predictions of Keras and int8 ``.tflite`` models; TFLM cross-check."""

from __future__ import annotations

import numpy as np

from tinyvid.compress.quantize import INPUT_SCALE, INPUT_ZERO_POINT


def quantize_frames(x: np.ndarray) -> np.ndarray:
    """Frames in [0, 1] to the int8 model input: round(x * 255) - 128."""
    return np.clip(np.round(np.asarray(x, np.float32) * 255.0) - 128.0, -128, 127).astype(np.int8)


def keras_predictions(model, x: np.ndarray, batch_size: int = 256) -> np.ndarray:
    return np.asarray(model.predict(x, batch_size=batch_size, verbose=0))


def int8_outputs(flatbuffer: bytes, x: np.ndarray, *, progress: bool = False, reference_kernels: bool = False, desc: str = "int8 eval") -> np.ndarray:
    """Raw int8 outputs of a full-int8 model for float frames ``x`` (LiteRT interpreter)."""
    from ai_edge_litert.interpreter import Interpreter, OpResolverType

    kwargs = {"experimental_op_resolver_type": OpResolverType.BUILTIN_REF if reference_kernels
              else OpResolverType.BUILTIN_WITHOUT_DEFAULT_DELEGATES}
    interpreter = Interpreter(model_content=flatbuffer, **kwargs)
    interpreter.allocate_tensors()
    inp = interpreter.get_input_details()[0]
    out = interpreter.get_output_details()[0]
    scale, zero = inp["quantization"]
    if np.isclose(scale, INPUT_SCALE) and zero == INPUT_ZERO_POINT:
        q = quantize_frames(x)
    else:  # a foreign int8 model: use its own input quantization
        q = np.clip(np.round(np.asarray(x) / scale) + zero, -128, 127).astype(np.int8)
    frames = range(len(q))
    if progress:
        from tqdm import tqdm

        frames = tqdm(frames, desc=desc, unit="frame", leave=False)
    results = []
    for i in frames:
        interpreter.set_tensor(inp["index"], q[i : i + 1])
        interpreter.invoke()
        results.append(interpreter.get_tensor(out["index"])[0].copy())
    return np.stack(results) if results else np.zeros((0,) + tuple(out["shape"][1:]), np.int8)


def accuracy(predictions: np.ndarray, y: np.ndarray) -> float:
    if len(y) == 0:
        return float("nan")
    return float(np.mean(np.argmax(predictions, axis=-1) == np.asarray(y)))


def agreement(a: np.ndarray, b: np.ndarray) -> float:
    """Fraction of frames whose top-1 class is the same under both models."""
    if len(a) == 0:
        return float("nan")
    return float(np.mean(np.argmax(a, axis=-1) == np.argmax(b, axis=-1)))


def tflm_max_difference(flatbuffer: bytes, x: np.ndarray) -> int:
    """Largest |TFLM - LiteRT reference kernels| over ``x``'s int8 outputs, in LSBs.

    Both interpreters run TFLite's reference integer arithmetic, except that LiteRT's
    reference FULLY_CONNECTED kernel requantizes in float (``round(acc * scale)``)
    while TFLM uses the integer fixed-point multiplier; they differ by at most one LSB
    there (see :func:`tflm_tolerance`).
    """
    from tflite_micro.python.tflite_micro import runtime

    reference = int8_outputs(flatbuffer, x, reference_kernels=True)
    micro = runtime.Interpreter.from_bytes(flatbuffer)
    q = quantize_frames(x)
    worst = 0
    for i in range(len(q)):
        micro.set_input(q[i : i + 1], 0)
        micro.invoke()
        out = np.asarray(micro.get_output(0)).reshape(reference[i].shape)
        worst = max(worst, int(np.max(np.abs(out.astype(np.int32) - reference[i].astype(np.int32)))))
    return worst


def tflm_tolerance(flatbuffer: bytes) -> int:
    """How many output LSBs TFLM and LiteRT's reference kernels may differ by.

    1 LSB: the rounding difference of FULLY_CONNECTED requantization (LiteRT rounds a
    float product, TFLM uses the integer fixed-point multiplier; reported upstream as
    tensorflow/tensorflow#119412 and google-ai-edge/LiteRT#8567). When the model ends in
    SOFTMAX, the one-LSB change of its input logits moves an output probability by at
    most ``sum_j |dp_i/dz_j| = 2 p_i (1 - p_i) <= 1/2`` logit LSBs, so the tolerance is
    ``1 + ceil(0.5 * logit_scale / output_scale)``. Other models: 1.
    """
    try:
        from tinyvid.model.reader import load_graph
    except ImportError:
        return 1
    graph = load_graph(flatbuffer)
    producer = {o: op for op in graph.operators for o in op.outputs}
    last = producer.get(graph.outputs[0])
    if last is None or last.opcode != "SOFTMAX":
        return 1
    logits, out = graph.tensors[last.inputs[0]], graph.tensors[graph.outputs[0]]
    if logits.quantization is None or out.quantization is None:
        return 1
    return 1 + int(np.ceil(0.5 * logits.quantization.scale / out.quantization.scale))


WEIGHTED_OPS = ("CONV_2D", "DEPTHWISE_CONV_2D", "FULLY_CONNECTED")


def tflite_weight_sparsity(flatbuffer: bytes) -> float | None:
    """Fraction of zeros among the weights of a ``.tflite``'s convolutions and dense layers.

    An int8 weight of 0 is an exact zero whatever the scale (weights are symmetric,
    zero point 0). None when the model package cannot read the file.
    """
    try:
        from tinyvid.model.reader import load_graph
    except ImportError:
        return None
    graph = load_graph(flatbuffer)
    zeros = total = 0
    seen = set()
    for op in graph.operators:
        if op.opcode not in WEIGHTED_OPS or len(op.inputs) < 2 or op.inputs[1] in seen:
            continue
        seen.add(op.inputs[1])
        data = graph.tensors[op.inputs[1]].data
        if data is None:
            continue
        zeros += int(np.count_nonzero(data == 0))
        total += int(data.size)
    return zeros / total if total else 0.0
