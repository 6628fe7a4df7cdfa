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

from .modelbuilder import Op, T, build

PROPERTY = settings(max_examples=10, deadline=None, suppress_health_check=[HealthCheck.too_slow], derandomize=True)
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
