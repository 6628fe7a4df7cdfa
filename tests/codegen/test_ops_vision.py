"""Property tests of the operators vision models add to the plain CONV/pool/FC graph:
uint8 and float boundaries, resizing, slicing, transposing, splitting, packing,
elementwise min/max, PReLU, squared difference, gather, transposed and dilated
(space-to-batch) convolutions. Random single-operator models written as flatbuffers
(tests/codegen/modelbuilder.py) must match tflite-micro bit for bit under ASan+UBSan;
one small chain of them runs on the emulated Cortex-M4F (qemu-mps2-an386).
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from tinyvid.codegen.boundary import strip_float_io
from tinyvid.codegen.verify import verify
from tinyvid.model.reader import load_graph

from .modelbuilder import (Op, T, binary_op_model, build, gather_model, pack_model, resize_model, slice_model,
                           space_batch_model, split_model, strided_slice_model, transpose_conv_model, transpose_model)

PROPERTY = settings(max_examples=6, deadline=None, suppress_health_check=[HealthCheck.too_slow], derandomize=True)
ACTS = st.sampled_from(["NONE", "RELU", "RELU6", "RELU_N1_TO_1"])
SEEDS = st.integers(0, 2**31)


def assert_bit_exact(model: bytes, samples: int = 5) -> None:
    r = verify(model, samples=samples, measure_tflm_arena=False)
    assert r.compared_bytes > 0
    assert r.differing_bytes == 0, r.to_dict()


def opcodes(model: bytes) -> list[str]:
    return [op.opcode for op in strip_float_io(load_graph(model)).operators]


# --- uint8 and float boundaries ------------------------------------------------------------

def u8_boundary_model(rng, shape, *, same_input: bool, same_output: bool, float_output: bool = False) -> bytes:
    """uint8 input -> QUANTIZE -> MUL (x * x) -> QUANTIZE -> uint8 output (or DEQUANTIZE -> float)."""
    in_scale, in_zp = float(rng.uniform(0.002, 0.05)), int(rng.integers(0, 256))
    q = (in_scale, in_zp - 128) if same_input else (float(rng.uniform(0.002, 0.05)), int(rng.integers(-128, 128)))
    y = T(shape, "int8", float(rng.uniform(0.0005, 0.01)), int(rng.integers(-128, 128)))
    tensors = [T(shape, "uint8", in_scale, in_zp), T(shape, "int8", *q), y]
    ops = [Op("QUANTIZE", [0], [1]), Op("MUL", [1, 1], [2], "MulOptions", dict(FusedActivationFunction=0))]
    if float_output:
        tensors.append(T(shape, "float32"))
        ops.append(Op("DEQUANTIZE", [2], [3]))
    else:
        out = (y.scale, y.zero_point + 128) if same_output else (float(rng.uniform(0.0005, 0.01)), int(rng.integers(0, 256)))
        tensors.append(T(shape, "uint8", *out))
        ops.append(Op("QUANTIZE", [2], [3]))
    return build(tensors, ops, [0], [3])


@PROPERTY
@given(seed=SEEDS, shape=st.sampled_from([(1, 5), (1, 3, 4, 3), (2, 7)]), same_input=st.booleans(),
       same_output=st.booleans(), float_output=st.booleans())
def test_uint8_and_float_boundaries_match_tflm(seed, shape, same_input, same_output, float_output):
    model = u8_boundary_model(np.random.default_rng(seed), shape, same_input=same_input, same_output=same_output,
                              float_output=float_output)
    ops = opcodes(model)
    # an exact u8 - 128 QUANTIZE folds into the C API's int8 input (the firmware's uint8 conversion), as does
    # DEQUANTIZE and the int8 -> uint8 x + 128; any other one is a requantization
    assert ops.count("QUANTIZE") == (0 if same_input else 1) + (0 if same_output or float_output else 1)
    assert "DEQUANTIZE" not in ops
    assert_bit_exact(model)


def test_uint8_input_becomes_an_int8_c_input_fed_as_u8_minus_128():
    model = u8_boundary_model(np.random.default_rng(1), (1, 4, 4, 3), same_input=True, same_output=True)
    original = load_graph(model)
    graph = strip_float_io(original)
    (x,), (y,) = graph.input_tensors(), graph.output_tensors()
    assert (x.dtype, y.dtype) == ("int8", "int8")
    assert x.quantization.zero_point == original.tensors[0].quantization.zero_point - 128
    assert np.float32(x.quantization.scale) == np.float32(original.tensors[0].quantization.scale)
    assert y.quantization.zero_point == original.tensors[original.outputs[0]].quantization.zero_point - 128


def test_an_unsupported_operator_is_refused_before_anything_is_written(tmp_path):
    from tinyvid.codegen.emit import emit
    from tinyvid.errors import UnsupportedModelError

    x, y = T((1, 4), "int8", 0.1, 0), T((1, 4), "int8", 0.1, 0)
    path = tmp_path / "m.tflite"
    path.write_bytes(build([x, y, T((1, 4), "int8", 0.1, 0)], [Op("RELU", [0], [1]), Op("EXP", [1], [2])], [0], [2]))
    with pytest.raises(UnsupportedModelError) as err:
        emit(path, tmp_path / "out", measure_tflm=False)
    assert "operator 1 (EXP)" in str(err.value)
    assert "tinyvid/codegen/ops/__init__.py" in err.value.hint
    assert not (tmp_path / "out").exists()


# --- resizing ------------------------------------------------------------------------------

@PROPERTY
@given(seed=SEEDS, opcode=st.sampled_from(["RESIZE_NEAREST_NEIGHBOR", "RESIZE_BILINEAR"]), n=st.integers(1, 2),
       h=st.integers(1, 7), w=st.integers(1, 7), c=st.integers(1, 4), oh=st.integers(1, 15), ow=st.integers(1, 15),
       mode=st.sampled_from(["plain", "align_corners", "half_pixel_centers"]))
def test_resize_matches_tflm(seed, opcode, n, h, w, c, oh, ow, mode):
    rng = np.random.default_rng(seed)
    assert_bit_exact(resize_model(rng, opcode, n=n, h=h, w=w, c=c, oh=oh, ow=ow, align_corners=mode == "align_corners",
                                  half_pixel_centers=mode == "half_pixel_centers"))


# --- slicing, transposing, splitting, packing, gathering -------------------------------------

@st.composite
def strided_slices(draw):
    rank = draw(st.integers(1, 4))
    shape = tuple(draw(st.lists(st.integers(1, 6), min_size=rank, max_size=rank)))
    begin = [draw(st.integers(-d - 1, d + 1)) for d in shape]
    end = [draw(st.integers(-d - 1, d + 1)) for d in shape]
    strides = [draw(st.sampled_from([-2, -1, 1, 1, 2, 3])) for _ in shape]
    masks = [draw(st.integers(0, (1 << rank) - 1)) for _ in range(3)]
    return shape, begin, end, strides, masks


@PROPERTY
@given(seed=SEEDS, case=strided_slices())
def test_strided_slice_matches_tflm(seed, case):
    shape, begin, end, strides, (begin_mask, end_mask, shrink) = case
    # a shrunk axis takes one valid index (TFLite refuses any other)
    assume(all(-d <= b < d for d, b, a in zip(shape, begin, range(len(shape))) if shrink & (1 << a)))
    shrink &= ~begin_mask
    model = strided_slice_model(np.random.default_rng(seed), shape, begin, end, strides, begin_mask=begin_mask,
                                end_mask=end_mask, shrink_axis_mask=shrink)
    out = load_graph(model).output_tensors()[0]
    assume(out.size > 0)
    assert_bit_exact(model)


@PROPERTY
@given(seed=SEEDS, shape=st.lists(st.integers(1, 6), min_size=1, max_size=5), data=st.data())
def test_slice_matches_tflm(seed, shape, data):
    begin = [data.draw(st.integers(0, d - 1)) for d in shape]
    size = [data.draw(st.sampled_from([-1, *range(1, d - b + 1)])) for d, b in zip(shape, begin)]
    assert_bit_exact(slice_model(np.random.default_rng(seed), tuple(shape), begin, size))


@PROPERTY
@given(seed=SEEDS, shape=st.lists(st.integers(1, 5), min_size=1, max_size=5), data=st.data())
def test_transpose_matches_tflm(seed, shape, data):
    perm = data.draw(st.permutations(range(len(shape))))
    assert_bit_exact(transpose_model(np.random.default_rng(seed), tuple(shape), list(perm)))


@PROPERTY
@given(seed=SEEDS, opcode=st.sampled_from(["SPLIT", "SPLIT_V", "UNPACK"]), shape=st.lists(st.integers(1, 6), min_size=1, max_size=4),
       data=st.data())
def test_split_and_unpack_match_tflm(seed, opcode, shape, data):
    axis = data.draw(st.integers(-len(shape), len(shape) - 1))
    size = shape[axis]
    if opcode == "UNPACK":
        assume(len(shape) > 1)
        sizes = [1] * size
    elif opcode == "SPLIT":
        n = data.draw(st.sampled_from([k for k in range(1, size + 1) if size % k == 0]))
        sizes = [size // n] * n
    else:
        cuts = sorted(data.draw(st.lists(st.integers(1, size - 1), max_size=3, unique=True))) if size > 1 else []
        sizes = [b - a for a, b in zip([0, *cuts], [*cuts, size])]
    assert_bit_exact(split_model(np.random.default_rng(seed), opcode, tuple(shape), axis, sizes))


@PROPERTY
@given(seed=SEEDS, shape=st.lists(st.integers(1, 5), min_size=1, max_size=3), n=st.integers(1, 4), data=st.data())
def test_pack_matches_tflm(seed, shape, n, data):
    axis = data.draw(st.integers(-len(shape) - 1, len(shape)))
    assert_bit_exact(pack_model(np.random.default_rng(seed), tuple(shape), n, axis))


@PROPERTY
@given(seed=SEEDS, shape=st.lists(st.integers(1, 6), min_size=1, max_size=4), data=st.data())
def test_gather_with_constant_indices_matches_tflm(seed, shape, data):
    axis = data.draw(st.integers(-len(shape), len(shape) - 1))
    index_shape = data.draw(st.sampled_from([(3,), (1,), (2, 2)]))
    indices = np.asarray(data.draw(st.lists(st.integers(0, shape[axis] - 1), min_size=int(np.prod(index_shape)),
                                            max_size=int(np.prod(index_shape))))).reshape(index_shape)
    assume(len(shape) - 1 + len(index_shape) <= 4)
    assert_bit_exact(gather_model(np.random.default_rng(seed), tuple(shape), axis, indices.tolist()))


# --- elementwise ---------------------------------------------------------------------------

BROADCASTS = [((1, 4, 4, 3), (1, 4, 4, 3)), ((1, 4, 4, 3), (1, 1, 1, 3)), ((1, 3, 5, 2), (3, 1, 2)), ((2, 7), (7,)),
              ((1, 5, 1, 2), (1, 1, 3, 1)), ((6,), (1,))]


@PROPERTY
@given(seed=SEEDS, opcode=st.sampled_from(["MAXIMUM", "MINIMUM", "SQUARED_DIFFERENCE"]), shapes=st.sampled_from(BROADCASTS),
       const_second=st.booleans(), same=st.booleans())
def test_minimum_maximum_and_squared_difference_match_tflm(seed, opcode, shapes, const_second, same):
    rng = np.random.default_rng(seed)
    assume(opcode != "SQUARED_DIFFERENCE" or not same)
    # TFLM's MAXIMUM / MINIMUM compare stored values: converters give them one quantization
    assert_bit_exact(binary_op_model(rng, opcode, *shapes, const_second=const_second, out_same_as_first=same))


@PROPERTY
@given(seed=SEEDS, shapes=st.sampled_from([((1, 4, 4, 3), (1, 1, 3)), ((1, 4, 4, 3), (1, 4, 4, 3)), ((1, 3, 2, 5), (5,)),
                                           ((2, 6), (6,))]), const_alpha=st.booleans())
def test_prelu_matches_tflm(seed, shapes, const_alpha):
    assert_bit_exact(binary_op_model(np.random.default_rng(seed), "PRELU", *shapes, const_second=const_alpha), samples=8)


# --- transposed and dilated convolutions ---------------------------------------------------

@PROPERTY
@given(seed=SEEDS, n=st.integers(1, 2), h=st.integers(1, 6), w=st.integers(1, 6), cin=st.integers(1, 5), cout=st.integers(1, 5),
       kh=st.integers(1, 4), kw=st.integers(1, 4), sh=st.integers(1, 3), sw=st.integers(1, 3),
       padding=st.sampled_from(["SAME", "VALID"]), bias=st.booleans(), per_channel=st.booleans(), act=ACTS)
def test_transpose_conv_matches_tflm(seed, n, h, w, cin, cout, kh, kw, sh, sw, padding, bias, per_channel, act):
    rng = np.random.default_rng(seed)
    assert_bit_exact(transpose_conv_model(rng, n=n, h=h, w=w, cin=cin, cout=cout, kh=kh, kw=kw, stride=(sh, sw),
                                          padding=padding, bias=bias, per_channel=per_channel, act=act))


@PROPERTY
@given(seed=SEEDS, b=st.integers(1, 2), h=st.integers(1, 7), w=st.integers(1, 7), c=st.integers(1, 4), bh=st.integers(1, 3),
       bw=st.integers(1, 3), data=st.data())
def test_space_to_batch_and_back_match_tflm(seed, b, h, w, c, bh, bw, data):
    rng = np.random.default_rng(seed)
    top, left = data.draw(st.integers(0, bh)), data.draw(st.integers(0, bw))
    bottom, right = (-(h + top)) % bh, (-(w + left)) % bw
    assert_bit_exact(space_batch_model(rng, "SPACE_TO_BATCH_ND", (b, h, w, c), [bh, bw], [[top, bottom], [left, right]]))
    ct = data.draw(st.integers(0, h * bh - 1))
    cl = data.draw(st.integers(0, w * bw - 1))
    cb = data.draw(st.integers(0, h * bh - 1 - ct))
    cr = data.draw(st.integers(0, w * bw - 1 - cl))
    assert_bit_exact(space_batch_model(rng, "BATCH_TO_SPACE_ND", (b * bh * bw, h, w, c), [bh, bw], [[ct, cb], [cl, cr]]))


# --- a chain of them, on the host and on the emulated Cortex-M4F -----------------------------

def chain_model(seed: int) -> bytes:
    """uint8 camera input -> (folded QUANTIZE) -> RESIZE_BILINEAR -> TRANSPOSE_CONV -> STRIDED_SLICE -> SPLIT ->
    MAXIMUM -> PRELU -> TRANSPOSE -> (folded QUANTIZE) -> uint8 output."""
    rng = np.random.default_rng(seed)

    def i32(v):
        v = np.asarray(v, np.int32)
        return T(v.shape, "int32", data=v)

    def act(shape, scale, zp):
        return T(shape, "int8", float(scale), int(zp))

    s = 1 / 255
    wscales = [float(v) for v in rng.uniform(0.002, 0.02, 6)]
    tensors = [
        T((1, 5, 5, 4), "uint8", s, 0),                                              # 0 input
        act((1, 5, 5, 4), s, -128),                                                  # 1
        i32([8, 8]),                                                                 # 2
        act((1, 8, 8, 4), s, -128),                                                  # 3
        i32([1, 16, 16, 6]),                                                         # 4
        T((6, 3, 3, 4), "int8", wscales, [0] * 6, 0, rng.integers(-127, 128, (6, 3, 3, 4)).astype(np.int8)),  # 5
        T((6,), "int32", [float(np.float32(s) * np.float32(v)) for v in wscales], [0] * 6, 0,
          rng.integers(-3000, 3000, 6).astype(np.int32)),                           # 6
        act((1, 16, 16, 6), 0.02, -3),                                               # 7
        i32([0, 1, 0, 0]), i32([1, 15, 16, 6]), i32([1, 2, 2, 1]),                   # 8 9 10
        act((1, 7, 8, 6), 0.02, -3),                                                 # 11
        i32([3]),                                                                    # 12
        act((1, 7, 8, 3), 0.02, -3), act((1, 7, 8, 3), 0.02, -3),                    # 13 14
        act((1, 7, 8, 3), 0.02, -3),                                                 # 15
        T((3,), "int8", 0.01, 0, data=np.array([20, -50, 90], np.int8)),             # 16 alpha
        act((1, 7, 8, 3), 0.015, 5),                                                 # 17
        i32([0, 3, 1, 2]),                                                           # 18
        act((1, 3, 7, 8), 0.015, 5),                                                 # 19
        T((1, 3, 7, 8), "uint8", 0.015, 133),                                        # 20 output
    ]
    ops = [
        Op("QUANTIZE", [0], [1]),
        Op("RESIZE_BILINEAR", [1, 2], [3], "ResizeBilinearOptions", dict(HalfPixelCenters=True)),
        Op("TRANSPOSE_CONV", [4, 5, 3, 6], [7], "TransposeConvOptions", dict(Padding=0, StrideW=2, StrideH=2)),
        Op("STRIDED_SLICE", [7, 8, 9, 10], [11], "StridedSliceOptions", {}),
        Op("SPLIT", [12, 11], [13, 14], "SplitOptions", dict(NumSplits=2)),
        Op("MAXIMUM", [13, 14], [15]),
        Op("PRELU", [15, 16], [17]),
        Op("TRANSPOSE", [17, 18], [19]),
        Op("QUANTIZE", [19], [20]),
    ]
    return build(tensors, ops, [0], [20])


def test_a_chain_of_vision_operators_matches_tflm_on_the_host():
    model = chain_model(5)
    assert opcodes(model) == ["RESIZE_BILINEAR", "TRANSPOSE_CONV", "STRIDED_SLICE", "SPLIT", "MAXIMUM", "PRELU", "TRANSPOSE"]
    assert_bit_exact(model, samples=4)


@pytest.mark.emulated
def test_a_chain_of_vision_operators_on_the_cortex_m4_board_matches_tflite_micro(tmp_path):
    import sys
    from pathlib import Path

    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "fixtures" / "firmware"))
    from dut_client import DutClient
    from helpers import have_arm_toolchain, have_qemu

    from tinyvid.build import build_project, launch_board
    from tinyvid.model.reference import tflm_invoke
    from tinyvid.project import generate_project

    if not (have_qemu() and have_arm_toolchain()):
        pytest.skip("needs qemu-system-arm and arm-none-eabi-gcc")
    path = tmp_path / "chain.tflite"
    path.write_bytes(chain_model(5))
    project = generate_project(path, "qemu-mps2-an386", tmp_path / "p")
    assert project.conversion == "uint8"  # the camera's bytes, fed as u8 - 128 to the int8 C input
    assert build_project(project.path).warnings == ()
    rng = np.random.default_rng(3)
    inputs = [np.zeros(100, np.uint8), np.full(100, 255, np.uint8)] + [rng.integers(0, 256, 100, dtype=np.uint8) for _ in range(2)]
    with launch_board(project.path) as running, DutClient.connect(running.url) as dut:
        dut.reply()
        for pixels in inputs:
            out_u8 = tflm_invoke(path, [pixels.reshape(1, 5, 5, 4)])[0].reshape(-1)
            expected = (out_u8.astype(np.int16) - 128).astype(np.int8)
            assert dut.tv_load(pixels.tobytes(), timeout=60) == ["m-load-done", "m-ready"]
            reply = dut.command("tv-infer", timeout=60)
            assert reply[1] == f"m-tv-output-[{expected.astype(np.uint8).tobytes().hex()}]"


# --- a converter-made model -------------------------------------------------------------------

@pytest.mark.slow
def test_a_keras_model_with_the_vision_layers_is_bit_exact_after_the_int8_converter():
    """UpSampling2D (nearest, bilinear), tf.image.resize, Conv2DTranspose, PReLU, Maximum, Minimum,
    Concatenate, Cropping2D, a strided slice and Permute through tinyvid's own int8 conversion."""
    from tinyvid import _tf
    from tinyvid.compress.quantize import representative_frames, to_int8_tflite

    _tf.set_seed(0)
    keras, tf = _tf.keras(), _tf.tf()
    layers = keras.layers
    # a free batch: Conv2DTranspose computes its output shape at run time (SHAPE, STRIDED_SLICE, PACK), folded
    inp = keras.Input((20, 20, 3))
    x = layers.Conv2D(8, 3, strides=2, padding="same", activation="relu")(inp)
    prelu = layers.PReLU(shared_axes=[1, 2])(layers.Conv2D(8, 1)(x))
    bilinear = layers.UpSampling2D(interpolation="bilinear")(prelu)
    nearest = layers.UpSampling2D(interpolation="nearest")(x)
    transposed = layers.Conv2DTranspose(8, 3, strides=2, padding="same")(x)
    y = layers.Concatenate()([layers.Maximum()([bilinear, transposed]), layers.Minimum()([nearest, transposed])])
    y = layers.Cropping2D(((1, 3), (2, 2)))(y)
    y = layers.Lambda(lambda v: tf.image.resize(v, (8, 8), method="bilinear"))(y)
    y = layers.Lambda(lambda v: v[:, ::2, 1:, :6])(y)
    y = layers.Conv2D(4, 1)(layers.Permute((2, 1, 3))(y))
    model = keras.Model(inp, y)
    frames = representative_frames(np.random.default_rng(0).random((40, 20, 20, 3), dtype=np.float32), 30, 0)
    # tinyvid's converter fixes the batch at 1, so its shapes are static; converted with the
    # free batch (as other tools do) the graph computes them at run time, and the code
    # generator folds that arithmetic
    flatbuffer = _free_batch_int8(tf, model, frames)
    assert "SHAPE" in [op.opcode for op in load_graph(flatbuffer).operators]
    assert_bit_exact(to_int8_tflite(model, frames), samples=4)
    ops = set(opcodes(flatbuffer))
    assert "SHAPE" not in ops and "PACK" not in ops
    assert {"RESIZE_BILINEAR", "RESIZE_NEAREST_NEIGHBOR", "TRANSPOSE_CONV", "PRELU", "MAXIMUM", "MINIMUM",
            "STRIDED_SLICE", "TRANSPOSE"} <= ops
    assert_bit_exact(flatbuffer, samples=10)


def _free_batch_int8(tf, model, frames) -> bytes:
    converter = tf.lite.TFLiteConverter.from_keras_model(model)
    converter.optimizations = [tf.lite.Optimize.DEFAULT]
    converter.representative_dataset = lambda: ([f[None]] for f in frames)
    converter.target_spec.supported_ops = [tf.lite.OpsSet.TFLITE_BUILTINS_INT8]
    converter.inference_input_type = tf.int8
    converter.inference_output_type = tf.int8
    return bytes(converter.convert())
