"""``tinyvid emit --runtime tflm``: the model for the TFLM interpreter.

Writes the flatbuffer as an aligned C array, an op resolver that registers exactly
the model's operators (the ``MicroMutableOpResolver<N>`` methods of TFLM), and the
tensor arena size measured with tflite-micro plus :data:`ARENA_MARGIN_*`.

Arena margin: the measurement runs TFLM on this 64-bit host. On a 32-bit
microcontroller TFLM's own structures are smaller, but the arena start may be
aligned differently (up to 16 bytes lost) and optimized kernels (CMSIS-NN, vendor
libraries) ask for scratch buffers that the reference kernels do not. The size
given is ``measured + ARENA_MARGIN_FIXED + ARENA_MARGIN_FRACTION * measured``,
rounded up to 16 bytes.
"""

from __future__ import annotations

import math

from tinyvid.codegen.cformat import banner
from tinyvid.errors import UnsupportedModelError
from tinyvid.model.reference import tflm_arena_bytes

ARENA_MARGIN_FIXED = 1024
ARENA_MARGIN_FRACTION = 0.10

#: BuiltinOperator name -> MicroMutableOpResolver method
RESOLVER_METHODS = {
    "ABS": "AddAbs", "ADD": "AddAdd", "ADD_N": "AddAddN", "ARG_MAX": "AddArgMax", "ARG_MIN": "AddArgMin",
    "ASSIGN_VARIABLE": "AddAssignVariable", "AVERAGE_POOL_2D": "AddAveragePool2D", "BATCH_MATMUL": "AddBatchMatMul",
    "BATCH_TO_SPACE_ND": "AddBatchToSpaceNd", "BROADCAST_ARGS": "AddBroadcastArgs", "BROADCAST_TO": "AddBroadcastTo",
    "CALL_ONCE": "AddCallOnce", "CAST": "AddCast", "CEIL": "AddCeil", "CONCATENATION": "AddConcatenation",
    "CONV_2D": "AddConv2D", "COS": "AddCos", "CUMSUM": "AddCumSum", "DEPTH_TO_SPACE": "AddDepthToSpace",
    "DEPTHWISE_CONV_2D": "AddDepthwiseConv2D", "DEQUANTIZE": "AddDequantize", "DIV": "AddDiv",
    "EMBEDDING_LOOKUP": "AddEmbeddingLookup", "ELU": "AddElu", "EQUAL": "AddEqual", "EXP": "AddExp",
    "EXPAND_DIMS": "AddExpandDims", "FILL": "AddFill", "FLOOR": "AddFloor", "FLOOR_DIV": "AddFloorDiv",
    "FLOOR_MOD": "AddFloorMod", "FULLY_CONNECTED": "AddFullyConnected", "GATHER": "AddGather",
    "GATHER_ND": "AddGatherNd", "GREATER": "AddGreater", "GREATER_EQUAL": "AddGreaterEqual",
    "HARD_SWISH": "AddHardSwish", "IF": "AddIf", "L2_NORMALIZATION": "AddL2Normalization", "L2_POOL_2D": "AddL2Pool2D",
    "LEAKY_RELU": "AddLeakyRelu", "LESS": "AddLess", "LESS_EQUAL": "AddLessEqual", "LOG": "AddLog",
    "LOGICAL_AND": "AddLogicalAnd", "LOGICAL_NOT": "AddLogicalNot", "LOGICAL_OR": "AddLogicalOr",
    "LOGISTIC": "AddLogistic", "LOG_SOFTMAX": "AddLogSoftmax", "MAXIMUM": "AddMaximum", "MAX_POOL_2D": "AddMaxPool2D",
    "MIRROR_PAD": "AddMirrorPad", "MEAN": "AddMean", "MINIMUM": "AddMinimum", "MUL": "AddMul", "NEG": "AddNeg",
    "NOT_EQUAL": "AddNotEqual", "PACK": "AddPack", "PAD": "AddPad", "PADV2": "AddPadV2", "PRELU": "AddPrelu",
    "QUANTIZE": "AddQuantize", "READ_VARIABLE": "AddReadVariable", "REDUCE_MAX": "AddReduceMax",
    "REDUCE_MIN": "AddReduceMin", "RELU": "AddRelu", "RELU6": "AddRelu6", "RESHAPE": "AddReshape",
    "RESIZE_BILINEAR": "AddResizeBilinear", "RESIZE_NEAREST_NEIGHBOR": "AddResizeNearestNeighbor",
    "REVERSE_V2": "AddReverseV2", "ROUND": "AddRound", "RSQRT": "AddRsqrt", "SELECT_V2": "AddSelectV2",
    "SHAPE": "AddShape", "SIN": "AddSin", "SLICE": "AddSlice", "SOFTMAX": "AddSoftmax",
    "SPACE_TO_BATCH_ND": "AddSpaceToBatchNd", "SPACE_TO_DEPTH": "AddSpaceToDepth", "SPLIT": "AddSplit",
    "SPLIT_V": "AddSplitV", "SQUEEZE": "AddSqueeze", "SQRT": "AddSqrt", "SQUARE": "AddSquare",
    "SQUARED_DIFFERENCE": "AddSquaredDifference", "STRIDED_SLICE": "AddStridedSlice", "SUB": "AddSub",
    "SUM": "AddSum", "SVDF": "AddSvdf", "TANH": "AddTanh", "TRANSPOSE_CONV": "AddTransposeConv",
    "TRANSPOSE": "AddTranspose", "UNPACK": "AddUnpack",
    "UNIDIRECTIONAL_SEQUENCE_LSTM": "AddUnidirectionalSequenceLSTM", "VAR_HANDLE": "AddVarHandle",
    "WHILE": "AddWhile", "ZEROS_LIKE": "AddZerosLike",
    "CUSTOM(TFLite_Detection_PostProcess)": "AddDetectionPostprocess", "CUSTOM(ETHOSU)": "AddEthosU",
}


