"""Accuracy and predictions of Keras and ``.tflite`` models; TFLM cross-check."""

from __future__ import annotations

import numpy as np

from tinyvid.compress.quantize import INPUT_SCALE, INPUT_ZERO_POINT


def quantize_frames(x: np.ndarray) -> np.ndarray:
    """Frames in [0, 1] to the int8 model input: round(x * 255) - 128."""
    return np.clip(np.round(np.asarray(x, np.float32) * 255.0) - 128.0, -128, 127).astype(np.int8)


def tflite_outputs(flatbuffer: bytes, x: np.ndarray, *, progress: bool = False, desc: str = "int8 eval") -> np.ndarray:
    """Raw outputs of a ``.tflite`` for float frames ``x`` in [0, 1] (LiteRT's builtin
    kernels): an int8 model is fed ``round(x * 255) - 128`` (or its own input
    quantization), a float model the frames themselves."""
    from tinyvid.model.reference import litert_interpreter

    interpreter = litert_interpreter(flatbuffer, kernels="builtin")
    inp = interpreter.get_input_details()[0]
    out = interpreter.get_output_details()[0]
    scale, zero = inp["quantization"]
    if inp["dtype"] == np.float32:
        q = np.asarray(x, np.float32)
    elif np.isclose(scale, INPUT_SCALE) and zero == INPUT_ZERO_POINT:
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
    return np.stack(results) if results else np.zeros((0,) + tuple(out["shape"][1:]), out["dtype"])


def accuracy(predictions: np.ndarray, y: np.ndarray) -> float:
    if len(y) == 0:
        return float("nan")
    return float(np.mean(np.argmax(predictions, axis=-1) == np.asarray(y)))


def agreement(a: np.ndarray, b: np.ndarray) -> float:
    """Fraction of frames whose top-1 class is the same under both models."""
    if len(a) == 0:
        return float("nan")
    return float(np.mean(np.argmax(a, axis=-1) == np.argmax(b, axis=-1)))


LOGIT_TOLERANCE_LSB = 1


def _softmax_input(flatbuffer: bytes) -> int | None:
    """Index of the tensor feeding a final SOFTMAX (the logits), or None."""
    from tinyvid.model.reader import load_graph

    graph = load_graph(flatbuffer)
    producer = {o: op for op in graph.operators for o in op.outputs}
    last = producer.get(graph.outputs[0])
    if last is None or last.opcode != "SOFTMAX":
        return None
    return int(last.inputs[0])


def tflm_check(flatbuffer: bytes, x: np.ndarray) -> dict:
    """Run tflite-micro and LiteRT's reference kernels on ``x`` and compare them.

    Both interpreters run TFLite's reference integer arithmetic, except that LiteRT's
    reference FULLY_CONNECTED kernel requantizes in float (``round(acc * scale)``)
    while TFLM uses the integer fixed-point multiplier, so a logit can differ by one
    LSB (reported upstream as tensorflow/tensorflow#119412 and
    google-ai-edge/LiteRT#8567); a SOFTMAX after it can spread that over a few output
    LSBs. So when the model ends in SOFTMAX the logits (its input tensor, read from both
    interpreters) are compared with a tolerance of 1 LSB, and every frame whose logits
    are identical must give identical outputs; otherwise the outputs are compared with
    a tolerance of 1 LSB.

    Returns ``{"frames", "compared", "max_lsb", "output_max_lsb", "tolerance_lsb",
    "frames_differing", "agree"}``.
    """
    from tinyvid.model.reference import litert_interpreter, tflm_interpreter

    logits_index = _softmax_input(flatbuffer)
    litert = litert_interpreter(flatbuffer, kernels="reference", preserve=True)
    inp, out = litert.get_input_details()[0], litert.get_output_details()[0]
    micro = tflm_interpreter(flatbuffer, preserve=True)
    q = quantize_frames(x)
    worst_logit = worst_out = differing = 0
    unexplained = 0  # frames with identical logits but different outputs
    for i in range(len(q)):
        litert.set_tensor(inp["index"], q[i : i + 1])
        litert.invoke()
        micro.set_input(q[i : i + 1], 0)
        micro.invoke()
        ref_out = litert.get_tensor(out["index"]).astype(np.int32)
        tflm_out = np.asarray(micro.get_output(0)).reshape(ref_out.shape).astype(np.int32)
        out_diff = int(np.max(np.abs(tflm_out - ref_out))) if ref_out.size else 0
        worst_out = max(worst_out, out_diff)
        differing += out_diff > 0
        if logits_index is not None:
            ref_logits = litert.get_tensor(logits_index).astype(np.int32)
            tflm_logits = np.asarray(micro.GetTensor(logits_index, 0)["tensor_data"]).reshape(ref_logits.shape).astype(np.int32)
            logit_diff = int(np.max(np.abs(tflm_logits - ref_logits))) if ref_logits.size else 0
            worst_logit = max(worst_logit, logit_diff)
            unexplained += logit_diff == 0 and out_diff > 0
    if logits_index is None:
        compared, worst, agree = "output", worst_out, worst_out <= LOGIT_TOLERANCE_LSB
    else:
        compared, worst = "logits", worst_logit
        agree = worst_logit <= LOGIT_TOLERANCE_LSB and unexplained == 0
    return {"frames": int(len(q)), "compared": compared, "max_lsb": worst, "output_max_lsb": worst_out,
            "tolerance_lsb": LOGIT_TOLERANCE_LSB, "frames_differing": int(differing), "agree": bool(agree)}


WEIGHTED_OPS = ("CONV_2D", "DEPTHWISE_CONV_2D", "FULLY_CONNECTED")


def tflite_weight_sparsity(flatbuffer: bytes) -> float:
    """Fraction of zeros among the weights of a ``.tflite``'s convolutions and dense layers.

    An int8 weight of 0 is an exact zero whatever the scale (weights are symmetric,
    zero point 0).
    """
    from tinyvid.model.reader import load_graph

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
