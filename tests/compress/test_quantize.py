import numpy as np
import pytest

from tinyvid.compress.evaluate import agreement, tflite_outputs, quantize_frames, tflm_check
from tinyvid.compress.quantize import INPUT_SCALE, INPUT_ZERO_POINT, representative_frames, to_int8_tflite
from tinyvid.model.convert import keras_to_tflite
from tinyvid.errors import ModelError


@pytest.fixture(scope="module")
def int8_model(small_model, small_data):
    return to_int8_tflite(small_model, representative_frames(small_data.train.x, 100, seed=0))


def test_representative_frames_hold_black_white_and_seeded_training_frames(small_data):
    a = representative_frames(small_data.train.x, 50, seed=3)
    b = representative_frames(small_data.train.x, 50, seed=3)
    assert a.shape == (52,) + small_data.train.x.shape[1:]
    assert np.array_equal(a, b)
    assert a[0].max() == 0.0 and a[1].min() == 1.0


@pytest.mark.slow
def test_int8_input_is_scale_1_over_255_zero_point_minus_128_and_everything_is_int8(int8_model):
    from ai_edge_litert.interpreter import Interpreter

    interpreter = Interpreter(model_content=int8_model)
    (inp,), (out,) = interpreter.get_input_details(), interpreter.get_output_details()
    assert inp["dtype"] == np.int8 and out["dtype"] == np.int8
    scale, zero = inp["quantization"]
    assert zero == INPUT_ZERO_POINT == -128
    assert scale == pytest.approx(INPUT_SCALE, rel=1e-6)
    assert all(t["dtype"] != np.float32 for t in interpreter.get_tensor_details())


def test_quantized_frames_are_uint8_minus_128(small_data):
    x = small_data.test.x[:3]
    assert np.array_equal(quantize_frames(x).astype(np.int16), small_data.test.as_uint8()[:3].astype(np.int16) - 128)


@pytest.mark.slow
def test_int8_predictions_agree_with_float(int8_model, small_model, small_data):
    float_preds = small_model.predict(small_data.test.x, verbose=0)
    int8_preds = tflite_outputs(int8_model, small_data.test.x)
    assert agreement(int8_preds, float_preds) >= 0.95


@pytest.mark.slow
def test_int8_model_runs_in_tflite_micro_and_its_logits_match_litert_reference_kernels(int8_model, small_data):
    # The model ends in SOFTMAX: its input (the logits) is read from both interpreters.
    check = tflm_check(int8_model, small_data.test.x[:64])
    assert check["compared"] == "logits" and check["frames"] == 64
    assert check["agree"] and check["max_lsb"] <= 1 and check["tolerance_lsb"] == 1


@pytest.mark.slow
def test_a_model_without_softmax_is_compared_at_its_output(small_model, small_data):
    from tinyvid import _tf

    logits = _tf.keras().Model(small_model.inputs, small_model.get_layer("logits").output)
    flatbuffer = to_int8_tflite(logits, representative_frames(small_data.train.x, 64))
    check = tflm_check(flatbuffer, small_data.test.x[:64])
    assert check["compared"] == "output"
    assert check["agree"] and check["max_lsb"] == check["output_max_lsb"] <= 1


def test_shared_models_run_in_tflite_micro_and_agree_with_litert_reference_kernels(vww_model, resnet8_model):
    from tinyvid.model.reader import load_graph

    for path in (vww_model, resnet8_model):
        flatbuffer = path.read_bytes()
        graph = load_graph(flatbuffer)
        h, w, c = graph.tensors[graph.inputs[0]].shape[1:]
        frames = np.random.default_rng(0).random((8, h, w, c), dtype=np.float32)
        check = tflm_check(flatbuffer, frames)
        assert check["compared"] == "logits" and check["agree"], (path.name, check)


@pytest.mark.slow
def test_float_tflite_takes_float_frames_and_is_larger_than_int8(int8_model, small_model, small_data):
    from ai_edge_litert.interpreter import Interpreter

    flatbuffer = keras_to_tflite(small_model)
    assert len(flatbuffer) > len(int8_model)
    interpreter = Interpreter(model_content=flatbuffer)
    interpreter.allocate_tensors()
    inp, out = interpreter.get_input_details()[0], interpreter.get_output_details()[0]
    assert inp["dtype"] == np.float32
    interpreter.set_tensor(inp["index"], small_data.test.x[:1])
    interpreter.invoke()
    np.testing.assert_allclose(interpreter.get_tensor(out["index"]), small_model.predict(small_data.test.x[:1], verbose=0), atol=1e-5)


def test_an_op_without_int8_kernel_is_a_model_error_naming_it(small_data):
    from tinyvid import _tf

    tf, k = _tf.tf(), _tf.keras()
    L = k.layers
    model = k.Sequential([L.Input((24, 24, 1)), L.Conv2D(4, 3), L.Lambda(lambda t: tf.math.cumsum(t, axis=1)),
                          L.GlobalAveragePooling2D(), L.Dense(3, activation="softmax")])
    with pytest.raises(ModelError, match="CUMSUM"):
        to_int8_tflite(model, representative_frames(small_data.train.x, 8))


@pytest.mark.slow
def test_calibration_that_does_not_span_zero_to_one_is_refused(small_model, small_data):
    with pytest.raises(ModelError, match="span"):
        to_int8_tflite(small_model, small_data.train.x[:8] * 0.5 + 0.1)


@pytest.mark.slow
def test_weight_sparsity_is_read_back_from_the_int8_file(small_model, small_data):
    from tinyvid import _tf
    from tinyvid.compress.evaluate import tflite_weight_sparsity

    copy = _tf.keras().models.clone_model(small_model)
    weights = small_model.get_weights()
    for i, w in enumerate(weights):
        if w.ndim >= 2:  # kernels: zero the first half of the output channels
            w = w.copy()
            w[..., : w.shape[-1] // 2] = 0.0
            weights[i] = w
    copy.set_weights(weights)
    flatbuffer = to_int8_tflite(copy, representative_frames(small_data.train.x, 16))
    assert 0.45 <= tflite_weight_sparsity(flatbuffer) <= 0.55
