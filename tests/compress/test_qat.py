import numpy as np
import pytest

from tinyvid.compress.evaluate import agreement, tflite_outputs
from tinyvid.compress.finetune import FinetuneOptions
from tinyvid.compress.qat import quantize_aware
from tinyvid.compress.quantize import INPUT_SCALE, INPUT_ZERO_POINT, representative_frames, to_int8_tflite


@pytest.mark.slow
def test_quantization_aware_training_gives_a_full_int8_model_with_the_input_convention(small_model, small_data):
    from ai_edge_litert.interpreter import Interpreter

    qat = quantize_aware(small_model, small_data.train.x, small_data.train.y,
                         FinetuneOptions(epochs=1, batch_size=64, seed=0, progress=False))
    flatbuffer = to_int8_tflite(qat, representative_frames(small_data.train.x, 32))
    inp = Interpreter(model_content=flatbuffer).get_input_details()[0]
    assert inp["quantization"][1] == INPUT_ZERO_POINT
    assert inp["quantization"][0] == pytest.approx(INPUT_SCALE, rel=1e-6)
    outputs = tflite_outputs(flatbuffer, small_data.test.x)
    assert agreement(outputs, qat.predict(small_data.test.x, verbose=0)) >= 0.95
