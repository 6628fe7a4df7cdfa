"""validate against a fake board and a host reference."""

import json

import numpy as np

from tinyvid.harness.client import DutClient
from tinyvid.harness.fake import FakeDut, FakeTransport, toy_model
from tinyvid.harness.inputs import InputFormat, Sample
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


# --- validate is a gate: it checks the board runs the model, compares, and fails on a difference ---

import hashlib  # noqa: E402

import pytest  # noqa: E402
from click.testing import CliRunner  # noqa: E402

from tinyvid.cli import main  # noqa: E402
from tinyvid.errors import ModelMismatchError, UsageError  # noqa: E402
from tinyvid.harness.fake import FakeDutServer  # noqa: E402
from tinyvid.harness.validate import ExpectedModel, check_firmware, host_reference  # noqa: E402


def _resnet8_board(model_path, *, model=None, model_hash=None, **options):
    """A fake board running the real resnet8 (tflite-micro) unless told otherwise."""
    from tinyvid.model.reference import tflm_invoke

    sha = hashlib.sha256(model_path.read_bytes()).hexdigest()
    return FakeDut(model=model or (lambda x: tflm_invoke(model_path, [x])[0]), input_shape=(1, 32, 32, 3),
                   output_bytes=10, model_id="ic01", conversion="uint8", input_zero_point=-128,
                   output_scale=1 / 256, output_zero_point=-128,
                   model_hash=sha[:16] if model_hash is None else model_hash, **options)


def _raw_inputs(tmp_path, n=4, size=32 * 32 * 3):
    rng = np.random.default_rng(5)
    folder = tmp_path / "inputs"
    folder.mkdir()
    for i in range(n):
        (folder / f"in{i}.bin").write_bytes(rng.integers(0, 256, size, dtype=np.uint8).tobytes())
    return folder


def _validate(*args):
    return CliRunner().invoke(main, ["validate", *map(str, args)])


def test_a_board_computing_something_else_exits_1_and_says_so_last(tmp_path, resnet8_model):
    def off_by_one(x):
        from tinyvid.model.reference import tflm_invoke

        out = np.asarray(tflm_invoke(resnet8_model, [x])[0], np.int16).reshape(-1)
        out[3] = out[3] + (1 if out[3] < 127 else -1)
        return out.astype(np.int8)

    with FakeDutServer(_resnet8_board(resnet8_model, model=off_by_one)) as server:
        out = _validate("--port", server.url, "--model", resnet8_model, "--data", _raw_inputs(tmp_path), "--per-input")
    assert out.exit_code == 1, out.output
    last = out.output.strip().splitlines()[-1]
    assert last.startswith("MISMATCH") and "4 of 4 outputs differ from tflite-micro (max 1 LSB)" in last
    assert "in0.bin  (differs)" in out.output


def test_a_bit_exact_board_exits_0_and_says_so_last(tmp_path, resnet8_model):
    with FakeDutServer(_resnet8_board(resnet8_model)) as server:
        out = _validate("--port", server.url, "--model", resnet8_model, "--data", _raw_inputs(tmp_path, n=2))
    assert out.exit_code == 0, out.output
    assert out.output.strip().splitlines()[-1] == "ok         all 2 outputs bit-exact with tflite-micro"


def test_a_board_running_another_model_is_refused_naming_both_hashes(tmp_path, resnet8_model):
    with FakeDutServer(_resnet8_board(resnet8_model, model_hash="0123456789abcdef")) as server:
        out = _validate("--port", server.url, "--model", resnet8_model, "--data", _raw_inputs(tmp_path, n=2))
    sha = hashlib.sha256(resnet8_model.read_bytes()).hexdigest()[:16]
    assert out.exit_code == 2, out.output
    assert "error: the board's firmware was not built from" in out.output
    assert "model hash 0123456789abcdef on the board" in out.output and sha in out.output
    assert "hint:" in out.output


def test_nothing_to_compare_is_an_error_unless_asked_for(tmp_path):
    inputs = _raw_inputs(tmp_path, n=2, size=16)
    with FakeDutServer(FakeDut()) as server:
        out = _validate("--port", server.url, "--data", inputs)
        assert out.exit_code == 2 and "nothing to compare" in out.output and "--no-reference" in out.output
        out = _validate("--port", server.url, "--data", inputs, "--no-reference")
        assert out.exit_code == 0, out.output


def test_the_model_and_no_reference_together_are_refused(resnet8_model):
    fmt = InputFormat((1, 32, 32, 3))
    with pytest.raises(UsageError, match="contradict"):
        host_reference(None, resnet8_model, fmt, required=False)


def test_sizes_macs_and_arena_of_the_firmware_are_checked_too():
    info = client_for(FakeDut(arena_bytes=4096, macs=10_000)).tv_info()
    expected = ExpectedModel("the model of p", None, input_bytes=16, input_shape=(1, 4, 4, 1), output_bytes=4,
                             arena_bytes=8192, macs=10_000)
    with pytest.raises(ModelMismatchError) as err:
        check_firmware(info, expected)
    assert err.value.differences == ("arena bytes 4096 on the board, 8192 in the model of p",)
    assert err.value.board_hash == "" and err.value.model_hash == ""
    same = ExpectedModel("the model of p", "ab" * 32, input_bytes=16, input_shape=(1, 4, 4, 1), output_bytes=4,
                         arena_bytes=4096, macs=10_000)
    assert "only its sizes were checked" in check_firmware(info, same)[0]  # the fake reports no hash


@pytest.mark.emulated
def test_real_firmware_reports_its_models_hash_and_validate_refuses_another_model(tmp_path, resnet8_model,
                                                                                   vww_model):
    import shutil

    from tinyvid.build import build_project
    from tinyvid.harness.session import open_board
    from tinyvid.project import generate_project

    if shutil.which("qemu-system-arm") is None or shutil.which("arm-none-eabi-gcc") is None:
        pytest.skip("qemu-system-arm or arm-none-eabi-gcc not installed")
    project = generate_project(resnet8_model, "qemu-mps2-an386", tmp_path / "p").path
    build_project(project)
    sha = hashlib.sha256(resnet8_model.read_bytes()).hexdigest()
    with open_board(project=project) as session:
        assert session.client.tv_info().model_hash == sha[:16]
    out = _validate("--project", project, "--samples", 3)
    assert out.exit_code == 0, out.output
    assert "ok         all 3 outputs bit-exact with tflite-micro" in out.output.strip().splitlines()[-1]
    out = _validate("--project", project, "--samples", 3, "--model", vww_model)
    assert out.exit_code == 2, out.output
    vww_sha = hashlib.sha256(vww_model.read_bytes()).hexdigest()[:16]
    assert f"model hash {sha[:16]} on the board, {vww_sha} in {vww_model}" in out.output
