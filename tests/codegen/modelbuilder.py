"""Build small int8 .tflite flatbuffers directly (no TensorFlow): fast test models.

A model is a list of :class:`T` tensors and :class:`Op` operators; options are
given as a dict of the options table's fields (CamelCase, as in the schema).
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass, field

import flatbuffers
import numpy as np
import tflite

TYPES = {"float32": 0, "int32": 2, "uint8": 3, "int16": 7, "int8": 9}


@dataclass
class T:
    shape: tuple
    dtype: str = "int8"
    scale: float | list | None = None
    zero_point: int | list = 0
    qdim: int = 0
    data: np.ndarray | None = None
    name: str = ""


@dataclass
class Op:
    opcode: str
    inputs: list
    outputs: list
    options_type: str | None = None  # e.g. "Conv2DOptions"
    options: dict = field(default_factory=dict)


def _vec(b, start_fn, values, kind):
    start_fn(b, len(values))
    for v in reversed(list(values)):
        getattr(b, f"Prepend{kind}")(v)
    return b.EndVector()


def build(tensors: list[T], ops: list[Op], inputs: list[int], outputs: list[int]) -> bytes:
    b = flatbuffers.Builder(1024)
    M = lambda name: importlib.import_module(f"tflite.{name}")  # noqa: E731
    # buffers: 0 is empty, then one per constant tensor
    buffer_data = [None] + [t.data for t in tensors if t.data is not None]
    buf_offsets = []
    for data in buffer_data:
        if data is not None:
            raw = np.ascontiguousarray(data).tobytes()
            b.StartVector(1, len(raw), 16)
            for byte in reversed(raw):
                b.PrependUint8(byte)
            vec = b.EndVector()
        M("Buffer").Start(b)
        if data is not None:
            M("Buffer").AddData(b, vec)
        buf_offsets.append(M("Buffer").End(b))
    tensor_offsets = []
    next_buffer = 1
    for i, t in enumerate(tensors):
        name = b.CreateString(t.name or f"t{i}")
        shape = _vec(b, M("Tensor").StartShapeVector, [int(d) for d in t.shape], "Int32")
        q = None
        if t.scale is not None:
            scales = t.scale if isinstance(t.scale, (list, tuple, np.ndarray)) else [t.scale]
            zps = t.zero_point if isinstance(t.zero_point, (list, tuple, np.ndarray)) else [t.zero_point] * len(scales)
            sv = _vec(b, M("QuantizationParameters").StartScaleVector, [float(s) for s in scales], "Float32")
            zv = _vec(b, M("QuantizationParameters").StartZeroPointVector, [int(z) for z in zps], "Int64")
            QP = M("QuantizationParameters")
            QP.Start(b)
            QP.AddScale(b, sv)
            QP.AddZeroPoint(b, zv)
            QP.AddQuantizedDimension(b, t.qdim)
            q = QP.End(b)
        TT = M("Tensor")
        TT.Start(b)
        TT.AddShape(b, shape)
        TT.AddType(b, TYPES[t.dtype])
        if t.data is not None:
            TT.AddBuffer(b, next_buffer)
            next_buffer += 1
        else:
            TT.AddBuffer(b, 0)
        TT.AddName(b, name)
        if q is not None:
            TT.AddQuantization(b, q)
        tensor_offsets.append(TT.End(b))
    codes = []
    for op in ops:
        if op.opcode not in codes:
            codes.append(op.opcode)
    code_offsets = []
    for c in codes:
        value = getattr(tflite.BuiltinOperator, c)
        OC = M("OperatorCode")
        OC.Start(b)
        OC.AddDeprecatedBuiltinCode(b, min(value, 127))
        OC.AddBuiltinCode(b, value)
        OC.AddVersion(b, 1)
        code_offsets.append(OC.End(b))
    op_offsets = []
    for op in ops:
        opts = None
        if op.options_type:
            mod = M(op.options_type)
            vectors = {k: _vec(b, getattr(mod, f"Start{k}Vector"), v, "Int32") for k, v in op.options.items() if isinstance(v, list)}
            mod.Start(b)
            for k, v in op.options.items():
                getattr(mod, f"Add{k}")(b, vectors.get(k, v))
            opts = mod.End(b)
        iv = _vec(b, M("Operator").StartInputsVector, op.inputs, "Int32")
        ov = _vec(b, M("Operator").StartOutputsVector, op.outputs, "Int32")
        O = M("Operator")
        O.Start(b)
        O.AddOpcodeIndex(b, codes.index(op.opcode))
        O.AddInputs(b, iv)
        O.AddOutputs(b, ov)
        if opts is not None:
            O.AddBuiltinOptionsType(b, getattr(tflite.BuiltinOptions, op.options_type))
            O.AddBuiltinOptions(b, opts)
        op_offsets.append(O.End(b))

    def offsets_vector(start_fn, offs):
        start_fn(b, len(offs))
        for o in reversed(offs):
            b.PrependUOffsetTRelative(o)
        return b.EndVector()

    SG = M("SubGraph")
    tv = offsets_vector(SG.StartTensorsVector, tensor_offsets)
    inv = _vec(b, SG.StartInputsVector, inputs, "Int32")
    outv = _vec(b, SG.StartOutputsVector, outputs, "Int32")
    opv = offsets_vector(SG.StartOperatorsVector, op_offsets)
    SG.Start(b)
    SG.AddTensors(b, tv)
    SG.AddInputs(b, inv)
    SG.AddOutputs(b, outv)
    SG.AddOperators(b, opv)
    sg = SG.End(b)
    MM = M("Model")
    codes_v = offsets_vector(MM.StartOperatorCodesVector, code_offsets)
    sgs = offsets_vector(MM.StartSubgraphsVector, [sg])
    bufs = offsets_vector(MM.StartBuffersVector, buf_offsets)
    desc = b.CreateString("tinyvid test model")
    MM.Start(b)
    MM.AddVersion(b, 3)
    MM.AddOperatorCodes(b, codes_v)
    MM.AddSubgraphs(b, sgs)
    MM.AddBuffers(b, bufs)
    MM.AddDescription(b, desc)
    root = MM.End(b)
    b.Finish(root, file_identifier=b"TFL3")
    return bytes(b.Output())


# --- random single-operator int8 models -------------------------------------------------

_PAD = {"SAME": 0, "VALID": 1}
_ACT = {"NONE": 0, "RELU": 1, "RELU_N1_TO_1": 2, "RELU6": 3}


def _act_tensor(rng, shape, scale=None, zp=None) -> T:
    return T(tuple(shape), "int8", float(scale if scale is not None else rng.uniform(0.005, 0.2)),
             int(zp if zp is not None else rng.integers(-128, 128)))


def out_size(padding, size, k, stride, dil=1):
    eff = (k - 1) * dil + 1
    return (size + stride - 1) // stride if padding == "SAME" else (size + stride - eff) // stride


def conv_model(rng, *, h, w, cin, cout, kh, kw, stride=(1, 1), dil=(1, 1), padding="SAME", act="NONE",
               per_channel=True, bias=True, groups=1, depthwise=False, depth_mult=1) -> bytes:
    oh = out_size(padding, h, kh, stride[0], dil[0])
    ow = out_size(padding, w, kw, stride[1], dil[1])
    x = _act_tensor(rng, (1, h, w, cin))
    if depthwise:
        cout = cin * depth_mult
        wshape, qdim = (1, kh, kw, cout), 3
    else:
        wshape, qdim = (cout, kh, kw, cin // groups), 0
    wdata = rng.integers(-127, 128, wshape).astype(np.int8)
    wscales = [float(s) for s in rng.uniform(0.001, 0.05, cout)] if per_channel else float(rng.uniform(0.001, 0.05))
    wt = T(wshape, "int8", wscales, [0] * cout if per_channel else 0, qdim, wdata)
    ws = np.atleast_1d(np.asarray(wscales, np.float32))
    bscales = [float(np.float32(x.scale) * s) for s in (ws if per_channel else ws[:1])]
    tensors = [x, wt]
    inputs = [0, 1]
    if bias:
        tensors.append(T((cout,), "int32", bscales, [0] * len(bscales), 0, rng.integers(-5000, 5000, cout).astype(np.int32)))
        inputs.append(2)
    else:
        inputs.append(-1)
    y = _act_tensor(rng, (1, oh, ow, cout), scale=rng.uniform(0.02, 0.5))
    tensors.append(y)
    yi = len(tensors) - 1
    opts = dict(Padding=_PAD[padding], StrideW=stride[1], StrideH=stride[0], FusedActivationFunction=_ACT[act],
                DilationWFactor=dil[1], DilationHFactor=dil[0])
    if depthwise:
        opts["DepthMultiplier"] = depth_mult
        op = Op("DEPTHWISE_CONV_2D", inputs, [yi], "DepthwiseConv2DOptions", opts)
    else:
        op = Op("CONV_2D", inputs, [yi], "Conv2DOptions", opts)
    return build(tensors, [op], [0], [yi])


def fc_model(rng, *, batches, depth, units, act="NONE", per_channel=False, bias=True) -> bytes:
    x = _act_tensor(rng, (batches, depth))
    wdata = rng.integers(-127, 128, (units, depth)).astype(np.int8)
    wscales = [float(s) for s in rng.uniform(0.001, 0.05, units)] if per_channel else float(rng.uniform(0.001, 0.05))
    wt = T((units, depth), "int8", wscales, [0] * units if per_channel else 0, 0, wdata)
    ws = np.atleast_1d(np.asarray(wscales, np.float32))
    tensors = [x, wt]
    inputs = [0, 1]
    if bias:
        bs = [float(np.float32(x.scale) * s) for s in ws]
        tensors.append(T((units,), "int32", bs, [0] * len(bs), 0, rng.integers(-5000, 5000, units).astype(np.int32)))
        inputs.append(2)
    else:
        inputs.append(-1)
    tensors.append(_act_tensor(rng, (batches, units), scale=rng.uniform(0.05, 0.5)))
    yi = len(tensors) - 1
    op = Op("FULLY_CONNECTED", inputs, [yi], "FullyConnectedOptions", dict(FusedActivationFunction=_ACT[act]))
    return build(tensors, [op], [0], [yi])


def pool_model(rng, opcode, *, h, w, c, kh, kw, stride=(1, 1), padding="VALID", act="NONE") -> bytes:
    oh = out_size(padding, h, kh, stride[0])
    ow = out_size(padding, w, kw, stride[1])
    x = _act_tensor(rng, (1, h, w, c))
    y = T((1, oh, ow, c), "int8", x.scale, x.zero_point)
    op = Op(opcode, [0], [1], "Pool2DOptions", dict(Padding=_PAD[padding], StrideW=stride[1], StrideH=stride[0],
                                                     FilterWidth=kw, FilterHeight=kh, FusedActivationFunction=_ACT[act]))
    return build([x, y], [op], [0], [1])


def binary_model(rng, opcode, shape1, shape2, *, act="NONE", const_second=False) -> bytes:
    out_shape = np.broadcast_shapes(tuple(shape1), tuple(shape2))
    a = _act_tensor(rng, shape1)
    b = _act_tensor(rng, shape2)
    if const_second:
        b.data = rng.integers(-128, 128, shape2).astype(np.int8)
    y = _act_tensor(rng, out_shape, scale=rng.uniform(0.01, 0.3))
    options_type = {"ADD": "AddOptions", "SUB": "SubOptions", "MUL": "MulOptions"}[opcode]
    op = Op(opcode, [0, 1], [2], options_type, dict(FusedActivationFunction=_ACT[act]))
    return build([a, b, y], [op], [0] if const_second else [0, 1], [2])


def softmax_model(rng, shape, beta=1.0) -> bytes:
    x = _act_tensor(rng, shape, scale=rng.uniform(0.01, 0.5))
    y = T(tuple(shape), "int8", 1 / 256, -128)
    return build([x, y], [Op("SOFTMAX", [0], [1], "SoftmaxOptions", dict(Beta=beta))], [0], [1])


def unary_model(rng, opcode, shape, *, out_scale=None, out_zp=None, options_type=None, options=None) -> bytes:
    x = _act_tensor(rng, shape)
    y = _act_tensor(rng, shape, scale=out_scale, zp=out_zp)
    return build([x, y], [Op(opcode, [0], [1], options_type, options or {})], [0], [1])


def mean_model(rng, shape, axes, keep_dims, same_quantization=False) -> bytes:
    x = _act_tensor(rng, shape)
    rank = len(shape)
    red = {a % rank for a in axes}
    out_shape = [1 if d in red else shape[d] for d in range(rank)] if keep_dims else [shape[d] for d in range(rank) if d not in red]
    y = T(tuple(out_shape), "int8", x.scale, x.zero_point) if same_quantization else _act_tensor(rng, out_shape)
    ax = T((len(axes),), "int32", data=np.array(axes, np.int32))
    return build([x, ax, y], [Op("MEAN", [0, 1], [2], "ReducerOptions", dict(KeepDims=keep_dims))], [0], [2])


def pad_model(rng, shape, pads, value=None) -> bytes:
    x = _act_tensor(rng, shape)
    out_shape = [d + a + b for d, (a, b) in zip(shape, pads)]
    y = T(tuple(out_shape), "int8", x.scale, x.zero_point)
    p = T((len(shape), 2), "int32", data=np.array(pads, np.int32))
    tensors, inputs, opcode = [x, p, y], [0, 1], "PAD"
    if value is not None:
        tensors.append(T((1,), "int8", x.scale, x.zero_point, data=np.array([value], np.int8)))
        inputs.append(3)
        opcode = "PADV2"
    return build(tensors, [Op(opcode, inputs, [2])], [0], [2])


def concat_model(rng, shapes, axis) -> bytes:
    scale, zp = float(rng.uniform(0.01, 0.2)), int(rng.integers(-128, 128))
    xs = [T(tuple(s), "int8", scale, zp) for s in shapes]
    out = list(shapes[0])
    out[axis] = sum(s[axis] for s in shapes)
    y = T(tuple(out), "int8", scale, zp)
    n = len(xs)
    return build(xs + [y], [Op("CONCATENATION", list(range(n)), [n], "ConcatenationOptions", dict(Axis=axis))], list(range(n)), [n])


# --- vision operators (tests/codegen/test_ops_vision.py) --------------------------------

def _i32(values) -> T:
    data = np.asarray(values, np.int32)
    return T(tuple(data.shape), "int32", data=data)


def resize_model(rng, opcode, *, n, h, w, c, oh, ow, align_corners=False, half_pixel_centers=False) -> bytes:
    x = _act_tensor(rng, (n, h, w, c))
    y = T((n, oh, ow, c), "int8", x.scale, x.zero_point)
    options_type = {"RESIZE_BILINEAR": "ResizeBilinearOptions", "RESIZE_NEAREST_NEIGHBOR": "ResizeNearestNeighborOptions"}[opcode]
    op = Op(opcode, [0, 1], [2], options_type, dict(AlignCorners=align_corners, HalfPixelCenters=half_pixel_centers))
    return build([x, _i32([oh, ow]), y], [op], [0], [2])


def strided_slice_model(rng, shape, begin, end, strides, *, begin_mask=0, end_mask=0, shrink_axis_mask=0) -> bytes:
    """The output shape is numpy's for the same slices (Python's slicing rules are TFLite's)."""
    index = []
    for a in range(len(shape)):
        if shrink_axis_mask & (1 << a):
            index.append(begin[a])
        else:
            index.append(slice(None if begin_mask & (1 << a) else begin[a], None if end_mask & (1 << a) else end[a], strides[a]))
    out_shape = np.empty(shape, np.int8)[tuple(index)].shape
    x = _act_tensor(rng, shape)
    y = T(tuple(out_shape), "int8", x.scale, x.zero_point)
    op = Op("STRIDED_SLICE", [0, 1, 2, 3], [4], "StridedSliceOptions",
            dict(BeginMask=begin_mask, EndMask=end_mask, ShrinkAxisMask=shrink_axis_mask))
    return build([x, _i32(begin), _i32(end), _i32(strides), y], [op], [0], [4])


