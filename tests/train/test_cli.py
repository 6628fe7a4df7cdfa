import json

from click.testing import CliRunner

from tinyvid.cli import main


def test_train_command_trains_and_prints_a_summary(tmp_path):
    out = tmp_path / "run"
    result = CliRunner().invoke(main, ["train", "--data", "lfw", "--image-size", "16x16", "--epochs", "2",
                                       "--filters", "4", "--seed", "3", "-o", str(out), "-q"])
    assert result.exit_code == 0, result.output
    for word in ("lfw", "non_face", "tiny_cnn", "parameters", "MACs", "test", "model.keras"):
        assert word in result.output
    record = json.loads((out / "model.json").read_text())
    assert record["training"]["seed"] == 3 and record["architecture"]["params"]["filters"] == 4
    assert f"{100 * record['metrics']['test']['accuracy']:.1f}%" in result.output


def test_train_command_json_is_the_record(tmp_path):
    result = CliRunner().invoke(main, ["train", "--data", "lfw", "--image-size", "12", "--epochs", "1",
                                       "--arch", "mobilenet_v1", "--alpha", "0.25", "-o", str(tmp_path), "--json",
                                       "-q"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.output) == json.loads((tmp_path / "model.json").read_text())


def test_unknown_architecture_is_one_line_and_exit_2(tmp_path):
    result = CliRunner().invoke(main, ["train", "--arch", "alexnet", "-o", str(tmp_path)])
    assert result.exit_code == 2 and "Traceback" not in result.output
    assert "'alexnet' is not one of 'tiny_cnn', 'mobilenet_v1', 'resnet8'" in result.output


def test_parameter_of_another_architecture_is_exit_2(tmp_path):
    result = CliRunner().invoke(main, ["train", "--data", "lfw", "--alpha", "0.5", "-o", str(tmp_path)])
    assert result.exit_code == 2 and "no parameter alpha" in result.output


def test_bad_image_size_names_the_format(tmp_path):
    result = CliRunner().invoke(main, ["train", "--image-size", "big", "-o", str(tmp_path)])
    assert result.exit_code == 2 and "HxW" in result.output
