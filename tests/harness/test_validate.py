"""validate against a fake board and a host reference."""

import json

import numpy as np

from tinyvid.harness.client import DutClient
from tinyvid.harness.fake import FakeDut, FakeTransport, toy_model
from tinyvid.harness.inputs import Sample
from tinyvid.harness.reporters import to_json, validate_text
from tinyvid.harness.validate import validate


def client_for(dut):
    return DutClient(FakeTransport(dut), quiet=0.01).open()


def samples(n, size=16):
    rng = np.random.default_rng(1)
    return [Sample(f"s{i}", rng.integers(0, 256, size, dtype=np.uint8).tobytes(), int(i % 4)) for i in range(n)]


def test_a_board_that_matches_the_reference_is_100_percent_bit_exact():
    dut = FakeDut()
    inputs = samples(6)
    result = validate(client_for(dut), inputs, reference=dut.reference)
    assert (result.count, result.compared, result.bit_exact, result.max_lsb) == (6, 6, 6, 0)
    assert result.top1_agreement == 1.0
    expected_acc = np.mean([np.argmax(np.frombuffer(dut.reference(s.data), np.int8)) == s.label for s in inputs])
    assert result.accuracy == expected_acc
    assert not result.partial and result.error is None


def test_an_off_by_one_board_is_caught_with_its_lsb_difference():
    def off(x):
        out = toy_model(x, 4).astype(np.int16)
        out[0] = np.clip(out[0] + 1, -128, 127)
        return out.astype(np.int8)

    reference = FakeDut().reference
    result = validate(client_for(FakeDut(model=off)), samples(5), reference=reference)
    assert result.max_lsb == 1
    assert result.bit_exact < 5


def test_a_board_dying_mid_run_keeps_the_results_so_far():
    dut = FakeDut(faults={1 + 2 * 3: "die"})  # tv-info, then tv-load + tv-infer per input
    result = validate(client_for(dut), samples(6), reference=FakeDut().reference)
    assert result.count == 3
    assert result.partial and result.bit_exact == 3
    assert "stopped at input s3 (3 of 6 done)" in result.error
    text = validate_text(result)
    assert "3 of 6 (partial)" in text and "error:" in text
    assert json.loads(to_json(result))["partial"] is True


def test_a_silent_board_mid_run_ends_in_a_timeout_error_with_partial_results():
    dut = FakeDut(faults={4: "hang"})
    result = validate(client_for(dut), samples(4), reference=dut.reference)
    assert result.count == 1
    assert "stopped answering" in result.error


def test_a_board_reset_mid_run_is_retried_once_and_counted():
    dut = FakeDut(faults={4: "reset"})  # the second input's tv-infer
    result = validate(client_for(dut), samples(3), reference=FakeDut().reference)
    assert result.error is None
    assert result.resets == 1
    assert result.bit_exact == 3


def test_a_plain_board_output_is_recovered_from_its_printed_results():
    dut = FakeDut(extensions=False)
    result = validate(client_for(dut), samples(3), reference=dut.reference,
                      output_quant=(dut.output_scale, dut.output_zero_point))
    assert result.bit_exact == 3 and result.max_lsb == 0


def test_without_a_reference_only_accuracy_is_reported():
    result = validate(client_for(FakeDut()), samples(4))
    assert result.compared == 0 and result.accuracy is not None
    assert "not compared" in validate_text(result) and "no host reference" in validate_text(result)


def test_labels_of_a_data_set_that_does_not_fit_the_model_are_not_scored():
    dut = FakeDut()  # 4 outputs
    result = validate(client_for(dut), samples(3), reference=dut.reference, class_names=("a", "b", "c"))
    assert result.accuracy is None and result.labelled == 0
    assert "3 classes but the model 4 outputs" in result.notes[0]
    assert result.bit_exact == 3


def test_an_out_of_step_reply_mid_run_is_resynchronised_and_the_input_retried():
    dut = FakeDut(faults={4: "stale"})  # the second input's tv-infer
    result = validate(client_for(dut), samples(3), reference=FakeDut().reference)
    assert result.error is None and result.bit_exact == 3
    assert "input s1 retried" in result.notes[0]


def test_a_float32_board_is_fed_quantized_inputs_like_the_firmware():
    dut = FakeDut(conversion="float32", input_scale=0.5, input_zero_point=0)
    rng = np.random.default_rng(3)
    inputs = [Sample(str(i), (rng.integers(-8, 8, 16) + 0.5).astype("<f4").tobytes()) for i in range(3)]
    result = validate(client_for(dut), inputs, reference=FakeDut(conversion="float32", input_scale=0.5,
                                                                 input_zero_point=0).reference)
    assert result.bit_exact == 3
    # x.5 / 0.5 is a whole number: no rounding ties, the tensor is exactly 2x
    tensor = dut.model_input(inputs[0].data).reshape(-1)
    assert tensor.tolist() == (2 * np.frombuffer(inputs[0].data, "<f4")).astype(int).tolist()


def test_a_failing_host_reference_keeps_the_results_so_far():
    from tinyvid.errors import ModelError

    dut = FakeDut()
    calls = []

    def reference(data):
        calls.append(data)
        if len(calls) == 3:
            raise ModelError("tflite-micro failed to run the model")
        return dut.reference(data)

    result = validate(client_for(dut), samples(4), reference=reference)
    assert result.count == 2 and "tflite-micro failed" in result.error


def test_a_plain_board_printing_fewer_values_than_outputs_is_not_compared():
    dut = FakeDut(extensions=False, output_bytes=4)
    result = validate(client_for(dut), samples(2), reference=lambda data: bytes(8),
                      output_quant=(dut.output_scale, dut.output_zero_point))
    assert result.compared == 0 and result.error is None
    assert "outputs not compared" in result.notes[0]