def slice_model(rng, shape, begin, size) -> bytes:
    out_shape = tuple(d - b if s == -1 else s for d, b, s in zip(shape, begin, size))
    x = _act_tensor(rng, shape)
    y = T(out_shape, "int8", x.scale, x.zero_point)
    return build([x, _i32(begin), _i32(size), y], [Op("SLICE", [0, 1, 2], [3])], [0], [3])


def transpose_model(rng, shape, perm) -> bytes:
    x = _act_tensor(rng, shape)
    y = T(tuple(shape[p] for p in perm), "int8", x.scale, x.zero_point)
    return build([x, _i32(perm), y], [Op("TRANSPOSE", [0, 1], [2])], [0], [2])


def split_model(rng, opcode, shape, axis, sizes) -> bytes:
    """SPLIT (equal sizes), SPLIT_V (any sizes) or UNPACK (sizes all 1, the axis dropped)."""
    x = _act_tensor(rng, shape)
    ax = axis % len(shape)
    outs = []
    for s in sizes:
        out = list(shape)
        if opcode == "UNPACK":
            del out[ax]
        else:
            out[ax] = s
        outs.append(T(tuple(out), "int8", x.scale, x.zero_point))
    n = len(outs)
    if opcode == "SPLIT":
        tensors, inputs = [_i32([axis]), x] + outs, [0, 1]
        op = Op("SPLIT", inputs, list(range(2, 2 + n)), "SplitOptions", dict(NumSplits=n))
        return build(tensors, [op], [1], list(range(2, 2 + n)))
    if opcode == "SPLIT_V":
        tensors = [x, _i32(sizes), _i32([axis])] + outs
        op = Op("SPLIT_V", [0, 1, 2], list(range(3, 3 + n)), "SplitVOptions", dict(NumSplits=n))
        return build(tensors, [op], [0], list(range(3, 3 + n)))
    op = Op("UNPACK", [0], list(range(1, 1 + n)), "UnpackOptions", dict(Num=n, Axis=axis))
    return build([x] + outs, [op], [0], list(range(1, 1 + n)))