def arena_with_margin(measured: int) -> int:
    total = measured + ARENA_MARGIN_FIXED + math.ceil(ARENA_MARGIN_FRACTION * measured)
    return (total + 15) // 16 * 16


def resolver_methods(graph) -> list[str]:
    methods = []
    for op in graph.operators:
        method = RESOLVER_METHODS.get(op.opcode)
        if method is None:
            raise UnsupportedModelError(
                f"operator {op.index} ({op.opcode}) has no kernel in TFLM's MicroMutableOpResolver",
                "register a custom kernel for it in your firmware, or replace the operator",
            )
        if method not in methods:
            methods.append(method)
    return methods


def c_array(data: bytes, per_line: int = 12) -> str:
    rows = [", ".join(f"0x{b:02x}" for b in data[i : i + per_line]) for i in range(0, len(data), per_line)]
    return "    " + ",\n    ".join(rows)


def generate_tflm(graph, prefix: str) -> tuple[dict[str, str], int, int, int]:
    """Files for TFLM, the arena bytes to give it (margin included), the model bytes, the measured arena."""
    methods = resolver_methods(graph)
    measured = tflm_arena_bytes(graph.model_bytes)
    arena = arena_with_margin(measured)
    head = banner(graph.source_name, graph.sha256)
    P = prefix.upper()
    data = graph.model_bytes
    files = {
        f"{prefix}_model_data.h": head + "\n".join([
            f"/** @file {prefix}_model_data.h @brief {graph.source_name} as a C array for TFLM. */",
            f"#ifndef {P}_MODEL_DATA_H", f"#define {P}_MODEL_DATA_H", "",
            f"/** Bytes of the model flatbuffer. */",
            f"#define {P}_MODEL_DATA_LEN {len(data)}", "",
            "#ifdef __cplusplus", 'extern "C" {', "#endif",
            f"extern const unsigned char {prefix}_model_data[];",
            f"extern const unsigned int {prefix}_model_data_len;",
            "#ifdef __cplusplus", "}", "#endif", "", f"#endif /* {P}_MODEL_DATA_H */", ""]),
        f"{prefix}_model_data.cc": head + "\n".join([
            f'#include "{prefix}_model_data.h"', "",
            f"/* 16-byte aligned: TFLM reads the flatbuffer in place. */",
            f"alignas(16) const unsigned char {prefix}_model_data[] = {{", c_array(data), "};",
            f"const unsigned int {prefix}_model_data_len = {len(data)};", ""]),
        f"{prefix}_tflm.h": head + "\n".join([
            f"/**", f" * @file {prefix}_tflm.h",
            f" * @brief Op resolver and arena size for running {graph.source_name} with TFLM.",
            f" *",
            f" * {P}_TENSOR_ARENA_BYTES = {measured} bytes measured with tflite-micro's interpreter",
            f" * + {ARENA_MARGIN_FIXED} bytes + {int(ARENA_MARGIN_FRACTION * 100)} % margin (arena alignment, 32-bit vs 64-bit",
            f" * structures, scratch buffers of optimized kernels such as CMSIS-NN), rounded to 16.",
            f" */",
            f"#ifndef {P}_TFLM_H", f"#define {P}_TFLM_H", "",
            '#include "tensorflow/lite/micro/micro_mutable_op_resolver.h"', "",
            f"#define {P}_TFLM_ARENA_MEASURED_BYTES {measured}",
            f"#define {P}_TENSOR_ARENA_BYTES {arena}",
            f"#define {P}_TFLM_OP_COUNT {len(methods)}", "",
            f"/** A resolver with room for exactly the model's {len(methods)} operators. */",
            f"typedef tflite::MicroMutableOpResolver<{P}_TFLM_OP_COUNT> {prefix}_op_resolver_t;", "",
            f"/** Registers {', '.join(m[3:] for m in methods)}. @return kTfLiteOk on success */",
            f"TfLiteStatus {prefix}_register_ops({prefix}_op_resolver_t &resolver);", "",
            f"#endif /* {P}_TFLM_H */", ""]),
        f"{prefix}_tflm.cc": head + "\n".join([
            f'#include "{prefix}_tflm.h"', "",
            f"TfLiteStatus {prefix}_register_ops({prefix}_op_resolver_t &resolver)", "{",
            *[f"    if (resolver.{m}() != kTfLiteOk) {{\n        return kTfLiteError;\n    }}" for m in methods],
            "    return kTfLiteOk;", "}", ""]),
    }
    return files, arena, len(data), measured
