import numpy as np
import pytest

from tinyvid.errors import ModelError
from tinyvid.train import ARCHITECTURES, build_model, keras_macs


@pytest.mark.parametrize(
    "arch, shape, classes, params",
    [("tiny_cnn", (48, 48, 1), 3, {}), ("mobilenet_v1", (64, 64, 3), 2, {"alpha": 0.5}),
     ("resnet8", (32, 32, 3), 10, {})],
)
def test_builds_with_the_input_and_class_count_asked_for(arch, shape, classes, params):
    model = build_model(arch, shape, classes, **params)
    assert model.input_shape == (None, *shape)
    assert model.output_shape == (None, classes)
    probs = model(np.random.default_rng(0).random((2, *shape), np.float32)).numpy()
    np.testing.assert_allclose(probs.sum(axis=1), 1.0, rtol=1e-5)


def test_tiny_cnn_is_microcontroller_sized():
    model = build_model("tiny_cnn", (48, 48, 1), 3)
    assert 1_000_000 <= keras_macs(model) <= 3_000_000
    assert model.count_params() < 50_000


def test_mobilenet_v1_025_at_96x96_matches_the_vww_reference_size():
    # MLPerf Tiny visual wake words: MobileNetV1 alpha 0.25, 96x96x3, about 7.49 M MACs
    model = build_model("mobilenet_v1", (96, 96, 3), 2, alpha=0.25)
    assert keras_macs(model) == pytest.approx(7.49e6, rel=0.01)


def test_resnet8_at_32x32_matches_the_image_classification_reference_size():
    # MLPerf Tiny image classification: ResNet-8 on CIFAR-10, about 12.5 M MACs
    model = build_model("resnet8", (32, 32, 3), 10)
    assert keras_macs(model) == pytest.approx(12.5e6, rel=0.01)


def test_alpha_scales_mobilenet_width():
    small = build_model("mobilenet_v1", (32, 32, 1), 2, alpha=0.25).count_params()
    large = build_model("mobilenet_v1", (32, 32, 1), 2, alpha=0.5).count_params()
    assert large > 2.5 * small


def test_unknown_architecture_lists_the_known_ones():
    with pytest.raises(ModelError, match="unknown architecture 'vgg16'") as err:
        build_model("vgg16", (48, 48, 1), 2)
    for name in ARCHITECTURES:
        assert name in err.value.hint


def test_parameter_of_another_architecture_is_rejected():
    with pytest.raises(ModelError, match="no parameter alpha"):
        build_model("tiny_cnn", (48, 48, 1), 2, alpha=0.5)


@pytest.mark.slow
@pytest.mark.parametrize("arch", sorted(ARCHITECTURES))
def test_converts_to_int8_tflite_with_builtin_operators_only(arch, lfw_small):
    import tflite
    from ai_edge_litert.interpreter import Interpreter

    from tinyvid._tf import tf

    shape = (16, 16, 1)
    model = build_model(arch, shape, 2)
    converter = tf().lite.TFLiteConverter.from_keras_model(model)
    converter.optimizations = [tf().lite.Optimize.DEFAULT]
    converter.representative_dataset = lambda: ([x[None]] for x in lfw_small.train.x[:16])
    converter.target_spec.supported_ops = [tf().lite.OpsSet.TFLITE_BUILTINS_INT8]
    converter.inference_input_type = tf().int8
    converter.inference_output_type = tf().int8
    data = converter.convert()

    fb = tflite.Model.GetRootAsModel(data, 0)
    names = {v: k for k, v in vars(tflite.BuiltinOperator).items() if not k.startswith("_")}
    ops = {names[max(fb.OperatorCodes(i).BuiltinCode(), fb.OperatorCodes(i).DeprecatedBuiltinCode())]
           for i in range(fb.OperatorCodesLength())}
    allowed = {"CONV_2D", "DEPTHWISE_CONV_2D", "MAX_POOL_2D", "AVERAGE_POOL_2D", "RESHAPE",
               "FULLY_CONNECTED", "SOFTMAX", "ADD"}
    assert ops <= allowed, ops
    interp = Interpreter(model_content=data)
    interp.allocate_tensors()
    inp = interp.get_input_details()[0]
    assert inp["dtype"] == np.int8