def pack_model(rng, shape, n, axis) -> bytes:
    scale, zp = float(rng.uniform(0.01, 0.2)), int(rng.integers(-128, 128))
    xs = [T(tuple(shape), "int8", scale, zp) for _ in range(n)]
    out = list(shape)
    out.insert(axis % (len(shape) + 1), n)
    y = T(tuple(out), "int8", scale, zp)
    return build(xs + [y], [Op("PACK", list(range(n)), [n], "PackOptions", dict(ValuesCount=n, Axis=axis))], list(range(n)), [n])


def gather_model(rng, shape, axis, indices) -> bytes:
    x = _act_tensor(rng, shape)
    idx = _i32(indices)
    ax = axis % len(shape)
    out = tuple(shape[:ax]) + tuple(idx.shape) + tuple(shape[ax + 1:])
    y = T(out, "int8", x.scale, x.zero_point)
    return build([x, idx, y], [Op("GATHER", [0, 1], [2], "GatherOptions", dict(Axis=axis))], [0], [2])


def binary_op_model(rng, opcode, shape1, shape2, *, options_type=None, const_second=False, out_same_as_first=False) -> bytes:
    """A two-input int8 operator without options of its own (MAXIMUM, MINIMUM, PRELU, SQUARED_DIFFERENCE)."""
    out_shape = np.broadcast_shapes(tuple(shape1), tuple(shape2))
    a, b = _act_tensor(rng, shape1), _act_tensor(rng, shape2)
    if const_second:
        b.data = rng.integers(-128, 128, shape2).astype(np.int8)
    y = T(tuple(out_shape), "int8", a.scale, a.zero_point) if out_same_as_first else _act_tensor(rng, out_shape, scale=rng.uniform(0.01, 0.3))
    return build([a, b, y], [Op(opcode, [0, 1], [2], options_type, {})], [0] if const_second else [0, 1], [2])


