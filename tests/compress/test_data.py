"""compress fine-tunes and calibrates on the data set the model was trained on."""

import json

import numpy as np
import pytest
from click.testing import CliRunner

from tinyvid.cli import main
from tinyvid.compress.data import load_matching_dataset, model_record
from tinyvid.errors import DataError


def _image_folder(root, classes=("cat", "dog"), per_class=10):
    """One subfolder per class of 16x16 PNGs: dark noise for the first class, bright for the second."""
    import cv2

    rng = np.random.default_rng(0)
    for k, name in enumerate(classes):
        (root / name).mkdir(parents=True)
        for i in range(per_class):
            image = np.clip(rng.normal(60 + 120 * k, 20, (16, 16)), 0, 255).astype(np.uint8)
            cv2.imwrite(str(root / name / f"{i}.png"), image)
    return root


@pytest.fixture(scope="module")
def folder_model(tmp_path_factory):
    """A tiny_cnn trained one epoch on a two-class image folder, with its model.json."""
    from tinyvid.train import train

    root = tmp_path_factory.mktemp("folder")
    data = _image_folder(root / "pets")
    return train(str(data), "tiny_cnn", epochs=1, out_dir=root / "run", progress=False, filters=4, blocks=2,
                 data_options={"image_size": (16, 16), "fps": 3.0})


@pytest.mark.slow
def test_without_data_compress_loads_the_data_set_model_json_records(folder_model):
    record = model_record(folder_model.model_path)
    assert record is not None and record["class_names"] == ["cat", "dog"]
    data = load_matching_dataset((16, 16, 1), 2, None, record=record)
    assert data.name == "pets" and data.class_names == ("cat", "dog") and data.details["fps"] == 3.0
    # the same split as training: the test frames are the ones training held out
    np.testing.assert_array_equal(data.test.x, folder_model.dataset.test.x)


@pytest.mark.slow
def test_data_with_other_class_names_is_refused(folder_model, tmp_path):
    other = _image_folder(tmp_path / "other", classes=("car", "tree"))
    result = CliRunner().invoke(main, ["compress", str(folder_model.model_path), "--data", str(other),
                                       "-o", str(tmp_path / "out")])
    assert result.exit_code == 2, result.output
    assert "classes (car, tree) are not the model's (cat, dog)" in result.output
    assert not (tmp_path / "out" / "model_int8.tflite").exists()


@pytest.mark.slow
def test_the_synthetic_set_is_refused_for_a_model_trained_on_a_folder(folder_model, tmp_path):
    with pytest.raises(DataError, match="not the model's"):
        load_matching_dataset((16, 16, 1), 3, "synthetic", record=model_record(folder_model.model_path))


def test_without_data_or_record_compress_asks_for_data(tmp_path):
    from tinyvid.train import build_model

    path = tmp_path / "m.keras"
    build_model("tiny_cnn", (16, 16, 1), 3, filters=2, blocks=1).save(path)
    result = CliRunner().invoke(main, ["compress", str(path), "-o", str(tmp_path / "out")])
    assert result.exit_code == 2
    assert "no record of the data set" in result.output and "--data synthetic" in result.output


def test_a_record_of_another_model_file_is_not_used(tmp_path):
    (tmp_path / "model.json").write_text(json.dumps({"model_file": "model.keras", "data": {"source": "lfw"}}))
    assert model_record(tmp_path / "other.keras") is None
    assert model_record(tmp_path / "model.keras")["data"]["source"] == "lfw"