def transpose_conv_model(rng, *, n=1, h, w, cin, cout, kh, kw, stride=(1, 1), padding="SAME", bias=True, per_channel=True,
                         act="NONE", out_hw=None) -> bytes:
    if out_hw is None:
        out_hw = ((h * stride[0], w * stride[1]) if padding == "SAME"
                  else ((h - 1) * stride[0] + kh, (w - 1) * stride[1] + kw))
    oh, ow = out_hw
    x = _act_tensor(rng, (n, h, w, cin))
    wdata = rng.integers(-127, 128, (cout, kh, kw, cin)).astype(np.int8)
    wscales = [float(s) for s in rng.uniform(0.001, 0.05, cout)] if per_channel else float(rng.uniform(0.001, 0.05))
    wt = T((cout, kh, kw, cin), "int8", wscales, [0] * cout if per_channel else 0, 0, wdata)
    tensors = [_i32([n, oh, ow, cout]), wt, x]
    inputs = [0, 1, 2]
    if bias:
        ws = np.atleast_1d(np.asarray(wscales, np.float32))
        bs = [float(np.float32(x.scale) * s) for s in ws]
        tensors.append(T((cout,), "int32", bs, [0] * len(bs), 0, rng.integers(-5000, 5000, cout).astype(np.int32)))
        inputs.append(3)
    tensors.append(_act_tensor(rng, (n, oh, ow, cout), scale=rng.uniform(0.02, 0.5)))
    yi = len(tensors) - 1
    op = Op("TRANSPOSE_CONV", inputs, [yi], "TransposeConvOptions",
            dict(Padding=_PAD[padding], StrideW=stride[1], StrideH=stride[0], FusedActivationFunction=_ACT[act]))
    return build(tensors, [op], [2], [yi])


def space_batch_model(rng, opcode, shape, block, edges) -> bytes:
    """SPACE_TO_BATCH_ND (edges: paddings) or BATCH_TO_SPACE_ND (edges: crops), NHWC."""
    b, h, w, c = shape
    (t, bo), (l, r) = edges
    if opcode == "SPACE_TO_BATCH_ND":
        out = (b * block[0] * block[1], (h + t + bo) // block[0], (w + l + r) // block[1], c)
    else:
        out = (b // (block[0] * block[1]), h * block[0] - t - bo, w * block[1] - l - r, c)
    x = _act_tensor(rng, shape)
    y = T(out, "int8", x.scale, x.zero_point)
    options_type = {"SPACE_TO_BATCH_ND": "SpaceToBatchNDOptions", "BATCH_TO_SPACE_ND": "BatchToSpaceNDOptions"}[opcode]
    return build([x, _i32(block), _i32(edges), y], [Op(opcode, [0, 1, 2], [3], options_type, {})], [0], [3])
